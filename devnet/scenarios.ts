/**
 * `unimargin devnet scenario <name>`: scripted stories played against a running devnet. Each prints
 * a short narrative with its numbers and latencies, checks the conservation invariant against the
 * vaults' on-chain balances at the end, and fails (non-zero exit) on any violation.
 *
 * | scenario | what |
 * | --- | --- |
 * | `deposits` | a deposit on every chain; latencies deposit → provisional → final |
 * | `halt` | one chain stops producing blocks: its deposits stop, the others' go on; it resumes |
 * | `chaos` | a second relayer races the first with random delays: every message delivered once (needs `devnet up --chaos`) |
 * | `hedge` | a cross-chain hedge: IM with the hedge provisional vs final; withdrawal RELEASE → ACK (`marginScenarios.ts`) |
 * | `crash` | a price crash liquidated and settled on the chains (`marginScenarios.ts`) |
 * | `reorg` | a provisional deposit reorged out, refused for withdrawal, expired and reverted (`marginScenarios.ts`) |
 *
 * Conservation (`scenarioKit.ts`): for each (domain, token), Σ hub balances + in flight = inflow +
 * provisional inflow − outflow (`/v1/margin/conservation`), and the hub's view of the vault (final
 * inflow − outflow − in flight) must not exceed the vault's on-chain balance; any surplus is
 * reported as unattributed (a deposit or a gain not yet final, a direct transfer).
 */
import { formatUnits, type Hex } from 'viem';
import { type DepositResult, devnetDeposit, readWorldFile } from './cli.ts';
import { DevnetError } from './errors.ts';
import { crashScenario, hedgeScenario, reorgScenario } from './marginScenarios.ts';
import {
  type ConservationLine,
  checkConservation,
  fmtMs as fmt,
  LATENCY_BOUNDS_MS,
  quantile,
  type ScenarioContext,
} from './scenarioKit.ts';
import { SCENARIO_INFO } from './scenarioList.ts';
import type { WorldFile } from './up.ts';
import { DEVNET_WORLD, worldChain } from './world.ts';

export { type ConservationLine, checkConservation, LATENCY_BOUNDS_MS, quantile };

/** A latency series with its bound (the acceptance figure), ms; `boundMs` undefined: reported only. */
export interface LatencySeries {
  readonly name: string;
  readonly samplesMs: readonly number[];
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly boundMs?: number;
  readonly ok: boolean;
}

/** What a scenario run produced. */
export interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly narrative: readonly string[];
  readonly latencies: readonly LatencySeries[];
  readonly conservation: readonly ConservationLine[];
  readonly violations: readonly string[];
}

/** Options of {@link devnetScenario}. */
export interface ScenarioOpts {
  readonly home?: string;
  readonly print?: (line: string) => void;
  /** Deposits per chain where a scenario makes several (default 3). */
  readonly rounds?: number;
  /** Scenario options (`chain`, `key-index`, …; each scenario's help names its own). */
  readonly options?: Readonly<Record<string, string>>;
}

interface ScenarioDef {
  run(ctx: Ctx): Promise<void>;
}

type Ctx = ScenarioContext;

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const j = (await r.json()) as { result?: unknown; error?: { message: string } };
  if (j.error !== undefined) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

async function depositsEverywhere(
  ctx: Ctx,
  chains: readonly string[],
  rounds: number,
): Promise<DepositResult[]> {
  const results: DepositResult[] = [];
  for (let r = 0; r < rounds; r++) {
    const batch = await Promise.all(
      chains.map((chain, i) =>
        devnetDeposit({
          ...(ctx.home === undefined ? {} : { home: ctx.home }),
          chain,
          token: 'USDC',
          amount: String(100 + 10 * r + i),
          keyIndex: 1 + ((r + i) % 3),
          timeoutMs: 40_000,
          print: () => {},
        }),
      ),
    );
    for (const d of batch) {
      ctx.say(
        `  ${d.chain}: ${formatUnits(d.amount, 6)} USDC by ${d.depositor.slice(0, 10)}… → provisional ${fmt(d.provisionalMs)}, final ${fmt(d.finalMs)}`,
      );
      if (d.finalMs === undefined)
        ctx.violation(`deposit ${d.messageId} on ${d.chain} not final within 40 s`);
      results.push(d);
    }
  }
  return results;
}

/** Messages the hub has received from `domain` (its origin's `delivered` counter). */
async function inboundCount(w: WorldFile, domain: number): Promise<number> {
  const o = (await (await fetch(`${w.hub.url}/dashboard/api/overview`)).json()) as {
    origins: { domain: number; delivered: number }[];
  };
  return o.origins.find((x) => x.domain === domain)?.delivered ?? 0;
}

// evm_setIntervalMining takes whole seconds: a sub-second chain resumes at 1 s blocks.
async function resumeMining(name: string, rpcUrl: string): Promise<void> {
  const c = worldChain(DEVNET_WORLD, name);
  await rpc(rpcUrl, 'evm_setIntervalMining', [Math.max(1, Math.round(c?.blockTimeS ?? 1))]);
}

const SCENARIOS: Readonly<Record<string, ScenarioDef>> = {
  deposits: {
    async run(ctx) {
      ctx.say(`Depositing USDC on ${ctx.w.chains.map((c) => c.name).join(', ')}, ${ctx.rounds} round(s)…`);
      const ds = await depositsEverywhere(
        ctx,
        ctx.w.chains.map((c) => c.name),
        ctx.rounds,
      );
      ctx.latency(
        'deposit → provisional credit',
        ds.flatMap((d) => (d.provisionalMs === undefined ? [] : [d.provisionalMs])),
        LATENCY_BOUNDS_MS.provisional,
      );
      ctx.latency(
        'deposit → final',
        ds.flatMap((d) => (d.finalMs === undefined ? [] : [d.finalMs])),
        LATENCY_BOUNDS_MS.final,
      );
    },
  },
  halt: {
    async run(ctx) {
      const [stopped, ...others] = ctx.w.chains;
      if (stopped === undefined || others.length === 0) throw new Error('halt needs two chains');
      ctx.say(`Stopping block production on ${stopped.name} (evm_setIntervalMining 0)…`);
      await rpc(stopped.rpcUrl, 'evm_setIntervalMining', [0]);
      // Messages already in blocks may still arrive: let them settle, then count.
      await new Promise((r) => setTimeout(r, 3000));
      const before = await inboundCount(ctx.w, stopped.domain);
      try {
        const stuck = devnetDeposit({
          ...(ctx.home === undefined ? {} : { home: ctx.home }),
          chain: stopped.name,
          token: 'USDC',
          amount: '42',
          keyIndex: 2,
          timeoutMs: 60_000,
          print: () => {},
        });
        const live = await depositsEverywhere(
          ctx,
          others.map((c) => c.name),
          1,
        );
        ctx.say(
          `  the other chains credit as usual (final in ${live.map((d) => fmt(d.finalMs)).join(', ')})`,
        );
        const after = await inboundCount(ctx.w, stopped.domain);
        ctx.say(
          `  ${stopped.name}: its deposit is not in a block; hub deliveries from it ${before} → ${after} while halted`,
        );
        if (after !== before)
          ctx.violation(`the hub received ${after - before} message(s) from halted ${stopped.name}`);
        ctx.say(`Resuming ${stopped.name}…`);
        await resumeMining(stopped.name, stopped.rpcUrl);
        const d = await stuck;
        ctx.say(
          `  ${stopped.name} deposit credited after the restart: provisional ${fmt(d.provisionalMs)}, final ${fmt(d.finalMs)} (from submission)`,
        );
        if (d.finalMs === undefined) ctx.violation(`${stopped.name} deposit not final after resuming`);
        ctx.say(
          `  (the hub halts a domain — no credit, withdrawals or hedge relief from it — when one of its provisional items waits > ${fmt(worldChain(DEVNET_WORLD, stopped.name)?.haltAfterMs)} for the final tier; a chain that mines nothing delivers nothing to wait on: scenario reorg shows a halt)`,
        );
      } finally {
        await resumeMining(stopped.name, stopped.rpcUrl).catch(() => {});
      }
    },
  },
  chaos: {
    async run(ctx) {
      const st = (await (await fetch(ctx.w.agents.statusUrl)).json()) as { relayers: { name: string }[] };
      if (!st.relayers.some((r) => r.name === 'racer')) {
        throw new DevnetError(
          'DEVNET_SCENARIO_UNAVAILABLE',
          "chaos needs the racing relayer: start the devnet with 'unimargin devnet up --chaos'",
          { scenario: 'chaos' },
        );
      }
      ctx.say('Two relayers race with random delays; deposits on every chain…');
      const ds = await depositsEverywhere(
        ctx,
        ctx.w.chains.map((c) => c.name),
        ctx.rounds,
      );
      const ids = new Set(ds.map((d) => d.messageId));
      if (ids.size !== ds.length) ctx.violation('two deposits share a message id');
      // Each message credited exactly its amount, once, by whichever relayer won the race.
      const by = new Map<string, number>();
      for (const d of ds) {
        const m = (await (await fetch(`${ctx.w.hub.url}/v1/bridge/messages/${d.messageId}`)).json()) as {
          relayer?: string;
          credit?: { amount: string };
        };
        by.set(m.relayer ?? '?', (by.get(m.relayer ?? '?') ?? 0) + 1);
        if (m.credit?.amount !== d.amount.toString()) {
          ctx.violation(
            `message ${d.messageId} credited ${m.credit?.amount ?? 'nothing'}, deposited ${d.amount}`,
          );
        }
      }
      ctx.say(
        `  deliveries won per relayer: ${[...by.entries()].map(([r, n]) => `${r.slice(0, 12)}… ${n}`).join(', ')}`,
      );
      ctx.latency(
        'deposit → final (chaos)',
        ds.flatMap((d) => (d.finalMs === undefined ? [] : [d.finalMs])),
        LATENCY_BOUNDS_MS.final,
      );
    },
  },
  hedge: hedgeScenario,
  crash: crashScenario,
  reorg: reorgScenario,
};

/**
 * Plays scenario `name` against the devnet of `opts.home`. Resolves with the result (`ok` false on
 * any violation); throws `DEVNET_BAD_ARGUMENT` for an unknown name and
 * `DEVNET_SCENARIO_UNAVAILABLE` for one that needs a hub feature not landed yet.
 */
export async function devnetScenario(name: string, opts: ScenarioOpts = {}): Promise<ScenarioResult> {
  const def = SCENARIOS[name];
  const info = SCENARIO_INFO[name];
  if (info !== undefined && info.waitsOn !== undefined) {
    throw new DevnetError(
      'DEVNET_SCENARIO_UNAVAILABLE',
      `scenario ${name} (${info.describe}) waits on ${info.waitsOn}`,
      {
        scenario: name,
      },
    );
  }
  if (def === undefined || info === undefined) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `scenario ${JSON.stringify(name)} is unknown; expected one of ${Object.keys(SCENARIO_INFO).join(', ')}`,
      { field: 'scenario', value: name },
    );
  }
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const w = readWorldFile(opts.home);
  const narrative: string[] = [];
  const violations: string[] = [];
  const latencies: LatencySeries[] = [];
  const ctx: Ctx = {
    w,
    home: opts.home,
    rounds: opts.rounds ?? 3,
    options: opts.options ?? {},
    say: (l) => {
      narrative.push(l);
      print(l);
    },
    violation: (v) => {
      violations.push(v);
      print(`  ✗ ${v}`);
    },
    latency: (n, samples, bound) => {
      const p50 = quantile(samples, 0.5);
      const p95 = quantile(samples, 0.95);
      const ok = samples.length > 0 && p95 <= bound;
      latencies.push({ name: n, samplesMs: samples, p50Ms: p50, p95Ms: p95, boundMs: bound, ok });
      const line = `${n}: p50 ${fmt(p50)}, p95 ${fmt(p95)} over ${samples.length} (bound ${fmt(bound)}) ${ok ? '✓' : '✗'}`;
      narrative.push(line);
      print(line);
      if (!ok) violations.push(`${n}: p95 ${fmt(p95)} above ${fmt(bound)}`);
    },
    measure: (n, samples) => {
      const p50 = quantile(samples, 0.5);
      const p95 = quantile(samples, 0.95);
      latencies.push({ name: n, samplesMs: samples, p50Ms: p50, p95Ms: p95, ok: true });
      const line = `${n}: ${samples.length === 1 ? fmt(samples[0]) : `p50 ${fmt(p50)}, p95 ${fmt(p95)} over ${samples.length}`} (reported)`;
      narrative.push(line);
      print(line);
    },
  };
  print(`scenario ${name}: ${info.describe}`);
  try {
    await def.run(ctx);
  } catch (e) {
    // A step that cannot complete is a failed scenario, reported with the rest (conservation still checked).
    if (e instanceof DevnetError && e.code === 'DEVNET_SCENARIO_UNAVAILABLE') throw e;
    ctx.violation(`step failed: ${(e as Error).message}`);
  }
  // Let in-flight deliveries settle before comparing with the vaults.
  await new Promise((r) => setTimeout(r, 1500));
  const conservation = await checkConservation(w);
  const margin = conservation.some((l) => l.source === 'margin');
  print(
    margin
      ? 'conservation (per chain and token: Σ balances + in flight = inflow − outflow; hub view = inflow − outflow − in flight ≤ vault balance):'
      : 'conservation (Σ hub balances ≤ vault balance, per chain and token):',
  );
  const dec = (s: string) => w.tokens.find((t) => t.symbol === s)?.decimals ?? 0;
  for (const l of conservation) {
    if (l.vaultBalance === 0n && l.hubTotal === 0n && l.hubView === 0n) continue;
    const u = (v: bigint) => formatUnits(v, dec(l.token));
    print(
      `  ${l.chain.padEnd(8)} ${l.token.padEnd(5)} balances ${u(l.hubTotal)}${l.insurance !== 0n ? ` (insurance ${u(l.insurance)})` : ''}${l.inFlight !== 0n ? ` in flight ${u(l.inFlight)}` : ''} imbalance ${u(l.imbalance)} hub view ${u(l.hubView)} vault ${u(l.vaultBalance)} unattributed ${u(l.unattributed)} ${l.ok ? '✓' : '✗'}`,
    );
    if (!l.ok)
      violations.push(
        `conservation on ${l.chain} ${l.token}: imbalance ${l.imbalance}, hub view ${l.hubView} vs vault ${l.vaultBalance}`,
      );
  }
  const ok = violations.length === 0;
  print(ok ? `scenario ${name}: ok` : `scenario ${name}: ${violations.length} violation(s)`);
  return { name, ok, narrative, latencies, conservation, violations };
}

/** The message id form scenarios print. */
export type MessageId = Hex;
