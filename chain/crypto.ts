/**
 * Hashes, addresses and secp256k1 for the pure core. All deterministic: native sha256 from
 * `node:crypto` (no I/O), keccak-256 and ripemd160 from `@noble/hashes`, and the native
 * libsecp256k1 binding (the `secp256k1` package), which we require to be the native build —
 * its silent JS fallback is ~25× slower (notes/toolchain.md).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fromBech32, toBech32 } from '@cosmjs/encoding';
import { ripemd160 } from '@noble/hashes/legacy';
import { keccak_256 } from '@noble/hashes/sha3';
import type secp256k1 from 'secp256k1';

/** The bech32 prefix of hub accounts. */
export const BECH32_PREFIX = 'umg';

// Fail loudly at import when the native binding is missing: `secp256k1/elliptic` is the fallback.
const nativeSecp = createRequire(import.meta.url)('secp256k1/bindings') as typeof secp256k1;
/** The native libsecp256k1 binding (throws at import when it is not available). */
export const secp = nativeSecp;

/** sha256 (native). */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** keccak-256 as Ethereum uses it. */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** Half the secp256k1 group order: signatures with s above it are high-s and refused. */
export const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** The big-endian unsigned integer in `bytes`. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** True when the 64-byte compact signature's s is at most n/2 (low-s, BIP-62 / EIP-2). */
export function isLowS(sig64: Uint8Array): boolean {
  return bytesToBigint(sig64.subarray(32, 64)) <= SECP256K1_HALF_N;
}

/** 20-byte Cosmos address of a 33-byte compressed pubkey: ripemd160(sha256(pubkey)). */
export function cosmosAddressBytes(pubKey33: Uint8Array): Uint8Array {
  return ripemd160(sha256(pubKey33));
}

/** bech32 (`umg…`) address of a compressed pubkey. */
export function bech32FromPubKey(pubKey33: Uint8Array): string {
  return toBech32(BECH32_PREFIX, cosmosAddressBytes(pubKey33));
}

/** The 20 address bytes of a `umg…` bech32 string, or undefined when it is not one. */
export function parseBech32(address: string): Uint8Array | undefined {
  try {
    const { prefix, data } = fromBech32(address);
    if (prefix !== BECH32_PREFIX || data.length !== 20) return undefined;
    return data;
  } catch {
    return undefined;
  }
}

/** bech32 string of 20 address bytes. */
export function bech32FromBytes(address20: Uint8Array): string {
  return toBech32(BECH32_PREFIX, address20);
}

/** The EVM address (20 bytes) of a secp256k1 pubkey (compressed or not): keccak(uncompressed[1:])[12:]. */
export function evmAddressBytes(pubKey: Uint8Array): Uint8Array {
  const full = pubKey.length === 65 ? pubKey : secp.publicKeyConvert(pubKey, false);
  return keccak256(full.subarray(1)).subarray(12);
}

const HEX = '0123456789abcdef';
/** Lowercase hex without 0x. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}
/** Bytes of a hex string (optional 0x); undefined when malformed. */
export function fromHex(hex: string): Uint8Array | undefined {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) return undefined;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** EIP-55 checksummed form of a 20-byte address. */
export function toChecksumAddress(address20: Uint8Array): string {
  const hex = toHex(address20);
  const hash = toHex(keccak256(new TextEncoder().encode(hex)));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = hex[i]!;
    out += Number.parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/**
 * EIP-191 version 0x45 (personal_sign) digest of a UTF-8 message:
 * keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message).
 */
export function personalMessageDigest(message: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${message.length}`);
  const buf = new Uint8Array(prefix.length + message.length);
  buf.set(prefix);
  buf.set(message, prefix.length);
  return keccak256(buf);
}

/**
 * The EVM address that signed `digest` with a 65-byte r‖s‖v signature, or undefined when
 * OpenZeppelin's ECDSA.tryRecover would refuse it (length ≠ 65, high s, v ∉ {27, 28}, no point).
 */
export function recoverEvmAddress(digest: Uint8Array, sig65: Uint8Array): Uint8Array | undefined {
  if (sig65.length !== 65) return undefined;
  const v = sig65[64]!;
  if (v !== 27 && v !== 28) return undefined;
  const compact = sig65.subarray(0, 64);
  if (!isLowS(compact)) return undefined;
  try {
    const pub = secp.ecdsaRecover(compact, v - 27, digest, false);
    return evmAddressBytes(pub);
  } catch {
    return undefined;
  }
}

/** Constant-shape byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
