/**
 * Deterministic transcendental functions for the risk kernel, built only from IEEE-754 binary64
 * `+ − × ÷`, `Math.sqrt/abs/floor` and exact bit reads — never `Math.exp/log/pow`, whose results
 * are allowed to differ between JavaScript engines and versions. Every operation used here is
 * correctly rounded by IEEE-754, so the same inputs give the same bits on every conforming engine.
 *
 * Measured error bounds (against decimal.js at 50 digits, `test/unit/risk/math.test.ts`, and
 * recorded in `chain/risk/README.md`): {@link expDet} and {@link lnDet} ≤ 1e-14 relative (observed
 * ≈ 2–3e-16), {@link normCdf} ≤ 1e-15 absolute (observed ≈ 2e-16), {@link normPdf} ≤ 1e-14 relative.
 */

// ln 2 split for Cody–Waite range reduction: LN2_HI has its low 32 bits zero, so k·LN2_HI is exact
// for |k| < 2^20, and LN2_HI + LN2_LO equals ln 2 to ~1e-26.
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = Math.LOG2E;
/** 1/√(2π) rounded to nearest binary64. */
const INV_SQRT_2PI = 0.3989422804014327;

// 2^k for k ∈ [−1074, 1023], built by exact doubling/halving so no engine function is involved.
const POW2_MIN = -1074;
const POW2 = new Float64Array(1023 - POW2_MIN + 1);
{
  let p = 1;
  for (let k = 0; k <= 1023; k++) {
    POW2[k - POW2_MIN] = p;
    p *= 2;
  }
  p = 1;
  for (let k = 0; k >= POW2_MIN; k--) {
    POW2[k - POW2_MIN] = p;
    p /= 2;
  }
}

/** Exact 2^k for integer k ∈ [−1074, 1023]; 0 below, +∞ above. */
export function pow2(k: number): number {
  if (k < POW2_MIN) return 0;
  if (k > 1023) return Number.POSITIVE_INFINITY;
  return POW2[k - POW2_MIN]!;
}

// Taylor coefficients 1/n! for n = 2 … 13, as binary64. exp(r) − 1 − r = r²·Σ c_n r^(n−2).
const E2 = 1 / 2;
const E3 = 1 / 6;
const E4 = 1 / 24;
const E5 = 1 / 120;
const E6 = 1 / 720;
const E7 = 1 / 5040;
const E8 = 1 / 40320;
const E9 = 1 / 362880;
const E10 = 1 / 3628800;
const E11 = 1 / 39916800;
const E12 = 1 / 479001600;
const E13 = 1 / 6227020800;

/**
 * e^x, deterministic. Range reduction x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite, exact k·LN2_HI),
 * e^r − 1 by its Taylor series to r^13 (truncation < 4e-18 relative), then 1 + (e^r − 1) and an
 * exact scaling by 2^k. Relative error ≤ 1e-14 (measured ≈ 2.2e-16) for x ∈ [−708, 709].
 * Returns 0 below −745.2, +∞ above 709.79, NaN for NaN.
 */
export function expDet(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > 709.782712893384) return Number.POSITIVE_INFINITY;
  if (x < -745.1332191019412) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  // Horner on the tail keeps every partial sum small next to the leading 1 + r.
  const tail =
    r2 *
    (E2 +
      r *
        (E3 +
          r *
            (E4 +
              r *
                (E5 +
                  r * (E6 + r * (E7 + r * (E8 + r * (E9 + r * (E10 + r * (E11 + r * (E12 + r * E13)))))))))));
  const er = 1 + (r + tail);
  if (k > 1023) return er * 2 * pow2(k - 1);
  if (k < -1022) return er * pow2(k + 54) * pow2(-54);
  return er * pow2(k);
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Index of the high word: the platform's byte order decides where the sign/exponent bits live.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

// Coefficients 1/(2n+1) for the atanh series ln m = 2f·(1 + f²/3 + f⁴/5 + …), f = (m−1)/(m+1).
const L3 = 1 / 3;
const L5 = 1 / 5;
const L7 = 1 / 7;
const L9 = 1 / 9;
const L11 = 1 / 11;
const L13 = 1 / 13;
const L15 = 1 / 15;
const L17 = 1 / 17;
const L19 = 1 / 19;
const L21 = 1 / 21;
const L23 = 1 / 23;
const L25 = 1 / 25;

/**
 * Natural log, deterministic. x = m·2^e with m ∈ [1/√2, √2) read from the bits, ln m = 2·atanh(f)
 * with f = (m−1)/(m+1), |f| ≤ 0.1716, series to f^25 (truncation < 1e-19), plus e·ln2 in two
 * parts. Relative error ≤ 1e-14 (measured ≈ 2.5e-16). Returns −∞ for 0, NaN for x < 0 or NaN,
 * +∞ for +∞.
 */
export function lnDet(x: number): number {
  if (!(x > 0)) return x === 0 ? Number.NEGATIVE_INFINITY : Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    // Subnormal: scale into the normal range first (exact).
    x *= 18014398509481984; // 2^54
    e = -54;
  }
  F64[0] = x;
  const hi = U32[HI]!;
  e += ((hi >>> 20) & 0x7ff) - 1023;
  // Replace the exponent by 0 to get m ∈ [1, 2).
  U32[HI] = (hi & 0x800fffff) | 0x3ff00000;
  let m = F64[0]!;
  if (m > Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const f = (m - 1) / (m + 1);
  const s = f * f;
  const series =
    s *
    (L3 +
      s *
        (L5 +
          s *
            (L7 +
              s *
                (L9 +
                  s *
                    (L11 +
                      s * (L13 + s * (L15 + s * (L17 + s * (L19 + s * (L21 + s * (L23 + s * L25)))))))))));
  const lnM = 2 * f + 2 * f * series;
  if (e === 0) return lnM;
  return e * LN2_HI + (lnM + e * LN2_LO);
}

/**
 * x^p for x > 0 as e^(p·ln x), deterministic. Relative error ≈ |p·ln x|·1e-16 + 1e-15; used for the
 * term-scaled vol shock (τ^power with τ ≤ 3·10^3, power ≤ 1), where it is ≤ 2e-15.
 */
export function powDet(x: number, p: number): number {
  if (p === 0) return 1;
  if (x === 1) return 1;
  return expDet(p * lnDet(x));
}

// Splits a binary64 into two halves of ≤ 26 significant bits (Dekker), so products of halves are exact.
const SPLITTER = 134217729; // 2^27 + 1

/**
 * e^(−x²/2) with x² taken exactly (Dekker's two-product), so the error does not grow with x²:
 * e^(−(h+l)/2) = e^(−h/2)·(1 − l/2 + …) with |l| ≤ ulp(h)/2.
 */
function gaussDet(x: number): number {
  const c = SPLITTER * x;
  const xh = c - (c - x);
  const xl = x - xh;
  const h = x * x;
  const l = xh * xh - h + 2 * xh * xl + xl * xl;
  const g = expDet(-0.5 * h);
  return g - g * (0.5 * l);
}

/** Standard normal density φ(x) = e^(−x²/2)/√(2π), deterministic; relative error ≤ 1e-14. */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * gaussDet(x);
}

/**
 * Upper tail Q(z) = 1 − N(z) for z ≥ 0.
 * - z < 3: Q = ½ − φ(z)·S(z), S(z) = z + z³/3 + z⁵/(3·5) + … (Marsaglia's series: all terms
 *   positive, so no cancellation inside S); 60 terms leave < 1e-19 at z = 3.
 * - z ≥ 3: Q = φ(z)·R(z), R the Laplace continued fraction 1/(z+1/(z+2/(z+3/(z+…)))) evaluated
 *   backwards from a fixed depth chosen by z (depth 110 at z = 3 … 30 beyond z = 8) — relative
 *   truncation < 1e-17 at every z in the band.
 * - z > 38.5: Q < 1e-320, returned as 0.
 */
function upperTail(z: number): number {
  if (z > 38.5) return 0;
  const phi = normPdf(z);
  if (z < 3) {
    const z2 = z * z;
    let term = z;
    let sum = z;
    for (let n = 1; n <= 60; n++) {
      term *= z2 / (2 * n + 1);
      sum += term;
    }
    return 0.5 - phi * sum;
  }
  const depth = z < 4 ? 110 : z < 5 ? 70 : z < 8 ? 45 : 30;
  let t = z;
  for (let n = depth; n >= 1; n--) t = z + n / t;
  return phi / t;
}

/**
 * Standard normal CDF N(x), deterministic, absolute error ≤ 1e-15 on all of ℝ (measured ≈ 2e-16;
 * for x < −3 the result is also accurate relatively, ≈ 1e-15). N(±∞) = 1/0, N(NaN) = NaN.
 */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 0) return 1 - upperTail(x);
  return upperTail(-x);
}
