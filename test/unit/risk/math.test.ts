/**
 * The kernel's own transcendental functions against 60-digit decimal.js references evaluated at
 * the exact binary value of each input. Targets (issue 3): exp/ln ≤ 1e-14 relative, N(x) ≤ 1e-15
 * absolute. The measured maxima are recorded in chain/risk/README.md ("Error bounds").
 */
import { describe, expect, it } from 'vitest';
import { expDet, lnDet, normCdf, normPdf, pow2, powDet } from '../../../chain/risk/math.ts';
import { type D60, exactOf, normCdfRef, normPdfRef, prng } from './support/exact.ts';

function relErr(actual: number, ref: D60): number {
  if (ref.isZero()) return Math.abs(actual);
  return exactOf(actual).sub(ref).div(ref).abs().toNumber();
}

describe('expDet', () => {
  it('is within 1e-14 relative of e^x over [−708, 709] (4,000 seeded points + edges)', () => {
    const r = prng(1);
    const xs = [0, 1, -1, 1e-300, -1e-300, 0.5 * Math.LN2, -0.5 * Math.LN2, 709.7, -708.3, 100, -100];
    for (let i = 0; i < 2000; i++) xs.push((r() - 0.5) * 1417);
    for (let i = 0; i < 2000; i++) xs.push((r() - 0.5) * 4);
    let worst = 0;
    for (const x of xs) {
      const e = relErr(expDet(x), exactOf(x).exp());
      if (e > worst) worst = e;
      expect(e, `exp(${x})`).toBeLessThanOrEqual(1e-14);
    }
    expect(worst).toBeLessThan(1e-15);
  });
  it('handles the limits without engine functions', () => {
    expect(expDet(0)).toBe(1);
    expect(expDet(710)).toBe(Number.POSITIVE_INFINITY);
    expect(expDet(-746)).toBe(0);
    expect(Number.isNaN(expDet(Number.NaN))).toBe(true);
    expect(pow2(-1074)).toBe(5e-324);
    expect(pow2(1023)).toBe(2 ** 1023);
  });
});

describe('lnDet', () => {
  it('is within 1e-14 relative of ln x from subnormals to 1e308 (4,000 seeded points + edges)', () => {
    const r = prng(2);
    const xs = [
      1,
      2,
      0.5,
      Math.SQRT2,
      Math.SQRT1_2,
      5e-324,
      2.2250738585072014e-308,
      1.7976931348623157e308,
      1 + 2 ** -52,
      1 - 2 ** -53,
    ];
    for (let i = 0; i < 2000; i++) xs.push(2 ** ((r() - 0.5) * 2000) * (1 + r()));
    for (let i = 0; i < 2000; i++) xs.push(1 + (r() - 0.5) * 1e-2);
    for (const x of xs) {
      if (x === 1) {
        expect(lnDet(1)).toBe(0);
        continue;
      }
      expect(relErr(lnDet(x), exactOf(x).ln()), `ln(${x})`).toBeLessThanOrEqual(1e-14);
    }
  });
  it('returns −∞ for 0 and NaN for negatives', () => {
    expect(lnDet(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(lnDet(-1))).toBe(true);
  });
});

describe('powDet', () => {
  it('matches x^p for the vol-shock range (τ ∈ [1/12, 3000], p ∈ [0, 1]) within 2e-15 relative', () => {
    const r = prng(3);
    for (let i = 0; i < 1000; i++) {
      const x = 1 / 12 + r() * 3000;
      const p = r();
      const ref = exactOf(x).pow(exactOf(p));
      expect(relErr(powDet(x, p), ref), `${x}^${p}`).toBeLessThanOrEqual(2e-15);
    }
  });
});

describe('normCdf', () => {
  it('is within 1e-15 absolute of N(x) on [−40, 40] (1,200 seeded points + edges)', () => {
    const r = prng(4);
    const xs = [0, 1e-300, -1e-300, 3, -3, 2.9999999999999996, 38.5, -38.5, 8, -8, 37.9];
    for (let i = 0; i < 700; i++) xs.push((r() - 0.5) * 20);
    for (let i = 0; i < 300; i++) xs.push((r() - 0.5) * 80);
    for (let i = 0; i < 200; i++) xs.push((r() - 0.5) * 1e-3);
    let worst = 0;
    for (const x of xs) {
      const e = exactOf(normCdf(x))
        .sub(normCdfRef(exactOf(x)))
        .abs()
        .toNumber();
      if (e > worst) worst = e;
      expect(e, `N(${x})`).toBeLessThanOrEqual(1e-15);
    }
    expect(worst).toBeGreaterThan(0);
  });
  it('is accurate relatively in the lower tail (x ≤ −3), within 1e-14', () => {
    const r = prng(5);
    for (let i = 0; i < 200; i++) {
      const x = -3 - r() * 34;
      expect(relErr(normCdf(x), normCdfRef(exactOf(x))), `N(${x})`).toBeLessThanOrEqual(1e-14);
    }
  });
  it('N(0) = 0.5 exactly, limits, symmetry N(x) + N(−x) = 1 to 2 ulp', () => {
    expect(normCdf(0)).toBe(0.5);
    expect(normCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    const r = prng(6);
    for (let i = 0; i < 200; i++) {
      const x = (r() - 0.5) * 16;
      expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThanOrEqual(4.5e-16);
    }
  });
});

describe('normPdf', () => {
  it('is within 1e-14 relative of φ(x) while φ(x) is a normal binary64 (|x| ≤ 37.5)', () => {
    const r = prng(7);
    for (let i = 0; i < 1500; i++) {
      const x = (r() - 0.5) * 75;
      expect(relErr(normPdf(x), normPdfRef(exactOf(x))), `φ(${x})`).toBeLessThanOrEqual(1e-14);
    }
  });
});
