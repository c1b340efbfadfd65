/**
 * Node throughput: signed txs from HTTP in (JSON-RPC `broadcast_tx_sync`, batches of 20) to
 * committed, against the single-core native signature verification rate measured in the same run.
 * The node runs as its own process (`unimargin start`, 2 signature worker threads); this process
 * generates and sends the load. Goal: ≥ 50% of the single-core verify rate.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import secp from 'secp256k1';
import { devnetPrivateKey, homePaths, initHome } from '../chain/node/home.ts';
import { linkMsg, signTx } from '../test/helpers/txs.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100);
const PER_ACCOUNT = Number(process.env.BENCH_TXS_PER_ACCOUNT ?? 150);
const CHAIN = 'unimargin-devnet-1';

function verifyRate(): { perSec: number; n: number; ms: number } {
  const n = 20_000;
  const key = devnetPrivateKey(0);
  const pub = secp.publicKeyCreate(key, true);
  const items = Array.from({ length: n }, (_, i) => {
    const d = createHash('sha256').update(`doc ${i}`).digest();
    return [d, secp.ecdsaSign(d, key).signature] as const;
  });
  const t0 = performance.now();
  let ok = 0;
  for (const [d, s] of items) if (secp.ecdsaVerify(s, d, pub)) ok++;
  const ms = performance.now() - t0;
  if (ok !== n) throw new Error('verify failed');
  return { perSec: (n / ms) * 1000, n, ms };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function committed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /unimargin_txs_committed_total (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join('/');

async function main() {
  const loadStart = load();
  // The baseline is measured before and after the run (the machine is shared: both move with load).
  const verifyBefore = verifyRate();
  process.stdout.write(`load average ${loadStart} on ${cpus().length} cores\n`);
  process.stdout.write(
    `single-core native verify: ${verifyBefore.perSec.toFixed(0)}/s (${verifyBefore.n} in ${verifyBefore.ms.toFixed(0)} ms)\n`,
  );

  const home = mkdtempSync(join(tmpdir(), 'umg-bench-'));
  initHome({ home, accounts: ACCOUNTS });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bin = new URL('../bin/unimargin', import.meta.url).pathname;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_PROF=<dir> writes a CPU profile of the node process there.
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []),
      bin,
      'start',
      '--home',
      home,
      '--rpc-port',
      String(port),
      '--block-time-ms',
      '250',
      '--log-level',
      process.env.BENCH_LOG ?? 'error',
      '--sig-threads',
      '2',
    ],
    { stdio: 'inherit' },
  );
  try {
    for (let i = 0; ; i++) {
      try {
        await fetch(`${url}/v1/health`);
        break;
      } catch {
        // Generous: on a loaded machine the node's module loading alone takes seconds.
        if (i > 2400) throw new Error('node did not start within 120 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    process.stdout.write(`generating ${ACCOUNTS * PER_ACCOUNT} signed txs…\n`);
    const keys = Array.from({ length: ACCOUNTS }, (_, i) => devnetPrivateKey(i));
    const now = BigInt(Date.now());
    // Interleave accounts so each batch spreads over many senders (per-account order kept).
    const txs: string[] = [];
    for (let s = 0; s < PER_ACCOUNT; s++) {
      for (let a = 0; a < ACCOUNTS; a++) {
        const msg = linkMsg({
          privKey: keys[a]!,
          evmPrivKey: randomBytes(32),
          chainId: CHAIN,
          nonce: BigInt(s + 1),
          expiryMs: now + 3_600_000n,
        });
        txs.push(
          Buffer.from(
            signTx({
              privKey: keys[a]!,
              accountNumber: BigInt(a),
              sequence: BigInt(s),
              chainId: CHAIN,
              msgs: [msg],
            }),
          ).toString('base64'),
        );
      }
    }
    const before = await committed(url);
    // Lanes: each HTTP connection carries a disjoint set of accounts, so per-account order holds
    // while requests overlap.
    const LANES = 4;
    const lanes: string[][][] = Array.from({ length: LANES }, () => []);
    for (let l = 0; l < LANES; l++) {
      const mine = txs.filter((_, i) => (i % ACCOUNTS) % LANES === l);
      for (let i = 0; i < mine.length; i += 20) lanes[l]!.push(mine.slice(i, i + 20));
    }
    let rejected = 0;
    const t0 = performance.now();
    const lane = async (batches: string[][]) => {
      for (const b of batches) {
        const body = JSON.stringify(
          b.map((tx, i) => ({ jsonrpc: '2.0', id: i, method: 'broadcast_tx_sync', params: { tx } })),
        );
        const res = (await (
          await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
        ).json()) as { result?: { code: number } }[];
        for (const r of res) {
          if (r.result?.code !== 0) {
            if (rejected < 3) process.stdout.write(`rejected: ${JSON.stringify(r).slice(0, 300)}\n`);
            rejected++;
          }
        }
      }
    };
    await Promise.all(lanes.map(lane));
    const tSent = performance.now();
    while ((await committed(url)) - before < txs.length - rejected)
      await new Promise((r) => setTimeout(r, 20));
    const t1 = performance.now();
    const loadEnd = load();
    const verifyAfter = verifyRate();
    const base = { perSec: (verifyBefore.perSec + verifyAfter.perSec) / 2 };
    const perSec = ((txs.length - rejected) / (t1 - t0)) * 1000;
    const ratio = perSec / base.perSec;
    process.stdout.write(
      `HTTP in → committed: ${perSec.toFixed(0)} tx/s (${txs.length - rejected} txs, ${rejected} rejected, sent in ${(tSent - t0).toFixed(0)} ms, committed in ${(t1 - t0).toFixed(0)} ms)\nratio to single-core verify (mean of ${verifyBefore.perSec.toFixed(0)} before and ${verifyAfter.perSec.toFixed(0)} after): ${ratio.toFixed(2)} (goal ≥ 0.50); load ${loadStart} → ${loadEnd}\n`,
    );
    const out = process.env.BENCH_RESULTS;
    if (out) {
      writeFileSync(
        out,
        [
          '## Node: signed txs from HTTP in to committed',
          '',
          `${ACCOUNTS} accounts × ${PER_ACCOUNT} MsgLinkEvmAddress txs, JSON-RPC batches of 20 over 4 concurrent connections, node as its own process with 2 signature worker threads, 250 ms blocks. Each tx also costs the STF one EIP-191 recovery. Load average ${loadStart} at start, ${loadEnd} at the end, on ${cpus().length} cores (shared with the load generator and other work).`,
          '',
          '| figure | value | baseline (same run) | ratio |',
          '| --- | ---: | ---: | ---: |',
          `| txs committed per second | ${perSec.toFixed(0)} /s | single-core native secp256k1 verify ${base.perSec.toFixed(0)} /s (${verifyBefore.perSec.toFixed(0)} before, ${verifyAfter.perSec.toFixed(0)} after) | ${ratio.toFixed(2)} (goal ≥ 0.50) |`,
          `| rejected at CheckTx | ${rejected} | — | — |`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
    void homePaths;
  }
}

await main();
