/**
 * Black-76 prices and Greeks of European options on a forward, deterministic (only the kernel's own
 * {@link normCdf}, {@link normPdf}, {@link lnDet} and `Math.sqrt`). Calls and puts are each priced
 * from their own formula, never one from the other through parity.
 *
 * Conventions (notes/risk.md "Black-76 conventions"): F forward, K strike (same currency), σ annual
 * vol as a fraction (0.5 = 50 %), T years (seconds / 31 536 000), D discount factor e^(−rT).
 *   d1 = (ln(F/K) + σ²T/2)/(σ√T), d2 = d1 − σ√T
 *   C = D·(F·N(d1) − K·N(d2)),  P = D·(K·N(−d2) − F·N(−d1))
 * Accuracy: within max(1e-10 relative, 1e-12·F absolute) of a 50-digit decimal.js reference
 * (`test/unit/risk/black76.test.ts`), and C − P = D·(F − K) to 1e-12·F.
 */
import { RiskError } from './errors.ts';
import { lnDet, normCdf, normPdf } from './math.ts';

/** Seconds in a Black-76 year (365 days), Derive's `SECONDS_PER_YEAR`. */
export const SECONDS_PER_YEAR = 31_536_000;

/** Inputs of one Black-76 evaluation (all plain numbers; callers validate finiteness and signs). */
export interface Black76Inputs {
  /** Forward price, > 0 (USD per unit of underlying). */
  readonly forward: number;
  /** Strike, > 0 (USD per unit of underlying). */
  readonly strike: number;
  /** Annualised vol as a fraction, ≥ 0 (0 gives the discounted intrinsic value). */
  readonly vol: number;
  /** Time to expiry in years, > 0. */
  readonly timeYears: number;
  /** Discount factor D = e^(−rT) > 0; 1 for undiscounted (Derive PMRM MtM). */
  readonly discount: number;
}

/** Call and put prices, USD per unit of underlying, each clamped to [0, D·F] / [0, D·K]. */
export interface Black76Prices {
  readonly call: number;
  readonly put: number;
}

/**
 * Greeks per unit of underlying. Units: delta — ∂V/∂F (dimensionless); gamma — ∂²V/∂F² (per USD);
 * vega — ∂V/∂σ per 1.00 of vol (USD; divide by 100 for one vol point); theta — ∂V/∂t as calendar
 * time passes, per year (USD/year; divide by 365 per day), with D = e^(−rT) moving too; rho —
 * ∂V/∂r per 1.00 of rate with F held fixed (USD).
 */
export interface Black76Greeks {
  readonly callDelta: number;
  readonly putDelta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly callTheta: number;
  readonly putTheta: number;
  readonly callRho: number;
  readonly putRho: number;
}

/**
 * Validates Black-76 inputs: every field finite (`RISK_NOT_FINITE`), F > 0, K > 0, T > 0,
 * D > 0 (`RISK_OUT_OF_RANGE`; negative rates give D > 1), σ > 0 (`RISK_NONPOSITIVE_VOL`). `allowZeroVol` admits
 * σ = 0 (a vol shocked down to nothing prices at intrinsic value).
 */
export function validateBlack76Inputs(i: Black76Inputs, allowZeroVol = false): void {
  for (const [name, v] of Object.entries(i)) {
    if (!Number.isFinite(v))
      throw new RiskError('RISK_NOT_FINITE', { field: `black76.${name}`, value: String(v), limit: 'finite' });
  }
  if (!(i.forward > 0))
    throw new RiskError('RISK_OUT_OF_RANGE', {
      field: 'black76.forward',
      value: String(i.forward),
      limit: '> 0',
    });
  if (!(i.strike > 0))
    throw new RiskError('RISK_OUT_OF_RANGE', {
      field: 'black76.strike',
      value: String(i.strike),
      limit: '> 0',
    });
  if (!(i.timeYears > 0)) {
    throw new RiskError('RISK_OPTION_EXPIRED', {
      field: 'black76.timeYears',
      value: String(i.timeYears),
      limit: '> 0',
    });
  }
  if (!(i.discount > 0))
    throw new RiskError('RISK_OUT_OF_RANGE', {
      field: 'black76.discount',
      value: String(i.discount),
      limit: '> 0',
    });
  if (allowZeroVol ? !(i.vol >= 0) : !(i.vol > 0)) {
    throw new RiskError('RISK_NONPOSITIVE_VOL', {
      field: 'black76.vol',
      value: String(i.vol),
      limit: allowZeroVol ? '≥ 0' : '> 0',
    });
  }
}

/**
 * One side's price without validation, for the kernel's inner loop (inputs already validated):
 * F, K, σ ≥ 0, T years, D, call or put. Same arithmetic as {@link priceBlack76Side}.
 */
export function priceBlack76SideUnchecked(
  f: number,
  k: number,
  vol: number,
  t: number,
  d: number,
  isCall: boolean,
): number {
  const totalVol = vol * Math.sqrt(t);
  let v: number;
  if (!(totalVol > 0)) {
    v = isCall ? (f > k ? d * (f - k) : 0) : k > f ? d * (k - f) : 0;
  } else {
    const d1 = (lnDet(f / k) + 0.5 * totalVol * totalVol) / totalVol;
    const d2 = d1 - totalVol;
    v = isCall ? d * (f * normCdf(d1) - k * normCdf(d2)) : d * (k * normCdf(-d2) - f * normCdf(-d1));
  }
  const max = isCall ? d * f : d * k;
  return v < 0 ? 0 : Math.min(v, max);
}

/** d1, d2 and σ√T; `totalVol` 0 marks the intrinsic case. */
function dTerms(i: Black76Inputs): { d1: number; d2: number; totalVol: number } {
  const totalVol = i.vol * Math.sqrt(i.timeYears);
  if (!(totalVol > 0)) return { d1: 0, d2: 0, totalVol: 0 };
  const d1 = (lnDet(i.forward / i.strike) + 0.5 * totalVol * totalVol) / totalVol;
  return { d1, d2: d1 - totalVol, totalVol };
}

/**
 * Black-76 call and put prices (USD per unit), each from its own formula. σ√T = 0 gives the
 * discounted intrinsic values. Rounding: IEEE nearest throughout; results clamped into their
 * no-arbitrage bounds [0, D·F] and [0, D·K] so cancellation can never show a negative price.
 */
export function priceBlack76(i: Black76Inputs): Black76Prices {
  validateBlack76Inputs(i, true);
  const { forward: f, strike: k, discount: d } = i;
  const { d1, d2, totalVol } = dTerms(i);
  let call: number;
  let put: number;
  if (totalVol === 0) {
    call = f > k ? d * (f - k) : 0;
    put = k > f ? d * (k - f) : 0;
  } else {
    call = d * (f * normCdf(d1) - k * normCdf(d2));
    put = d * (k * normCdf(-d2) - f * normCdf(-d1));
  }
  const maxCall = d * f;
  const maxPut = d * k;
  return {
    call: call < 0 ? 0 : Math.min(call, maxCall),
    put: put < 0 ? 0 : Math.min(put, maxPut),
  };
}

/** Price of one side: the call or the put formula only (validated; see {@link priceBlack76}). */
export function priceBlack76Side(i: Black76Inputs, isCall: boolean): number {
  validateBlack76Inputs(i, true);
  return priceBlack76SideUnchecked(i.forward, i.strike, i.vol, i.timeYears, i.discount, isCall);
}

/**
 * Black-76 Greeks (units in {@link Black76Greeks}); `rate` is the continuously compounded r with
 * D = e^(−rT), needed for theta. σ√T = 0 gives the intrinsic limits (delta 0 or ±D, others 0
 * except theta/rho of the discounted intrinsic value).
 */
export function greeksBlack76(i: Black76Inputs, rate: number): Black76Greeks {
  validateBlack76Inputs(i, true);
  if (!Number.isFinite(rate))
    throw new RiskError('RISK_NOT_FINITE', { field: 'black76.rate', value: String(rate), limit: 'finite' });
  const { forward: f, strike: k, discount: d, timeYears: t } = i;
  const { d1, totalVol } = dTerms(i);
  const { call, put } = priceBlack76(i);
  if (totalVol === 0) {
    return {
      callDelta: f > k ? d : 0,
      putDelta: k > f ? -d : 0,
      gamma: 0,
      vega: 0,
      callTheta: rate * call,
      putTheta: rate * put,
      callRho: -t * call,
      putRho: -t * put,
    };
  }
  const pdf = normPdf(d1);
  const sqrtT = Math.sqrt(t);
  // Time decay of the option value: −∂V/∂T = r·V − D·F·φ(d1)·σ/(2√T).
  const decay = (d * f * pdf * i.vol) / (2 * sqrtT);
  return {
    callDelta: d * normCdf(d1),
    putDelta: -d * normCdf(-d1),
    gamma: (d * pdf) / (f * totalVol),
    vega: d * f * pdf * sqrtT,
    callTheta: rate * call - decay,
    putTheta: rate * put - decay,
    callRho: -t * call,
    putRho: -t * put,
  };
}
