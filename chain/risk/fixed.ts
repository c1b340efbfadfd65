/**
 * Conversions at the kernel boundary: E18 fixed point ↔ binary64, and binary64 USD → `bigint`
 * micro-dollars with an explicit rounding direction (requirements up, equity down).
 */
import { RiskError } from './errors.ts';

const E18 = 10n ** 18n;

/**
 * E18 fixed point → binary64: integer part and fraction converted separately and added, so values
 * up to 2^53 units convert with one final rounding. Deterministic (bigint→number is exact-or-nearest).
 */
export function e18ToNumber(x: bigint): number {
  const q = x / E18;
  const r = x - q * E18;
  return Number(q) + Number(r) / 1e18;
}

/**
 * A decimal string (`"-12.5"`, `"0.45"`, `"1e-3"` not accepted) or an integer-valued safe number →
 * E18 fixed point, exactly. Throws `RISK_OUT_OF_RANGE` on more than 18 decimals or bad syntax.
 * Numbers are read through their shortest round-trip decimal form (`String(x)`).
 */
export function toE18(x: string | number, field = 'value'): bigint {
  const s = typeof x === 'number' ? numberToPlainDecimal(x, field) : x.trim();
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new RiskError('RISK_OUT_OF_RANGE', { field, value: s, limit: 'decimal string' });
  const frac = m[3] ?? '';
  if (frac.length > 18) throw new RiskError('RISK_OUT_OF_RANGE', { field, value: s, limit: '≤ 18 decimals' });
  const v = BigInt(m[2]!) * E18 + BigInt(frac.padEnd(18, '0') || '0');
  return m[1] === '-' ? -v : v;
}

function numberToPlainDecimal(x: number, field: string): string {
  if (!Number.isFinite(x))
    throw new RiskError('RISK_NOT_FINITE', { field, value: String(x), limit: 'finite' });
  const s = String(x);
  if (!/e/i.test(s)) return s;
  // Expand exponent notation exactly from the shortest round-trip digits.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/i.exec(s);
  if (!m) throw new RiskError('RISK_OUT_OF_RANGE', { field, value: s, limit: 'decimal' });
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4]);
  const point = 1 + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  if (out.includes('.')) {
    const [i, f] = out.split('.') as [string, string];
    if (f.length > 18) out = `${i}.${f.slice(0, 18)}`;
  }
  return m[1] + out;
}

/** Integer-valued binary64 → bigint (exact; the value must already be an integer). */
function intToBigint(x: number): bigint {
  return BigInt(x);
}

/**
 * USD binary64 → micro-dollars rounded **up** (towards +∞): ⌈x·10^6⌉. The product x·10^6 carries one
 * rounding (≤ 0.5 ulp) before the ceiling; requirements pass through here.
 */
export function usdToMicroCeil(x: number, field: string): bigint {
  if (!Number.isFinite(x))
    throw new RiskError('RISK_NOT_FINITE', { field, value: String(x), limit: 'finite' });
  // ⌈y⌉ = −⌊−y⌋ keeps to the DESIGN's list of allowed Math functions.
  return intToBigint(-Math.floor(-(x * 1e6)) + 0);
}

/**
 * USD binary64 → micro-dollars rounded **down** (towards −∞): ⌊x·10^6⌋. Equity and MtM pass
 * through here.
 */
export function usdToMicroFloor(x: number, field: string): bigint {
  if (!Number.isFinite(x))
    throw new RiskError('RISK_NOT_FINITE', { field, value: String(x), limit: 'finite' });
  return intToBigint(Math.floor(x * 1e6) + 0);
}

/**
 * Atomic units of a token with `decimals` → micro-units, exactly when decimals ≤ 6, else rounded
 * towards −∞ (a balance is never overstated, a debt never understated).
 */
export function atomicToMicroFloor(amount: bigint, decimals: number): bigint {
  if (decimals <= 6) return amount * 10n ** BigInt(6 - decimals);
  const d = 10n ** BigInt(decimals - 6);
  const q = amount / d;
  return amount < 0n && q * d !== amount ? q - 1n : q;
}

/** Atomic units → whole tokens as binary64 (one rounding): amount / 10^decimals. */
export function atomicToNumber(amount: bigint, decimals: number): number {
  const d = 10n ** BigInt(decimals);
  const q = amount / d;
  const r = amount - q * d;
  return Number(q) + Number(r) / Number(d);
}
