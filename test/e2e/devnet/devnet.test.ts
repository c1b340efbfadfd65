/**
 * The devnet end to end, driven programmatically: `devnetUp` reaches "ready" with every process
 * alive (three anvils, the hub, the agents, the oracle feeder), the registry metadata it wrote
 * validates (our schema validator and the agents' parser) and its YAML equals its JSON; the genesis
 * carries margin and oracle sections; a deposit travels to provisional then final credit; the
 * oracle's prices reach the hub, every feed the margin snapshot needs among them; the unified-margin
 * scenarios `hedge`, `crash` and `reorg` pass on this one devnet (every check but the latency
 * bounds, which depend on the machine's load and are measured by `npm run bench -- devnet`);
 * conservation holds against the vault balances; `devnetDown` leaves no PID it started alive.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadAgentChain } from '../../../bridge/agents/index.ts';
import { devnetDeposit } from '../../../devnet/cli.ts';
import { devnetDown } from '../../../devnet/down.ts';
import { isAlive, isOurs, readPidFile } from '../../../devnet/processes.ts';
import { validateChainMetadata } from '../../../devnet/registry.ts';
import { checkConservation, devnetScenario, type ScenarioResult } from '../../../devnet/scenarios.ts';
import { type DevnetHandle, devnetUp } from '../../../devnet/up.ts';
import { DEVNET_WORLD } from '../../../devnet/world.ts';

const home = mkdtempSync(join(tmpdir(), 'umg-devnet-'));
const lines: string[] = [];
let h: DevnetHandle;

beforeAll(async () => {
  h = await devnetUp({ home, ports: 'auto', print: (l) => lines.push(l) });
}, 240_000);

afterAll(async () => {
  await h?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('devnet up', () => {
  it('prints a progress line per step and reaches ready', () => {
    for (const step of ['anvil chains', 'hub node', 'validators and relayer', 'oracle feeder']) {
      expect(
        lines.some((l) => l.includes(`✓ ${step}`)),
        step,
      ).toBe(true);
    }
    expect(lines.at(-1)).toMatch(/ready \((cold|warm)/);
    expect(h.readyMs).toBeGreaterThan(0);
  });

  it('runs every process it lists, tracked in the pid file', () => {
    const roles = h.processes.map((p) => p.role).sort();
    expect(roles).toEqual(['agents', 'anvil:arbdev', 'anvil:ethdev', 'anvil:opdev', 'hub', 'oracle']);
    for (const p of h.processes) {
      expect(isAlive(p.pid), p.role).toBe(true);
      expect(isOurs(p), p.role).toBe(true);
    }
    const file = readPidFile(home);
    expect(file?.processes.map((p) => p.pid).sort()).toEqual(
      [process.pid, ...h.processes.map((p) => p.pid)].sort(),
    );
  });

  it('writes registry metadata that validates, YAML equal to JSON, readable by the agents', () => {
    for (const name of [...DEVNET_WORLD.chains.map((c) => c.name), 'unimarginhub']) {
      const d = join(h.world.registryDir, 'chains', name);
      const json = JSON.parse(readFileSync(join(d, 'metadata.json'), 'utf8'));
      expect(parseYaml(readFileSync(join(d, 'metadata.yaml'), 'utf8')), name).toEqual(json);
      expect(validateChainMetadata(json), name).toEqual([]);
      expect(parseYaml(readFileSync(join(d, 'addresses.yaml'), 'utf8')), name).toEqual(
        JSON.parse(readFileSync(join(d, 'addresses.json'), 'utf8')),
      );
      const agentChain = loadAgentChain(h.world.registryDir, name);
      expect(agentChain.metadata.domainId, name).toBe(json.domainId);
    }
    const ids = h.world.chains.map((c) => c.chainId);
    const domains = h.world.chains.map((c) => c.domain);
    expect(new Set([...ids, ...domains]).size).toBe(6);
  });

  it('deploys tokens with real-world decimals on every chain', () => {
    for (const c of h.world.chains) {
      expect(c.deployment.app.tokenDecimals, c.name).toEqual({ USDC: 6, WETH: 18, WBTC: 8 });
      expect(Object.keys(c.deployment.app.instruments).sort(), c.name).toEqual([
        'BTC-PERP',
        'ETH-C-3500-30D',
        'ETH-P-2500-30D',
        'ETH-PERP',
      ]);
    }
  });

  it('credits a deposit provisionally, then finally, and conserves', async () => {
    const d = await devnetDeposit({
      home,
      chain: 'arbdev',
      token: 'USDC',
      amount: '250.5',
      keyIndex: 2,
      timeoutMs: 60_000,
      print: () => {},
    });
    expect(d.amount).toBe(250_500_000n);
    expect(d.provisionalMs).toBeDefined();
    expect(d.finalMs).toBeDefined();
    expect(d.result).toBe('deposit_credited');
    const o = (await (await fetch(`${h.world.hub.url}/dashboard/api/overview`)).json()) as {
      inbound: { message_id: string; stage: string }[];
      collateral_totals: { domain: number; symbol: string; stage: string; amount: string }[];
    };
    expect(o.inbound.find((m) => m.message_id === d.messageId)?.stage).toBe('final');
    const arb = h.world.chains.find((c) => c.name === 'arbdev')!;
    expect(
      o.collateral_totals.find((t) => t.domain === arb.domain && t.symbol === 'USDC' && t.stage === 'final')
        ?.amount,
    ).toBe('250500000');
    const lines = await checkConservation(h.world);
    for (const l of lines) expect(l.ok, `${l.chain} ${l.token}`).toBe(true);
    const line = lines.find((l) => l.chain === 'arbdev' && l.token === 'USDC')!;
    expect(line.vaultBalance).toBe(250_500_000n);
    expect(line.unattributed).toBe(0n);
  }, 90_000);

  it('starts the hub from a genesis with margin and oracle sections', () => {
    const g = JSON.parse(readFileSync(join(h.world.hub.home, 'config', 'genesis.json'), 'utf8')) as {
      margin?: { instruments: { domain: number; instrument: { id: string } }[] };
      oracle?: { signers: string[] };
    };
    expect(g.oracle?.signers.map((x) => x.toLowerCase())).toEqual(
      h.world.oracle.signers.map((x) => x.toLowerCase()),
    );
    const perps = g.margin?.instruments.filter((l) => l.instrument.id === 'ETH-PERP') ?? [];
    expect(perps.map((l) => l.domain).sort()).toEqual(h.world.chains.map((c) => c.domain).sort());
  });

  it('feeds oracle prices that the hub accepts', async () => {
    const o = (await (await fetch(`${h.world.hub.url}/dashboard/api/overview`)).json()) as {
      oracle: { feed: string; value: string }[];
    };
    const eth = o.oracle.find((p) => p.feed === 'ETH/USD');
    expect(eth).toBeDefined();
    const usd = Number(BigInt(eth!.value) / 10n ** 12n) / 1e6;
    expect(usd).toBeGreaterThan(2000);
    expect(usd).toBeLessThan(4000);
    // Every feed the margin snapshot reads for the listed expiry.
    const expiry = Object.values(h.world.chains[0]!.deployment.app.instruments).find(
      (i) => i.kind === 'option',
    )?.expirySec;
    for (const f of [
      'BTC/USD',
      'USDC/USD',
      ...['fwd', 'rate', 'svi.a', 'svi.b', 'svi.rho', 'svi.m', 'svi.sigma'].map(
        (k) => `ETH/USD:${k}:${expiry}`,
      ),
    ])
      expect(
        o.oracle.some((p) => p.feed === f),
        f,
      ).toBe(true);
  });
});

/** Violations other than a latency series above its bound (those depend on the machine's load). */
function hardViolations(r: ScenarioResult): string[] {
  const slow = r.latencies.filter((l) => !l.ok).map((l) => `${l.name}:`);
  return r.violations.filter((v) => !slow.some((p) => v.startsWith(p)));
}

describe('unified-margin scenarios', () => {
  const run = async (name: string) => {
    const r = await devnetScenario(name, { home, print: (l) => lines.push(`[${name}] ${l}`) });
    expect(hardViolations(r), r.narrative.join('\n')).toEqual([]);
    for (const l of r.conservation) expect(l.ok, `${name}: ${l.chain} ${l.token}`).toBe(true);
    expect(r.conservation.some((l) => l.source === 'margin')).toBe(true);
    return r;
  };

  it('hedge: IM counts the long at once, the short’s relief only once final; RELEASE → ACK measured', async () => {
    const r = await run('hedge');
    const text = r.narrative.join('\n');
    expect(text).toMatch(/hedge provisional \$[0-9,.]+ → hedge final \$0\.00/);
    const ack = r.latencies.find((l) => l.name === 'RELEASE → ACK');
    expect(ack?.samplesMs).toHaveLength(1);
    expect(ack!.boundMs).toBe(10_000);
  }, 600_000);

  it('crash: liquidated within the price limit, executed and ACKed on chain, penalty to the insurance fund', async () => {
    const r = await run('crash');
    const text = r.narrative.join('\n');
    expect(text).toMatch(/Liquidated .* after the shock/);
    expect(text).toMatch(/Executed on opdev .*limit [0-9.]+ ✓/);
    expect(text).toMatch(/Insurance fund on opdev USDC: [0-9.]+ → [0-9.]+ \(\+[0-9.]*[1-9]/);
    expect(r.latencies.find((l) => l.name === 'CLOSE_POSITION → ACK')?.samplesMs).toHaveLength(1);
  }, 600_000);

  it('reorg: the reorged deposit is not withdrawable, halts its domain, expires and is reverted', async () => {
    const r = await run('reorg');
    const text = r.narrative.join('\n');
    expect(text).toMatch(/anvil_reorg \d+ blocks .*deposit tx gone/);
    expect(text).toMatch(/refused: MARGIN_/);
    expect(text).toMatch(/expired and was reverted/);
    expect(text).toMatch(/provisional USDC from opdev now 0\./);
  }, 600_000);
});

describe('devnet down', () => {
  it('stops every process it started and nothing else', async () => {
    const pids = h.processes.map((p) => p.pid);
    const r = await devnetDown({ home, print: () => {} });
    expect(r.stopped.map((p) => p.pid).sort()).toEqual([...pids].sort());
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(isAlive(process.pid)).toBe(true);
    expect(readPidFile(home)).toBeUndefined();
  }, 60_000);
});
