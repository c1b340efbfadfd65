/**
 * The bridge's one error class and its code list.
 *
 * Every failure the pure core can report is a {@link BridgeError} with a string `code` prefixed
 * `BRIDGE_` and typed metadata naming the field, the value and the limit. Decoders and verifiers
 * never let a raw exception (viem, secp256k1, RangeError) escape: anything malformed becomes one of
 * these codes.
 *
 * Verification outcomes (`verifyMessageIdMultisig` and friends) return the error as a value
 * (`{ ok: false, error }`) — a rejected message is an expected outcome, not an exception; codecs
 * and encoders throw it, because a caller handing them bad input is a programming error or an
 * invalid transaction that the caller maps to its receipt code.
 */

/**
 * Every bridge error code, in a fixed order. Append only, never reorder or remove: the STF maps
 * these to numeric receipt codes (`index + 2` is a natural mapping) and receipt codes are consensus.
 */
export const BRIDGE_ERROR_CODES = [
  /** A field given to an encoder is out of its range (u8, u32, bytes32, address…). */
  'BRIDGE_INVALID_FIELD',
  /** A message is shorter than the 77-byte header. */
  'BRIDGE_MESSAGE_TOO_SHORT',
  /** A message body exceeds the hub's bound (`MAX_MESSAGE_BODY_BYTES` or the caller's). */
  'BRIDGE_MESSAGE_TOO_LONG',
  /** A message's version byte is not 3. */
  'BRIDGE_MESSAGE_VERSION',
  /** Inserting into a tree that already holds 2^32 − 1 leaves. */
  'BRIDGE_MERKLE_TREE_FULL',
  /** A leaf index is not below the tree count it is proved against. */
  'BRIDGE_MERKLE_INDEX_OUT_OF_RANGE',
  /** A node store did not return a complete subtree root the proof needs. */
  'BRIDGE_MERKLE_NODE_MISSING',
  /** Encoded tree state has the wrong length or an impossible count. */
  'BRIDGE_MERKLE_ENCODING',
  /** A proof does not have exactly 32 siblings. */
  'BRIDGE_MERKLE_PROOF_LENGTH',
  /** A signature is not 65 bytes (OpenZeppelin `InvalidSignatureLength`). */
  'BRIDGE_SIG_LENGTH',
  /** A signature's s is above n/2 (OpenZeppelin `InvalidSignatureS`). */
  'BRIDGE_SIG_HIGH_S',
  /** A signature's v is not 27 or 28 (ecrecover returns zero: OpenZeppelin `InvalidSignature`). */
  'BRIDGE_SIG_BAD_V',
  /** r or s is zero or out of range, or no point has x = r (ecrecover returns zero). */
  'BRIDGE_SIG_INVALID',
  /** The `secp256k1` package loaded its JS fallback instead of native libsecp256k1. */
  'BRIDGE_SECP256K1_NOT_NATIVE',
  /** A private key is not a valid secp256k1 scalar. */
  'BRIDGE_PRIVATE_KEY_INVALID',
  /** ISM metadata ends before its fixed header or inside a signature the threshold needs. */
  'BRIDGE_METADATA_TRUNCATED',
  /** Strict decode: the signature area is not a whole number of 65-byte signatures. */
  'BRIDGE_METADATA_SIGNATURES_LENGTH',
  /** ISM config: threshold 0 or above the validator count, a bad or repeated validator address. */
  'BRIDGE_ISM_CONFIG_INVALID',
  /** ISM config names a type this core does not implement. */
  'BRIDGE_ISM_TYPE_UNKNOWN',
  /** Fewer whole signatures than the threshold. */
  'BRIDGE_ISM_BELOW_THRESHOLD',
  /** A signer is a validator listed before the previous signer (signatures out of list order). */
  'BRIDGE_ISM_MISORDERED',
  /** The same validator signed twice among the first threshold signatures. */
  'BRIDGE_ISM_DUPLICATE_VALIDATOR',
  /** A signature recovers to an address outside the validator set while another one matches. */
  'BRIDGE_ISM_UNKNOWN_SIGNER',
  /** No signature matches any validator: the signed checkpoint is not the one recomputed. */
  'BRIDGE_ISM_DIGEST_MISMATCH',
  /** The signatures attest this checkpoint under another origin domain. */
  'BRIDGE_ISM_WRONG_ORIGIN',
  /** The validators did not sign this message's id (body, sender, nonce… changed after signing). */
  'BRIDGE_ISM_MESSAGE_MISMATCH',
  /** MerkleRoot: the root computed from the message id and proof is not a signed root. */
  'BRIDGE_ISM_PROOF_MISMATCH',
  /** MerkleRoot: the message index is above the signed index. */
  'BRIDGE_ISM_INDEX_ORDER',
  /** The metadata's origin tree hook is not the one pinned for that origin (hub rule). */
  'BRIDGE_ISM_TREE_HOOK_UNPINNED',
  /** An app payload is empty (no kind byte). */
  'BRIDGE_PAYLOAD_EMPTY',
  /** An app payload's kind byte is not a known kind (or not allowed in this direction). */
  'BRIDGE_PAYLOAD_KIND_UNKNOWN',
  /** An app payload's ABI part cannot be decoded as its kind's tuple. */
  'BRIDGE_PAYLOAD_MALFORMED',
  /** An app payload decodes but is not the canonical `abi.encode` output (trailing or dirty bytes). */
  'BRIDGE_PAYLOAD_NONCANONICAL',
  /** An app payload field is outside its allowed values (enum, consistency). */
  'BRIDGE_PAYLOAD_FIELD',
] as const;

/** A bridge error code (see {@link BRIDGE_ERROR_CODES} for one line on each). */
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

/** Typed metadata carried by a {@link BridgeError}: what was wrong, with what value, against which limit. */
export interface BridgeErrorMeta {
  /** The field or input at fault (`metadata`, `signatures[1]`, `body`, `validators[2]`…). */
  readonly field?: string;
  /** The offending value, rendered (hex, number or short text). */
  readonly value?: string | number | bigint;
  /** The limit or expectation it broke. */
  readonly limit?: string | number | bigint;
  /** Index of the signature at fault, for ISM failures. */
  readonly signatureIndex?: number;
  /** The address a signature recovered to, when recovery succeeded. */
  readonly signer?: string;
  /** The domain the signatures were found to attest, for `BRIDGE_ISM_WRONG_ORIGIN`. */
  readonly signedOrigin?: number;
}

/**
 * The bridge's error: `code` is stable and machine-readable, `message` names field, value and limit.
 */
export class BridgeError extends Error {
  /** Stable machine-readable code. */
  readonly code: BridgeErrorCode;
  /** Typed details. */
  readonly meta: BridgeErrorMeta;

  constructor(
    code: BridgeErrorCode,
    message: string,
    meta: BridgeErrorMeta = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'BridgeError';
    this.code = code;
    this.meta = meta;
  }
}

/** True when `e` is a {@link BridgeError} (optionally with the given code). */
export function isBridgeError(e: unknown, code?: BridgeErrorCode): e is BridgeError {
  return e instanceof BridgeError && (code === undefined || e.code === code);
}
