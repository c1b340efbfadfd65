/**
 * Hyperlane version-3 message codec and id. Port of `Message.sol` (`formatMessage`, offsets, `id`).
 *
 * ```
 * MESSAGE = u8(version) ‖ u32(nonce) ‖ u32(origin) ‖ bytes32(sender) ‖ u32(destination) ‖ bytes32(recipient) ‖ body
 * offsets:  0             1            5            9                  41                45                   77
 * MESSAGE_ID = keccak256(MESSAGE)
 * ```
 */
import {
  assertU32,
  type BytesLike,
  bytesToHex,
  type Hex,
  keccak256,
  keccak256Hex,
  readU32,
  toBytes,
  toBytes32,
  writeU32,
} from './bytes.ts';
import { BridgeError } from './errors.ts';

/** The only message version this hub speaks. */
export const MESSAGE_VERSION = 3;
/** Byte offset of the body (the header length). */
export const MESSAGE_BODY_OFFSET = 77;
/**
 * The hub's bound on a message body, in bytes (a DoS bound, not a Hyperlane rule: the EVM Mailbox
 * has none). Our largest payload is an ACK with a 1 KiB detail, far below it.
 */
export const MAX_MESSAGE_BODY_BYTES = 64 * 1024;

/** A decoded Hyperlane message. `sender` and `recipient` are 32-byte words (lowercase hex). */
export interface HyperlaneMessage {
  /** Version byte (3). */
  readonly version: number;
  /** The origin mailbox's counter before this dispatch (u32). */
  readonly nonce: number;
  /** Origin domain id (u32). */
  readonly origin: number;
  /** Sender as bytes32 (an EVM sender is 12 zero bytes ‖ address). */
  readonly sender: Hex;
  /** Destination domain id (u32). */
  readonly destination: number;
  /** Recipient as bytes32. */
  readonly recipient: Hex;
  /** The app payload. */
  readonly body: Uint8Array;
}

/** Input of {@link encodeMessage}: like {@link HyperlaneMessage}, `version` defaulting to 3. */
export interface MessageFields {
  readonly version?: number;
  readonly nonce: number;
  readonly origin: number;
  readonly sender: BytesLike;
  readonly destination: number;
  readonly recipient: BytesLike;
  readonly body: BytesLike;
}

/**
 * Packs a message (port of `Message.formatMessage`). Throws `BRIDGE_INVALID_FIELD` naming the
 * field when version is not a u8, nonce/origin/destination not a u32, or sender/recipient not 32 bytes.
 */
export function encodeMessage(fields: MessageFields): Uint8Array {
  const version = fields.version ?? MESSAGE_VERSION;
  if (!Number.isInteger(version) || version < 0 || version > 255) {
    throw new BridgeError('BRIDGE_INVALID_FIELD', `version = ${version} is not a u8 (0..255)`, {
      field: 'version',
      value: String(version),
      limit: 255,
    });
  }
  assertU32(fields.nonce, 'nonce');
  assertU32(fields.origin, 'origin');
  assertU32(fields.destination, 'destination');
  const sender = toBytes32(fields.sender, 'sender');
  const recipient = toBytes32(fields.recipient, 'recipient');
  const body = toBytes(fields.body, 'body');
  const out = new Uint8Array(MESSAGE_BODY_OFFSET + body.length);
  out[0] = version;
  writeU32(out, 1, fields.nonce);
  writeU32(out, 5, fields.origin);
  out.set(sender, 9);
  writeU32(out, 41, fields.destination);
  out.set(recipient, 45);
  out.set(body, MESSAGE_BODY_OFFSET);
  return out;
}

/** Options of {@link decodeMessage}. */
export interface DecodeMessageOpts {
  /** Reject a body longer than this many bytes (default {@link MAX_MESSAGE_BODY_BYTES}). */
  readonly maxBodyBytes?: number;
  /** Require this version byte (default 3); `null` accepts any version. */
  readonly version?: number | null;
}

/**
 * Parses a packed message (port of the `Message.sol` getters). Throws a {@link BridgeError}:
 * `BRIDGE_MESSAGE_TOO_SHORT` below 77 bytes, `BRIDGE_MESSAGE_TOO_LONG` when the body exceeds
 * `maxBodyBytes`, `BRIDGE_MESSAGE_VERSION` when the version is not the required one. The body is a
 * copy, so later changes to `message` do not leak into the result.
 */
export function decodeMessage(message: BytesLike, opts: DecodeMessageOpts = {}): HyperlaneMessage {
  const m = toBytes(message, 'message');
  if (m.length < MESSAGE_BODY_OFFSET) {
    throw new BridgeError(
      'BRIDGE_MESSAGE_TOO_SHORT',
      `message is ${m.length} bytes, below the ${MESSAGE_BODY_OFFSET}-byte header`,
      { field: 'message', value: m.length, limit: MESSAGE_BODY_OFFSET },
    );
  }
  const maxBody = opts.maxBodyBytes ?? MAX_MESSAGE_BODY_BYTES;
  const bodyLength = m.length - MESSAGE_BODY_OFFSET;
  if (bodyLength > maxBody) {
    throw new BridgeError(
      'BRIDGE_MESSAGE_TOO_LONG',
      `message body is ${bodyLength} bytes, above ${maxBody}`,
      {
        field: 'message.body',
        value: bodyLength,
        limit: maxBody,
      },
    );
  }
  const version = m[0]!;
  const want = opts.version === undefined ? MESSAGE_VERSION : opts.version;
  if (want !== null && version !== want) {
    throw new BridgeError('BRIDGE_MESSAGE_VERSION', `message version is ${version}, expected ${want}`, {
      field: 'message.version',
      value: version,
      limit: want,
    });
  }
  return {
    version,
    nonce: readU32(m, 1),
    origin: readU32(m, 5),
    sender: bytesToHex(m.subarray(9, 41)),
    destination: readU32(m, 41),
    recipient: bytesToHex(m.subarray(45, 77)),
    body: m.slice(MESSAGE_BODY_OFFSET),
  };
}

/** The message id: keccak256 of the packed message (port of `Message.id`), lowercase hex. */
export function messageId(message: BytesLike): Hex {
  return keccak256Hex(toBytes(message, 'message'));
}

/** {@link messageId} as bytes. */
export function messageIdBytes(message: BytesLike): Uint8Array {
  return keccak256(toBytes(message, 'message'));
}

/**
 * The origin domain of a packed message without decoding the rest (port of `Message.origin`).
 * Throws `BRIDGE_MESSAGE_TOO_SHORT` below the header length.
 */
export function messageOrigin(message: Uint8Array): number {
  if (message.length < MESSAGE_BODY_OFFSET) {
    throw new BridgeError(
      'BRIDGE_MESSAGE_TOO_SHORT',
      `message is ${message.length} bytes, below the ${MESSAGE_BODY_OFFSET}-byte header`,
      { field: 'message', value: message.length, limit: MESSAGE_BODY_OFFSET },
    );
  }
  return readU32(message, 5);
}

/**
 * A decoded message with its id, made once by {@link prepareMessage} and passed to the ISM
 * verifiers so the id (one keccak of the whole message) is not computed twice. `bytes` is a
 * private copy taken when it was prepared, so `id` always matches it.
 */
export interface PreparedMessage extends HyperlaneMessage {
  /** The packed message (a copy made by prepareMessage). */
  readonly bytes: Uint8Array;
  /** keccak256(bytes), lowercase hex: the replay key. */
  readonly id: Hex;
  /** {@link PreparedMessage.id} as bytes. */
  readonly idBytes: Uint8Array;
}

// Memo of keccak256 over whole messages (≤ ID_MEMO_MAX_BYTES): a node prepares the same message in
// CheckTx more than once (its recovery prefetch, then the check). A cache of a pure function —
// results never depend on it; bounded, cleared when full; each call gets a fresh copy.
const ID_MEMO = new Map<string, Uint8Array>();
const ID_MEMO_MAX = 8192;
const ID_MEMO_MAX_BYTES = 1024;

function messageIdMemo(bytes: Uint8Array): Uint8Array {
  if (bytes.length > ID_MEMO_MAX_BYTES) return keccak256(bytes);
  let k = '';
  for (let i = 0; i < bytes.length; i++) k += String.fromCharCode(bytes[i]!);
  const hit = ID_MEMO.get(k);
  if (hit !== undefined) return hit.slice();
  const id = keccak256(bytes);
  if (ID_MEMO.size >= ID_MEMO_MAX) ID_MEMO.clear();
  ID_MEMO.set(k, id.slice());
  return id;
}

// Only objects made here are trusted to carry a matching id.
const PREPARED = new WeakSet<object>();

/**
 * Decodes a message (same checks and errors as {@link decodeMessage}) and computes its id once.
 * The result is frozen; the verifiers accept it in place of the raw bytes.
 */
export function prepareMessage(message: BytesLike, opts: DecodeMessageOpts = {}): PreparedMessage {
  const bytes = toBytes(message, 'message').slice();
  const decoded = decodeMessage(bytes, opts);
  const idBytes = messageIdMemo(bytes);
  const prepared: PreparedMessage = Object.freeze({ ...decoded, bytes, id: bytesToHex(idBytes), idBytes });
  PREPARED.add(prepared);
  return prepared;
}

/** True when `x` was made by {@link prepareMessage} (a look-alike object is not trusted). */
export function isPreparedMessage(x: unknown): x is PreparedMessage {
  return typeof x === 'object' && x !== null && PREPARED.has(x);
}
