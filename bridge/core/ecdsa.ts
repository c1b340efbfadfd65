/**
 * EVM signature recovery and signing with native libsecp256k1 (the `secp256k1` package's binding,
 * asserted native: its silent JS fallback is ~25× slower, notes/toolchain.md).
 *
 * {@link tryRecoverSigner} is a port of OpenZeppelin 4.9.3 `ECDSA.tryRecover(bytes32, bytes)` as
 * Hyperlane's ISMs use it (through `ECDSA.recover`, which reverts on any error):
 * - length ≠ 65 → `InvalidSignatureLength`;
 * - s > n/2 → `InvalidSignatureS` (checked before v, as OpenZeppelin does);
 * - otherwise `ecrecover(hash, v, r, s)`, which yields the zero address — `InvalidSignature` —
 *   when v ∉ {27, 28}, r or s is 0 or ≥ n, or no curve point has x = r.
 * We split `InvalidSignature` into `BRIDGE_SIG_BAD_V` and `BRIDGE_SIG_INVALID` for the user; the set
 * of rejected signatures is exactly OpenZeppelin's.
 */
import { createRequire } from 'node:module';
import type secp256k1Types from 'secp256k1';
import { type BytesLike, bytesToHex, type Hex, keccak256, toBytes, toBytes32 } from './bytes.ts';
import { BridgeError, type BridgeErrorCode } from './errors.ts';

// Load the native binding directly: `require('secp256k1')` falls back to elliptic.js silently when
// the binding is missing, `secp256k1/bindings` throws instead. Loading code is not I/O the STF sees.
const requireCjs = createRequire(import.meta.url);
const native = requireCjs('secp256k1/bindings') as typeof secp256k1Types;
const main = requireCjs('secp256k1') as typeof secp256k1Types;
if (native !== main) {
  throw new BridgeError(
    'BRIDGE_SECP256K1_NOT_NATIVE',
    'the secp256k1 package resolved to its JS fallback although the native binding loads; refusing to run ~25× slower',
    { field: 'secp256k1' },
  );
}

/** True when the native libsecp256k1 binding is the one in use (asserted at import; always true if this module loaded). */
export function isNativeSecp256k1(): boolean {
  return native === main;
}

/** The secp256k1 group order n. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** n/2 (floor): OpenZeppelin's upper bound for s (`0x7FFF…20A0`). */
export const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
/** The zero address, which {@link tryRecoverSigner} returns with an error. */
export const ZERO_ADDRESS: Hex = '0x0000000000000000000000000000000000000000';

// Compare 32-byte big-endian words without bigint allocation.
const HALF_N_BYTES = bigintTo32(SECP256K1_HALF_N);
const N_BYTES = bigintTo32(SECP256K1_N);
function bigintTo32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
/** −1, 0, 1 as a is below, equal to, above b (32-byte big-endian words). */
function compare32(a: Uint8Array, aOff: number, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[aOff + i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
function isZero32(a: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (a[off + i] !== 0) return false;
  return true;
}

/** Why a signature was rejected (the OpenZeppelin error, with InvalidSignature split in two). */
export type RecoverErrorCode = Extract<
  BridgeErrorCode,
  'BRIDGE_SIG_LENGTH' | 'BRIDGE_SIG_HIGH_S' | 'BRIDGE_SIG_BAD_V' | 'BRIDGE_SIG_INVALID'
>;

/** Result of {@link tryRecoverSigner}: the signer, or the zero address and the reason. */
export type TryRecoverResult =
  | { readonly address: Hex; readonly error: null }
  | { readonly address: typeof ZERO_ADDRESS; readonly error: RecoverErrorCode };

// The recovery core, on a 32-byte digest: returns the 20 address bytes or an error code.
function recoverRaw(digest32: Uint8Array, sig: Uint8Array): Uint8Array | RecoverErrorCode {
  if (sig.length !== 65) return 'BRIDGE_SIG_LENGTH';
  if (compare32(sig, 32, HALF_N_BYTES) > 0) return 'BRIDGE_SIG_HIGH_S';
  const v = sig[64]!;
  if (v !== 27 && v !== 28) return 'BRIDGE_SIG_BAD_V';
  // ecrecover rejects r = 0, r ≥ n and s = 0 (s ≥ n is already high-s).
  if (isZero32(sig, 0) || compare32(sig, 0, N_BYTES) >= 0 || isZero32(sig, 32)) return 'BRIDGE_SIG_INVALID';
  let pub: Uint8Array | null | undefined = PRIMED.size > 0 ? PRIMED.get(primedKey(digest32, sig)) : undefined;
  if (pub === undefined) {
    try {
      // With r, s in range and recid ∈ {0,1} the only failure left is "no point with x = r".
      pub = native.ecdsaRecover(sig.subarray(0, 64), v - 27, digest32, false);
    } catch {
      pub = null;
    }
  }
  if (pub === null) return 'BRIDGE_SIG_INVALID';
  return addressOfPublicKey(pub);
}

// Recoveries computed ahead on other threads (the node's CheckTx workers), keyed by the exact
// digest and 65 signature bytes: the same native call with the same inputs, so using one changes
// no result, only where the time is spent. null = the call threw. Bounded, cleared when full.
const PRIMED = new Map<string, Uint8Array | null>();
const PRIMED_MAX = 65_536;

function primedKey(digest32: Uint8Array, sig65: Uint8Array): string {
  let k = '';
  for (let i = 0; i < 32; i++) k += String.fromCharCode(digest32[i]!);
  for (let i = 0; i < 65; i++) k += String.fromCharCode(sig65[i]!);
  return k;
}

/**
 * Hands in the result of `ecdsaRecover(sig65[0..64), sig65[64] − 27, digest32, uncompressed)` from
 * libsecp256k1 computed elsewhere (a worker thread): the 65-byte public key, or null when the call
 * threw. Later recoveries of exactly (digest32, sig65) use it instead of recomputing. Only feed
 * results of that very native call: a wrong entry would change outcomes. Ignores malformed input.
 */
export function primeRecovery(digest32: Uint8Array, sig65: Uint8Array, pub65: Uint8Array | null): void {
  if (digest32.length !== 32 || sig65.length !== 65) return;
  if (pub65 !== null && (pub65.length !== 65 || pub65[0] !== 4)) return;
  if (PRIMED.size >= PRIMED_MAX) PRIMED.clear();
  PRIMED.set(primedKey(digest32, sig65), pub65 === null ? null : pub65.slice());
}

/** Drops every primed recovery (tests; a node never needs it: entries are pure results). */
export function clearPrimedRecoveries(): void {
  PRIMED.clear();
}

// Memo pubkey → address: validators recur, so this saves one keccak per signature after the
// first. A cache of a pure function (results never depend on it), bounded and cleared when full.
const ADDRESS_CACHE = new Map<string, Uint8Array>();
const ADDRESS_CACHE_MAX = 1024;
function addressOfPublicKey(pub65: Uint8Array): Uint8Array {
  const key = bytesToHex(pub65);
  const hit = ADDRESS_CACHE.get(key);
  if (hit !== undefined) return hit.slice();
  const address = keccak256(pub65.subarray(1)).slice(12);
  if (ADDRESS_CACHE.size >= ADDRESS_CACHE_MAX) ADDRESS_CACHE.clear();
  ADDRESS_CACHE.set(key, address);
  return address.slice();
}

/**
 * Port of OpenZeppelin 4.9.3 `ECDSA.tryRecover(hash, signature)`: the signer's address (lowercase)
 * and `error: null`, or the zero address and the reason (see the module comment). Never throws on
 * a bad signature; throws `BRIDGE_INVALID_FIELD` only when `digest` is not 32 bytes.
 */
export function tryRecoverSigner(digest: BytesLike, signature: BytesLike): TryRecoverResult {
  const sig = signature instanceof Uint8Array ? signature : toBytes(signature, 'signature');
  const r = recoverRaw(toBytes32(digest, 'digest'), sig);
  return typeof r === 'string'
    ? { address: ZERO_ADDRESS, error: r }
    : { address: bytesToHex(r), error: null };
}

/** Human text per recovery error. */
export const RECOVER_ERROR_TEXT: Readonly<Record<RecoverErrorCode, string>> = {
  BRIDGE_SIG_LENGTH: 'is not 65 bytes (r ‖ s ‖ v)',
  BRIDGE_SIG_HIGH_S: 'has s above n/2 (a malleable high-s signature; use n − s and flip v)',
  BRIDGE_SIG_BAD_V: 'has v not 27 or 28 (0/1 recovery ids must be sent as 27/28)',
  BRIDGE_SIG_INVALID: 'does not recover to any key (r or s zero or out of range, or r is no curve x)',
};

/**
 * Port of OpenZeppelin `ECDSA.recover(hash, signature)`: the signer (lowercase address), or throws
 * a {@link BridgeError} with the {@link RecoverErrorCode} where OpenZeppelin reverts.
 */
export function recoverSigner(digest: BytesLike, signature: BytesLike): Hex {
  const sig = signature instanceof Uint8Array ? signature : toBytes(signature, 'signature');
  const r = recoverRaw(toBytes32(digest, 'digest'), sig);
  if (typeof r === 'string') {
    throw new BridgeError(r, `signature ${RECOVER_ERROR_TEXT[r]}`, {
      field: 'signature',
      value: bytesToHex(sig.subarray(0, 65)),
    });
  }
  return bytesToHex(r);
}

/** Recovery on bytes for hot paths: the 20 address bytes or the error code. @internal */
export function recoverSignerRaw(digest32: Uint8Array, signature: Uint8Array): Uint8Array | RecoverErrorCode {
  return recoverRaw(digest32, signature);
}

/**
 * Signs a 32-byte digest with native libsecp256k1 (RFC 6979 deterministic nonce, always low-s) and
 * returns the 65-byte EVM signature `r ‖ s ‖ v` with v = 27 + recovery id. Throws
 * `BRIDGE_PRIVATE_KEY_INVALID` when the key is not in [1, n − 1].
 */
export function signDigest(privateKey: BytesLike, digest: BytesLike): Uint8Array {
  const key = toBytes32(privateKey, 'privateKey');
  if (!native.privateKeyVerify(key)) {
    throw new BridgeError(
      'BRIDGE_PRIVATE_KEY_INVALID',
      'privateKey is not a secp256k1 scalar in [1, n − 1]',
      {
        field: 'privateKey',
      },
    );
  }
  const { signature, recid } = native.ecdsaSign(toBytes32(digest, 'digest'), key);
  const out = new Uint8Array(65);
  out.set(signature, 0);
  out[64] = 27 + recid;
  return out;
}

/** The EVM address (lowercase) of a private key: last 20 bytes of keccak256(uncompressed pubkey x ‖ y). */
export function addressOfPrivateKey(privateKey: BytesLike): Hex {
  const key = toBytes32(privateKey, 'privateKey');
  if (!native.privateKeyVerify(key)) {
    throw new BridgeError(
      'BRIDGE_PRIVATE_KEY_INVALID',
      'privateKey is not a secp256k1 scalar in [1, n − 1]',
      {
        field: 'privateKey',
      },
    );
  }
  return bytesToHex(keccak256(native.publicKeyCreate(key, false).subarray(1)).subarray(12));
}
