/**
 * Risk arrays: for one oracle snapshot, every instrument's value (options) or P&L (perps, spot)
 * per unit under every column of the scenario layout, in one `Float64Array` (row = instrument,
 * stride = {@link RiskArrays.cols}). An account's scenario P&L is then a sparse dot product of its
 * sizes with these rows — no option is repriced per account.
 *
 * Column layout (README "Risk arrays"):
 *   0                 current value (options: Black-76 value; perps/spot: 0 P&L)
 *   1 … S             the params' scenarios, in order (spot shock × vol state)
 *   S+1, S+2          basis contingency: forward × basis.up, × basis.down, vol unshocked
 *   S+3 … S+2+J       the expected-shortfall joint scenarios (this underlying's move in each)
 * Option value under a column: Black-76 with F' = F_fixed + F_variable·s, σ' = σ_K·volMult(col),
 * T and D of the expiry (D = 1 when `optionMtmDiscounting` is `none`, as in Derive PMRM).
 * Perp P&L per unit: (s − 1)·perpPrice (Derive `_getShockedPerpValue`). Spot P&L per whole token:
 * (s − 1)·spot/stablePrice (Derive `_getBaseValue`).
 */
import { priceBlack76SideUnchecked, SECONDS_PER_YEAR } from './black76.ts';
import { RiskError } from './errors.ts';
import { e18ToNumber } from './fixed.ts';
import { expDet, powDet } from './math.ts';
import type { CompiledParams } from './params.ts';
import { sviVol, validateSvi } from './svi.ts';
import type { ExpiryFeed, OracleSnapshot, PriceFeed, UnderlyingFeed } from './types.ts';
import { KIND_OPTION, KIND_PERP, type RiskUniverse } from './universe.ts';

/** Everything the margin step needs from one snapshot, in binary64. */
export interface RiskArrays {
  readonly universe: RiskUniverse;
  readonly params: CompiledParams;
  readonly timeSec: number;
  /** Columns per row: 1 + S + 2 + J. */
  readonly cols: number;
  readonly scenarioCount: number;
  readonly jointCount: number;
  /** Row-major values, `instruments × cols`. */
  readonly values: Float64Array;
  /**
   * Per-unit P&L rows, two per instrument (row 2k for a long, 2k+1 for a short, stride `cols`):
   * for an option alone in its bucket, the static discount applied — long (A[c] > 0 ? A[c]·SD : 0)
   * − A[0], short A[c] − A[0] (a short's value is never positive, so never discounted), with the
   * undiscounted basis moves A[c] − A[0] in columns S+1, S+2 of both; for perps and spot both rows
   * are the instrument's P&L row. The margin step adds size × row for every linear position and
   * every option alone in its bucket.
   */
  readonly pnl: Float64Array;
  /**
   * The margin step's layouts of the same numbers (copies, built once per snapshot), so its hot
   * loops run over one contiguous column range:
   * `gridPnl` — the `pnl` rows without columns 0, S+1, S+2: stride {@link RiskArrays.gridCols} =
   * S + J, columns 0 … S−1 the scenarios and S … S+J−1 the ES joint columns;
   * `basisPnl` — per `pnl` row its two basis columns (S+1, S+2), stride 2;
   * `valuesGrid` — the `values` rows reordered to [0, 1 … S, S+3 … C−1, S+1, S+2] (value, scenarios,
   * ES columns, basis up, basis down), stride `cols`.
   */
  readonly gridCols: number;
  readonly gridPnl: Float64Array;
  readonly basisPnl: Float64Array;
  readonly valuesGrid: Float64Array;
  /** Per instrument: null when usable, else the error an account holding it gets. */
  readonly status: readonly (RiskError | null)[];
  /** Whether any instrument's `status` is an error (when false the margin step skips its checks). */
  readonly anyUnusable: boolean;
  /** Per option: the implied vol used (unshocked), NaN otherwise. */
  readonly vol: Float64Array;
  /** Per bucket: static discount SD_e = base·e^(−T·(max(r,0)·rateMult + rateAdd)). */
  readonly bucketDiscount: Float64Array;
  /** Per bucket: basis contingency factor add + mult·T. */
  readonly bucketBasisFactor: Float64Array;
  /** Per bucket: min(forward, rate, vol) confidence. */
  readonly bucketConfidence: Float64Array;
  /** Per bucket: T (years), rate, D for MtM, F, F_variable, vol multipliers up and down. */
  readonly bucketTime: Float64Array;
  readonly bucketRate: Float64Array;
  readonly bucketMtmDiscount: Float64Array;
  readonly bucketForward: Float64Array;
  readonly bucketForwardVariable: Float64Array;
  readonly bucketVolUp: Float64Array;
  readonly bucketVolDown: Float64Array;
  /** Per underlying: spot (USD), spot confidence, perp price, perp confidence, funding index. */
  readonly spot: Float64Array;
  readonly spotConfidence: Float64Array;
  readonly perpPrice: Float64Array;
  readonly perpConfidence: Float64Array;
  readonly perpFunding: Float64Array;
  /** Settlement stablecoin price (USD) and the IM multiplier including the de-peg add-on. */
  readonly stablePrice: number;
  readonly imMultiplier: number;
  /** Prices of `priced` collateral feeds (USD). */
  readonly prices: ReadonlyMap<string, number>;
  /** Errors of `priced` feeds that are missing or stale are raised when an account needs them. */
  readonly priceStatus: ReadonlyMap<string, RiskError>;
  /**
   * Per instrument fingerprint of everything an account holding it depends on (its row, its
   * bucket's facts, its underlying's feeds, the stable price): used to find changed instruments.
   */
  readonly fingerprint: Float64Array;
  /** Fingerprint stride. */
  readonly fingerprintCols: number;
}

function num(x: bigint, field: string): number {
  const v = e18ToNumber(x);
  if (!Number.isFinite(v))
    throw new RiskError('RISK_NOT_FINITE', { field, value: String(x), limit: 'finite as binary64' });
  return v;
}

function conf(x: bigint | undefined, field: string): number {
  if (x === undefined) return 1;
  if (x < 0n || x > 10n ** 18n)
    throw new RiskError('RISK_OUT_OF_RANGE', { field, value: String(x), limit: '0 ≤ c ≤ 1e18' });
  return num(x, field);
}

function checkTime(t: number, field: string): void {
  if (!Number.isFinite(t))
    throw new RiskError('RISK_NOT_FINITE', { field, value: String(t), limit: 'finite' });
  if (!Number.isSafeInteger(t) || t < 0)
    throw new RiskError('RISK_OUT_OF_RANGE', { field, value: String(t), limit: 'integer seconds ≥ 0' });
}

function staleness(
  feed: { updatedAtSec: number },
  now: number,
  maxAge: number,
  field: string,
): RiskError | null {
  checkTime(feed.updatedAtSec, `${field}.updatedAtSec`);
  const age = now - feed.updatedAtSec;
  if (age > maxAge) {
    return new RiskError('RISK_STALE_FEED', { field, value: `age ${age} s`, limit: `age ≤ ${maxAge} s` });
  }
  return null;
}

/** Term multiplier m = (term / max(T, floor))^power and the up/down vol multipliers (Derive `_addVolShocks`). */
export function volShockMultipliers(secToExpiry: number, cp: CompiledParams): { up: number; down: number } {
  const tau = cp.termSec / Math.max(secToExpiry, cp.dteFloorSec);
  const m = powDet(tau, secToExpiry <= cp.termSec ? cp.shortPower : cp.longPower);
  const down = 1 - cp.volDown * m;
  return { up: 1 + cp.volUp * m, down: Math.max(down, 0) };
}

function volMult(code: number, up: number, down: number): number {
  return code === 2 ? up : code === 0 ? down : 1;
}

/**
 * Builds the risk arrays of `snapshot` for `universe`. Throws a {@link RiskError} for a snapshot
 * that is malformed as a whole (non-finite or out-of-range values, a missing or stale stable price,
 * bad SVI parameters of a listed expiry); records per-instrument problems (missing or stale feeds,
 * expired options, non-positive vols, negative variance at a strike) in `status`, so only the
 * accounts holding those instruments fail.
 */
export function buildRiskArrays(
  snapshot: OracleSnapshot,
  universe: RiskUniverse,
  cp: CompiledParams,
): RiskArrays {
  if (universe.paramsHash !== cp.hash) {
    throw new RiskError('RISK_INVALID_PARAMS', {
      field: 'universe.paramsHash',
      value: universe.paramsHash,
      limit: `= ${cp.hash}`,
    });
  }
  const now = snapshot.timeSec;
  checkTime(now, 'snapshot.timeSec');
  const maxAge = cp.maxFeedAgeSec;
  const stableErr = staleness(snapshot.stable, now, maxAge, 'snapshot.stable');
  if (stableErr) throw stableErr;
  const stablePrice = num(snapshot.stable.priceE18, 'snapshot.stable.priceE18');
  if (!(stablePrice > 0)) {
    throw new RiskError('RISK_OUT_OF_RANGE', {
      field: 'snapshot.stable.priceE18',
      value: String(snapshot.stable.priceE18),
      limit: '> 0',
    });
  }
  const imMultiplier =
    cp.imFactor + (stablePrice < cp.pegThreshold ? (cp.pegThreshold - stablePrice) * cp.pegFactor : 0);

  const nU = cp.underlyings.length;
  const S = cp.scenarioSpot.length;
  const J = cp.jointSpot.length;
  const C = 1 + S + 2 + J;
  const n = universe.ids.length;
  const nB = universe.bucketUnderlying.length;
  const values = new Float64Array(n * C);
  const pnl = new Float64Array(2 * n * C);
  const status: (RiskError | null)[] = new Array(n).fill(null);
  const vol = new Float64Array(n).fill(Number.NaN);

  const spot = new Float64Array(nU).fill(Number.NaN);
  const spotConfidence = new Float64Array(nU).fill(Number.NaN);
  const perpPrice = new Float64Array(nU).fill(Number.NaN);
  const perpConfidence = new Float64Array(nU).fill(Number.NaN);
  const perpFunding = new Float64Array(nU).fill(Number.NaN);
  const underErr: (RiskError | null)[] = new Array(nU).fill(null);
  const perpErr: (RiskError | null)[] = new Array(nU).fill(null);
  const feedsByU: (UnderlyingFeed | undefined)[] = new Array(nU).fill(undefined);

  snapshot.underlyings.forEach((uf, i) => {
    const f = `snapshot.underlyings[${i}]`;
    const u = cp.underlyingIndex.get(uf.underlying);
    if (u === undefined) {
      throw new RiskError('RISK_UNKNOWN_UNDERLYING', {
        field: `${f}.underlying`,
        value: uf.underlying,
        limit: 'listed in params.underlyings',
      });
    }
    if (feedsByU[u] !== undefined) {
      throw new RiskError('RISK_INVALID_PARAMS', {
        field: `${f}.underlying`,
        value: uf.underlying,
        limit: 'one feed set per underlying',
      });
    }
    feedsByU[u] = uf;
    underErr[u] = staleness(uf.spot, now, maxAge, `${f}.spot`);
    spot[u] = num(uf.spot.priceE18, `${f}.spot.priceE18`);
    if (!(spot[u]! > 0))
      throw new RiskError('RISK_OUT_OF_RANGE', {
        field: `${f}.spot.priceE18`,
        value: String(uf.spot.priceE18),
        limit: '> 0',
      });
    spotConfidence[u] = conf(uf.spot.confidenceE18, `${f}.spot.confidenceE18`);
    if (uf.perp) {
      perpErr[u] = staleness(uf.perp, now, maxAge, `${f}.perp`);
      perpPrice[u] = num(uf.perp.priceE18, `${f}.perp.priceE18`);
      if (!(perpPrice[u]! > 0))
        throw new RiskError('RISK_OUT_OF_RANGE', {
          field: `${f}.perp.priceE18`,
          value: String(uf.perp.priceE18),
          limit: '> 0',
        });
      perpConfidence[u] = conf(uf.perp.confidenceE18, `${f}.perp.confidenceE18`);
      perpFunding[u] = num(uf.perp.fundingIndexE18, `${f}.perp.fundingIndexE18`);
    }
  });

  // Buckets: find each bucket's expiry feed and derive its facts once.
  const bucketDiscount = new Float64Array(nB).fill(Number.NaN);
  const bucketBasisFactor = new Float64Array(nB).fill(Number.NaN);
  const bucketConfidence = new Float64Array(nB).fill(Number.NaN);
  const bucketTime = new Float64Array(nB).fill(Number.NaN);
  const bucketRate = new Float64Array(nB).fill(Number.NaN);
  const bucketMtmDiscount = new Float64Array(nB).fill(Number.NaN);
  const bucketForward = new Float64Array(nB).fill(Number.NaN);
  const bucketForwardVariable = new Float64Array(nB).fill(Number.NaN);
  const bucketVolUp = new Float64Array(nB).fill(Number.NaN);
  const bucketVolDown = new Float64Array(nB).fill(Number.NaN);
  const bucketErr: (RiskError | null)[] = new Array(nB).fill(null);
  const bucketFeed: (ExpiryFeed | undefined)[] = new Array(nB).fill(undefined);
  const bucketField: string[] = new Array(nB).fill('');
  const bucketStrikeVol: (Map<number, number> | undefined)[] = new Array(nB).fill(undefined);
  const bucketSvi: ({ a: number; b: number; rho: number; m: number; sigma: number } | undefined)[] =
    new Array(nB).fill(undefined);

  for (let b = 0; b < nB; b++) {
    const u = universe.bucketUnderlying[b]!;
    const expiry = universe.bucketExpirySec[b]!;
    const uf = feedsByU[u];
    const uName = cp.underlyings[u]!;
    if (uf === undefined) {
      bucketErr[b] = new RiskError('RISK_MISSING_FEED', {
        field: `snapshot.underlyings.${uName}`,
        limit: 'present',
      });
      continue;
    }
    if (underErr[u]) {
      bucketErr[b] = underErr[u];
      continue;
    }
    const ufIndex = snapshot.underlyings.indexOf(uf);
    const ei = uf.expiries.findIndex((e) => e.expirySec === expiry);
    const field = `snapshot.underlyings[${ufIndex}].expiries[${ei}]`;
    if (expiry <= now) {
      bucketErr[b] = new RiskError('RISK_OPTION_EXPIRED', {
        field: `expiry ${uName} ${expiry}`,
        value: `${expiry}`,
        limit: `> snapshot time ${now}`,
      });
      continue;
    }
    if (ei < 0) {
      bucketErr[b] = new RiskError('RISK_MISSING_FEED', {
        field: `snapshot.underlyings.${uName}.expiries[${expiry}]`,
        limit: 'present',
      });
      continue;
    }
    const ef = uf.expiries[ei]!;
    if (uf.expiries.findIndex((e, j) => j > ei && e.expirySec === expiry) >= 0) {
      throw new RiskError('RISK_INVALID_PARAMS', {
        field,
        value: String(expiry),
        limit: 'one feed per expiry',
      });
    }
    const st = staleness(ef, now, maxAge, field);
    if (st) {
      bucketErr[b] = st;
      continue;
    }
    const forward = num(ef.forwardE18, `${field}.forwardE18`);
    const fixed = ef.forwardFixedE18 === undefined ? 0 : num(ef.forwardFixedE18, `${field}.forwardFixedE18`);
    if (!(forward > 0) || fixed < 0 || fixed >= forward) {
      throw new RiskError('RISK_OUT_OF_RANGE', {
        field: `${field}.forwardE18`,
        value: `${ef.forwardE18} (fixed ${ef.forwardFixedE18 ?? 0n})`,
        limit: 'F > 0, 0 ≤ fixed < F',
      });
    }
    const rate = num(ef.rateE18, `${field}.rateE18`);
    const sec = expiry - now;
    const t = sec / SECONDS_PER_YEAR;
    bucketFeed[b] = ef;
    bucketField[b] = field;
    bucketTime[b] = t;
    bucketRate[b] = rate;
    bucketForward[b] = forward;
    // Derive's forward portions: F(s) = fixed + variable·s with variable = F − fixed.
    bucketForwardVariable[b] = forward - fixed;
    bucketMtmDiscount[b] = cp.discountMtm ? expDet(-rate * t) : 1;
    bucketDiscount[b] = cp.sdBase * expDet(-(t * (Math.max(rate, 0) * cp.sdRateMult + cp.sdRateAdd)));
    bucketBasisFactor[b] = cp.basisAdd + cp.basisMult * t;
    bucketConfidence[b] = Math.min(
      conf(ef.forwardConfidenceE18, `${field}.forwardConfidenceE18`),
      conf(ef.rateConfidenceE18, `${field}.rateConfidenceE18`),
      conf(ef.volConfidenceE18, `${field}.volConfidenceE18`),
    );
    const shocks = volShockMultipliers(sec, cp);
    bucketVolUp[b] = shocks.up;
    bucketVolDown[b] = shocks.down;
    if (ef.vols && ef.vols.length > 0) {
      const m = new Map<number, number>();
      ef.vols.forEach((v, j) => {
        const k = num(v.strikeE18, `${field}.vols[${j}].strikeE18`);
        m.set(k, num(v.volE18, `${field}.vols[${j}].volE18`));
      });
      bucketStrikeVol[b] = m;
    }
    if (ef.svi) {
      const s = {
        a: num(ef.svi.aE18, `${field}.svi.aE18`),
        b: num(ef.svi.bE18, `${field}.svi.bE18`),
        rho: num(ef.svi.rhoE18, `${field}.svi.rhoE18`),
        m: num(ef.svi.mE18, `${field}.svi.mE18`),
        sigma: num(ef.svi.sigmaE18, `${field}.svi.sigmaE18`),
      };
      validateSvi(s, `${field}.svi`);
      bucketSvi[b] = s;
    }
  }

  const prices = new Map<string, number>();
  const priceStatus = new Map<string, RiskError>();
  (snapshot.prices ?? []).forEach((pf, i) => {
    const f = `snapshot.prices[${i}]`;
    const st = staleness(pf as PriceFeed, now, maxAge, f);
    if (st) priceStatus.set(pf.feed, st);
    const v = num(pf.priceE18, `${f}.priceE18`);
    if (!(v >= 0))
      throw new RiskError('RISK_OUT_OF_RANGE', {
        field: `${f}.priceE18`,
        value: String(pf.priceE18),
        limit: '≥ 0',
      });
    prices.set(pf.feed, v);
  });

  const colSpot = new Float64Array(C);
  const colVol = new Uint8Array(C);
  for (let i = 0; i < n; i++) {
    const u = universe.underlying[i]!;
    const kind = universe.kind[i]!;
    const row = i * C;
    // Column spot multipliers and vol codes for this underlying.
    colSpot[0] = 1;
    colVol[0] = 1;
    for (let s = 0; s < S; s++) {
      colSpot[1 + s] = cp.scenarioSpot[s]!;
      colVol[1 + s] = cp.scenarioVol[s]!;
    }
    colSpot[S + 1] = cp.basisUp;
    colVol[S + 1] = 1;
    colSpot[S + 2] = cp.basisDown;
    colVol[S + 2] = 1;
    for (let j = 0; j < J; j++) {
      colSpot[S + 3 + j] = cp.jointSpot[j]![u]!;
      colVol[S + 3 + j] = cp.jointVol[j]![u]!;
    }
    if (feedsByU[u] === undefined) {
      status[i] = new RiskError('RISK_MISSING_FEED', {
        field: `snapshot.underlyings.${cp.underlyings[u]}`,
        limit: 'present',
      });
      continue;
    }
    if (underErr[u]) {
      status[i] = underErr[u];
      continue;
    }
    if (kind === KIND_PERP) {
      if (perpErr[u]) {
        status[i] = perpErr[u];
        continue;
      }
      const p = perpPrice[u]!;
      if (!(p > 0)) {
        status[i] = new RiskError('RISK_MISSING_FEED', {
          field: `snapshot.underlyings.${cp.underlyings[u]}.perp`,
          limit: 'present',
        });
        continue;
      }
      for (let c = 0; c < C; c++) values[row + c] = (colSpot[c]! - 1) * p;
      pnl.set(values.subarray(row, row + C), 2 * row);
      pnl.set(values.subarray(row, row + C), 2 * row + C);
      continue;
    }
    if (kind !== KIND_OPTION) {
      const unit = spot[u]! / stablePrice;
      for (let c = 0; c < C; c++) values[row + c] = (colSpot[c]! - 1) * unit;
      pnl.set(values.subarray(row, row + C), 2 * row);
      pnl.set(values.subarray(row, row + C), 2 * row + C);
      continue;
    }
    const b = universe.bucket[i]!;
    if (bucketErr[b]) {
      status[i] = bucketErr[b];
      continue;
    }
    const strike = universe.strike[i]!;
    const isCall = universe.isCall[i] === 1;
    let sigma: number;
    const fixedVol = bucketStrikeVol[b]?.get(strike);
    const field = `${bucketField[b]} strike ${strike}`;
    if (fixedVol !== undefined) {
      sigma = fixedVol;
      if (!(sigma > 0)) {
        status[i] = new RiskError('RISK_NONPOSITIVE_VOL', {
          field: `${field} vol`,
          value: String(sigma),
          limit: '> 0',
        });
        continue;
      }
    } else if (bucketSvi[b] !== undefined) {
      try {
        sigma = sviVol(bucketSvi[b]!, bucketForward[b]!, strike, bucketTime[b]!, `${field} svi`);
      } catch (e) {
        if (e instanceof RiskError) {
          status[i] = e;
          continue;
        }
        throw e;
      }
    } else {
      status[i] = new RiskError('RISK_MISSING_FEED', {
        field: `${field} vol`,
        limit: 'a per-strike vol or SVI params',
      });
      continue;
    }
    vol[i] = sigma;
    const fixed = bucketForward[b]! - bucketForwardVariable[b]!;
    const variable = bucketForwardVariable[b]!;
    const t = bucketTime[b]!;
    const d = bucketMtmDiscount[b]!;
    const up = bucketVolUp[b]!;
    const down = bucketVolDown[b]!;
    for (let c = 0; c < C; c++) {
      const f = c === 0 ? bucketForward[b]! : fixed + variable * colSpot[c]!;
      values[row + c] = priceBlack76SideUnchecked(
        f,
        strike,
        sigma * volMult(colVol[c]!, up, down),
        t,
        d,
        isCall,
      );
    }
    const sd = bucketDiscount[b]!;
    const a0 = values[row]!;
    for (let c = 1; c < C; c++) {
      const a = values[row + c]!;
      const basisCol = c === S + 1 || c === S + 2;
      pnl[2 * row + c] = (basisCol ? a : a > 0 ? a * sd : 0) - a0;
      pnl[2 * row + C + c] = a - a0;
    }
  }

  // The margin step's contiguous layouts (see RiskArrays.gridPnl): plain copies, no arithmetic.
  const G = S + J;
  const gridPnl = new Float64Array(2 * n * G);
  const basisPnl = new Float64Array(2 * n * 2);
  const valuesGrid = new Float64Array(n * C);
  for (let r = 0; r < 2 * n; r++) {
    const src = r * C;
    const dst = r * G;
    for (let s = 0; s < S; s++) gridPnl[dst + s] = pnl[src + 1 + s]!;
    for (let j = 0; j < J; j++) gridPnl[dst + S + j] = pnl[src + S + 3 + j]!;
    basisPnl[2 * r] = pnl[src + S + 1]!;
    basisPnl[2 * r + 1] = pnl[src + S + 2]!;
  }
  for (let i = 0; i < n; i++) {
    const o = i * C;
    for (let c = 0; c <= S; c++) valuesGrid[o + c] = values[o + c]!;
    for (let j = 0; j < J; j++) valuesGrid[o + S + 1 + j] = values[o + S + 3 + j]!;
    valuesGrid[o + G + 1] = values[o + S + 1]!;
    valuesGrid[o + G + 2] = values[o + S + 2]!;
  }
  const anyUnusable = status.some((e) => e !== null);

  // Fingerprint: row values + the facts an account's margin reads beside them.
  const FP = C + 12;
  const fingerprint = new Float64Array(n * FP);
  for (let i = 0; i < n; i++) {
    const o = i * FP;
    fingerprint.set(values.subarray(i * C, i * C + C), o);
    const u = universe.underlying[i]!;
    const b = universe.bucket[i]!;
    fingerprint[o + C] = spot[u]!;
    fingerprint[o + C + 1] = spotConfidence[u]!;
    fingerprint[o + C + 2] = perpPrice[u]!;
    fingerprint[o + C + 3] = perpConfidence[u]!;
    fingerprint[o + C + 4] = perpFunding[u]!;
    fingerprint[o + C + 5] = stablePrice;
    fingerprint[o + C + 6] = b >= 0 ? bucketDiscount[b]! : 0;
    fingerprint[o + C + 7] = b >= 0 ? bucketBasisFactor[b]! : 0;
    fingerprint[o + C + 8] = b >= 0 ? bucketConfidence[b]! : 0;
    fingerprint[o + C + 9] = b >= 0 ? bucketRate[b]! : 0;
    fingerprint[o + C + 10] = vol[i]!;
    fingerprint[o + C + 11] = status[i] === null ? 0 : 1;
  }

  return {
    universe,
    params: cp,
    timeSec: now,
    cols: C,
    scenarioCount: S,
    jointCount: J,
    values,
    pnl,
    gridCols: G,
    gridPnl,
    basisPnl,
    valuesGrid,
    status,
    anyUnusable,
    vol,
    bucketDiscount,
    bucketBasisFactor,
    bucketConfidence,
    bucketTime,
    bucketRate,
    bucketMtmDiscount,
    bucketForward,
    bucketForwardVariable,
    bucketVolUp,
    bucketVolDown,
    spot,
    spotConfidence,
    perpPrice,
    perpConfidence,
    perpFunding,
    stablePrice,
    imMultiplier,
    prices,
    priceStatus,
    fingerprint,
    fingerprintCols: FP,
  };
}
