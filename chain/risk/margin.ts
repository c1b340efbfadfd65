/**
 * The margin step: a compiled account × risk arrays → equity, IM, MM (and, on demand, the full
 * report). Formulas (README "Method"), per underlying u, for a set of sizes n:
 *
 *   V_b[c]    = Σ_{i∈b} n_i·A_i[c]                       (bucket b = options of one expiry)
 *   P_u[c]    = Σ_b (disc_b(V_b[c]) − V_b[0]) + Σ_{linear j} n_j·A_j[c]
 *               disc_b(x) = x·SD_b if x > 0 else x        (static discount of long option value)
 *   basis_u   = Σ_b min(V_b[up] − V_b[0], V_b[down] − V_b[0], 0)·(add + mult·T_b)
 *   minSpan_u = min(basis_u, min_s w_s·P_u[s])           (ties keep basis, then the lowest s)
 *   static_u  = (|perp|·perpPct + |base|·basePct)·S + Σ_b nakedShorts_b·optionPct·S
 *               nakedShorts_b = Σ_strikes max(0, −Σ_{options at the strike} n)
 *   conf_u    = Σ_{groups} (1 − c)·confMargin·size·S  for c < threshold (linear group and each bucket)
 *   MM_u      = static_u − minSpan_u   (≥ 0)
 * Across underlyings and the ES floor:
 *   stress = Σ_u MM_u − Σ_pairs credit_ab·min(MM_a, MM_b)
 *   ES     = mean of the worst (1 − α)·J joint losses L_j = −Σ_u P_u[j]  (fractional last one)
 *   MM     = max(stress, max(ES, 0))
 *   IM     = max(k·stress, k·max(ES, 0)) + Σ_u conf_u,   k = imFactor + max(0, peg − stable)·pegFactor
 * Provisional items: requirement = max(requirement of all items, of final items only).
 * Equity = settlement cash after haircuts (exact) + options MtM + perps unrealised P&L and funding
 * + Σ collateral values after tier and provisional haircuts (debts at full value), provisional
 * positions counting only their losses.
 */

import {
  ACCOUNT_HEADER,
  accountLayout,
  accountParts,
  type CompiledAccount,
  compileAccount,
  PLAN_ALL_AT,
  PLAN_FINAL_AT,
  PLAN_FINAL_SIZES_AT,
  PLAN_GROUP_HEADER,
} from './account.ts';
import { greeksBlack76 } from './black76.ts';
import { RiskError } from './errors.ts';
import { usdToMicroCeil, usdToMicroFloor } from './fixed.ts';
import type { RiskArrays } from './riskArrays.ts';
import type { Contribution, Greeks, MarginReport, MarginSummary, Portfolio, WorstScenario } from './types.ts';
import { KIND_OPTION, KIND_PERP } from './universe.ts';

// Why the code below looks the way it does (README "Performance"): every account runs through it
// on every re-margin, so it reads the account's precompiled plan (no bucket scanning), sums over
// one contiguous column range of the snapshot's `gridPnl` rows, keeps its state in module scratch
// (no allocation until a summary object is built), and checks instrument status only when the
// snapshot has an unusable instrument. Every output is computed with the operations, operands and
// order of the original formulation — the golden vectors and the regression test against it
// (test/unit/risk/fastPath.test.ts) pin that bit for bit.

// Scratch buffers reused across calls (the kernel is synchronous and single-threaded).
let P = new Float64Array(0);
let V = new Float64Array(0);
let ES = new Float64Array(0);
let TAIL = new Float64Array(0);
let BCONF = new Float64Array(0);
let BABS = new Float64Array(0);
// Per view (0 all items, 1 final items), per held underlying: index, MM_u, conf_u, worst, minSpan.
let UIDX = new Int32Array(0);
let MMU = new Float64Array(0);
let CONFU = new Float64Array(0);
let WORSTU = new Int32Array(0);
let MINU = new Float64Array(0);
let scratchU = 0;
let scratchJ = 0;
// ES columns per group of the all-items view (slot 0) and scratch (slot 1); weighted scenario row.
let ESG = new Float64Array(0);
let WGRID = new Float64Array(0);

function ensureScratch(cols: number, nU: number, j: number, n: number): void {
  if (V.length < cols) {
    V = new Float64Array(cols);
    P = new Float64Array(cols);
    ZERO = new Float64Array(cols);
    WGRID = new Float64Array(cols);
  }
  if (ES.length < j) {
    ES = new Float64Array(j);
    TAIL = new Float64Array(j + 1);
  }
  if (scratchU < nU || scratchJ < j) {
    scratchU = Math.max(scratchU, nU);
    scratchJ = Math.max(scratchJ, j);
    ESG = new Float64Array(2 * scratchU * scratchJ);
  }
  if (UIDX.length < 2 * scratchU) {
    UIDX = new Int32Array(2 * scratchU);
    MMU = new Float64Array(2 * scratchU);
    CONFU = new Float64Array(2 * scratchU);
    WORSTU = new Int32Array(2 * scratchU);
    MINU = new Float64Array(2 * scratchU);
  }
  if (BCONF.length < n) {
    BCONF = new Float64Array(n);
    BABS = new Float64Array(n);
  }
}

/** Optional per-underlying grid capture for reports. */
interface Capture {
  grid: Map<number, { pnl: Float64Array; basis: number; worst: number; minSpan: number }>;
}

// Outputs of runGroup: plan cursors after the group, and the group's scalars.
let cI = 0;
let cF = 0;
let gU = 0;
let gBasis = 0;
let gStaticOpt = 0;
let gPerpAbs = 0;
let gBaseAbs = 0;
let gPerpHeld = false;
let gBuckets = 0;
let gMin = 0;
let gWorst = -1;

/** Zeros read as the base of a group that wrote nothing into P before its last chunk. */
let ZERO = new Float64Array(0);

/**
 * One plan group (one held underlying) from plan cursors (ii, ff), per the formulas of the module
 * doc, in the order the original formulation used:
 *   P = 0; for each bucket holding several options: P[c] += disc(V_b[c]) − V_b[0] (values summed
 *   first, V_b[c] = ((n₁A₁[c] + n₂A₂[c]) + n₃A₃[c]) + …); then the items (linear positions and lone
 *   options, whose discounted P&L rows are precomputed) four rows at a time,
 *   P[c] += z₀r₀[c] + z₁r₁[c] + z₂r₂[c] + z₃r₃[c] with that association, the last chunk 1–4 rows.
 * Columns: P[0 … S−1] scenarios and, when `full`, P[S … S+J−1] the ES joint columns. The last chunk
 * is fused with the finish, so the final P[c] is never stored and reloaded: each scenario column's
 * weighted P&L x = w·P goes to `dst[dOff + c]` and into the running minimum (from the basis
 * contingency, strictly lower wins, so ties keep basis then the first scenario — gMin, gWorst);
 * each ES column is added to ES[j] and kept in ESG[esOff + j]. When `full`, also the basis
 * contingency (buckets in order), the naked-short static contingency and per-bucket confidence inputs.
 */
function runGroup(
  plan: Int32Array,
  sizes: Float64Array,
  ii: number,
  ff: number,
  a: RiskArrays,
  full: boolean,
  dst: Float64Array,
  dOff: number,
  esOff: number,
): void {
  const S = a.scenarioCount;
  const G = a.gridCols;
  const C = a.cols;
  const W = full ? G : S;
  const VC = full ? C : S + 1;
  const grid = a.gridPnl;
  const vals = a.valuesGrid;
  const bp = a.basisPnl;
  const basisFactor = a.bucketBasisFactor;
  const bucketDiscount = a.bucketDiscount;
  const bucketConfidence = a.bucketConfidence;
  const optionPct = a.params.optionPct;
  // Locals for the hot loops (module bindings and property loads are not hoisted by the JIT).
  const p = P;
  const v = V;
  const bconf = BCONF;
  const babs = BABS;
  const u = plan[ii]!;
  const nB = plan[ii + 1]!;
  const nItems = plan[ii + 2]!;
  gPerpHeld = plan[ii + 3] === 1;
  ii += PLAN_GROUP_HEADER;
  gPerpAbs = sizes[ff]!;
  gBaseAbs = sizes[ff + 1]!;
  ff += 2;
  const spot = a.spot[u]!;
  let usedP = false;
  let basis = 0;
  let staticOpt = 0;
  for (let q = 0; q < nB; q++) {
    const b = plan[ii]!;
    const m = plan[ii + 1]!;
    const naked = sizes[ff]!;
    const absSum = sizes[ff + 1]!;
    ii += 2;
    ff += 2;
    if (m === 1) {
      // Its P&L row is one of the items below; here only its basis move.
      const r = plan[ii++]!;
      const sz = sizes[ff++]!;
      if (full) {
        const dUp = sz * bp[2 * r]!;
        const dDown = sz * bp[2 * r + 1]!;
        const worstBasis = Math.min(dUp, dDown);
        if (worstBasis < 0) basis += worstBasis * basisFactor[b]!;
      }
    } else {
      const sd = bucketDiscount[b]!;
      let mtm: number;
      let up = 0;
      let down = 0;
      if (m === 2) {
        // Two options (the common case): V_b = n₁A₁ + n₂A₂ column by column, no V buffer.
        const r1 = plan[ii]! * C;
        const r2 = plan[ii + 1]! * C;
        const z1 = sizes[ff]!;
        const z2 = sizes[ff + 1]!;
        ii += 2;
        ff += 2;
        mtm = z1 * vals[r1]! + z2 * vals[r2]!;
        if (usedP) {
          for (let c = 0; c < W; c++) {
            const x = z1 * vals[r1 + 1 + c]! + z2 * vals[r2 + 1 + c]!;
            p[c] = p[c]! + ((x > 0 ? x * sd : x) - mtm);
          }
        } else {
          // First writer of P: 0 + y, exactly what adding to a zeroed P gives.
          for (let c = 0; c < W; c++) {
            const x = z1 * vals[r1 + 1 + c]! + z2 * vals[r2 + 1 + c]!;
            p[c] = 0 + ((x > 0 ? x * sd : x) - mtm);
          }
          usedP = true;
        }
        if (full) {
          up = z1 * vals[r1 + G + 1]! + z2 * vals[r2 + G + 1]!;
          down = z1 * vals[r1 + G + 2]! + z2 * vals[r2 + G + 2]!;
        }
      } else {
        // Several options: sum their values first (the discount applies to the bucket's value).
        let row = plan[ii++]! * C;
        let sz = sizes[ff++]!;
        for (let c = 0; c < VC; c++) v[c] = sz * vals[row + c]!;
        for (let t = 1; t < m; t++) {
          row = plan[ii++]! * C;
          sz = sizes[ff++]!;
          for (let c = 0; c < VC; c++) v[c] = v[c]! + sz * vals[row + c]!;
        }
        mtm = v[0]!;
        if (!usedP) {
          for (let c = 0; c < W; c++) p[c] = 0;
          usedP = true;
        }
        for (let c = 0; c < W; c++) {
          const x = v[c + 1]!;
          p[c] = p[c]! + ((x > 0 ? x * sd : x) - mtm);
        }
        if (full) {
          up = v[G + 1]!;
          down = v[G + 2]!;
        }
      }
      if (full) {
        const worstBasis = Math.min(up - mtm, down - mtm);
        if (worstBasis < 0) basis += worstBasis * basisFactor[b]!;
      }
    }
    if (full) {
      staticOpt += naked * optionPct * spot;
      bconf[q] = bucketConfidence[b]!;
      babs[q] = absSum;
    }
  }
  // Items: every chunk of four but the last into P; the last chunk (1–4 rows) below.
  const last = nItems === 0 ? 0 : ((nItems - 1) & 3) + 1;
  const early = nItems - last;
  if (early > 0 && !usedP) {
    for (let c = 0; c < W; c++) p[c] = 0;
    usedP = true;
  }
  for (let j = 0; j < early; j += 4) {
    const o0 = plan[ii]! * G;
    const o1 = plan[ii + 1]! * G;
    const o2 = plan[ii + 2]! * G;
    const o3 = plan[ii + 3]! * G;
    const z0 = sizes[ff]!;
    const z1 = sizes[ff + 1]!;
    const z2 = sizes[ff + 2]!;
    const z3 = sizes[ff + 3]!;
    ii += 4;
    ff += 4;
    for (let c = 0; c < W; c++) {
      p[c] = p[c]! + (z0 * grid[o0 + c]! + z1 * grid[o1 + c]! + z2 * grid[o2 + c]! + z3 * grid[o3 + c]!);
    }
  }
  // The last chunk, fused with the finish. Absent rows read offset 0 with size 0 and are unused.
  const base = usedP ? p : ZERO;
  const o0 = last > 0 ? plan[ii]! * G : 0;
  const o1 = last > 1 ? plan[ii + 1]! * G : 0;
  const o2 = last > 2 ? plan[ii + 2]! * G : 0;
  const o3 = last > 3 ? plan[ii + 3]! * G : 0;
  const z0 = last > 0 ? sizes[ff]! : 0;
  const z1 = last > 1 ? sizes[ff + 1]! : 0;
  const z2 = last > 2 ? sizes[ff + 2]! : 0;
  const z3 = last > 3 ? sizes[ff + 3]! : 0;
  const w = a.params.scenarioWeight;
  const es = ES;
  const esg = ESG;
  // The grid stage alone has no use for the minimum: from −∞ its branch is never taken.
  let minSpan = full ? basis : Number.NEGATIVE_INFINITY;
  let worst = -1;
  // One loop per chunk size (the association of each size is fixed); scenario columns, then ES.
  if (last === 4) {
    for (let c = 0; c < S; c++) {
      const x =
        w[c]! *
        (base[c]! + (z0 * grid[o0 + c]! + z1 * grid[o1 + c]! + z2 * grid[o2 + c]! + z3 * grid[o3 + c]!));
      dst[dOff + c] = x;
      if (x < minSpan) {
        minSpan = x;
        worst = c;
      }
    }
    for (let c = S; c < W; c++) {
      const pc =
        base[c]! + (z0 * grid[o0 + c]! + z1 * grid[o1 + c]! + z2 * grid[o2 + c]! + z3 * grid[o3 + c]!);
      es[c - S] = es[c - S]! + pc;
      esg[esOff + c - S] = pc;
    }
  } else if (last === 3) {
    for (let c = 0; c < S; c++) {
      const x = w[c]! * (base[c]! + (z0 * grid[o0 + c]! + z1 * grid[o1 + c]! + z2 * grid[o2 + c]!));
      dst[dOff + c] = x;
      if (x < minSpan) {
        minSpan = x;
        worst = c;
      }
    }
    for (let c = S; c < W; c++) {
      const pc = base[c]! + (z0 * grid[o0 + c]! + z1 * grid[o1 + c]! + z2 * grid[o2 + c]!);
      es[c - S] = es[c - S]! + pc;
      esg[esOff + c - S] = pc;
    }
  } else if (last === 2) {
    for (let c = 0; c < S; c++) {
      const x = w[c]! * (base[c]! + (z0 * grid[o0 + c]! + z1 * grid[o1 + c]!));
      dst[dOff + c] = x;
      if (x < minSpan) {
        minSpan = x;
        worst = c;
      }
    }
    for (let c = S; c < W; c++) {
      const pc = base[c]! + (z0 * grid[o0 + c]! + z1 * grid[o1 + c]!);
      es[c - S] = es[c - S]! + pc;
      esg[esOff + c - S] = pc;
    }
  } else if (last === 1) {
    for (let c = 0; c < S; c++) {
      const x = w[c]! * (base[c]! + z0 * grid[o0 + c]!);
      dst[dOff + c] = x;
      if (x < minSpan) {
        minSpan = x;
        worst = c;
      }
    }
    for (let c = S; c < W; c++) {
      const pc = base[c]! + z0 * grid[o0 + c]!;
      es[c - S] = es[c - S]! + pc;
      esg[esOff + c - S] = pc;
    }
  } else {
    for (let c = 0; c < S; c++) {
      const x = w[c]! * base[c]!;
      dst[dOff + c] = x;
      if (x < minSpan) {
        minSpan = x;
        worst = c;
      }
    }
    for (let c = S; c < W; c++) {
      const pc = base[c]!;
      es[c - S] = es[c - S]! + pc;
      esg[esOff + c - S] = pc;
    }
  }
  cI = ii + last;
  cF = ff + last;
  gU = u;
  gBasis = basis;
  gStaticOpt = staticOpt;
  gBuckets = nB;
  gMin = minSpan;
  gWorst = worst;
}

// Outputs of evaluateView.
let vMm = 0;
let vIm = 0;
let vEs = 0;
let vNU = 0;

/**
 * Evaluates one view of the plan (all items from PLAN_ALL_AT, or final items) into vMm, vIm, vEs,
 * vNU and the per-underlying scratch of slot `view` (0 or 1). In the final view, a group whose
 * twin is an all-items group copies that group's results (computed from the same numbers by the
 * same code) instead of recomputing them — unless a report captures the grid.
 */
function evaluateView(
  acc: CompiledAccount,
  a: RiskArrays,
  ii: number,
  ff: number,
  view: number,
  cap: Capture | null,
): void {
  const cp = a.params;
  const S = a.scenarioCount;
  const J = a.jointCount;
  const plan = acc.plan;
  const sizes = acc.planSizes;
  const esAcc = ES;
  const confThreshold = cp.confThreshold;
  const confMargin = cp.confMargin;
  const base = view * scratchU;
  const dst = WGRID;
  for (let j = 0; j < J; j++) esAcc[j] = 0;
  const nG = plan[ii++]!;
  for (let g = 0; g < nG; g++) {
    const twin = plan[ii + 4]!;
    if (twin >= 0 && cap === null) {
      // Same group as all-items group `twin`: same MM_u, conf_u, worst, minSpan and ES columns.
      const esg = ESG;
      const from = twin * J;
      for (let j = 0; j < J; j++) esAcc[j] = esAcc[j]! + esg[from + j]!;
      UIDX[base + g] = UIDX[twin]!;
      MMU[base + g] = MMU[twin]!;
      CONFU[base + g] = CONFU[twin]!;
      WORSTU[base + g] = WORSTU[twin]!;
      MINU[base + g] = MINU[twin]!;
      ff = plan[ii + 6]!;
      ii = plan[ii + 5]!;
      continue;
    }
    // ES columns of all-items groups are kept for the final view's twins (slot 1 is scratch).
    runGroup(plan, sizes, ii, ff, a, true, dst, 0, (base + g) * J);
    ii = cI;
    ff = cF;
    const u = gU;
    const perpAbs = gPerpAbs;
    const baseAbs = gBaseAbs;
    const spot = a.spot[u]!;
    const staticCont = (perpAbs * cp.perpPct + baseAbs * cp.basePct) * spot + gStaticOpt;
    let portfolioConf = a.spotConfidence[u]!;
    if (gPerpHeld) {
      const pc = a.perpConfidence[u]!;
      if (pc < portfolioConf) portfolioConf = pc;
    }
    let conf = 0;
    if (portfolioConf < confThreshold) conf += (1 - portfolioConf) * confMargin * (perpAbs + baseAbs) * spot;
    for (let q = 0; q < gBuckets; q++) {
      const bc = Math.min(BCONF[q]!, portfolioConf);
      if (bc < confThreshold) conf += (1 - bc) * confMargin * BABS[q]! * spot;
    }
    UIDX[base + g] = u;
    MMU[base + g] = staticCont - gMin;
    CONFU[base + g] = conf;
    WORSTU[base + g] = gWorst;
    MINU[base + g] = gMin;
    if (cap) cap.grid.set(u, { pnl: dst.slice(0, S), basis: gBasis, worst: gWorst, minSpan: gMin });
  }
  let sum = 0;
  let confSum = 0;
  for (let q = 0; q < nG; q++) {
    sum += MMU[base + q]!;
    confSum += CONFU[base + q]!;
  }
  // Correlation credits between pairs of underlyings the account holds.
  const credits = cp.credits;
  for (let c = 0; c < credits.length; c++) {
    const [ua, ub, credit] = credits[c]!;
    let ma = -1;
    let mb = -1;
    for (let q = 0; q < nG; q++) {
      if (UIDX[base + q] === ua) ma = MMU[base + q]!;
      else if (UIDX[base + q] === ub) mb = MMU[base + q]!;
    }
    if (ma >= 0 && mb >= 0) sum -= credit * Math.min(ma, mb);
  }
  if (sum < 0) sum = 0;
  let es = 0;
  if (J > 0) es = expectedShortfall(J, cp.esLevel);
  const k = a.imMultiplier;
  const esReq = Math.max(es, 0);
  vMm = Math.max(sum, esReq);
  vIm = (sum > esReq ? k * sum : k * esReq) + confSum;
  vEs = es;
  vNU = nG;
}

/**
 * ES at level α over J equally likely joint losses L_j = −ES[j]: the mean of the worst m = (1 − α)·J
 * losses, the last one counted fractionally when m is not an integer; the worst loss when m < 1.
 */
function expectedShortfall(J: number, alpha: number): number {
  const m = (1 - alpha) * J;
  const whole = Math.floor(m);
  const keep = Math.min(whole + 1, J);
  const es = ES;
  const tail = TAIL;
  // Partial selection of the `keep` largest losses (insertion into a short sorted list).
  let len = 0;
  for (let j = 0; j < J; j++) {
    const loss = -es[j]!;
    if (len < keep) {
      let p = len++;
      while (p > 0 && tail[p - 1]! < loss) {
        tail[p] = tail[p - 1]!;
        p--;
      }
      tail[p] = loss;
    } else if (loss > tail[keep - 1]!) {
      let p = keep - 1;
      while (p > 0 && tail[p - 1]! < loss) {
        tail[p] = tail[p - 1]!;
        p--;
      }
      tail[p] = loss;
    }
  }
  if (m < 1) return tail[0]!;
  let s = 0;
  for (let q = 0; q < whole; q++) s += tail[q]!;
  const frac = m - whole;
  if (frac > 0 && whole < J) s += frac * tail[whole]!;
  return s / m;
}

// Outputs of equityParts (USD binary64, everything but the exact settlement cash).
let eqEquity = 0;
let eqMtm = 0;

/** Equity pieces into eqEquity / eqMtm; throws the error of an unusable perp, spot or price feed. */
function equityParts(acc: CompiledAccount, a: RiskArrays): void {
  const uni = a.universe;
  const C = a.cols;
  const values = a.values;
  const d = acc.data;
  const n = d[0]!;
  const nPerp = d[1]!;
  const nProvPerp = d[2]!;
  const nLines = d[3]!;
  const sizeFinal = ACCOUNT_HEADER + 2 * n;
  const sizeProvisional = ACCOUNT_HEADER + 3 * n;
  const perps = ACCOUNT_HEADER + 4 * n;
  const lines = perps + 4 * (nPerp + nProvPerp);
  let equity = 0;
  let mtm = 0;
  const kind = uni.kind;
  const status = a.status;
  // Options: final sizes at value, provisional ones only when their value is negative.
  for (let i = 0; i < n; i++) {
    const k = d[ACCOUNT_HEADER + i]!;
    if (kind[k] !== KIND_OPTION) continue;
    const v = values[k * C]!;
    const fin = d[sizeFinal + i]! * v;
    const prov = d[sizeProvisional + i]! * v;
    if (status[k] !== null && (fin !== 0 || prov !== 0)) throw status[k]!;
    mtm += fin + prov;
    equity += fin + Math.min(prov, 0);
  }
  // Perps: n·(price − entry) − n·(index − entryIndex) from the aggregated n, Σn·entry, Σn·index;
  // provisional ones (listed one by one) count only their losses in equity.
  for (let q = 0; q < nPerp + nProvPerp; q++) {
    const o = perps + 4 * q;
    const k = d[o]!;
    const st = status[k];
    if (st) throw st;
    const u = uni.underlying[k]!;
    const size = d[o + 1]!;
    const v = size * a.perpPrice[u]! - d[o + 2]! - (size * a.perpFunding[u]! - d[o + 3]!);
    mtm += v;
    equity += q < nPerp || v < 0 ? v : 0;
  }
  for (let q = 0; q < nLines; q++) {
    const o = lines + 5 * q;
    let price: number;
    const u = d[o + 1]!;
    if (d[o] === 0) {
      const st = status[uni.spotIndex[u]!];
      if (st) throw st;
      price = a.spot[u]! / a.stablePrice;
    } else {
      const feed = acc.priceFeeds[q]!;
      const st = a.priceStatus.get(feed);
      if (st) throw st;
      const p = a.prices.get(feed);
      if (p === undefined)
        throw new RiskError('RISK_MISSING_FEED', { field: `snapshot.prices.${feed}`, limit: 'present' });
      price = p / a.stablePrice;
    }
    const v = d[o + 2]! * price;
    mtm += v;
    equity += v > 0 ? v * d[o + 3]! : v;
  }
  eqEquity = equity;
  eqMtm = mtm;
}

/**
 * When the snapshot has unusable instruments: throws the status error of the first one the account
 * holds with a non-zero size, all-items view first, then final items, each in canonical order —
 * the order in which evaluating the views would meet them.
 */
function checkViews(acc: CompiledAccount, a: RiskArrays, allOnly: boolean): void {
  const d = acc.data;
  const n = d[0]!;
  const status = a.status;
  const views = d[4] === 1 && !allOnly ? 2 : 1;
  for (let view = 0; view < views; view++) {
    const sizeOff = ACCOUNT_HEADER + (view + 1) * n;
    for (let i = 0; i < n; i++) {
      if (d[sizeOff + i] === 0) continue;
      const st = status[d[ACCOUNT_HEADER + i]!];
      if (st) throw st;
    }
  }
}

// Outputs of evaluateCore: the binding requirement (USD binary64) and which view bound MM.
let rMm = 0;
let rIm = 0;
let rEs = 0;
let rBindingFinal = false;
// Groups per view of the last evaluateCore (worst lists read them).
let allNU = 0;
let finalNU = 0;

/**
 * Requirement and equity of a compiled account into module scratch (rMm, rIm, rEs, rBindingFinal,
 * eqEquity, eqMtm; per-underlying worst scenarios in view slot 0 or 1). Throws a RiskError as the
 * summary does.
 */
function evaluateCore(acc: CompiledAccount, a: RiskArrays): void {
  if (acc.paramsHash !== a.params.hash) {
    throw new RiskError('RISK_INVALID_PARAMS', {
      field: 'account.paramsHash',
      value: acc.paramsHash,
      limit: `= ${a.params.hash}`,
    });
  }
  if (a.anyUnusable) checkViews(acc, a, false);
  ensureScratch(a.cols, a.params.underlyings.length, a.jointCount, acc.data[0]!);
  const plan = acc.plan;
  evaluateView(acc, a, PLAN_ALL_AT, 0, 0, null);
  allNU = vNU;
  finalNU = 0;
  rMm = vMm;
  rIm = vIm;
  rEs = vEs;
  rBindingFinal = false;
  const finalAt = plan[PLAN_FINAL_AT]!;
  if (finalAt !== 0) {
    evaluateView(acc, a, finalAt, plan[PLAN_FINAL_SIZES_AT]!, 1, null);
    finalNU = vNU;
    if (vMm > rMm) {
      rBindingFinal = true;
      rMm = vMm;
      rEs = vEs;
    }
    if (vIm > rIm) rIm = vIm;
  }
  equityParts(acc, a);
}

function worstList(arrays: RiskArrays, view: number): WorstScenario[] {
  const out: WorstScenario[] = [];
  const names = arrays.params.underlyings;
  const base = view * scratchU;
  const nU = view === 1 ? finalNU : allNU;
  for (let q = base; q < base + nU; q++) {
    const w = WORSTU[q]!;
    out.push({ underlying: names[UIDX[q]!]!, scenario: w < 0 ? 'basis' : w, pnl: MINU[q]! });
  }
  return out;
}

/**
 * Margin summary of a compiled account under `arrays`: equity (rounded down), IM and MM (rounded
 * up) in micro-dollars, the worst scenarios and the raw binary64 values. Throws the
 * {@link RiskError} of any instrument or feed the account needs that is unusable.
 */
export function evaluateAccount(acc: CompiledAccount, arrays: RiskArrays): MarginSummary {
  evaluateCore(acc, arrays);
  const equity = eqEquity;
  const mtm = eqMtm;
  const im = rIm;
  const mm = rMm;
  const cash = acc.cashUsd;
  return {
    equity: acc.cashMicro + usdToMicroFloor(equity, 'equity'),
    im: usdToMicroCeil(im, 'im'),
    mm: usdToMicroCeil(mm, 'mm'),
    mtm: usdToMicroFloor(mtm, 'mtm'),
    worst: worstList(arrays, rBindingFinal ? 1 : 0),
    binding: rBindingFinal ? 'final' : 'all',
    esLoss: rEs,
    raw: { equity: cash + equity, im, mm, mtm, cashMicro: acc.cashMicro },
  };
}

/**
 * Margins of many accounts written into columns (no object per account): the batch form of
 * {@link evaluateAccount} for re-margining a large set, e.g. after a price move. Row i of each
 * column belongs to `accounts[i]`.
 */
export interface MarginBatch {
  /** IM in micro-dollars rounded up, as an exactly integer-valued binary64: `BigInt(im[i])` is the summary's `im`. NaN for a failed account. */
  readonly im: Float64Array;
  /** MM, as `im`. */
  readonly mm: Float64Array;
  /**
   * Equity without the settlement cash, micro-dollars rounded down (integer-valued binary64):
   * the summary's `equity` is `accounts[i].cashMicro + BigInt(equityExCash[i])`. NaN for a failed account.
   */
  readonly equityExCash: Float64Array;
  /** 1 when the requirement was bound by final items only (summary `binding: 'final'`). */
  readonly bindingFinal: Uint8Array;
  /** The error of each failed account by row; cleared by each call. */
  readonly errors: Map<number, RiskError>;
}

/** Allocates a {@link MarginBatch} for `n` accounts. */
export function createMarginBatch(n: number): MarginBatch {
  return {
    im: new Float64Array(n),
    mm: new Float64Array(n),
    equityExCash: new Float64Array(n),
    bindingFinal: new Uint8Array(n),
    errors: new Map(),
  };
}

/**
 * Evaluates `accounts` under `arrays` into `out` (length ≥ accounts): the same numbers as
 * {@link evaluateAccount}, quantised the same way (requirements ⌈x·10⁶⌉, equity ⌊x·10⁶⌋), kept as
 * binary64 integers — exact, since ⌈·⌉ and ⌊·⌋ of a binary64 are representable — so no `bigint` is
 * made per account. Failed accounts (a RiskError, including a non-finite result) get NaN and an
 * entry in `out.errors`. Returns the number of failed accounts.
 */
export function evaluateAccountsInto(
  accounts: readonly CompiledAccount[],
  arrays: RiskArrays,
  out: MarginBatch,
): number {
  out.errors.clear();
  const im = out.im;
  const mm = out.mm;
  const eq = out.equityExCash;
  const bf = out.bindingFinal;
  for (let i = 0; i < accounts.length; i++) {
    try {
      evaluateCore(accounts[i]!, arrays);
      const e = eqEquity;
      const x = rIm;
      const y = rMm;
      const t = eqMtm;
      // Same checks, same order as evaluateAccount's object literal (equity, im, mm, mtm).
      if (!Number.isFinite(e)) notFinite('equity', e);
      if (!Number.isFinite(x)) notFinite('im', x);
      if (!Number.isFinite(y)) notFinite('mm', y);
      if (!Number.isFinite(t)) notFinite('mtm', t);
      eq[i] = Math.floor(e * 1e6) + 0;
      im[i] = -Math.floor(-(x * 1e6)) + 0;
      mm[i] = -Math.floor(-(y * 1e6)) + 0;
      bf[i] = rBindingFinal ? 1 : 0;
    } catch (err) {
      if (!(err instanceof RiskError)) throw err;
      eq[i] = Number.NaN;
      im[i] = Number.NaN;
      mm[i] = Number.NaN;
      bf[i] = 0;
      out.errors.set(i, err);
    }
  }
  return out.errors.size;
}

function notFinite(field: string, x: number): never {
  throw new RiskError('RISK_NOT_FINITE', { field, value: String(x), limit: 'finite' });
}

/**
 * The grid stage alone (benchmarks, the STF's scenario view): each held underlying's weighted
 * scenario P&L over all items, written into `out` at row `underlyingIndex·S` (length ≥
 * underlyings × S), by exactly the accumulation {@link evaluateAccount} uses. Returns how many
 * underlyings the account holds. Throws the status error of the first unusable instrument it holds.
 */
export function scenarioPnlInto(acc: CompiledAccount, arrays: RiskArrays, out: Float64Array): number {
  if (arrays.anyUnusable) checkViews(acc, arrays, true);
  const S = arrays.scenarioCount;
  ensureScratch(arrays.cols, arrays.params.underlyings.length, arrays.jointCount, acc.data[0]!);
  const plan = acc.plan;
  const sizes = acc.planSizes;
  let ii = PLAN_ALL_AT;
  let ff = 0;
  const nG = plan[ii++]!;
  for (let g = 0; g < nG; g++) {
    runGroup(plan, sizes, ii, ff, arrays, false, out, plan[ii]! * S, 0);
    ii = cI;
    ff = cF;
  }
  return nG;
}

const ZERO_GREEKS: Greeks = { delta: 0, gamma: 0, vega: 0, theta: 0, rho: 0 };

/**
 * Full report: the summary plus per-position contributions (−P&L in the binding view's worst
 * scenario of its underlying plus its static contingency; sorted descending, ties by id), Greeks
 * per position and net per underlying (README "Greeks"), and the weighted scenario grid.
 */
export function reportAccount(acc: CompiledAccount, arrays: RiskArrays): MarginReport {
  const summary = evaluateAccount(acc, arrays);
  const cp = arrays.params;
  const uni = arrays.universe;
  const C = arrays.cols;
  const S = arrays.scenarioCount;
  const cap: Capture = { grid: new Map() };
  const useFinal = summary.binding === 'final';
  const L = accountLayout(acc);
  const d = acc.data;
  const sizeOff = useFinal ? L.sizeFinal : L.sizeAll;
  ensureScratch(C, cp.underlyings.length, arrays.jointCount, L.n);
  if (useFinal) evaluateView(acc, arrays, acc.plan[PLAN_FINAL_AT]!, acc.plan[PLAN_FINAL_SIZES_AT]!, 1, cap);
  else evaluateView(acc, arrays, PLAN_ALL_AT, 0, 0, cap);
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
export function marginAccount(portfolio: Portfolio, arrays: RiskArrays): MarginSummary {
  return evaluateAccount(compileAccount(portfolio, arrays.universe, arrays.params), arrays);
}

/** One-shot full report of a portfolio under `arrays` (see {@link reportAccount}). */
export function marginReport(portfolio: Portfolio, arrays: RiskArrays): MarginReport {
  return reportAccount(compileAccount(portfolio, arrays.universe, arrays.params), arrays);
}
