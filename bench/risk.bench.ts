/**
 * Risk kernel benchmark (`npm run bench -- risk`), over the fixed seeded universe of
 * test/unit/risk/support/fixture.ts: 3 underlyings, 3 perps, 600 options across 6 expiries,
 * 27 scenarios (21 core + 6 dampened tails) + 2 basis + 16 ES joint columns per instrument.
 *
 * Figures (one core, Node's single thread):
 *  - risk arrays for one snapshot (606 instruments × 46 columns);
 *  - the grid stage: every account's scenario P&L per underlying by sparse dot products;
 *  - the complete quantised requirement (equity, IM, MM, ES floor, provisional max) per account,
 *    both through the batch API (typed-array columns, no object per account) and as one
 *    `MarginSummary` object per account (with its bigints and worst-scenario list);
 *  - the baseline: per-account full revaluation, repricing every option of the account under
 *    every column with Black-76 (then the same aggregation), measured on a subsample of accounts
 *    and extrapolated linearly to all of them (said so in the output);
 *  - incremental re-margin of 1,000 touched accounts through the engine.
 * Each stage is timed as the median of several runs after a warm-up; the machine load (1-minute
 * load average) is recorded before and after.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { ACCOUNT_HEADER, type CompiledAccount, compileAccount } from '../chain/risk/account.ts';
import { priceBlack76SideUnchecked } from '../chain/risk/black76.ts';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  createMarginBatch,
  createMarginEngine,
  evaluateAccount,
  evaluateAccountsInto,
  type RiskArrays,
  scenarioPnlInto,
} from '../chain/risk/index.ts';
import { KIND_OPTION } from '../chain/risk/universe.ts';
import {
  fixtureParams,
  fixtureSnapshot,
  fixtureUniverse,
  prng,
  randomPortfolio,
} from '../test/unit/risk/support/fixture.ts';

const ACCOUNTS = Number(process.env.RISK_BENCH_ACCOUNTS ?? 100_000);
const POSITIONS = 10;
const BASELINE_SAMPLE = 1_000;
const TOUCHED = 1_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU time (user + system) of the medians, beside wall time: the machine is shared. */
const cpuOf = new Map<number, number>();

/** Median wall time (ms) of `runs` runs after a warm-up; the median CPU time goes to `cpuOf`. */
function time(runs: number, f: () => void): number {
  f(); // warm-up
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
    const u = process.cpuUsage(c0);
    c.push((u.user + u.system) / 1000);
  }
  const wall = median(t);
  cpuOf.set(wall, median(c));
  return wall;
}
const cpu = (wall: number): string => {
  const c = cpuOf.get(wall);
  return c === undefined ? '—' : `${c >= 100 ? c.toFixed(0) : c.toFixed(2)} ms`;
};

const loadBefore = loadavg()[0]!;
const params = fixtureParams();
const instruments = fixtureUniverse();
const cp = compileRiskParams(params);
const universe = buildUniverse(instruments, cp);
const snapshot = fixtureSnapshot();

process.stdout.write(
  `risk bench: ${ACCOUNTS} accounts × ${POSITIONS} positions, ${instruments.length} instruments\n`,
);
const rnd = prng(2026);
const portfolios = Array.from({ length: ACCOUNTS }, () =>
  randomPortfolio(rnd, instruments, { positions: POSITIONS, provisional: true }),
);
const compiled: CompiledAccount[] = portfolios.map((p) => compileAccount(p, universe, cp));
const withProvisional = compiled.filter((a) => a.data[4] === 1).length;
// A second seeded book in which one account in ten holds provisional items (the rest are evaluated
// once): a lighter mix than the main one, timed beside it. Compiled here, before any timing, so the
// collector's work on 100k new accounts does not land in a timed stage.
const rnd10 = prng(2027);
const compiled10: CompiledAccount[] = Array.from({ length: ACCOUNTS }, (_, i) =>
  compileAccount(
    randomPortfolio(rnd10, instruments, { positions: POSITIONS, provisional: i % 10 === 0 }),
    universe,
    cp,
  ),
);
const withProvisional10 = compiled10.filter((a) => a.data[4] === 1).length;

let arrays: RiskArrays = buildRiskArrays(snapshot, universe, cp);
const tArrays = time(5, () => {
  arrays = buildRiskArrays(snapshot, universe, cp);
});

// Calibration: what this machine does with the bare arithmetic of the complete stage — 10 rows of
// C multiply-adds per account, no bucketing, no contingencies — to read the figures against.
const floorRows = Int32Array.from(
  { length: ACCOUNTS * POSITIONS },
  (_, i) => ((i * 7919) % universe.ids.length) * arrays.cols,
);
const floorAcc = new Float64Array(arrays.cols);
const tFloor = time(5, () => {
  const C = arrays.cols;
  const v = arrays.values;
  for (let j = 0; j < floorRows.length; j++) {
    const row = floorRows[j]!;
    for (let c = 0; c < C; c++) floorAcc[c] = floorAcc[c]! + 1.0001 * v[row + c]!;
  }
});

const grid = new Float64Array(cp.underlyings.length * arrays.scenarioCount);
let sink = 0;
const tGrid = time(7, () => {
  for (const acc of compiled) sink += scenarioPnlInto(acc, arrays, grid);
});

let sumMm = 0n;
const tFull = time(7, () => {
  sumMm = 0n;
  for (const acc of compiled) sumMm += evaluateAccount(acc, arrays).mm;
});

// The same requirement through the batch API: exact integer micro-dollars in Float64Array columns.
const batch = createMarginBatch(ACCOUNTS);
let batchFailed = 0;
const tBatch = time(7, () => {
  batchFailed = evaluateAccountsInto(compiled, arrays, batch);
});
let batchMm = 0n;
for (let i = 0; i < ACCOUNTS; i++) batchMm += BigInt(batch.mm[i]!);
if (batchFailed !== 0 || batchMm !== sumMm) throw new Error(`batch disagrees: ${batchMm} vs ${sumMm}`);

// The same batch stage over the second book (one account in ten with provisional items).
const tBatch10 = time(7, () => {
  evaluateAccountsInto(compiled10, arrays, batch);
});
compiled10.length = 0;

// Baseline: reprice every option of each account under every column (no shared risk arrays) into
// the rows the margin step reads — values (both layouts), discounted P&L rows, basis moves — then run
// the same aggregation on the freshly priced rows.
function baselineAccount(acc: CompiledAccount, a: RiskArrays): bigint {
  const C = a.cols;
  const S = a.scenarioCount;
  const G = a.gridCols;
  const uni = a.universe;
  const vg = a.valuesGrid;
  const gp = a.gridPnl;
  const bp = a.basisPnl;
  const n = acc.data[0]!;
  for (let i = 0; i < n; i++) {
    const k = acc.data[ACCOUNT_HEADER + i]!;
    if (uni.kind[k] !== KIND_OPTION) continue;
    const b = uni.bucket[k]!;
    const u = uni.underlying[k]!;
    const fwd = a.bucketForward[b]!;
    const variable = a.bucketForwardVariable[b]!;
    const fixed = fwd - variable;
    const t = a.bucketTime[b]!;
    const d = a.bucketMtmDiscount[b]!;
    const sd = a.bucketDiscount[b]!;
    const vol = a.vol[k]!;
    const call = uni.isCall[k] === 1;
    const strike = uni.strike[k]!;
    let a0 = 0;
    for (let c = 0; c < C; c++) {
      let s = 1;
      let code = 1;
      // Layout column c → (spot move, vol state) and where the value lands in valuesGrid.
      let dstCol = c;
      if (c >= 1 && c <= S) {
        s = cp.scenarioSpot[c - 1]!;
        code = cp.scenarioVol[c - 1]!;
      } else if (c === S + 1) {
        s = cp.basisUp;
        dstCol = G + 1;
      } else if (c === S + 2) {
        s = cp.basisDown;
        dstCol = G + 2;
      } else if (c > S + 2) {
        s = cp.jointSpot[c - S - 3]![u]!;
        code = cp.jointVol[c - S - 3]![u]!;
        dstCol = c - 2;
      }
      const mult = code === 2 ? a.bucketVolUp[b]! : code === 0 ? a.bucketVolDown[b]! : 1;
      const f = c === 0 ? fwd : fixed + variable * s;
      const v = priceBlack76SideUnchecked(f, strike, vol * mult, t, d, call);
      vg[k * C + dstCol] = v;
      a.values[k * C + c] = v;
      if (c === 0) {
        a0 = v;
        continue;
      }
      if (c === S + 1 || c === S + 2) {
        const o = c - S - 1;
        bp[4 * k + o] = v - a0;
        bp[4 * k + 2 + o] = v - a0;
      } else {
        const g = c <= S ? c - 1 : c - 3;
        gp[2 * k * G + g] = (v > 0 ? v * sd : 0) - a0;
        gp[(2 * k + 1) * G + g] = v - a0;
      }
    }
  }
  return evaluateAccount(acc, a).mm;
}
const baselineArrays: RiskArrays = {
  ...arrays,
  values: new Float64Array(arrays.values.length),
  valuesGrid: new Float64Array(arrays.valuesGrid.length),
  gridPnl: new Float64Array(arrays.gridPnl),
  basisPnl: new Float64Array(arrays.basisPnl),
};
let baseMm = 0n;
const sample = compiled.slice(0, BASELINE_SAMPLE);
const tBaselineSample = time(3, () => {
  baseMm = 0n;
  for (const acc of sample) baseMm += baselineAccount(acc, baselineArrays);
});
let checkMm = 0n;
for (const acc of sample) checkMm += evaluateAccount(acc, arrays).mm;
if (checkMm !== baseMm) throw new Error(`baseline disagrees with the kernel: ${baseMm} vs ${checkMm}`);
const tBaseline = (tBaselineSample * ACCOUNTS) / BASELINE_SAMPLE;
const cpuBaseline = ((cpuOf.get(tBaselineSample) ?? Number.NaN) * ACCOUNTS) / BASELINE_SAMPLE;
cpuOf.set(tBaseline, cpuBaseline);
/** Ratio baseline / stage on CPU time (less disturbed by other processes than wall time). */
const ratio = (wall: number): string =>
  `${(cpuBaseline / (cpuOf.get(wall) ?? Number.NaN)).toFixed(0)}× (wall ${(tBaseline / wall).toFixed(0)}×)`;

// Incremental: the engine with every account, 1,000 touched accounts re-margined.
const engine = createMarginEngine({ params, universe: instruments });
engine.setSnapshot(snapshot);
portfolios.forEach((p, i) => {
  engine.setAccount(`a${i}`, p);
});
const tEngineAll = time(3, () => {
  engine.remarginAll();
});
const touched = Array.from({ length: TOUCHED }, (_, i) => `a${(i * 7919) % ACCOUNTS}`);
const tIncremental = time(21, () => {
  engine.update(touched, []);
});
// What a block pays before that: compiling the touched accounts' new portfolios (setAccount).
const touchedPortfolios = touched.map((id) => portfolios[Number(id.slice(1))]!);
const tSetAccounts = time(5, () => {
  touched.forEach((id, i) => {
    engine.setAccount(id, touchedPortfolios[i]!);
  });
});
// A spot move on one underlying: only the accounts exposed to it are re-margined.
const moved = fixtureSnapshot({ spotMove: { SOL: 1.01 } });
const changed = engine.setSnapshot(moved);
const t0 = performance.now();
const spotUpdate = engine.update([], changed);
const tSpotMove = performance.now() - t0;

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
const lines = [
  '## Risk kernel (chain/risk)',
  '',
  `Fixed seeded universe: 3 underlyings, 3 perps, 600 options over 6 expiries; ${cp.scenarioSpot.length} scenarios (21 core + 6 dampened tails) + 2 basis + ${cp.jointSpot.length} ES joint columns = ${arrays.cols} columns per instrument. ${ACCOUNTS.toLocaleString('en-US')} accounts × ${POSITIONS} positions plus collateral; ${((100 * withProvisional) / ACCOUNTS).toFixed(0)} % of them hold provisional items, so their requirement is evaluated twice (all items, final items). One core, median of repeated runs. Load average (1 min) before: ${loadBefore.toFixed(1)}, after: ${loadavg()[0]!.toFixed(1)}, on ${availableParallelism()} cores.`,
  '',
  '| stage | wall (median) | CPU | per account (wall) | target | vs baseline |',
  '| --- | --- | --- | --- | --- | --- |',
  `| calibration: bare loop, ${ACCOUNTS.toLocaleString('en-US')} × 10 rows × ${arrays.cols} multiply-adds, no logic | ${fmt(tFloor)} ms | ${cpu(tFloor)} | ${((tFloor * 1000) / ACCOUNTS).toFixed(2)} µs | — | — |`,
  `| risk arrays, one snapshot (${universe.ids.length} × ${arrays.cols} values) | ${fmt(tArrays)} ms | ${cpu(tArrays)} | — | — | — |`,
  `| grid stage (sparse dot products, all accounts) | ${fmt(tGrid)} ms | ${cpu(tGrid)} | ${((tGrid * 1000) / ACCOUNTS).toFixed(2)} µs | ≤ 100 ms | ${ratio(tGrid)} faster |`,
  `| complete quantised requirement incl. ES floor and provisional max — batch (\`evaluateAccountsInto\`: IM, MM, equity as exact µUSD integers in typed arrays) | ${fmt(tBatch)} ms | ${cpu(tBatch)} | ${((tBatch * 1000) / ACCOUNTS).toFixed(2)} µs | ≤ 250 ms | ${ratio(tBatch)} faster |`,
  `| the same (batch) over a book with provisional items in ${((100 * withProvisional10) / ACCOUNTS).toFixed(0)} % of accounts instead of ${((100 * withProvisional) / ACCOUNTS).toFixed(0)} % | ${fmt(tBatch10)} ms | ${cpu(tBatch10)} | ${((tBatch10 * 1000) / ACCOUNTS).toFixed(2)} µs | ≤ 250 ms | — (baseline measured on the main book) |`,
  `| the same, one \`MarginSummary\` object per account (\`evaluateAccount\`: bigints, worst list, raw values) | ${fmt(tFull)} ms | ${cpu(tFull)} | ${((tFull * 1000) / ACCOUNTS).toFixed(2)} µs | — | ${ratio(tFull)} faster |`,
  `| baseline: per-account full revaluation (every option repriced per column) — measured on ${BASELINE_SAMPLE.toLocaleString('en-US')} accounts (${fmt(tBaselineSample)} ms), extrapolated ×${ACCOUNTS / BASELINE_SAMPLE} | ${fmt(tBaseline)} ms | ${cpu(tBaseline)} | ${((tBaseline * 1000) / ACCOUNTS).toFixed(1)} µs | — | 1× |`,
  `| engine.remarginAll (incl. result map, id sort) | ${fmt(tEngineAll)} ms | ${cpu(tEngineAll)} | ${((tEngineAll * 1000) / ACCOUNTS).toFixed(2)} µs | — | — |`,
  `| incremental: engine.update of ${TOUCHED.toLocaleString('en-US')} touched accounts | ${fmt(tIncremental)} ms | ${cpu(tIncremental)} | ${((tIncremental * 1000) / TOUCHED).toFixed(2)} µs | ≤ 2 ms | — |`,
  `| (before it, not in the target: engine.setAccount of the ${TOUCHED.toLocaleString('en-US')} touched portfolios — compile) | ${fmt(tSetAccounts)} ms | ${cpu(tSetAccounts)} | ${((tSetAccounts * 1000) / TOUCHED).toFixed(2)} µs | — | — |`,
  `| incremental: SOL spot +1 % → ${changed.length} changed instruments, ${spotUpdate.size.toLocaleString('en-US')} exposed accounts re-margined (one run) | ${fmt(tSpotMove)} ms | — | — | — | — |`,
  '',
  `Baseline and kernel agree on the subsample's summed MM (${checkMm} µUSD); the batch and per-account summaries agree on all accounts' summed MM (${sumMm} µUSD). Ratio goal ≥ 20× (computed on CPU time; wall-time ratio in brackets). CPU = user + system time of the process (the machine is shared; wall time includes waiting for a core).`,
];
process.stdout.write(`${lines.join('\n')}\n(sink ${sink}, ΣMM ${sumMm})\n`);
const out = process.env.BENCH_RESULTS;
if (out) {
  writeFileSync(out, `${lines.join('\n')}\n`);
  appendFileSync(out, '');
}
