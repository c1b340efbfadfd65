/**
 * `npm run bench -- devnet`: how long `devnet up` takes to "ready" — cold (a fresh deployment
 * cache: contracts deployed on throw-away anvils), warm (cached anvil state, a fresh home) and
 * resumed (the same home again) — beside a baseline measured in the same run: one bare hub node
 * (`bin/unimargin start`) from spawn to its first block, the floor under any devnet start. Then the
 * deposit latencies on the warm devnet (deposit → provisional credit, → final) against the issue's
 * bounds (≤ 3 s p95, ≤ 15 s p95), and the withdrawals' RELEASE → ACK (the block that dispatched the
 * RELEASE to the block that recorded the vault's ACK, hub block times) against ≤ 10 s, beside the
 * inbound hop (deposit → provisional credit) of the same run: RELEASE → ACK is one hub → chain hop
 * plus one chain → hub hop. Prints the figures and writes a markdown section to `$BENCH_RESULTS`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initHome } from '../chain/node/home.ts';
import { devnetDeposit } from '../devnet/cli.ts';
import { findFreePort } from '../devnet/evm/anvil.ts';
import { devnetWithdraw } from '../devnet/margin.ts';
import { quantile } from '../devnet/scenarios.ts';
import { devnetUp } from '../devnet/up.ts';

const root = new URL('..', import.meta.url).pathname;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function bareHubStartMs(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'umg-bench-hub-'));
  initHome({ home });
  const port = await findFreePort();
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin', 'unimargin'),
      'start',
      '--home',
      home,
      '--rpc-port',
      String(port),
      '--sig-threads',
      '1',
      '--log-level',
      'warn',
    ],
    { stdio: 'ignore' },
  );
  try {
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/v1/status`, { signal: AbortSignal.timeout(500) });
        const j = (await r.json()) as { height: string };
        if (BigInt(j.height) >= 1n) return Date.now() - t0;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'umg-bench-cache-'));
  const homes: string[] = [];
  const quiet = () => {};
  const load0 = loadavg()[0]!;
  const baseline = await bareHubStartMs();
  console.log(`baseline: bare hub node to first block ${s(baseline)}`);

  const coldHome = mkdtempSync(join(tmpdir(), 'umg-bench-dn-'));
  homes.push(coldHome);
  const cold = await devnetUp({ home: coldHome, ports: 'auto', cacheDir, print: quiet });
  await cold.stop();
  console.log(`cold: ${s(cold.readyMs)} (${cold.timings.map((t) => `${t.step} ${s(t.ms)}`).join('; ')})`);

  const warmHome = mkdtempSync(join(tmpdir(), 'umg-bench-dn-'));
  homes.push(warmHome);
  const warm = await devnetUp({ home: warmHome, ports: 'auto', cacheDir, print: quiet });
  console.log(`warm: ${s(warm.readyMs)} (${warm.timings.map((t) => `${t.step} ${s(t.ms)}`).join('; ')})`);

  const prov: number[] = [];
  const fin: number[] = [];
  for (let r = 0; r < 3; r++) {
    const ds = await Promise.all(
      warm.world.chains.map((c, i) =>
        devnetDeposit({
          home: warmHome,
          chain: c.name,
          token: 'USDC',
          amount: '10',
          keyIndex: 1 + i,
          print: quiet,
        }),
      ),
    );
    for (const d of ds) {
      if (d.provisionalMs !== undefined) prov.push(d.provisionalMs);
      if (d.finalMs !== undefined) fin.push(d.finalMs);
    }
  }
  // Withdrawals: key 1 + i takes 2 of the 30 USDC it deposited on chain i back, 3 rounds.
  const ack: number[] = [];
  const paid: number[] = [];
  const ackFinal: number[] = [];
  for (let r = 0; r < 3; r++) {
    const ws = await Promise.all(
      warm.world.chains.map((c, i) =>
        devnetWithdraw({
          home: warmHome,
          chain: c.name,
          token: 'USDC',
          amount: '2',
          keyIndex: 1 + i,
          timeoutMs: 120_000,
          print: quiet,
        }),
      ),
    );
    for (const w of ws) {
      if (w.ackMs !== undefined) ack.push(w.ackMs);
      if (w.releasedMs !== undefined) paid.push(w.releasedMs);
      if (w.ackFinalMs !== undefined) ackFinal.push(w.ackFinalMs);
    }
  }
  console.log(`RELEASE → ACK p50 ${s(quantile(ack, 0.5))} p95 ${s(quantile(ack, 0.95))} over ${ack.length}`);
  await warm.stop();

  const resumed = await devnetUp({ home: warmHome, ports: 'auto', cacheDir, print: quiet });
  await resumed.stop();
  console.log(`resumed: ${s(resumed.readyMs)}`);
  const load1 = loadavg()[0]!;

  const rows = [
    ['cold (deploy + start)', cold.readyMs, 20_000],
    ['warm (cached state, fresh home)', warm.readyMs, 8_000],
    ['resumed (same home)', resumed.readyMs, 8_000],
  ] as const;
  const lines = [
    '## devnet: start to ready, deposit and withdrawal latencies',
    '',
    `Machine load average (1 min) ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end, on ${
      (await import('node:os')).cpus().length
    } cores. Baseline: one bare hub node (\`bin/unimargin start\`) from spawn to its first block, ${s(baseline)}.`,
    '',
    '| start | ready | × bare hub start | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      ([name, ms, target]) =>
        `| ${name} | ${s(ms)} | ${(ms / baseline).toFixed(2)} | ≤ ${s(target)} | ${ms <= target ? 'yes' : 'no'} |`,
    ),
    '',
    `Cold steps: ${cold.timings.map((t) => `${t.step} ${s(t.ms)}`).join('; ')}.`,
    '',
    `Warm steps: ${warm.timings.map((t) => `${t.step} ${s(t.ms)}`).join('; ')}.`,
    '',
    '| deposit latency (3 rounds × 3 chains) | p50 | p95 | bound (p95) | met |',
    '| --- | --- | --- | --- | --- |',
    `| deposit → provisional credit | ${s(quantile(prov, 0.5))} | ${s(quantile(prov, 0.95))} | ≤ 3.00 s | ${quantile(prov, 0.95) <= 3000 ? 'yes' : 'no'} |`,
    `| deposit → final credit | ${s(quantile(fin, 0.5))} | ${s(quantile(fin, 0.95))} | ≤ 15.00 s | ${quantile(fin, 0.95) <= 15_000 ? 'yes' : 'no'} |`,
    '',
    `| withdrawal (3 rounds × 3 chains) | p50 | p95 | × deposit → provisional p50 | bound (p95) | met |`,
    '| --- | --- | --- | --- | --- | --- |',
    `| RELEASE → ACK on the hub (hub block times) | ${s(quantile(ack, 0.5))} | ${s(quantile(ack, 0.95))} | ${(quantile(ack, 0.5) / quantile(prov, 0.5)).toFixed(2)} | ≤ 10.00 s | ${ack.length === 9 && quantile(ack, 0.95) <= 10_000 ? 'yes' : 'no'} |`,
    `| RELEASE → tokens at the recipient | ${s(quantile(paid, 0.5))} | ${s(quantile(paid, 0.95))} | ${(quantile(paid, 0.5) / quantile(prov, 0.5)).toFixed(2)} | — | — |`,
    `| RELEASE → ACK final | ${s(quantile(ackFinal, 0.5))} | ${s(quantile(ackFinal, 0.95))} | ${(quantile(ackFinal, 0.5) / quantile(prov, 0.5)).toFixed(2)} | — | — |`,
    '',
  ];
  console.log(lines.join('\n'));
  if (process.env.BENCH_RESULTS) writeFileSync(process.env.BENCH_RESULTS, lines.join('\n'));
  for (const h of homes) rmSync(h, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
}

await main();
