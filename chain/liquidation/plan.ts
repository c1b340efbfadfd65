/**
 * The liquidation planner (DESIGN.md "Liquidation", issue 5): for an account below its target
 * equity ≥ MM + buffer·(IM − MM), the set of partial closes with the least closed notional that
 * restores it, every candidate re-checked with the risk kernel. Two plans compete:
 *
 * - **proportional** — the same fraction f of every closable position (keeps hedges intact); f is
 *   the smallest that restores, found from a closed-form first guess (the target is linear in f
 *   when the whole book scales) refined by a safeguarded false-position search on E18 fractions;
 * - **greedy** — repeatedly the closable position, or hedged group (closable legs of one
 *   underlying whose MM contributions have opposite signs, closed together in proportion), with
 *   the highest MM reduction per unit of liquidity cost, closing the smallest amount that helps;
 *   a step that would raise MM is never taken.
 *
 * The plan with the least closed notional among those that restore wins; if none restores, the
 * one ending with the highest equity − MM. Pure and deterministic: positions are visited in id
 * order, fractions are bigint E18, decisions compare the kernel's bigint µUSD outputs (the only
 * binary64 numbers used to decide are the kernel's contributions and the caller's notionals, each
 * compared in a fixed order).
 *
 * Model of a close (what `after` means): a close executes at the oracle mark less its liquidity
 * cost, so the closed part's value (the kernel's MtM of it) is realised into settlement cash minus
 * cost·notional. Positions shrink (perps keep entry price and funding index, options just shrink);
 * the realised amount is booked on one settlement-asset collateral line (see README "Decisions").
 * Collateral and lending positions are never closed by the planner.
 */
import {
  atomicToMicroFloor,
  type CollateralBalance,
  type MarginReport,
  type MarginSummary,
  marginAccount,
  marginReport,
  type OptionPosition,
  type PerpPosition,
  type Portfolio,
  type RiskArrays,
} from '../risk/index.ts';
import { LiquidationError, requireRange } from './errors.ts';

const ONE = 10n ** 18n;

/** Liquidity cost used for a position absent from `liquidityCostE18`: 0.001e18 = 10 bp of notional. */
export const DEFAULT_LIQUIDITY_COST_E18 = 10n ** 15n;
/** Greedy steps cap when `maxSteps` is not given. */
export const DEFAULT_MAX_STEPS = 64;
/** Largest `maxSteps` accepted. */
export const MAX_STEPS_LIMIT = 4096;
/** Searches stop once the bracket on a fraction is this narrow (E18: 1e9 = 1e-9 of the position). */
export const FRACTION_TOLERANCE_E18 = 10n ** 9n;
// Iteration caps of the two searches (fixed, so the work per plan is bounded and deterministic).
const SEARCH_ITERATIONS = 40;
const GOLDEN_ITERATIONS = 12;
// Fractions 1/4 … 1/128 tried when closing half of a unit already raises MM.
const PROBES = 6;
// (√5 − 1)/2 in E18, the golden-section ratio.
const GOLDEN_E18 = 618_033_988_749_894_848n;

/** What the planner needs about one account. */
export interface LiquidationInput {
  /** The account's whole portfolio as the kernel sees it (final and provisional items). */
  readonly portfolio: Portfolio;
  /** Current risk arrays (`engine.arrays` or `buildRiskArrays(snapshot, universe, cp)`). */
  readonly arrays: RiskArrays;
  /** Target buffer: equity ≥ MM + buffer·(IM − MM); E18, ≥ 0 (1e18 = the IM itself). */
  readonly bufferE18: bigint;
  /**
   * Ids of the option and perp positions that may be closed now (others have a close in flight).
   * Provisional positions are never closed, whether listed or not; unknown ids are ignored.
   */
  readonly closable: ReadonlySet<string>;
  /** Per position id: execution cost per unit of |notional|, E18 (0.002e18 = 20 bp); default {@link DEFAULT_LIQUIDITY_COST_E18}. */
  readonly liquidityCostE18: ReadonlyMap<string, bigint>;
  /** |size|·price of one whole position in USD (the caller knows the prices); finite, ≥ 0. */
  readonly notionalUsd: (positionId: string) => number;
  /** Greedy steps cap (default {@link DEFAULT_MAX_STEPS}, at most {@link MAX_STEPS_LIMIT}). */
  readonly maxSteps?: number;
}

/** One close of a plan: `closeSizeE18` = |size| to close, 0 < close ≤ |position size|. */
export interface LiquidationClose {
  readonly positionId: string;
  readonly closeSizeE18: bigint;
}

/** How a plan was made: nothing to close, the proportional slice, or the greedy plan. */
export type LiquidationMethod = 'none' | 'proportional' | 'greedy';

/** A liquidation plan and the kernel's view of the account before and after it. */
export interface LiquidationPlan {
  /**
   * `none` when the account already meets the target, or when no admissible close exists (nothing
   * closable, or every close would raise MM); `restored` tells the two apart.
   */
  readonly method: LiquidationMethod;
  /** Closes sorted by position id. */
  readonly closes: readonly LiquidationClose[];
  /** Σ notional closed, USD (= closedNotionalMicro / 1e6). */
  readonly closedNotionalUsd: number;
  /** Σ notional closed, micro-USD, each close ⌈notional·close/|size|⌉ (the penalty's base). */
  readonly closedNotionalMicro: bigint;
  /** Liquidity cost charged in the simulation, micro-USD (Σ ⌈closedNotional·cost⌉). */
  readonly liquidityCostMicro: bigint;
  /** Cash credited to the settlement line: MtM of the closed parts − liquidity cost, micro-USD (may be negative). */
  readonly realisedMicro: bigint;
  /** The kernel's margins of the input portfolio. */
  readonly before: MarginSummary;
  /** The kernel's margins of `afterPortfolio` (`marginAccount(afterPortfolio, arrays)`). */
  readonly after: MarginSummary;
  /** The simulated portfolio after the closes, realised cash booked. */
  readonly afterPortfolio: Portfolio;
  /** after.equity ≥ after.mm + ⌈buffer·(after.im − after.mm)⌉, exact in µUSD. */
  readonly restored: boolean;
  /** Kernel evaluations this plan cost (diagnostics and benchmarks; not consensus). */
  readonly kernelCalls: number;
}

/**
 * Target equity of the liquidation rule in micro-USD: MM + ⌈buffer·(IM − MM)/1e18⌉ (rounded up,
 * in the protocol's favour). `summary` is the kernel's (IM ≥ MM ≥ 0).
 */
export function liquidationTargetMicro(summary: Pick<MarginSummary, 'im' | 'mm'>, bufferE18: bigint): bigint {
  return summary.mm + ceilDiv(bufferE18 * (summary.im - summary.mm), ONE);
}

/** True when `summary.equity` ≥ {@link liquidationTargetMicro} (exact, µUSD). */
export function isRestored(summary: Pick<MarginSummary, 'equity' | 'im' | 'mm'>, bufferE18: bigint): boolean {
  return summary.equity >= liquidationTargetMicro(summary, bufferE18);
}

// ---------------------------------------------------------------------------------------------
// Internals

interface Leg {
  readonly id: string;
  readonly kind: 'option' | 'perp';
  readonly instrument: string;
  /** Index into `portfolio.options` or `portfolio.perps`. */
  readonly index: number;
  readonly negative: boolean;
  /** |size|, E18. */
  readonly abs: bigint;
  /** Notional of the whole position, micro-USD, ⌈·⌉. */
  readonly notionalMicro: bigint;
  readonly costE18: bigint;
}

/** Where realised cash is booked: a settlement asset, its decimals and the kept fraction of a positive balance. */
interface CashLine {
  readonly domain: number;
  readonly token: string;
  readonly decimals: number;
  readonly keepE18: bigint;
}

/** One evaluated state: cumulative closes per leg and the margins of the resulting portfolio. */
interface Trial {
  readonly closed: readonly bigint[];
  readonly summary: MarginSummary;
  readonly portfolio: Portfolio;
  /** equity − target, µUSD. */
  readonly slack: bigint;
  readonly notionalMicro: bigint;
  readonly costMicro: bigint;
  readonly realisedMicro: bigint;
}

interface Ctx {
  readonly input: LiquidationInput;
  readonly legs: readonly Leg[];
  /** Leg index per option / perp index, −1 when not closable. */
  readonly optionLeg: readonly number[];
  readonly perpLeg: readonly number[];
  readonly cash: CashLine;
  readonly before: MarginSummary;
  readonly start: Trial;
  readonly maxSteps: number;
  calls: number;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  // b > 0; rounds towards +∞ for either sign of a.
  const q = a / b;
  return q * b < a ? q + 1n : q;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

function microToAtomicFloor(micro: bigint, decimals: number): bigint {
  if (decimals >= 6) return micro * 10n ** BigInt(decimals - 6);
  return floorDiv(micro, 10n ** BigInt(6 - decimals));
}

function chooseCashLine(portfolio: Portfolio, arrays: RiskArrays): CashLine {
  const src = arrays.params.source;
  // The settlement asset the account already holds a final balance of (lowest domain, then token),
  // else the lowest listed one: where a realised close's cash lands affects only that line's haircut.
  const settlement = src.assets
    .filter((a) => a.kind === 'settlement')
    .sort((a, b) => a.domain - b.domain || cmp(a.token, b.token));
  const held = settlement.find((a) =>
    portfolio.collateral.some((c) => c.stage === 'final' && c.domain === a.domain && c.token === a.token),
  );
  const a = held ?? settlement[0];
  if (a === undefined)
    throw new LiquidationError('LIQUIDATION_NO_SETTLEMENT_ASSET', {
      field: 'arrays.params.source.assets',
      limit: 'at least one asset of kind settlement',
    });
  const h = src.haircutTiers.find((t) => t.id === a.tier)?.haircutE18 ?? 0n;
  return { domain: a.domain, token: a.token, decimals: a.decimals, keepE18: h >= ONE ? 0n : ONE - h };
}

/** The kernel's value of a final settlement balance: exact µUSD, positive balances after the tier haircut. */
function cashValueMicro(line: CashLine, amount: bigint): bigint {
  const m = atomicToMicroFloor(amount, line.decimals);
  return m > 0n ? (m * line.keepE18) / ONE : m;
}

function createContext(input: LiquidationInput): Ctx {
  requireRange(
    typeof input.bufferE18 === 'bigint' && input.bufferE18 >= 0n,
    'input.bufferE18',
    input.bufferE18,
    '≥ 0',
  );
  const maxSteps = input.maxSteps ?? DEFAULT_MAX_STEPS;
  requireRange(
    Number.isInteger(maxSteps) && maxSteps >= 0 && maxSteps <= MAX_STEPS_LIMIT,
    'input.maxSteps',
    maxSteps,
    `integer in [0, ${MAX_STEPS_LIMIT}]`,
  );
  const p = input.portfolio;
  const before = marginAccount(p, input.arrays);
  const found: { id: string; kind: 'option' | 'perp'; instrument: string; index: number; size: bigint }[] =
    [];
  p.options.forEach((o, index) => {
    if (input.closable.has(o.id) && o.stage === 'final' && o.sizeE18 !== 0n)
      found.push({ id: o.id, kind: 'option', instrument: o.instrument, index, size: o.sizeE18 });
  });
  p.perps.forEach((o, index) => {
    if (input.closable.has(o.id) && o.stage === 'final' && o.sizeE18 !== 0n)
      found.push({ id: o.id, kind: 'perp', instrument: o.instrument, index, size: o.sizeE18 });
  });
  // Ids are unique across the portfolio (the kernel checked); id order fixes every later loop.
  found.sort((a, b) => cmp(a.id, b.id));
  const legs: Leg[] = found.map((f) => {
    const usd = input.notionalUsd(f.id);
    if (typeof usd !== 'number' || !Number.isFinite(usd))
      throw new LiquidationError('LIQUIDATION_NOT_FINITE', {
        field: `input.notionalUsd(${f.id})`,
        value: String(usd),
        limit: 'finite',
      });
    requireRange(usd >= 0, `input.notionalUsd(${f.id})`, usd, '≥ 0');
    const costE18 = input.liquidityCostE18.get(f.id) ?? DEFAULT_LIQUIDITY_COST_E18;
    requireRange(
      costE18 >= 0n && costE18 <= ONE,
      `input.liquidityCostE18(${f.id})`,
      costE18,
      '0 ≤ cost ≤ 1e18',
    );
    // ⌈usd·1e6⌉ via −⌊−x⌋ (one binary64 rounding in the product, then exact).
    const notionalMicro = BigInt(-Math.floor(-(usd * 1e6)) + 0);
    return {
      id: f.id,
      kind: f.kind,
      instrument: f.instrument,
      index: f.index,
      negative: f.size < 0n,
      abs: f.size < 0n ? -f.size : f.size,
      notionalMicro,
      costE18,
    };
  });
  const optionLeg = p.options.map(() => -1);
  const perpLeg = p.perps.map(() => -1);
  legs.forEach((l, i) => {
    if (l.kind === 'option') optionLeg[l.index] = i;
    else perpLeg[l.index] = i;
  });
  const zero = legs.map(() => 0n);
  const start: Trial = {
    closed: zero,
    summary: before,
    portfolio: p,
    slack: before.equity - liquidationTargetMicro(before, input.bufferE18),
    notionalMicro: 0n,
    costMicro: 0n,
    realisedMicro: 0n,
  };
  return {
    input,
    legs,
    optionLeg,
    perpLeg,
    cash: chooseCashLine(p, input.arrays),
    before,
    start,
    maxSteps,
    calls: 1,
  };
}

function shrink<T extends OptionPosition | PerpPosition>(
  items: readonly T[],
  legOf: readonly number[],
  legs: readonly Leg[],
  closed: readonly bigint[],
): T[] {
  const out: T[] = [];
  items.forEach((item, j) => {
    const i = legOf[j]!;
    const c = i < 0 ? 0n : closed[i]!;
    if (c === 0n) {
      out.push(item);
      return;
    }
    const leg = legs[i]!;
    const rest = leg.abs - c;
    // new size = size − sign·close; a fully closed position leaves the portfolio.
    if (rest > 0n) out.push({ ...item, sizeE18: leg.negative ? -rest : rest });
  });
  return out;
}

/**
 * Margins after closing `closed[i]` of every leg: one kernel call on the shrunk portfolio, then
 * the realised cash (MtM removed − liquidity cost) booked on the cash line. Settlement cash enters
 * the kernel's equity exactly (README of chain/risk "Units"), so equity moves by the line's exact
 * value change and IM, MM and MtM do not move; `finish` re-checks this with a second kernel call.
 */
function evaluate(ctx: Ctx, closed: readonly bigint[]): Trial {
  let notionalMicro = 0n;
  let costMicro = 0n;
  ctx.legs.forEach((l, i) => {
    const c = closed[i]!;
    if (c === 0n) return;
    const n = c === l.abs ? l.notionalMicro : ceilDiv(l.notionalMicro * c, l.abs);
    notionalMicro += n;
    costMicro += ceilDiv(n * l.costE18, ONE);
  });
  const p = ctx.input.portfolio;
  const shrunk: Portfolio = {
    collateral: p.collateral,
    lending: p.lending,
    options: shrink(p.options, ctx.optionLeg, ctx.legs, closed),
    perps: shrink(p.perps, ctx.perpLeg, ctx.legs, closed),
  };
  ctx.calls++;
  const s = marginAccount(shrunk, ctx.input.arrays);
  const realisedMicro = ctx.before.mtm - s.mtm - costMicro;
  const line = ctx.cash;
  const atomic = microToAtomicFloor(realisedMicro, line.decimals);
  let portfolio = shrunk;
  let summary = s;
  if (atomic !== 0n) {
    const at = p.collateral.findIndex(
      (c) => c.stage === 'final' && c.domain === line.domain && c.token === line.token,
    );
    const old = at < 0 ? 0n : p.collateral[at]!.amount;
    const collateral: CollateralBalance[] =
      at < 0
        ? [...p.collateral, { domain: line.domain, token: line.token, stage: 'final', amount: atomic }]
        : p.collateral.map((c, j) => (j === at ? { ...c, amount: old + atomic } : c));
    portfolio = { ...shrunk, collateral };
    const delta = cashValueMicro(line, old + atomic) - cashValueMicro(line, old);
    summary = {
      ...s,
      equity: s.equity + delta,
      raw: { ...s.raw, equity: s.raw.equity + Number(delta) / 1e6, cashMicro: s.raw.cashMicro + delta },
    };
  }
  return {
    closed,
    summary,
    portfolio,
    slack: summary.equity - liquidationTargetMicro(summary, ctx.input.bufferE18),
    notionalMicro,
    costMicro,
    realisedMicro,
  };
}

/**
 * Smallest fraction in (lo, hi] whose trial is accepted, given lo rejected (score gLo < 0) and hi
 * accepted (tHi). Each round takes the zero of the chord through (a, g_a) and (b, g_b) — g is the
 * slack, or −1 for a trial rejected for another reason — then probes a small step (1/256 of the
 * bracket side, at least {@link FRACTION_TOLERANCE_E18}) beyond it on the other side, so that when
 * the slack is linear in the fraction (a book that scales as a whole: the closed form) each round
 * narrows the bracket 256-fold; every third round bisects instead, which bounds the worst case.
 * Stops when the bracket is within {@link FRACTION_TOLERANCE_E18} or after
 * {@link SEARCH_ITERATIONS} rounds; returns the accepted end.
 */
function smallestAccepted(
  at: (f: bigint) => Trial,
  accept: (t: Trial) => boolean,
  lo: bigint,
  gLo: bigint,
  hi: bigint,
  tHi: Trial,
): Trial {
  let a = lo;
  let ga = gLo < 0n ? gLo : -1n;
  let b = hi;
  let gb = tHi.slack >= 0n ? tHi.slack : 0n;
  let best = tHi;
  const test = (x: bigint): boolean => {
    const t = at(x);
    if (accept(t)) {
      b = x;
      gb = t.slack >= 0n ? t.slack : 0n;
      best = t;
      return true;
    }
    a = x;
    ga = t.slack < 0n ? t.slack : -1n;
    return false;
  };
  for (let it = 0; it < SEARCH_ITERATIONS && b - a > FRACTION_TOLERANCE_E18; it++) {
    if (it % 3 === 2) {
      test(a + (b - a) / 2n);
      continue;
    }
    // x = a + (b − a)·(0 − g_a)/(g_b − g_a): the zero of the chord (g_b ≥ 0 > g_a).
    let x = a + ceilDiv((b - a) * -ga, gb - ga);
    if (x <= a) x = a + 1n;
    if (x >= b) x = b - 1n;
    if (test(x)) {
      const d = (x - a) / 256n;
      const y = x - (d > FRACTION_TOLERANCE_E18 ? d : FRACTION_TOLERANCE_E18);
      if (y > a) test(y);
    } else {
      const d = (b - x) / 256n;
      const y = x + (d > FRACTION_TOLERANCE_E18 ? d : FRACTION_TOLERANCE_E18);
      if (y < b) test(y);
    }
  }
  return best;
}

/**
 * The fraction in (0, hi] with the highest slack among valid trials (ties: the smaller fraction),
 * by golden-section search ({@link GOLDEN_ITERATIONS} steps). Slack is concave in the fraction
 * when MM is a maximum of scenario losses linear in it, and the fractions that do not raise MM
 * form an interval from 0 (MM is convex), so ranking an invalid trial below every valid one keeps
 * the search unimodal. Null when no evaluated trial is valid.
 */
function bestFraction(
  at: (f: bigint) => Trial,
  valid: (t: Trial) => boolean,
  known: readonly { f: bigint; t: Trial }[],
  hi: bigint,
): { f: bigint; t: Trial } | null {
  let best: { f: bigint; t: Trial } | null = null;
  const consider = (f: bigint, t: Trial): void => {
    if (!valid(t)) return;
    if (best === null || t.slack > best.t.slack || (t.slack === best.t.slack && f < best.f)) best = { f, t };
  };
  for (const k of known) consider(k.f, k.t);
  const probe = (f: bigint): Trial => {
    const t = at(f);
    consider(f, t);
    return t;
  };
  // Higher is better; an invalid trial ranks below every valid one.
  const better = (x: Trial, y: Trial): boolean => (valid(x) ? !valid(y) || x.slack >= y.slack : !valid(y));
  let a = 0n;
  let b = hi;
  let x1 = b - ((b - a) * GOLDEN_E18) / ONE;
  let x2 = a + ((b - a) * GOLDEN_E18) / ONE;
  let t1 = probe(x1);
  let t2 = probe(x2);
  for (let it = 0; it < GOLDEN_ITERATIONS && b - a > FRACTION_TOLERANCE_E18; it++) {
    if (better(t1, t2)) {
      b = x2;
      x2 = x1;
      t2 = t1;
      x1 = b - ((b - a) * GOLDEN_E18) / ONE;
      t1 = probe(x1);
    } else {
      a = x1;
      x1 = x2;
      t1 = t2;
      x2 = a + ((b - a) * GOLDEN_E18) / ONE;
      t2 = probe(x2);
    }
  }
  return best;
}

function closesAtFraction(ctx: Ctx, f: bigint): bigint[] {
  // ⌈|size|·f⌉: never less than the fraction, never more than the position (f ≤ 1).
  return ctx.legs.map((l) => ceilDiv(l.abs * f, ONE));
}

function proportional(ctx: Ctx): Trial | null {
  const before = ctx.before;
  if (ctx.legs.length === 0) return null;
  const at = (f: bigint): Trial => evaluate(ctx, closesAtFraction(ctx, f));
  const accept = (t: Trial): boolean => t.slack >= 0n && t.summary.mm <= before.mm;
  const full = at(ONE);
  if (accept(full)) return smallestAccepted(at, accept, 0n, ctx.start.slack, ONE, full);
  const gain = full.summary.equity - full.summary.mm > before.equity - before.mm;
  return full.summary.mm <= before.mm && gain ? full : null;
}

/** A greedy candidate: one leg, or the closable legs of one underlying with opposite-sign contributions. */
interface Unit {
  /** Tie-break key: the (smallest) position id. */
  readonly key: string;
  readonly group: boolean;
  /** Legs and the |size| each closes at fraction 1 of the unit. */
  readonly legs: readonly { readonly i: number; readonly amount: bigint }[];
  /** Predicted MM reduction from contributions, USD. */
  readonly reduction: number;
  /** MM reduction per USD of liquidity cost (+∞ when the cost is 0). */
  readonly score: number;
}

/**
 * Greedy candidates at `cur`, best first: score desc, then key, singles before groups.
 *
 * Singles are netted per instrument: legs of one instrument on several domains offset exactly in
 * the kernel (sizes aggregate per instrument), so a leg alone can only reduce the instrument's net
 * exposure in its own direction — a long 50 against a short 40 may close up to 10, a long 50
 * against a short 50 nothing. Its predicted reduction is the instrument's summed contribution
 * times amount/|net|. Groups are the closable legs of one underlying with non-zero contributions
 * of both signs, closed in proportion of what remains; predicted reduction Σ contributions.
 */
function units(ctx: Ctx, cur: Trial, report: MarginReport): Unit[] {
  const contribution = new Map<string, { underlying: string; value: number }>();
  for (const c of report.contributions)
    contribution.set(c.id, { underlying: c.underlying, value: c.contribution });
  // Net signed size and summed contribution per instrument over every position of the state.
  const net = new Map<string, bigint>();
  const instrContribution = new Map<string, number>();
  const positions = [...cur.portfolio.options, ...cur.portfolio.perps].sort((a, b) => cmp(a.id, b.id));
  for (const q of positions) {
    net.set(q.instrument, (net.get(q.instrument) ?? 0n) + q.sizeE18);
    const c = contribution.get(q.id);
    if (c !== undefined)
      instrContribution.set(q.instrument, (instrContribution.get(q.instrument) ?? 0) + c.value);
  }
  const live: { i: number; underlying: string; value: number; rest: bigint }[] = [];
  ctx.legs.forEach((l, i) => {
    const c = contribution.get(l.id);
    const rest = l.abs - cur.closed[i]!;
    if (c !== undefined && rest > 0n && c.value !== 0)
      live.push({ i, underlying: c.underlying, value: c.value, rest });
  });
  const make = (
    key: string,
    group: boolean,
    legs: { i: number; amount: bigint }[],
    reduction: number,
  ): Unit => {
    // Σ notional·cost of the amounts in µUSD·E18, converted once to USD.
    let x = 0n;
    for (const { i, amount } of legs) {
      const l = ctx.legs[i]!;
      x += ceilDiv(l.notionalMicro * amount, l.abs) * l.costE18;
    }
    const cost = Number(x) / 1e24;
    return { key, group, legs, reduction, score: cost > 0 ? reduction / cost : Number.POSITIVE_INFINITY };
  };
  const out: Unit[] = [];
  for (const x of live) {
    const l = ctx.legs[x.i]!;
    const n = net.get(l.instrument) ?? 0n;
    const exposure = l.negative ? -n : n;
    if (exposure <= 0n) continue;
    const amount = x.rest < exposure ? x.rest : exposure;
    // amount/|net| ≤ 1, as a binary64 ratio of two exact integers.
    const reduction = ((instrContribution.get(l.instrument) ?? 0) * Number(amount)) / Number(exposure);
    if (reduction > 0) out.push(make(l.id, false, [{ i: x.i, amount }], reduction));
  }
  const underlyings = [...new Set(live.map((x) => x.underlying))].sort(cmp);
  for (const u of underlyings) {
    const members = live.filter((x) => x.underlying === u);
    if (!members.some((x) => x.value > 0) || !members.some((x) => x.value < 0)) continue;
    let reduction = 0;
    for (const m of members) reduction += m.value;
    if (reduction > 0)
      out.push(
        make(
          ctx.legs[members[0]!.i]!.id,
          true,
          members.map((m) => ({ i: m.i, amount: m.rest })),
          reduction,
        ),
      );
  }
  out.sort((a, b) => {
    if (a.score !== b.score) return a.score > b.score ? -1 : 1;
    return cmp(a.key, b.key) || (a.group === b.group ? 0 : a.group ? 1 : -1);
  });
  return out;
}

/** The step one unit allows from `cur`, or null when no amount of it helps without raising MM. */
function tryUnit(ctx: Ctx, cur: Trial, unit: Unit): Trial | null {
  const at = (f: bigint): Trial => {
    const closed = [...cur.closed];
    for (const { i, amount } of unit.legs) closed[i] = cur.closed[i]! + ceilDiv(amount * f, ONE);
    return evaluate(ctx, closed);
  };
  const valid = (t: Trial): boolean => t.summary.mm <= cur.summary.mm;
  const accept = (t: Trial): boolean => valid(t) && t.slack >= 0n;
  const helps = (t: Trial): boolean => valid(t) && t.slack > cur.slack;
  const half = ONE / 2n;
  const whole = at(ONE);
  if (accept(whole)) return smallestAccepted(at, accept, 0n, cur.slack, ONE, whole);
  const halfT = at(half);
  if (accept(halfT)) return smallestAccepted(at, accept, 0n, cur.slack, half, halfT);
  let best: { f: bigint; t: Trial } | null;
  if (!valid(whole) && !valid(halfT)) {
    // Half already raises MM (an over-hedge: closing the long leg of 50 against a short 40 helps
    // only up to 10). Probe 1/4 … 1/128; the best amount lies below twice the first valid probe.
    let f = half;
    let found: Trial | null = null;
    for (let k = 0; k < PROBES && found === null; k++) {
      f /= 2n;
      const t = at(f);
      if (accept(t)) return smallestAccepted(at, accept, 0n, cur.slack, f, t);
      if (valid(t)) found = t;
    }
    if (found === null) return null;
    best = bestFraction(at, valid, [{ f, t: found }], 2n * f);
  } else if (valid(whole) && (!valid(halfT) || whole.slack > halfT.slack)) {
    // Closing the second half still helps: close it all.
    return helps(whole) ? whole : null;
  } else {
    // Closing more than half helps no more: the amount after which closing stops helping lies inside.
    best = bestFraction(
      at,
      valid,
      [
        { f: ONE, t: whole },
        { f: half, t: halfT },
      ],
      ONE,
    );
  }
  if (best === null) return null;
  if (accept(best.t)) return smallestAccepted(at, accept, 0n, cur.slack, best.f, best.t);
  return helps(best.t) ? best.t : null;
}

function greedy(ctx: Ctx): Trial | null {
  let cur = ctx.start;
  let steps = 0;
  while (steps < ctx.maxSteps && cur.slack < 0n) {
    ctx.calls++;
    const report = marginReport(cur.portfolio, ctx.input.arrays);
    let next: Trial | null = null;
    for (const u of units(ctx, cur, report)) {
      next = tryUnit(ctx, cur, u);
      if (next !== null) break;
    }
    if (next === null) break;
    cur = next;
    steps++;
  }
  return steps > 0 ? cur : null;
}

function finish(ctx: Ctx, method: LiquidationMethod, t: Trial): LiquidationPlan {
  const closes: LiquidationClose[] = [];
  ctx.legs.forEach((l, i) => {
    const c = t.closed[i]!;
    if (c > 0n) closes.push({ positionId: l.id, closeSizeE18: c });
  });
  let after = ctx.before;
  if (closes.length > 0) {
    // The reported margins are the kernel's own on the simulated portfolio (not the shortcut).
    ctx.calls++;
    after = marginAccount(t.portfolio, ctx.input.arrays);
  }
  return {
    method: closes.length > 0 ? method : 'none',
    closes,
    closedNotionalUsd: Number(t.notionalMicro) / 1e6,
    closedNotionalMicro: t.notionalMicro,
    liquidityCostMicro: t.costMicro,
    realisedMicro: t.realisedMicro,
    before: ctx.before,
    after,
    afterPortfolio: t.portfolio,
    restored: isRestored(after, ctx.input.bufferE18),
    kernelCalls: ctx.calls,
  };
}

/** Whether trial `x` is the better final plan than `y` (restoring first, then notional, then margin). */
function preferred(x: Trial, y: Trial): boolean {
  const rx = x.slack >= 0n;
  const ry = y.slack >= 0n;
  if (rx !== ry) return rx;
  if (rx) return x.notionalMicro <= y.notionalMicro;
  const mx = x.summary.equity - x.summary.mm;
  const my = y.summary.equity - y.summary.mm;
  if (mx !== my) return mx > my;
  return x.notionalMicro <= y.notionalMicro;
}

/**
 * Plans the liquidation of one account (module doc). Returns method `none` with no closes when
 * the account meets its target; otherwise the proportional or the greedy plan, whichever restores
 * the target with less closed notional (ties: proportional), or, if neither restores, the one with
 * the higher equity − MM. Never a plan whose MM exceeds `before.mm`. Throws `LiquidationError` for
 * invalid inputs and lets the kernel's `RiskError` (stale feed, unknown instrument …) through.
 */
export function planLiquidation(input: LiquidationInput): LiquidationPlan {
  const ctx = createContext(input);
  if (ctx.start.slack >= 0n) return finish(ctx, 'none', ctx.start);
  const p = proportional(ctx);
  const g = greedy(ctx);
  if (p !== null && (g === null || preferred(p, g))) return finish(ctx, 'proportional', p);
  if (g !== null) return finish(ctx, 'greedy', g);
  return finish(ctx, 'none', ctx.start);
}

/** The proportional candidate alone (same rules as inside {@link planLiquidation}); `none` when it has no admissible close. */
export function planProportional(input: LiquidationInput): LiquidationPlan {
  const ctx = createContext(input);
  if (ctx.start.slack >= 0n) return finish(ctx, 'none', ctx.start);
  return finish(ctx, 'proportional', proportional(ctx) ?? ctx.start);
}

/** The greedy candidate alone (same rules as inside {@link planLiquidation}); `none` when it takes no step. */
export function planGreedy(input: LiquidationInput): LiquidationPlan {
  const ctx = createContext(input);
  if (ctx.start.slack >= 0n) return finish(ctx, 'none', ctx.start);
  return finish(ctx, 'greedy', greedy(ctx) ?? ctx.start);
}
