/**
 * Compiling a portfolio against a universe: positions aggregated per instrument (exactly, in
 * bigint, before one conversion to binary64), sorted by the universe's canonical index, and the
 * equity pieces (settlement cash kept exact in micro-dollars). The compiled form depends only on
 * the portfolio, the params and the universe — never on a snapshot — so the incremental engine
 * keeps it across blocks.
 */
import { RiskError } from './errors.ts';
import { atomicToMicroFloor, atomicToNumber, e18ToNumber } from './fixed.ts';
import { assetKey, type CompiledParams } from './params.ts';
import type { Portfolio, Stage } from './types.ts';
import { KIND_OPTION, KIND_PERP, type RiskUniverse } from './universe.ts';

const ONE = 10n ** 18n;

/** One position line kept for reports (contributions, Greeks). */
export interface PositionLine {
  readonly id: string;
  readonly instrument: number;
  /** Signed size in underlying units (options, perps) or whole tokens (spot lines). */
  readonly size: number;
  readonly provisional: boolean;
}

/** A collateral line valued in the equity (not settlement cash). */
export interface ValueLine {
  readonly id: string;
  /** 0: underlying-linked (valued at spot/stable), 1: priced feed. */
  readonly kind: 0 | 1;
  /** Underlying index for kind 0. */
  readonly underlying: number;
  readonly priceFeed: string;
  /** Signed whole tokens. */
  readonly units: number;
  /** Fraction of a positive value that counts as equity: 1 − tier − (provisional ? domain extra : 0). */
  readonly factor: number;
  readonly provisional: boolean;
}

/**
 * A portfolio compiled for the kernel, packed into one `Float64Array` so a pass over many accounts
 * touches one object per account (layout: {@link ACCOUNT_HEADER} and {@link accountLayout}):
 *
 *   [n, nPerp, nProvPerp, nLines, hasProvisional]
 *   instr[n] (universe indices, ascending) · sizeAll[n] · sizeFinal[n] · sizeProvisional[n]
 *   perps[nPerp × 4]: instrument, Σn, Σn·entry, Σn·fundingIndex (final items, per instrument)
 *   provisional perps[nProvPerp × 4]: the same per provisional position
 *   lines[nLines × 5]: kind (0 underlying, 1 priced), underlying, whole tokens, haircut factor, provisional
 */
export interface CompiledAccount {
  readonly paramsHash: string;
  readonly data: Float64Array;
  /** Settlement cash after haircuts, exact micro-dollars. */
  readonly cashMicro: bigint;
  /** `Number(cashMicro) / 1e6` (USD binary64, for the unquantised `raw.equity` only). */
  readonly cashUsd: number;
  /** Price feed of each value line (`''` for underlying-linked lines). */
  readonly priceFeeds: readonly string[];
  /** The portfolio it was compiled from (reports rebuild per-position lines from it). */
  readonly source: Portfolio;
  /**
   * The margin step's evaluation plan (see {@link buildPlan}): integers (underlyings, buckets,
   * instrument and P&L-row indices, counts) in `plan`, sizes and size-only sums in `planSizes`.
   * Derived from `data` alone, so it never depends on a snapshot.
   */
  readonly plan: Int32Array;
  readonly planSizes: Float64Array;
}

/** Number of header slots in {@link CompiledAccount.data}. */
export const ACCOUNT_HEADER = 5;

/** Offsets of the packed sections of a compiled account. */
export interface AccountLayout {
  readonly n: number;
  readonly instr: number;
  readonly sizeAll: number;
  readonly sizeFinal: number;
  readonly sizeProvisional: number;
  readonly nPerp: number;
  readonly perps: number;
  readonly nProvPerp: number;
  readonly provPerps: number;
  readonly nLines: number;
  readonly lines: number;
  readonly hasProvisional: boolean;
}

/** Section offsets of `acc.data`. */
export function accountLayout(acc: CompiledAccount): AccountLayout {
  const d = acc.data;
  const n = d[0]!;
  const nPerp = d[1]!;
  const nProvPerp = d[2]!;
  const h = ACCOUNT_HEADER;
  const perps = h + 4 * n;
  const provPerps = perps + 4 * nPerp;
  return {
    n,
    instr: h,
    sizeAll: h + n,
    sizeFinal: h + 2 * n,
    sizeProvisional: h + 3 * n,
    nPerp,
    perps,
    nProvPerp,
    provPerps,
    nLines: d[3]!,
    lines: provPerps + 4 * nProvPerp,
    hasProvisional: d[4] === 1,
  };
}

/** The unpacked pieces of a compiled portfolio (reports use `positions` and `valueLines`). */
export interface AccountParts {
  readonly positions: readonly PositionLine[];
  readonly valueLines: readonly ValueLine[];
}

function badPortfolio(field: string, value: string, limit: string): never {
  throw new RiskError('RISK_INVALID_PORTFOLIO', { field, value, limit });
}

function fieldOf(list: string, key: string, leaf: string): string {
  return `portfolio.${list}[${key}]${leaf}`;
}

function checkStage(s: Stage, list: string, key: string): boolean {
  if (s !== 'final' && s !== 'provisional')
    badPortfolio(fieldOf(list, key, '.stage'), String(s), 'final | provisional');
  return s === 'provisional';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Agg {
  all: bigint;
  fin: bigint;
  prov: bigint;
  // Spot instruments aggregate binary64 whole tokens from several decimals; summed in canonical order.
  allF: number;
  finF: number;
  provF: number;
}

/**
 * Compiles `portfolio`. Throws `RISK_INVALID_PORTFOLIO` (duplicate ids or collateral lines, a
 * position on an instrument of the other kind, a bad stage or negative lending amounts),
 * `RISK_UNKNOWN_INSTRUMENT` and `RISK_UNKNOWN_ASSET`. Order of the input lists does not matter:
 * everything is aggregated exactly or summed in canonical order.
 */
export function compileAccount(
  portfolio: Portfolio,
  universe: RiskUniverse,
  cp: CompiledParams,
): CompiledAccount {
  return compileParts(portfolio, universe, cp, false).account;
}

/** Per-position lines and value lines of a portfolio (what a report attributes to). */
export function accountParts(portfolio: Portfolio, universe: RiskUniverse, cp: CompiledParams): AccountParts {
  return compileParts(portfolio, universe, cp, true).parts;
}

function compileParts(
  portfolio: Portfolio,
  universe: RiskUniverse,
  cp: CompiledParams,
  // Per-position lines are for reports only; compiling for the margin step skips them.
  wantParts: boolean,
): { account: CompiledAccount; parts: AccountParts } {
  if (universe.paramsHash !== cp.hash) {
    throw new RiskError('RISK_INVALID_PARAMS', {
      field: 'universe.paramsHash',
      value: universe.paramsHash,
      limit: `= ${cp.hash}`,
    });
  }
  // Error fields (`portfolio.<list>[<key>].<leaf>`) are built only when an error is thrown.
  const ids = new Set<string>();
  const useId = (id: string, list: string, key: string, leaf: string): void => {
    if (typeof id !== 'string' || id.length === 0)
      badPortfolio(fieldOf(list, key, leaf), String(id), 'non-empty id');
    if (ids.has(id)) badPortfolio(fieldOf(list, key, leaf), id, 'unique position id');
    ids.add(id);
  };
  const agg = new Map<number, Agg>();
  const add = (k: number, size: bigint, prov: boolean): void => {
    let a = agg.get(k);
    if (!a) {
      a = { all: 0n, fin: 0n, prov: 0n, allF: 0, finF: 0, provF: 0 };
      agg.set(k, a);
    }
    a.all += size;
    if (prov) a.prov += size;
    else a.fin += size;
  };
  const positions: PositionLine[] = [];
  let hasProvisional = false;
  const instrumentOf = (id: string, kind: number, list: string, key: string): number => {
    const k = universe.index.get(id);
    if (k === undefined)
      throw new RiskError('RISK_UNKNOWN_INSTRUMENT', {
        field: fieldOf(list, key, '.instrument'),
        value: id,
        limit: 'listed in the universe',
      });
    if (universe.kind[k] !== kind)
      badPortfolio(fieldOf(list, key, '.instrument'), id, kind === KIND_OPTION ? 'an option' : 'a perp');
    return k;
  };

  const options = [...portfolio.options].sort((a, b) => cmp(a.id, b.id));
  for (const o of options) {
    useId(o.id, 'options', o.id, '.id');
    const prov = checkStage(o.stage, 'options', o.id);
    hasProvisional ||= prov;
    const k = instrumentOf(o.instrument, KIND_OPTION, 'options', o.id);
    add(k, o.sizeE18, prov);
    if (wantParts)
      positions.push({ id: o.id, instrument: k, size: e18ToNumber(o.sizeE18), provisional: prov });
  }

  const perps = [...portfolio.perps].sort((a, b) => cmp(a.id, b.id));
  const perpAgg = new Map<number, { n: bigint; entry: bigint; fund: bigint }>();
  const provPerps: { k: number; n: bigint; entry: bigint; fund: bigint }[] = [];
  for (const p of perps) {
    useId(p.id, 'perps', p.id, '.id');
    const prov = checkStage(p.stage, 'perps', p.id);
    hasProvisional ||= prov;
    const k = instrumentOf(p.instrument, KIND_PERP, 'perps', p.id);
    if (p.entryPriceE18 < 0n)
      badPortfolio(fieldOf('perps', p.id, '.entryPriceE18'), String(p.entryPriceE18), '≥ 0');
    add(k, p.sizeE18, prov);
    if (wantParts)
      positions.push({ id: p.id, instrument: k, size: e18ToNumber(p.sizeE18), provisional: prov });
    // n·entry and n·index exactly in E36, converted once.
    const entry = p.sizeE18 * p.entryPriceE18;
    const fund = p.sizeE18 * p.fundingIndexE18;
    if (prov) provPerps.push({ k, n: p.sizeE18, entry, fund });
    else {
      const a = perpAgg.get(k) ?? { n: 0n, entry: 0n, fund: 0n };
      a.n += p.sizeE18;
      a.entry += entry;
      a.fund += fund;
      perpAgg.set(k, a);
    }
  }

  let cashMicro = 0n;
  const valueLines: ValueLine[] = [];
  const seenCollateral = new Set<string>();
  interface Line {
    id: string;
    domain: number;
    token: string;
    prov: boolean;
    amount: bigint;
    field: string;
  }
  const lines: Line[] = [];
  for (const c of portfolio.collateral) {
    const ck = `${c.domain}/${c.token}/${c.stage}`;
    const f = fieldOf('collateral', ck, '');
    const prov = checkStage(c.stage, 'collateral', ck);
    const key = `${c.domain}\u0000${c.token}\u0000${c.stage}`;
    if (seenCollateral.has(key)) badPortfolio(f, ck, 'one balance per (domain, token, stage)');
    seenCollateral.add(key);
    const id = `collateral:${c.domain}:${c.token}:${c.stage}`;
    useId(id, 'collateral', ck, '');
    lines.push({ id, domain: c.domain, token: c.token, prov, amount: c.amount, field: f });
  }
  for (const l of portfolio.lending) {
    const f = fieldOf('lending', l.id, '');
    useId(l.id, 'lending', l.id, '.id');
    const prov = checkStage(l.stage, 'lending', l.id);
    if (l.supplied < 0n) badPortfolio(`${f}.supplied`, String(l.supplied), '≥ 0');
    if (l.borrowed < 0n) badPortfolio(`${f}.borrowed`, String(l.borrowed), '≥ 0');
    // Supplied and borrowed are separate lines: the haircut applies to the supply, never to the debt.
    lines.push({
      id: `${l.id}:supplied`,
      domain: l.domain,
      token: l.token,
      prov,
      amount: l.supplied,
      field: `${f}.supplied`,
    });
    lines.push({
      id: `${l.id}:borrowed`,
      domain: l.domain,
      token: l.token,
      prov,
      amount: -l.borrowed,
      field: `${f}.borrowed`,
    });
  }
  lines.sort((a, b) => cmp(a.id, b.id));
  for (const l of lines) {
    const a = cp.assets.get(assetKey(l.domain, l.token));
    if (!a)
      throw new RiskError('RISK_UNKNOWN_ASSET', {
        field: l.field,
        value: `${l.domain}/${l.token}`,
        limit: 'listed in params.assets',
      });
    if (l.prov && l.amount !== 0n) hasProvisional = true;
    if (a.kind === 'settlement') {
      const micro = atomicToMicroFloor(l.amount, a.decimals);
      if (micro > 0n) {
        // Haircuts on the settlement asset stay exact: ⌊micro·(1e18 − h)/1e18⌋ with h in E18.
        const h = tierE18(cp, a.domain, a.token) + (l.prov ? provisionalE18(cp, a.domain) : 0n);
        const keep = h >= ONE ? 0n : ONE - h;
        cashMicro += (micro * keep) / ONE;
      } else cashMicro += micro;
      continue;
    }
    const units = atomicToNumber(l.amount, a.decimals);
    const factor = 1 - a.haircut - (l.prov ? a.provisionalHaircut : 0);
    valueLines.push({
      id: l.id,
      kind: a.kind === 'underlying' ? 0 : 1,
      underlying: a.underlyingIndex,
      priceFeed: a.priceFeed,
      units,
      factor: Math.max(factor, 0),
      provisional: l.prov,
    });
    if (a.kind === 'underlying') {
      const k = universe.spotIndex[a.underlyingIndex]!;
      let g = agg.get(k);
      if (!g) {
        g = { all: 0n, fin: 0n, prov: 0n, allF: 0, finF: 0, provF: 0 };
        agg.set(k, g);
      }
      g.allF += units;
      if (l.prov) g.provF += units;
      else g.finF += units;
      if (wantParts) positions.push({ id: l.id, instrument: k, size: units, provisional: l.prov });
    }
  }

  const keys = [...agg.keys()].sort((a, b) => a - b);
  const n = keys.length;
  const perpKeys = [...perpAgg.keys()].sort((a, b) => a - b);
  const E36 = ONE * ONE;
  const e36 = (x: bigint): number => {
    const q = x / E36;
    return Number(q) + Number(x - q * E36) / 1e36;
  };
  const nPerp = perpKeys.length;
  const nProv = provPerps.length;
  const nLines = valueLines.length;
  // Filled in scratch first: the plan is derived from it, then all three go into one buffer.
  const nData = ACCOUNT_HEADER + 4 * n + 4 * nPerp + 4 * nProv + 5 * nLines;
  if (DATA_SCRATCH.length < nData) DATA_SCRATCH = new Float64Array(2 * nData);
  const data = DATA_SCRATCH;
  data[0] = n;
  data[1] = nPerp;
  data[2] = nProv;
  data[3] = nLines;
  data[4] = hasProvisional ? 1 : 0;
  const h = ACCOUNT_HEADER;
  keys.forEach((k, i) => {
    const a = agg.get(k)!;
    data[h + i] = k;
    data[h + n + i] = e18ToNumber(a.all) + a.allF;
    data[h + 2 * n + i] = e18ToNumber(a.fin) + a.finF;
    data[h + 3 * n + i] = e18ToNumber(a.prov) + a.provF;
  });
  let o = h + 4 * n;
  for (const k of perpKeys) {
    const a = perpAgg.get(k)!;
    data[o++] = k;
    data[o++] = e18ToNumber(a.n);
    data[o++] = e36(a.entry);
    data[o++] = e36(a.fund);
  }
  for (const p of provPerps) {
    data[o++] = p.k;
    data[o++] = e18ToNumber(p.n);
    data[o++] = e36(p.entry);
    data[o++] = e36(p.fund);
  }
  for (const l of valueLines) {
    data[o++] = l.kind;
    data[o++] = l.underlying;
    data[o++] = l.units;
    data[o++] = l.factor;
    data[o++] = l.provisional ? 1 : 0;
  }
  positions.sort((a, b) => cmp(a.id, b.id));
  const { I, F } = planLists(data, universe);
  // One backing store per account — plan (Int32, padded to 8 bytes), its sizes, the packed data —
  // so the margin step reads one contiguous block.
  const planBytes = 4 * (I.length + (I.length & 1));
  const buf = new ArrayBuffer(planBytes + 8 * F.length + 8 * nData);
  const plan = new Int32Array(buf, 0, I.length);
  plan.set(I);
  const planSizes = new Float64Array(buf, planBytes, F.length);
  planSizes.set(F);
  const packed = new Float64Array(buf, planBytes + 8 * F.length, nData);
  packed.set(data.subarray(0, nData));
  return {
    account: {
      paramsHash: cp.hash,
      data: packed,
      cashMicro,
      cashUsd: Number(cashMicro) / 1e6,
      priceFeeds: valueLines.length === 0 ? NO_FEEDS : valueLines.map((l) => l.priceFeed),
      source: portfolio,
      plan,
      planSizes,
    },
    parts: { positions, valueLines },
  };
}

const NO_FEEDS: readonly string[] = [];
let DATA_SCRATCH = new Float64Array(256);

function tierE18(cp: CompiledParams, domain: number, token: string): bigint {
  const a = cp.source.assets.find((x) => x.domain === domain && x.token === token)!;
  return cp.source.haircutTiers.find((t) => t.id === a.tier)!.haircutE18;
}

function provisionalE18(cp: CompiledParams, domain: number): bigint {
  return cp.source.domains.find((d) => d.domain === domain)!.provisionalHaircutE18;
}

/** Offset of the final-items view in {@link CompiledAccount.plan} (0 when nothing is provisional). */
export const PLAN_FINAL_AT = 0;
/** Offset in `plan` of the final view's first size in `planSizes`. */
export const PLAN_FINAL_SIZES_AT = 1;
/** Where the all-items view starts in `plan` (its sizes start at 0). */
export const PLAN_ALL_AT = 2;

/**
 * The evaluation plan of a packed account: for the all-items view and (when the account has
 * provisional items) the final-items view, per held underlying in ascending order, what the margin
 * step does — without looking at a snapshot. `plan` (Int32) and `planSizes` (Float64) are read in
 * step with two cursors:
 *
 *   plan[0] = start of the final view (0 if none), plan[1] = its start in planSizes
 *   view:    [nGroups]
 *   group:   [u, nBuckets, nItems, perpHeld, twin, iEnd, fEnd]   sizes: [Σ|perp|, Σ|base|]
 *   bucket:  [b, m, row (m = 1) | k₁ … k_m (m > 1)]              sizes: [nakedShorts, Σ|n|, n (m = 1) | n₁ … n_m]
 *   items:   [row₁ … row_nItems]                                 sizes: [z₁ … z_nItems]
 *
 * Buckets are the option buckets with a non-zero size in the view, in canonical order; m counts
 * their non-zero positions (k = universe index, in order). Items are what the P&L rows are summed
 * over: options alone in their bucket (row 2k for a long, 2k+1 for a short) and linear positions
 * (row 2k), in canonical order. Naked shorts and Σ|n| are computed here with exactly the arithmetic
 * (and order) the margin step used to do per evaluation. A held underlying whose sizes are all zero
 * in the view keeps an empty group (it still reports a worst scenario). `iEnd`/`fEnd` are the cursors
 * after the group; `twin` (final view only, else −1) is the index of the all-items group that is
 * identical to this one — same integers, same size bits — because the underlying holds nothing
 * provisional: its results are the same numbers, so the margin step copies them.
 */
export function buildPlan(
  data: Float64Array,
  universe: RiskUniverse,
): { plan: Int32Array; planSizes: Float64Array } {
  const { I, F } = planLists(data, universe);
  return { plan: Int32Array.from(I), planSizes: Float64Array.from(F) };
}

function planLists(data: Float64Array, universe: RiskUniverse): { I: number[]; F: number[] } {
  const n = data[0]!;
  const I: number[] = [0, 0];
  const F: number[] = [];
  planView(data, universe, ACCOUNT_HEADER + n, I, F);
  if (data[4] === 1) {
    const allGroups = groupsOf(I, PLAN_ALL_AT, 0);
    I[PLAN_FINAL_AT] = I.length;
    I[PLAN_FINAL_SIZES_AT] = F.length;
    planView(data, universe, ACCOUNT_HEADER + 2 * n, I, F);
    for (const g of groupsOf(I, I[PLAN_FINAL_AT]!, I[PLAN_FINAL_SIZES_AT]!)) {
      const t = allGroups.findIndex((x) => sameGroup(I, F, x, g));
      I[g.i + 4] = t;
    }
  }
  return { I, F };
}

/** Group header size in `plan` (see {@link buildPlan}). */
export const PLAN_GROUP_HEADER = 7;

interface GroupSpan {
  i: number;
  f: number;
  iEnd: number;
  fEnd: number;
}

function groupsOf(I: number[], i: number, f: number): GroupSpan[] {
  const out: GroupSpan[] = [];
  const n = I[i]!;
  i++;
  for (let g = 0; g < n; g++) {
    const iEnd = I[i + 5]!;
    const fEnd = I[i + 6]!;
    out.push({ i, f, iEnd, fEnd });
    i = iEnd;
    f = fEnd;
  }
  return out;
}

function sameGroup(I: number[], F: number[], a: GroupSpan, b: GroupSpan): boolean {
  if (a.iEnd - a.i !== b.iEnd - b.i || a.fEnd - a.f !== b.fEnd - b.f) return false;
  // Header fields 0–3 and the body; twin and end cursors differ by position.
  for (let k = 0; k < 4; k++) if (I[a.i + k] !== I[b.i + k]) return false;
  for (let k = PLAN_GROUP_HEADER; k < a.iEnd - a.i; k++) if (I[a.i + k] !== I[b.i + k]) return false;
  for (let k = 0; k < a.fEnd - a.f; k++) if (!Object.is(F[a.f + k], F[b.f + k])) return false;
  return true;
}

function planView(data: Float64Array, uni: RiskUniverse, sizeOff: number, I: number[], F: number[]): void {
  const n = data[0]!;
  const io = ACCOUNT_HEADER;
  const at = I.length;
  I.push(0);
  let groups = 0;
  let i = 0;
  while (i < n) {
    const u = uni.underlying[data[io + i]!]!;
    const head = I.length;
    const fHead = F.length;
    I.push(u, 0, 0, 0, -1, 0, 0);
    F.push(0, 0);
    const itemRows: number[] = [];
    const itemZ: number[] = [];
    let buckets = 0;
    let perpAbs = 0;
    let baseAbs = 0;
    let perpHeld = false;
    while (i < n) {
      const k = data[io + i]!;
      if (uni.underlying[k] !== u) break;
      if (uni.kind[k] !== KIND_OPTION) {
        const sz = data[sizeOff + i]!;
        if (sz !== 0) {
          itemRows.push(2 * k);
          itemZ.push(sz);
          if (uni.kind[k] === KIND_PERP) {
            perpAbs += sz < 0 ? -sz : sz;
            perpHeld = true;
          } else baseAbs += sz < 0 ? -sz : sz;
        }
        i++;
        continue;
      }
      const b = uni.bucket[k]!;
      let end = i;
      let count = 0;
      let lone = -1;
      while (end < n && uni.bucket[data[io + end]!] === b) {
        if (data[sizeOff + end] !== 0) {
          count++;
          lone = end;
        }
        end++;
      }
      if (count === 0) {
        i = end;
        continue;
      }
      buckets++;
      if (count === 1) {
        const sz = data[sizeOff + lone]!;
        const row = 2 * data[io + lone]! + (sz > 0 ? 0 : 1);
        itemRows.push(row);
        itemZ.push(sz);
        I.push(b, 1, row);
        F.push(sz < 0 ? -sz : 0, sz < 0 ? -sz : sz, sz);
        i = end;
        continue;
      }
      // Naked shorts net per strike (calls and puts of one strike are adjacent), Σ|n| in order.
      const ks: number[] = [];
      const zs: number[] = [];
      let naked = 0;
      let absSum = 0;
      let strike = uni.strike[k]!;
      let net = 0;
      for (; i < end; i++) {
        const kk = data[io + i]!;
        const st = uni.strike[kk]!;
        if (st !== strike) {
          if (net < 0) naked -= net;
          net = 0;
          strike = st;
        }
        const sz = data[sizeOff + i]!;
        if (sz === 0) continue;
        ks.push(kk);
        zs.push(sz);
        net += sz;
        absSum += sz < 0 ? -sz : sz;
      }
      if (net < 0) naked -= net;
      I.push(b, count, ...ks);
      F.push(naked, absSum, ...zs);
    }
    I[head + 1] = buckets;
    I[head + 2] = itemRows.length;
    I[head + 3] = perpHeld ? 1 : 0;
    F[fHead] = perpAbs;
    F[fHead + 1] = baseAbs;
    I.push(...itemRows);
    F.push(...itemZ);
    I[head + 5] = I.length;
    I[head + 6] = F.length;
    groups++;
  }
  I[at] = groups;
}
