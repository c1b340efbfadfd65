/**
 * The margin step as it stood before the speed work (commit 5abc922, `chain/risk/margin.ts`), kept
 * verbatim in its arithmetic as a regression oracle: `test/unit/risk/fastPath.test.ts` asserts the
 * optimised kernel returns the same bits (and the same errors) on thousands of random portfolios.
 * Exports are renamed `legacy…`; nothing else is changed, so it stays what the kernel computed.
 */
import {
  ACCOUNT_HEADER,
  accountLayout,
  accountParts,
  type CompiledAccount,
  compileAccount,
} from '../../../../chain/risk/account.ts';
import { greeksBlack76 } from '../../../../chain/risk/black76.ts';
import { RiskError } from '../../../../chain/risk/errors.ts';
import { usdToMicroCeil, usdToMicroFloor } from '../../../../chain/risk/fixed.ts';
import type { RiskArrays } from '../../../../chain/risk/riskArrays.ts';
import type {
  Contribution,
  Greeks,
  MarginReport,
  MarginSummary,
  Portfolio,
  WorstScenario,
} from '../../../../chain/risk/types.ts';
import { KIND_OPTION, KIND_PERP } from '../../../../chain/risk/universe.ts';

// Scratch buffers reused across calls (the kernel is synchronous and single-threaded).
let V = new Float64Array(0);
let P = new Float64Array(0);
let ES = new Float64Array(0);
let MMU = new Float64Array(0);
let CONFU = new Float64Array(0);
let WORSTU = new Int32Array(0);
let MINU = new Float64Array(0);
let UIDX = new Int32Array(0);
let BCONF = new Float64Array(0);
let BABS = new Float64Array(0);
let ITEM_OFF = new Int32Array(0);
let ITEM_Z = new Float64Array(0);
let TAIL = new Float64Array(0);

function ensureScratch(cols: number, nU: number, j: number): void {
  if (V.length < cols) {
    V = new Float64Array(cols);
    P = new Float64Array(cols);
  }
  if (ES.length < j) {
    ES = new Float64Array(j);
    TAIL = new Float64Array(j + 1);
  }
  if (MMU.length < nU) {
    MMU = new Float64Array(nU);
    CONFU = new Float64Array(nU);
    WORSTU = new Int32Array(nU);
    MINU = new Float64Array(nU);
    UIDX = new Int32Array(nU);
  }
}

/** The outcome of one view (all items or final items only). */
interface ViewResult {
  mm: number;
  im: number;
  es: number;
  nU: number;
}

/** Options for {@link evaluateView}: optional per-underlying grid capture for reports. */
interface Capture {
  grid: Map<number, { pnl: Float64Array; basis: number; worst: number; minSpan: number }>;
}

function checkStatus(arrays: RiskArrays, k: number): void {
  const e = arrays.status[k];
  if (e) throw e;
}

// Outputs of accumulateUnderlying (module scratch: the kernel is synchronous and single-threaded).
let gU = 0;
let gBasis = 0;
let gStaticOpt = 0;
let gPerpAbs = 0;
let gBaseAbs = 0;
let gPerpHeld = false;
let gBuckets = 0;

/**
 * The grid stage for one underlying: from position index `i` (the first of underlying gU), the
 * sparse dot products of sizes with the instruments' risk-array rows, bucket by bucket, the static
 * discount of positive bucket values, into P[1 … S] and (when `full`) the ES columns, plus the
 * bucket's basis contingency (`full`), naked shorts and confidence inputs. A bucket holding one
 * option uses that option's precomputed discounted P&L row (`pnlLong`/`pnlShort`); a bucket holding
 * several sums their values first (the discount is not linear). Returns the index after the
 * underlying. The scenario columns get the same arithmetic whether `full` or not.
 */
function accumulateUnderlying(
  acc: CompiledAccount,
  arrays: RiskArrays,
  sizeOff: number,
  i: number,
  full: boolean,
): number {
  const cp = arrays.params;
  const uni = arrays.universe;
  const C = arrays.cols;
  const S = arrays.scenarioCount;
  const cols = full ? C : S + 1;
  const esBase = S + 3;
  const upCol = S + 1;
  const downCol = S + 2;
  const values = arrays.values;
  const pnl = arrays.pnl;
  const status = arrays.status;
  // Packed account: instruments at ACCOUNT_HEADER + i, sizes at sizeOff + i (see CompiledAccount).
  const d = acc.data;
  const n = d[0]!;
  const io = ACCOUNT_HEADER;
  if (BCONF.length < n) {
    BCONF = new Float64Array(n);
    BABS = new Float64Array(n);
    ITEM_OFF = new Int32Array(n + 4);
    ITEM_Z = new Float64Array(n + 4);
  }
  // Locals for the hot loops (module bindings and property loads are not hoisted by the JIT).
  const v = V;
  const p = P;
  const bconf = BCONF;
  const babs = BABS;
  const itemOff = ITEM_OFF;
  const itemZ = ITEM_Z;
  const uUnd = uni.underlying;
  const uKind = uni.kind;
  const uBucket = uni.bucket;
  const uStrike = uni.strike;
  const basisFactor = arrays.bucketBasisFactor;
  const u = uUnd[d[io + i]!]!;
  gU = u;
  for (let c = 1; c < C; c++) p[c] = 0;
  let basis = 0;
  let staticOpt = 0;
  let perpAbs = 0;
  let baseAbs = 0;
  let perpHeld = false;
  let nb = 0;
  let items = 0;
  const spot = arrays.spot[u]!;
  while (i < n) {
    const k = d[io + i]!;
    if (uUnd[k] !== u) break;
    const kind = uKind[k]!;
    if (kind !== KIND_OPTION) {
      const sz = d[sizeOff + i]!;
      if (sz !== 0) {
        if (status[k] !== null) throw status[k]!;
        itemOff[items] = 2 * k * C;
        itemZ[items] = sz;
        items++;
        if (kind === KIND_PERP) {
          perpAbs += sz < 0 ? -sz : sz;
          perpHeld = true;
        } else baseAbs += sz < 0 ? -sz : sz;
      }
      i++;
      continue;
    }
    const b = uBucket[k]!;
    // The bucket's positions are contiguous: find its end and how many are non-zero.
    let end = i;
    let count = 0;
    let lone = -1;
    while (end < n && uBucket[d[io + end]!] === b) {
      if (d[sizeOff + end] !== 0) {
        count++;
        lone = end;
      }
      end++;
    }
    if (count === 0) {
      i = end;
      continue;
    }
    let naked = 0;
    let absSum = 0;
    if (count === 1) {
      // One option in the bucket: its precomputed discounted P&L row, added in the pass below.
      const kk = d[io + lone]!;
      if (status[kk] !== null) throw status[kk]!;
      const sz = d[sizeOff + lone]!;
      const off = (2 * kk + (sz > 0 ? 0 : 1)) * C;
      itemOff[items] = off;
      itemZ[items] = sz;
      items++;
      if (full) {
        const dUp = sz * pnl[off + upCol]!;
        const dDown = sz * pnl[off + downCol]!;
        const worstBasis = Math.min(dUp, dDown);
        if (worstBasis < 0) basis += worstBasis * basisFactor[b]!;
      }
      naked = sz < 0 ? -sz : 0;
      absSum = sz < 0 ? -sz : sz;
    } else {
      // Several options: sum their values first (the discount applies to the bucket's value).
      let first = true;
      let strike = uStrike[k]!;
      let net = 0;
      for (; i < end; i++) {
        const kk = d[io + i]!;
        const st = uStrike[kk]!;
        if (st !== strike) {
          // Naked shorts net per strike: calls and puts of one strike are adjacent.
          if (net < 0) naked -= net;
          net = 0;
          strike = st;
        }
        const sz = d[sizeOff + i]!;
        if (sz === 0) continue;
        if (status[kk] !== null) throw status[kk]!;
        const row = kk * C;
        if (first) {
          for (let c = 0; c < cols; c++) v[c] = sz * values[row + c]!;
          first = false;
        } else {
          for (let c = 0; c < cols; c++) v[c] = v[c]! + sz * values[row + c]!;
        }
        net += sz;
        absSum += sz < 0 ? -sz : sz;
      }
      if (net < 0) naked -= net;
      const mtm = v[0]!;
      const sd = arrays.bucketDiscount[b]!;
      for (let c = 1; c <= S; c++) {
        const x = v[c]!;
        p[c] = p[c]! + ((x > 0 ? x * sd : x) - mtm);
      }
      if (full) {
        for (let c = esBase; c < C; c++) {
          const x = v[c]!;
          p[c] = p[c]! + ((x > 0 ? x * sd : x) - mtm);
        }
        const dUp = v[upCol]! - mtm;
        const dDown = v[downCol]! - mtm;
        const worstBasis = Math.min(dUp, dDown);
        if (worstBasis < 0) basis += worstBasis * basisFactor[b]!;
      }
    }
    i = end;
    staticOpt += naked * cp.optionPct * spot;
    bconf[nb] = arrays.bucketConfidence[b]!;
    babs[nb] = absSum;
    nb++;
  }
  // The sparse dot product proper, column by column with the rows in locals, four at a time:
  // P[c] += z0·r0[c] + z1·r1[c] + z2·r2[c] + z3·r3[c] (fixed association, so fixed bits).
  let j = 0;
  for (; j + 4 <= items; j += 4) {
    const o0 = itemOff[j]!;
    const o1 = itemOff[j + 1]!;
    const o2 = itemOff[j + 2]!;
    const o3 = itemOff[j + 3]!;
    const z0 = itemZ[j]!;
    const z1 = itemZ[j + 1]!;
    const z2 = itemZ[j + 2]!;
    const z3 = itemZ[j + 3]!;
    for (let c = 1; c < cols; c++) {
      p[c] = p[c]! + (z0 * pnl[o0 + c]! + z1 * pnl[o1 + c]! + z2 * pnl[o2 + c]! + z3 * pnl[o3 + c]!);
    }
  }
  if (items - j === 3) {
    const o0 = itemOff[j]!;
    const o1 = itemOff[j + 1]!;
    const o2 = itemOff[j + 2]!;
    const z0 = itemZ[j]!;
    const z1 = itemZ[j + 1]!;
    const z2 = itemZ[j + 2]!;
    for (let c = 1; c < cols; c++) p[c] = p[c]! + (z0 * pnl[o0 + c]! + z1 * pnl[o1 + c]! + z2 * pnl[o2 + c]!);
  } else if (items - j === 2) {
    const o0 = itemOff[j]!;
    const o1 = itemOff[j + 1]!;
    const z0 = itemZ[j]!;
    const z1 = itemZ[j + 1]!;
    for (let c = 1; c < cols; c++) p[c] = p[c]! + (z0 * pnl[o0 + c]! + z1 * pnl[o1 + c]!);
  } else if (items - j === 1) {
    const o0 = itemOff[j]!;
    const z0 = itemZ[j]!;
    for (let c = 1; c < cols; c++) p[c] = p[c]! + z0 * pnl[o0 + c]!;
  }
  gBasis = basis;
  gStaticOpt = staticOpt;
  gPerpAbs = perpAbs;
  gBaseAbs = baseAbs;
  gPerpHeld = perpHeld;
  gBuckets = nb;
  return i;
}

/**
 * Evaluates one view. `sizes` is `sizeAll` or `sizeFinal`. Writes per-underlying MM, conf and worst
 * scenario into the scratch arrays (indices 0 … nU−1, underlying ids in UIDX).
 */
function evaluateView(
  acc: CompiledAccount,
  arrays: RiskArrays,
  sizeOff: number,
  out: ViewResult,
  cap: Capture | null,
): void {
  const cp = arrays.params;
  const C = arrays.cols;
  const S = arrays.scenarioCount;
  const J = arrays.jointCount;
  const esBase = S + 3;
  const n = acc.data[0]!;
  ensureScratch(C, cp.underlyings.length, J);
  const esAcc = ES;
  const p = P;
  const weight = cp.scenarioWeight;
  for (let j = 0; j < J; j++) esAcc[j] = 0;
  let nU = 0;
  let i = 0;
  while (i < n) {
    i = accumulateUnderlying(acc, arrays, sizeOff, i, true);
    const u = gU;
    const basis = gBasis;
    const perpAbs = gPerpAbs;
    const baseAbs = gBaseAbs;
    const nb = gBuckets;
    const spot = arrays.spot[u]!;
    // Worst case: Derive starts from the basis contingency and replaces it only when strictly lower.
    let minSpan = basis;
    let worst = -1;
    for (let s = 0; s < S; s++) {
      const v = weight[s]! * p[1 + s]!;
      if (v < minSpan) {
        minSpan = v;
        worst = s;
      }
    }
    const staticCont = (perpAbs * cp.perpPct + baseAbs * cp.basePct) * spot + gStaticOpt;
    let portfolioConf = arrays.spotConfidence[u]!;
    if (gPerpHeld) {
      const pc = arrays.perpConfidence[u]!;
      if (pc < portfolioConf) portfolioConf = pc;
    }
    let conf = 0;
    if (portfolioConf < cp.confThreshold)
      conf += (1 - portfolioConf) * cp.confMargin * (perpAbs + baseAbs) * spot;
    for (let q = 0; q < nb; q++) {
      const bc = Math.min(BCONF[q]!, portfolioConf);
      if (bc < cp.confThreshold) conf += (1 - bc) * cp.confMargin * BABS[q]! * spot;
    }
    for (let j = 0; j < J; j++) esAcc[j] = esAcc[j]! + p[esBase + j]!;
    UIDX[nU] = u;
    MMU[nU] = staticCont - minSpan;
    CONFU[nU] = conf;
    WORSTU[nU] = worst;
    MINU[nU] = minSpan;
    if (cap) {
      const pnl = new Float64Array(S);
      for (let s = 0; s < S; s++) pnl[s] = cp.scenarioWeight[s]! * P[1 + s]!;
      cap.grid.set(u, { pnl, basis, worst, minSpan });
    }
    nU++;
  }
  let sum = 0;
  let confSum = 0;
  for (let q = 0; q < nU; q++) {
    sum += MMU[q]!;
    confSum += CONFU[q]!;
  }
  // Correlation credits between pairs of underlyings the account holds.
  for (const [a, b, credit] of cp.credits) {
    let ma = -1;
    let mb = -1;
    for (let q = 0; q < nU; q++) {
      if (UIDX[q] === a) ma = MMU[q]!;
      else if (UIDX[q] === b) mb = MMU[q]!;
    }
    if (ma >= 0 && mb >= 0) sum -= credit * Math.min(ma, mb);
  }
  if (sum < 0) sum = 0;
  let es = 0;
  if (J > 0) es = expectedShortfall(J, cp.esLevel);
  const k = arrays.imMultiplier;
  const esReq = Math.max(es, 0);
  out.mm = Math.max(sum, esReq);
  out.im = (sum > esReq ? k * sum : k * esReq) + confSum;
  out.es = es;
  out.nU = nU;
}

/**
 * ES at level α over J equally likely joint losses L_j = −ES[j]: the mean of the worst m = (1 − α)·J
 * losses, the last one counted fractionally when m is not an integer; the worst loss when m < 1.
 */
function expectedShortfall(J: number, alpha: number): number {
  const m = (1 - alpha) * J;
  const whole = Math.floor(m);
  const keep = Math.min(whole + 1, J);
  // Partial selection of the `keep` largest losses (insertion into a short sorted list).
  let len = 0;
  for (let j = 0; j < J; j++) {
    const loss = -ES[j]!;
    if (len < keep) {
      let p = len++;
      while (p > 0 && TAIL[p - 1]! < loss) {
        TAIL[p] = TAIL[p - 1]!;
        p--;
      }
      TAIL[p] = loss;
    } else if (loss > TAIL[keep - 1]!) {
      let p = keep - 1;
      while (p > 0 && TAIL[p - 1]! < loss) {
        TAIL[p] = TAIL[p - 1]!;
        p--;
      }
      TAIL[p] = loss;
    }
  }
  if (m < 1) return TAIL[0]!;
  let s = 0;
  for (let q = 0; q < whole; q++) s += TAIL[q]!;
  const frac = m - whole;
  if (frac > 0 && whole < J) s += frac * TAIL[whole]!;
  return s / m;
}

/** Equity pieces in USD binary64 (everything but the exact settlement cash). */
function equityParts(acc: CompiledAccount, arrays: RiskArrays): { equity: number; mtm: number } {
  const uni = arrays.universe;
  const C = arrays.cols;
  const values = arrays.values;
  const L = accountLayout(acc);
  const d = acc.data;
  let equity = 0;
  let mtm = 0;
  const kind = uni.kind;
  const status = arrays.status;
  // Options: final sizes at value, provisional ones only when their value is negative.
  for (let i = 0; i < L.n; i++) {
    const k = d[L.instr + i]!;
    if (kind[k] !== KIND_OPTION) continue;
    const v = values[k * C]!;
    const fin = d[L.sizeFinal + i]! * v;
    const prov = d[L.sizeProvisional + i]! * v;
    if (status[k] !== null && (fin !== 0 || prov !== 0)) throw status[k]!;
    mtm += fin + prov;
    equity += fin + Math.min(prov, 0);
  }
  // Perps: n·(price − entry) − n·(index − entryIndex) from the aggregated n, Σn·entry, Σn·index;
  // provisional ones (listed one by one) count only their losses in equity.
  for (let q = 0; q < L.nPerp + L.nProvPerp; q++) {
    const o = L.perps + 4 * q;
    const k = d[o]!;
    checkStatus(arrays, k);
    const u = uni.underlying[k]!;
    const size = d[o + 1]!;
    const v = size * arrays.perpPrice[u]! - d[o + 2]! - (size * arrays.perpFunding[u]! - d[o + 3]!);
    mtm += v;
    equity += q < L.nPerp || v < 0 ? v : 0;
  }
  for (let q = 0; q < L.nLines; q++) {
    const o = L.lines + 5 * q;
    let price: number;
    const u = d[o + 1]!;
    if (d[o] === 0) {
      checkStatus(arrays, uni.spotIndex[u]!);
      price = arrays.spot[u]! / arrays.stablePrice;
    } else {
      const feed = acc.priceFeeds[q]!;
      const st = arrays.priceStatus.get(feed);
      if (st) throw st;
      const p = arrays.prices.get(feed);
      if (p === undefined)
        throw new RiskError('RISK_MISSING_FEED', { field: `snapshot.prices.${feed}`, limit: 'present' });
      price = p / arrays.stablePrice;
    }
    const v = d[o + 2]! * price;
    mtm += v;
    equity += v > 0 ? v * d[o + 3]! : v;
  }
  return { equity, mtm };
}

const ALL: ViewResult = { mm: 0, im: 0, es: 0, nU: 0 };
const FIN: ViewResult = { mm: 0, im: 0, es: 0, nU: 0 };

function worstList(arrays: RiskArrays, nU: number): WorstScenario[] {
  const out: WorstScenario[] = [];
  for (let q = 0; q < nU; q++) {
    out.push({
      underlying: arrays.params.underlyings[UIDX[q]!]!,
      scenario: WORSTU[q]! < 0 ? 'basis' : WORSTU[q]!,
      pnl: MINU[q]!,
    });
  }
  return out;
}

/**
 * Margin summary of a compiled account under `arrays`: equity (rounded down), IM and MM (rounded
 * up) in micro-dollars, the worst scenarios and the raw binary64 values. Throws the
 * {@link RiskError} of any instrument or feed the account needs that is unusable.
 */
export function legacyEvaluateAccount(acc: CompiledAccount, arrays: RiskArrays): MarginSummary {
  if (acc.paramsHash !== arrays.params.hash) {
    throw new RiskError('RISK_INVALID_PARAMS', {
      field: 'account.paramsHash',
      value: acc.paramsHash,
      limit: `= ${arrays.params.hash}`,
    });
  }
  const L = accountLayout(acc);
  evaluateView(acc, arrays, L.sizeAll, ALL, null);
  let binding: 'all' | 'final' = 'all';
  let mm = ALL.mm;
  let im = ALL.im;
  let es = ALL.es;
  let worst: WorstScenario[];
  if (L.hasProvisional) {
    const allWorst = worstList(arrays, ALL.nU);
    evaluateView(acc, arrays, L.sizeFinal, FIN, null);
    if (FIN.mm > mm) {
      binding = 'final';
      mm = FIN.mm;
      es = FIN.es;
      worst = worstList(arrays, FIN.nU);
    } else worst = allWorst;
    if (FIN.im > im) im = FIN.im;
  } else worst = worstList(arrays, ALL.nU);
  const { equity, mtm } = equityParts(acc, arrays);
  const cash = Number(acc.cashMicro) / 1e6;
  return {
    equity: acc.cashMicro + usdToMicroFloor(equity, 'equity'),
    im: usdToMicroCeil(im, 'im'),
    mm: usdToMicroCeil(mm, 'mm'),
    mtm: usdToMicroFloor(mtm, 'mtm'),
    worst,
    binding,
    esLoss: es,
    raw: { equity: cash + equity, im, mm, mtm, cashMicro: acc.cashMicro },
  };
}

/**
 * The grid stage alone (benchmarks, the STF's scenario view): each held underlying's weighted
 * scenario P&L over all items, written into `out` at row `underlyingIndex·S` (length ≥
 * underlyings × S), by exactly the accumulation {@link evaluateAccount} uses. Returns how many
 * underlyings the account holds.
 */
export function legacyScenarioPnlInto(acc: CompiledAccount, arrays: RiskArrays, out: Float64Array): number {
  const S = arrays.scenarioCount;
  const w = arrays.params.scenarioWeight;
  ensureScratch(arrays.cols, arrays.params.underlyings.length, arrays.jointCount);
  const n = acc.data[0]!;
  const sizeAll = ACCOUNT_HEADER + n;
  let held = 0;
  let i = 0;
  while (i < n) {
    i = accumulateUnderlying(acc, arrays, sizeAll, i, false);
    const o = gU * S;
    for (let s = 0; s < S; s++) out[o + s] = w[s]! * P[1 + s]!;
    held++;
  }
  return held;
}

const ZERO_GREEKS: Greeks = { delta: 0, gamma: 0, vega: 0, theta: 0, rho: 0 };

/**
 * Full report: the summary plus per-position contributions (−P&L in the binding view's worst
 * scenario of its underlying plus its static contingency; sorted descending, ties by id), Greeks
 * per position and net per underlying (README "Greeks"), and the weighted scenario grid.
 */
export function legacyReportAccount(acc: CompiledAccount, arrays: RiskArrays): MarginReport {
  const summary = legacyEvaluateAccount(acc, arrays);
  const cp = arrays.params;
  const uni = arrays.universe;
  const C = arrays.cols;
  const S = arrays.scenarioCount;
  const cap: Capture = { grid: new Map() };
  const useFinal = summary.binding === 'final';
  const L = accountLayout(acc);
  const d = acc.data;
  const sizeOff = useFinal ? L.sizeFinal : L.sizeAll;
  evaluateView(acc, arrays, sizeOff, useFinal ? FIN : ALL, cap);
  const { positions } = accountParts(acc.source, uni, cp);
  const instrAt = (i: number): number => d[L.instr + i]!;
  const sizeAt = (i: number): number => d[sizeOff + i]!;
  const grid = [...cap.grid.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([u, g]) => ({ underlying: cp.underlyings[u]!, pnl: [...g.pnl], basis: g.basis }));

  // Bucket values under the worst column of each underlying, for the discount attribution.
  const bucketValue = new Map<number, { worst: number; up: number; down: number; mtm: number }>();
  for (let i = 0; i < L.n; i++) {
    const k = instrAt(i);
    if (uni.kind[k] !== KIND_OPTION) continue;
    const b = uni.bucket[k]!;
    const g = cap.grid.get(uni.underlying[k]!);
    if (!g) continue;
    const col = g.worst < 0 ? 0 : 1 + g.worst;
    const e = bucketValue.get(b) ?? { worst: 0, up: 0, down: 0, mtm: 0 };
    e.worst += sizeAt(i) * arrays.values[k * C + col]!;
    e.up += sizeAt(i) * arrays.values[k * C + S + 1]!;
    e.down += sizeAt(i) * arrays.values[k * C + S + 2]!;
    e.mtm += sizeAt(i) * arrays.values[k * C]!;
    bucketValue.set(b, e);
  }
  // Naked shorts per (bucket, strike) and the shorts' total, for pro-rata attribution.
  const strikeNet = new Map<string, { net: number; shorts: number }>();
  const perpAbs = new Map<number, number>();
  for (const p of positions) {
    if (useFinal && p.provisional) continue;
    const k = p.instrument;
    if (uni.kind[k] === KIND_OPTION) {
      const key = `${uni.bucket[k]}:${uni.strike[k]}`;
      const e = strikeNet.get(key) ?? { net: 0, shorts: 0 };
      e.net += p.size;
      if (p.size < 0) e.shorts -= p.size;
      strikeNet.set(key, e);
    } else perpAbs.set(k, (perpAbs.get(k) ?? 0) + Math.abs(p.size));
  }
  const netIdx = new Map<number, number>();
  for (let i = 0; i < L.n; i++) netIdx.set(instrAt(i), i);

  const contributions: Contribution[] = [];
  const positionGreeks: ({ id: string; underlying: string } & Greeks)[] = [];
  const net = new Map<number, { delta: number; gamma: number; vega: number; theta: number; rho: number }>();
  for (const p of positions) {
    const k = p.instrument;
    const u = uni.underlying[k]!;
    const uName = cp.underlyings[u]!;
    const active = !(useFinal && p.provisional);
    const g = cap.grid.get(u);
    const spot = arrays.spot[u]!;
    let contribution = 0;
    let greeks: Greeks = ZERO_GREEKS;
    const kind = uni.kind[k]!;
    if (kind === KIND_OPTION) {
      const b = uni.bucket[k]!;
      const bv = bucketValue.get(b)!;
      const row = k * C;
      if (active && g) {
        if (g.worst >= 0) {
          const w = cp.scenarioWeight[g.worst]!;
          const c = bv.worst > 0 ? arrays.bucketDiscount[b]! : 1;
          contribution = -w * (c * p.size * arrays.values[row + 1 + g.worst]! - p.size * arrays.values[row]!);
        } else {
          const dUp = bv.up - bv.mtm;
          const dDown = bv.down - bv.mtm;
          if (Math.min(dUp, dDown) < 0) {
            const col = dUp < dDown ? S + 1 : S + 2;
            contribution =
              -(p.size * (arrays.values[row + col]! - arrays.values[row]!)) * arrays.bucketBasisFactor[b]!;
          }
        }
        const sn = strikeNet.get(`${b}:${uni.strike[k]}`)!;
        if (p.size < 0 && sn.net < 0 && sn.shorts > 0)
          contribution += (-sn.net * cp.optionPct * spot * -p.size) / sn.shorts;
      }
      const vol = arrays.vol[k]!;
      const t = arrays.bucketTime[b]!;
      const rate = cp.discountMtm ? arrays.bucketRate[b]! : 0;
      const x = greeksBlack76(
        {
          forward: arrays.bucketForward[b]!,
          strike: uni.strike[k]!,
          vol,
          timeYears: t,
          discount: arrays.bucketMtmDiscount[b]!,
        },
        rate,
      );
      // Spot Greeks: ∂F/∂S = F_variable/S (Derive's forward portions).
      const dfds = arrays.bucketForwardVariable[b]! / spot;
      const call = uni.isCall[k] === 1;
      greeks = {
        delta: p.size * (call ? x.callDelta : x.putDelta) * dfds,
        gamma: p.size * x.gamma * dfds * dfds,
        vega: p.size * x.vega,
        theta: p.size * (call ? x.callTheta : x.putTheta),
        rho: p.size * (call ? x.callRho : x.putRho),
      };
    } else {
      const row = k * C;
      if (active && g) {
        if (g.worst >= 0)
          contribution = -cp.scenarioWeight[g.worst]! * p.size * arrays.values[row + 1 + g.worst]!;
        const abs = Math.abs(p.size);
        const totalAbs = perpAbs.get(k) ?? 0;
        const i = netIdx.get(k)!;
        const pct = kind === KIND_PERP ? cp.perpPct : cp.basePct;
        if (totalAbs > 0) contribution += (Math.abs(sizeAt(i)) * pct * spot * abs) / totalAbs;
      }
      greeks = {
        ...ZERO_GREEKS,
        delta: kind === KIND_PERP ? (p.size * arrays.perpPrice[u]!) / spot : p.size / arrays.stablePrice,
      };
    }
    if (active) contributions.push({ id: p.id, underlying: uName, contribution });
    positionGreeks.push({ id: p.id, underlying: uName, ...greeks });
    if (active) {
      const e = net.get(u) ?? { delta: 0, gamma: 0, vega: 0, theta: 0, rho: 0 };
      e.delta += greeks.delta;
      e.gamma += greeks.gamma;
      e.vega += greeks.vega;
      e.theta += greeks.theta;
      e.rho += greeks.rho;
      net.set(u, e);
    }
  }
  contributions.sort((a, b) => b.contribution - a.contribution || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const netGreeks = [...net.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([u, g]) => ({ underlying: cp.underlyings[u]!, ...g }));
  return { ...summary, contributions, positionGreeks, netGreeks, grid };
}

/**
 * One-shot margin of a portfolio under `arrays` (compiles it against `arrays.universe`): the
 * function the STF calls for a what-if or a single account. Same arithmetic as the engine.
 */
export function legacyMarginAccount(portfolio: Portfolio, arrays: RiskArrays): MarginSummary {
  return legacyEvaluateAccount(compileAccount(portfolio, arrays.universe, arrays.params), arrays);
}

/** One-shot full report of a portfolio under `arrays` (see {@link reportAccount}). */
export function legacyMarginReport(portfolio: Portfolio, arrays: RiskArrays): MarginReport {
  return legacyReportAccount(compileAccount(portfolio, arrays.universe, arrays.params), arrays);
}
