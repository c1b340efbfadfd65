/**
 * Byte helpers shared by `state/` (pure: no node imports, usable by `state/proof.ts` in browsers).
 */
import { StateError } from './errors.ts';

const HEX = '0123456789abcdef';
const HEX_VALUES: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) t[HEX.charCodeAt(i)] = i;
  return t;
})();

/** Lowercase hex of `bytes`, no `0x`. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

/**
 * Bytes of a lowercase even-length hex string (no `0x`). Uppercase is refused so that one key has
 * one spelling (StateChanges keys are compared as strings).
 * @throws StateError `STATE_BAD_HEX` naming `field`.
 */
export function hexToBytes(hex: string, field = 'hex'): Uint8Array {
  if (hex.length % 2 !== 0) {
    throw new StateError('STATE_BAD_HEX', `${field} has odd length ${hex.length}`, {
      field,
      length: hex.length,
    });
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hex.charCodeAt(2 * i);
    const lo = hex.charCodeAt(2 * i + 1);
    const h = hi < 128 ? HEX_VALUES[hi]! : -1;
    const l = lo < 128 ? HEX_VALUES[lo]! : -1;
    if (h < 0 || l < 0) {
      throw new StateError('STATE_BAD_HEX', `${field} has a non-lowercase-hex character at offset ${2 * i}`, {
        field,
        offset: 2 * i,
      });
    }
    out[i] = (h << 4) | l;
  }
  return out;
}

/** True when `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Unsigned lexicographic comparison (−1, 0, 1); a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Concatenation of `parts` into a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** True when `bytes` starts with `prefix`. */
export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** Writes `v` (0 ≤ v < 2^64) big-endian into `out` at `offset`. */
export function writeU64(out: Uint8Array, offset: number, v: bigint): void {
  const hi = Number(v >> 32n);
  const lo = Number(v & 0xffffffffn);
  writeU32(out, offset, hi);
  writeU32(out, offset + 4, lo);
}

/** Reads a big-endian u64 from `b` at `offset`. */
export function readU64(b: Uint8Array, offset: number): bigint {
  return (BigInt(readU32(b, offset)) << 32n) | BigInt(readU32(b, offset + 4));
}

/** Writes `v` (0 ≤ v < 2^32) big-endian into `out` at `offset`. */
export function writeU32(out: Uint8Array, offset: number, v: number): void {
  out[offset] = (v >>> 24) & 255;
  out[offset + 1] = (v >>> 16) & 255;
  out[offset + 2] = (v >>> 8) & 255;
  out[offset + 3] = v & 255;
}

/** Reads a big-endian u32 from `b` at `offset`. */
export function readU32(b: Uint8Array, offset: number): number {
  return ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;
}

/** Writes `v` (0 ≤ v < 2^16) big-endian into `out` at `offset`. */
export function writeU16(out: Uint8Array, offset: number, v: number): void {
  out[offset] = (v >>> 8) & 255;
  out[offset + 1] = v & 255;
}

/** Reads a big-endian u16 from `b` at `offset`. */
export function readU16(b: Uint8Array, offset: number): number {
  return (b[offset]! << 8) | b[offset + 1]!;
}

/**
 * The smallest byte string greater than every string starting with `prefix` (for `lt` bounds),
 * or undefined when none exists (prefix empty or all 0xff).
 */
export function prefixUpperBound(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! !== 0xff) {
      const out = new Uint8Array(prefix.subarray(0, i + 1));
      out[i] = prefix[i]! + 1;
      return out;
    }
  }
  return undefined;
}
