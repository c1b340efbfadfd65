/**
 * Byte helpers shared by the bridge codecs: strict hex parsing, fixed-width big-endian integers,
 * and keccak-256. Conventions for the whole bridge core: 32-byte words and addresses travel as
 * lowercase `0x` hex strings ({@link Hex}); variable-length byte strings (messages, bodies,
 * metadata, signatures) as `Uint8Array`.
 */
import { keccak_256 } from '@noble/hashes/sha3';
import { BridgeError } from './errors.ts';

/** A `0x`-prefixed hex string. Everything the bridge returns is lowercase. */
export type Hex = `0x${string}`;

/** Bytes given either as a `Uint8Array` or as `0x` hex. */
export type BytesLike = Uint8Array | Hex;

/** The largest u32 (4,294,967,295). */
export const MAX_U32 = 0xffffffff;

const HEX_CHARS = '0123456789abcdef';
const BYTE_TO_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_TO_HEX.push(HEX_CHARS[i >> 4]! + HEX_CHARS[i & 15]!);

/** Lowercase `0x` hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): Hex {
  let s = '0x';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_HEX[bytes[i]!]!;
  return s as Hex;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/**
 * Parses `0x` hex (either case) into bytes. Throws `BRIDGE_INVALID_FIELD` naming `field` when the
 * string is not `0x` followed by an even number of hex digits, or not `length` bytes when given.
 */
export function hexToBytes(hex: string, field = 'hex', length?: number): Uint8Array {
  if (
    typeof hex !== 'string' ||
    hex.length % 2 !== 0 ||
    hex[0] !== '0' ||
    (hex[1] !== 'x' && hex[1] !== 'X')
  ) {
    throw new BridgeError('BRIDGE_INVALID_FIELD', `${field} must be 0x-prefixed hex with whole bytes`, {
      field,
      value: String(hex).slice(0, 80),
    });
  }
  const n = (hex.length - 2) / 2;
  if (length !== undefined && n !== length) {
    throw new BridgeError('BRIDGE_INVALID_FIELD', `${field} is ${n} bytes, expected ${length}`, {
      field,
      value: n,
      limit: length,
    });
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const hi = nibble(hex.charCodeAt(2 + 2 * i));
    const lo = nibble(hex.charCodeAt(3 + 2 * i));
    if (hi < 0 || lo < 0) {
      throw new BridgeError('BRIDGE_INVALID_FIELD', `${field} has a non-hex character near byte ${i}`, {
        field,
        value: hex.slice(0, 80),
      });
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** `BytesLike` → bytes (hex parsed strictly; a `Uint8Array` is returned as is, not copied). */
export function toBytes(data: BytesLike, field = 'bytes', length?: number): Uint8Array {
  if (data instanceof Uint8Array) {
    if (length !== undefined && data.length !== length) {
      throw new BridgeError('BRIDGE_INVALID_FIELD', `${field} is ${data.length} bytes, expected ${length}`, {
        field,
        value: data.length,
        limit: length,
      });
    }
    return data;
  }
  return hexToBytes(data, field, length);
}

/** A 32-byte word as bytes, from hex or bytes (throws `BRIDGE_INVALID_FIELD` on any other length). */
export function toBytes32(data: BytesLike, field = 'bytes32'): Uint8Array {
  return toBytes(data, field, 32);
}

/** Normalises a 32-byte word to lowercase hex (validating its length). */
export function normalizeBytes32(data: BytesLike, field = 'bytes32'): Hex {
  return bytesToHex(toBytes32(data, field));
}

/** Normalises a 20-byte EVM address to lowercase hex (no checksum is required or produced). */
export function normalizeAddress(data: BytesLike, field = 'address'): Hex {
  return bytesToHex(toBytes(data, field, 20));
}

/** Hyperlane's `addressToBytes32`: 12 zero bytes ‖ the 20-byte address, as lowercase hex. */
export function addressToBytes32(address: BytesLike, field = 'address'): Hex {
  const a = toBytes(address, field, 20);
  const out = new Uint8Array(32);
  out.set(a, 12);
  return bytesToHex(out);
}

/**
 * Hyperlane's `bytes32ToAddress`: the low 20 bytes. Throws `BRIDGE_INVALID_FIELD` when the top 12
 * bytes are not zero (an EVM recipient must have them zero; see notes/hyperlane.md).
 */
export function bytes32ToAddress(word: BytesLike, field = 'bytes32'): Hex {
  const b = toBytes32(word, field);
  for (let i = 0; i < 12; i++) {
    if (b[i] !== 0) {
      throw new BridgeError(
        'BRIDGE_INVALID_FIELD',
        `${field} has non-zero top 12 bytes, so it is no EVM address`,
        {
          field,
          value: bytesToHex(b),
        },
      );
    }
  }
  return bytesToHex(b.subarray(12));
}

/** Checks `value` is an integer in [0, 2^32 − 1]; throws `BRIDGE_INVALID_FIELD` naming `field`. */
export function assertU32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new BridgeError('BRIDGE_INVALID_FIELD', `${field} = ${value} is not a u32 (0..${MAX_U32})`, {
      field,
      value: String(value),
      limit: MAX_U32,
    });
  }
}

/** Writes `value` as a 4-byte big-endian u32 at `offset` (caller has checked the range). */
export function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = (value >>> 24) & 0xff;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}

/** Reads a 4-byte big-endian u32 at `offset` (caller has checked the length). */
export function readU32(data: Uint8Array, offset: number): number {
  return (
    ((data[offset]! << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!) >>> 0
  );
}

/** The 4-byte big-endian encoding of a u32 (`abi.encodePacked(uint32)`). */
export function u32ToBytes(value: number, field = 'u32'): Uint8Array {
  assertU32(value, field);
  const out = new Uint8Array(4);
  writeU32(out, 0, value);
  return out;
}

/** Concatenation of byte strings. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
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

/** True when two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** keccak-256 (Ethereum's, not SHA3-256) of `data`, as bytes. */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** keccak-256 of `data` as lowercase hex. */
export function keccak256Hex(data: Uint8Array): Hex {
  return bytesToHex(keccak_256(data));
}

/** keccak-256(a ‖ b) of two 32-byte words, as bytes (the merkle tree's node hash). */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(a, 0);
  buf.set(b, 32);
  return keccak_256(buf);
}
