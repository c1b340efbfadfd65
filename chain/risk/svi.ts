/**
 * SVI "raw" smile (Gatheral 2004): total implied variance at log-moneyness k = ln(K/F)
 *   w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)),   implied vol = √(w(k)/T).
 * Its minimum over k is a + b·σ·√(1 − ρ²) (attained at k = m − ρσ/√(1−ρ²)), so the parameter set
 * gives non-negative variance at every strike iff that minimum is ≥ 0 — checked once per expiry by
 * {@link validateSvi}; a strike whose variance is exactly 0 is still refused (zero vol).
 */
import { RiskError } from './errors.ts';
import { lnDet } from './math.ts';

/** SVI raw parameters as plain numbers (a, m in total-variance / log-moneyness units). */
export interface SviParams {
  readonly a: number;
  readonly b: number;
  readonly rho: number;
  readonly m: number;
  readonly sigma: number;
}

/**
 * Validates SVI raw parameters: finite, b ≥ 0, |ρ| < 1, σ > 0, and min_k w(k) = a + bσ√(1−ρ²) ≥ 0.
 * Throws `RISK_SVI_INVALID` or `RISK_SVI_NEGATIVE_VARIANCE` naming `field`.
 */
export function validateSvi(p: SviParams, field: string): void {
  for (const [name, v] of Object.entries(p)) {
    if (!Number.isFinite(v)) {
      throw new RiskError('RISK_NOT_FINITE', {
        field: `${field}.${name}`,
        value: String(v),
        limit: 'finite',
      });
    }
  }
  if (p.b < 0)
    throw new RiskError('RISK_SVI_INVALID', { field: `${field}.b`, value: String(p.b), limit: '≥ 0' });
  if (!(p.rho > -1 && p.rho < 1)) {
    throw new RiskError('RISK_SVI_INVALID', {
      field: `${field}.rho`,
      value: String(p.rho),
      limit: '∈ (−1, 1)',
    });
  }
  if (!(p.sigma > 0)) {
    throw new RiskError('RISK_SVI_INVALID', {
      field: `${field}.sigma`,
      value: String(p.sigma),
      limit: '> 0',
    });
  }
  const minVariance = p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho);
  if (minVariance < 0) {
    throw new RiskError('RISK_SVI_NEGATIVE_VARIANCE', {
      field,
      value: `min w = a + bσ√(1−ρ²) = ${minVariance}`,
      limit: '≥ 0',
    });
  }
}

/** Total implied variance w(k) at log-moneyness k (no validation). */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/**
 * Implied vol at strike K for forward F and T years: √(w(ln(K/F))/T). Throws
 * `RISK_SVI_NEGATIVE_VARIANCE` if w < 0 at that strike and `RISK_NONPOSITIVE_VOL` if w = 0.
 */
export function sviVol(
  p: SviParams,
  forward: number,
  strike: number,
  timeYears: number,
  field: string,
): number {
  const w = sviTotalVariance(p, lnDet(strike / forward));
  if (w < 0) {
    throw new RiskError('RISK_SVI_NEGATIVE_VARIANCE', {
      field,
      value: `w = ${w} at K = ${strike}`,
      limit: '≥ 0',
    });
  }
  if (!(w > 0))
    throw new RiskError('RISK_NONPOSITIVE_VOL', { field, value: `w = ${w} at K = ${strike}`, limit: '> 0' });
  return Math.sqrt(w / timeYears);
}
