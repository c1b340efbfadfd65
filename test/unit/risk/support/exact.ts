/**
 * High-precision references for the math tests: the exact value of a binary64 as a decimal.js
 * number (never its shortest decimal string, which differs by up to half an ulp), and a 60-digit
 * decimal.js constructor.
 */
import DecimalDefault, { type Decimal as DecimalClass } from 'decimal.js';

// decimal.mjs has only a default export while its typings describe the CommonJS module object.
const Decimal = DecimalDefault as unknown as typeof DecimalClass;

/** decimal.js at 60 significant digits. */
export const D60 = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
/** A value of {@link D60}. */
export type D60 = InstanceType<typeof D60>;

const view = new DataView(new ArrayBuffer(8));

/** The exact value of a finite binary64 (mantissa · 2^exponent), to 60 digits. */
export function exactOf(x: number): D60 {
  if (x === 0) return new D60(0);
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1 : 1;
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (e === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = e - 1075;
  }
  return new D60(mant.toString()).mul(new D60(2).pow(exp)).mul(sign);
}

/** N(x) to ~60 digits: erf(x/√2) by its Maclaurin series (100 digits, ≥ 60 left after the alternation for |x| ≤ 12),
 * and beyond |x| = 12 the Laplace continued fraction of the Mills ratio at depth 600. */
export function normCdfRef(x: D60): D60 {
  if (x.abs().gt(40)) return x.isNeg() ? new D60(0) : new D60(1);
  const D = Decimal.clone({ precision: 100 });
  const xd = new D(x.toString());
  if (xd.abs().gt(12)) {
    // Tail: N(−z) = φ(z)·R(z) with R the Laplace continued fraction, evaluated deep in 140 digits.
    const z = xd.abs();
    let t = z;
    for (let n = 600; n >= 1; n--) t = z.add(new D(n).div(t));
    const phi = z.mul(z).div(2).neg().exp().div(D.acos(-1).mul(2).sqrt());
    const q = phi.div(t);
    return new D60((xd.isNeg() ? q : new D(1).sub(q)).toString());
  }
  const y = xd.div(new D(2).sqrt());
  const y2 = y.mul(y);
  let power = y;
  let sum = y;
  for (let n = 1; n < 5000; n++) {
    power = power.mul(y2).neg().div(n);
    const term = power.div(2 * n + 1);
    sum = sum.add(term);
    if (term.abs().lt('1e-75')) break;
  }
  const erf = sum.mul(2).div(D.acos(-1).sqrt());
  return new D60(erf.add(1).div(2).toString());
}

/** φ(x) to ~60 digits. */
export function normPdfRef(x: D60): D60 {
  return x.mul(x).div(2).neg().exp().div(D60.acos(-1).mul(2).sqrt());
}

/** A small seeded PRNG (mulberry32) for reproducible sample points. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
