/**
 * The state module family's one error class. Every failure of `state/` is a {@link StateError}
 * with a string `code` prefixed `STATE_` and typed metadata; the message names the field, the
 * value and the limit. These are internal failures or caller bugs for the node (they halt it),
 * or bad requests for the RPC (a malformed proof, a height out of range): never receipt codes.
 *
 * Pure: no node imports, so `state/proof.ts` can use it in browsers.
 */

/** Every code `state/` throws, one doc line each. */
export const STATE_ERROR_CODES = {
  /** A proof's bytes or hex are malformed (version, length, bitmap padding, depth). */
  STATE_PROOF_MALFORMED: 'proof bytes do not decode',
  /** A hex string (state key in StateChanges, proof hex) is not lowercase even-length hex. */
  STATE_BAD_HEX: 'not lowercase even-length hex',
  /** commitBlock got a height that is not the last committed height + 1. */
  STATE_HEIGHT_SEQUENCE: 'height is not the next one',
  /** A height outside what the store holds (future, before the first block, or > 2^32 − 1). */
  STATE_HEIGHT_RANGE: 'height out of range',
  /** A view was used after the store committed a block (views are valid for one base). */
  STATE_VIEW_STALE: 'view used after a commit',
  /** commit()/revert() without an open checkpoint, or changes() with one still open. */
  STATE_VIEW_CHECKPOINT: 'checkpoint misuse',
  /** A second commitBlock started while one is in flight. */
  STATE_COMMIT_IN_PROGRESS: 'a commit is already running',
  /** commitBlock was given a root different from the one the changes produce. */
  STATE_ROOT_MISMATCH: 'root does not match the changes',
  /** A store write failed or was interrupted: memory may disagree with disk, reopen the store. */
  STATE_STORE_BROKEN: 'store must be reopened',
  /** Stored records disagree with their hashes or with the meta record (corruption). */
  STATE_CORRUPT: 'stored data is corrupt',
  /** A stored record's format version is unknown to this code. */
  STATE_FORMAT: 'unknown storage format',
  /** A request argument is invalid (page, perPage, key length, sender). */
  STATE_BAD_ARGUMENT: 'bad argument',
  /** The store (or key-value store) is closed. */
  STATE_CLOSED: 'store is closed',
} as const;

/** A `STATE_*` error code. */
export type StateErrorCode = keyof typeof STATE_ERROR_CODES;

/** Metadata carried by a {@link StateError}: names of fields and their offending values and limits. */
export type StateErrorMeta = Readonly<Record<string, string | number | bigint | boolean>>;

/** The error class of `state/`: a `code`, a message naming field, value and limit, and metadata. */
export class StateError extends Error {
  readonly code: StateErrorCode;
  readonly meta: StateErrorMeta;

  constructor(
    code: StateErrorCode,
    message: string,
    meta: StateErrorMeta = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'StateError';
    this.code = code;
    this.meta = meta;
  }
}

/** True when `e` is a {@link StateError} (optionally with the given code). */
export function isStateError(e: unknown, code?: StateErrorCode): e is StateError {
  return e instanceof StateError && (code === undefined || e.code === code);
}
