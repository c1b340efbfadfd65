/**
 * The store's key layout: one leading byte per record family. The table is append-only (stored
 * databases depend on it) and pinned by `test/unit/state/keys.test.ts`: never renumber, never
 * reuse a retired byte.
 *
 * Integers in keys are big-endian so that LevelDB's byte order is numeric order.
 */
import { concatBytes, writeU16, writeU32, writeU64 } from './bytes.ts';
import { StateError } from './errors.ts';

/** Record family → leading key byte. Append only. */
export const KEY_PREFIX = {
  /** `0x01` → the meta record (format, last height, root, last block hash). */
  META: 0x01,
  /** `0x02 ‖ state key` → current state value. */
  STATE: 0x02,
  /** `0x03 ‖ u64 height ‖ u32 chunk` → a chunk of tree node records created at that height. */
  TREE: 0x03,
  /** `0x04 ‖ u64 height` → the state root after that height and where its node is stored. */
  ROOT: 0x04,
  /** `0x05 ‖ u64 height` → block bytes as given by the node. */
  BLOCK: 0x05,
  /** `0x06 ‖ block hash` → u64 height. */
  BLOCK_HASH: 0x06,
  /** `0x07 ‖ u64 height ‖ u32 index` → tx record (hash, tx bytes, result bytes). */
  TX: 0x07,
  /** `0x08 ‖ tx hash` → u64 height ‖ u32 index. */
  TX_HASH: 0x08,
  /** `0x09 ‖ u16 len ‖ sender utf-8 ‖ u64 height ‖ u32 index` → tx hash. */
  SENDER_TX: 0x09,
  /** `0x0a ‖ u16 len ‖ sender utf-8` → u64 number of txs of that sender. */
  SENDER_COUNT: 0x0a,
  /** `0x0b ‖ key` → a record of the node's own, written in a block's batch (`extra`). */
  EXTRA: 0x0b,
  /** `0x0c ‖ u8 slot ‖ u32 part` → part of a tree snapshot (derivable; two slots alternate). */
  TREE_SNAPSHOT: 0x0c,
  /** `0x0d` → meta of the current tree snapshot: format, slot, height, root, part count. */
  TREE_SNAPSHOT_META: 0x0d,
  /** `0x0e ‖ u64 height` → the block's tree changes (key hashes, value hashes), for replays. */
  BLOCK_CHANGES: 0x0e,
} as const;

/** Longest sender string, in UTF-8 bytes, the sender index accepts. */
export const MAX_SENDER_BYTES = 1024;

const utf8 = new TextEncoder();

/** Key of the meta record. */
export function metaKey(): Uint8Array {
  return Uint8Array.of(KEY_PREFIX.META);
}

/** Key of the current value of state key `key`. */
export function stateKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + key.length);
  out[0] = KEY_PREFIX.STATE;
  out.set(key, 1);
  return out;
}

/** Key of chunk `chunk` of the tree records created at `height`. */
export function treeChunkKey(height: number, chunk: number): Uint8Array {
  const out = new Uint8Array(13);
  out[0] = KEY_PREFIX.TREE;
  writeU32(out, 1, Math.floor(height / 0x100000000));
  writeU32(out, 5, height >>> 0);
  writeU32(out, 9, chunk);
  return out;
}

/** Key of the root record of `height`. */
export function rootKey(height: bigint): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = KEY_PREFIX.ROOT;
  writeU64(out, 1, height);
  return out;
}

/** Key of the block bytes of `height`. */
export function blockKey(height: bigint): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = KEY_PREFIX.BLOCK;
  writeU64(out, 1, height);
  return out;
}

/** Key of the height of the block with hash `hash`. */
export function blockHashKey(hash: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(KEY_PREFIX.BLOCK_HASH), hash);
}

/** Key of tx `index` of block `height`. */
export function txKey(height: bigint, index: number): Uint8Array {
  const out = new Uint8Array(13);
  out[0] = KEY_PREFIX.TX;
  writeU64(out, 1, height);
  writeU32(out, 9, index);
  return out;
}

/** Key of the location of the tx with hash `hash`. */
export function txHashKey(hash: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(KEY_PREFIX.TX_HASH), hash);
}

/**
 * `u16 length ‖ utf-8` of a sender (length-prefixed so no sender's range contains another's).
 * @throws StateError `STATE_BAD_ARGUMENT` when empty or longer than {@link MAX_SENDER_BYTES}.
 */
export function encodeSender(sender: string): Uint8Array {
  const b = utf8.encode(sender);
  if (b.length === 0 || b.length > MAX_SENDER_BYTES) {
    throw new StateError(
      'STATE_BAD_ARGUMENT',
      `sender is ${b.length} UTF-8 bytes, expected 1..${MAX_SENDER_BYTES}`,
      { field: 'sender', length: b.length, limit: MAX_SENDER_BYTES },
    );
  }
  const out = new Uint8Array(2 + b.length);
  writeU16(out, 0, b.length);
  out.set(b, 2);
  return out;
}

/** Prefix of every sender-index key of `encodedSender` (from {@link encodeSender}). */
export function senderTxPrefix(encodedSender: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(KEY_PREFIX.SENDER_TX), encodedSender);
}

/** Sender-index key of tx (`height`, `index`) for `encodedSender`. */
export function senderTxKey(encodedSender: Uint8Array, height: bigint, index: number): Uint8Array {
  const out = new Uint8Array(1 + encodedSender.length + 12);
  out[0] = KEY_PREFIX.SENDER_TX;
  out.set(encodedSender, 1);
  writeU64(out, 1 + encodedSender.length, height);
  writeU32(out, 9 + encodedSender.length, index);
  return out;
}

/** Key of the tx count of `encodedSender`. */
export function senderCountKey(encodedSender: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(KEY_PREFIX.SENDER_COUNT), encodedSender);
}

/** Key of part `part` of tree snapshot slot `slot` (0 or 1). */
export function treeSnapshotKey(slot: number, part: number): Uint8Array {
  const out = new Uint8Array(6);
  out[0] = KEY_PREFIX.TREE_SNAPSHOT;
  out[1] = slot;
  writeU32(out, 2, part);
  return out;
}

/** Key of the tree change record of block `height`. */
export function blockChangesKey(height: bigint): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = KEY_PREFIX.BLOCK_CHANGES;
  writeU64(out, 1, height);
  return out;
}

/** Key of the tree snapshot's meta record. */
export function treeSnapshotMetaKey(): Uint8Array {
  return Uint8Array.of(KEY_PREFIX.TREE_SNAPSHOT_META);
}

/** Key of the node's own record `key` (see `extra` in commitBlock). */
export function extraKey(key: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(KEY_PREFIX.EXTRA), key);
}
