/**
 * Persistent layout of the state tree: an append-only log of node records per height.
 *
 * Every node created by a block (internal nodes and new leaves) gets a location
 * `(height, index)`, index in creation order (children before parents). Records are grouped
 * {@link RECORDS_PER_CHUNK} to a LevelDB value under `0x03 ‖ u64 height ‖ u32 index/64`, so a
 * 1,000-key block writes ≈ 190 sequential keys instead of ≈ 12,000 random ones (LevelDB's cost is
 * per operation and per compaction of random keys; height-ordered keys compact by trivial moves).
 * Nothing is ever deleted: any historical root can be walked for reads and proofs.
 *
 * Record formats (each begins with its node's exact hash preimage, so `sha256(record[0..65))` is
 * the node hash; a third party can verify a record without this code):
 * - internal: `0x01 ‖ leftHash 32 ‖ rightHash 32 ‖ left u64 height ‖ left u32 index ‖
 *   right u64 height ‖ right u32 index` (89 bytes; an empty child has hash and location zero);
 * - leaf: `0x00 ‖ keyHash 32 ‖ valueHash 32 ‖ value` (the value itself, for historical reads).
 * Chunk: `format u8 = 1 ‖ count u16 ‖ count × u32 record end offsets ‖ records`.
 * Root record (`0x04 ‖ u64 height`): `format u8 = 1 ‖ kind u8 (0 empty, 1 node) ‖ hash 32 ‖
 * u64 height ‖ u32 index`.
 */
import { bytesEqual, readU16, readU32, readU64, writeU16, writeU32, writeU64 } from './bytes.ts';
import { StateError } from './errors.ts';
import { sha256Equals } from './hash.ts';
import { treeChunkKey } from './keys.ts';
import type { KvStore } from './kv.ts';
import { EMPTY_HASH, pathBit, type SmtProof, type SmtTerminal } from './proof.ts';

/** Node records per LevelDB value. */
export const RECORDS_PER_CHUNK = 64;
const CHUNK_SHIFT = 6;
/** Format byte of a tree chunk. */
export const CHUNK_FORMAT = 1;
const ROOT_FORMAT = 1;

/** Size of an internal node record. */
export const INTERNAL_RECORD_BYTES = 89;

/** A stored node: its hash and location; `hash` all zero means the empty subtree. */
export interface NodeRef {
  readonly hash: Uint8Array;
  readonly height: number;
  readonly index: number;
}

/** A decoded node record. */
export type TreeRecord =
  | { readonly kind: 'internal'; readonly left: NodeRef; readonly right: NodeRef }
  | {
      readonly kind: 'leaf';
      readonly keyHash: Uint8Array;
      readonly valueHash: Uint8Array;
      readonly value: Uint8Array;
    };

/** The empty tree's root reference. */
export const EMPTY_REF: NodeRef = { hash: EMPTY_HASH, height: 0, index: 0 };

/** True when `ref` is the empty subtree. */
export function isEmptyRef(ref: NodeRef): boolean {
  return bytesEqual(ref.hash, EMPTY_HASH);
}

/** Chunk number and slot of record `index`. */
export function chunkOf(index: number): [chunk: number, slot: number] {
  return [index >>> CHUNK_SHIFT, index & (RECORDS_PER_CHUNK - 1)];
}

/** Concatenates records into one chunk value. */
export function encodeChunk(records: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const r of records) n += r.length;
  const head = 3 + 4 * records.length;
  const out = new Uint8Array(head + n);
  out[0] = CHUNK_FORMAT;
  writeU16(out, 1, records.length);
  let o = 0;
  for (let j = 0; j < records.length; j++) {
    const r = records[j]!;
    out.set(r, head + o);
    o += r.length;
    writeU32(out, 3 + 4 * j, o);
  }
  return out;
}

/** Record `slot` of an encoded chunk (a view into it). */
export function chunkRecord(chunk: Uint8Array, slot: number): Uint8Array {
  if (chunk[0] !== CHUNK_FORMAT) {
    throw new StateError('STATE_FORMAT', `tree chunk format ${chunk[0]}, expected ${CHUNK_FORMAT}`, {
      format: chunk[0] ?? -1,
    });
  }
  const count = readU16(chunk, 1);
  if (slot >= count) {
    throw new StateError('STATE_CORRUPT', `tree chunk holds ${count} records, slot ${slot} requested`, {
      count,
      slot,
    });
  }
  const head = 3 + 4 * count;
  const start = slot === 0 ? 0 : readU32(chunk, 3 + 4 * (slot - 1));
  const end = readU32(chunk, 3 + 4 * slot);
  return chunk.subarray(head + start, head + end);
}

/** Writes an internal record for children (hash, height, index) into a new 89-byte array. */
export function encodeInternalRecord(
  leftHash: Uint8Array,
  leftHeight: number,
  leftIndex: number,
  rightHash: Uint8Array,
  rightHeight: number,
  rightIndex: number,
): Uint8Array {
  const out = new Uint8Array(INTERNAL_RECORD_BYTES);
  out[0] = 1;
  out.set(leftHash, 1);
  out.set(rightHash, 33);
  writeU64(out, 65, BigInt(leftHeight));
  writeU32(out, 73, leftIndex);
  writeU64(out, 77, BigInt(rightHeight));
  writeU32(out, 85, rightIndex);
  return out;
}

/** A leaf record: `0x00 ‖ keyHash ‖ valueHash ‖ value`. */
export function encodeLeafRecord(keyHash: Uint8Array, valueHash: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(65 + value.length);
  out[0] = 0;
  out.set(keyHash, 1);
  out.set(valueHash, 33);
  out.set(value, 65);
  return out;
}

function u64ToNumber(b: Uint8Array, offset: number): number {
  const v = readU64(b, offset);
  if (v > 0xffffffffn) {
    throw new StateError('STATE_HEIGHT_RANGE', `stored node height ${v} exceeds 2^32 − 1`, { height: v });
  }
  return Number(v);
}

/** Decodes a node record (values are views into `rec`). */
export function decodeRecord(rec: Uint8Array): TreeRecord {
  if (rec[0] === 1 && rec.length === INTERNAL_RECORD_BYTES) {
    return {
      kind: 'internal',
      left: { hash: rec.subarray(1, 33), height: u64ToNumber(rec, 65), index: readU32(rec, 73) },
      right: { hash: rec.subarray(33, 65), height: u64ToNumber(rec, 77), index: readU32(rec, 85) },
    };
  }
  if (rec[0] === 0 && rec.length >= 65) {
    return {
      kind: 'leaf',
      keyHash: rec.subarray(1, 33),
      valueHash: rec.subarray(33, 65),
      value: rec.subarray(65),
    };
  }
  throw new StateError('STATE_CORRUPT', `tree record of ${rec.length} bytes with tag ${rec[0]}`, {
    length: rec.length,
    tag: rec[0] ?? -1,
  });
}

/** Encodes a root record. */
export function encodeRootRecord(ref: NodeRef): Uint8Array {
  const out = new Uint8Array(46);
  out[0] = ROOT_FORMAT;
  out[1] = isEmptyRef(ref) ? 0 : 1;
  out.set(ref.hash, 2);
  writeU64(out, 34, BigInt(ref.height));
  writeU32(out, 42, ref.index);
  return out;
}

/** Decodes a root record. */
export function decodeRootRecord(b: Uint8Array): NodeRef {
  if (b.length !== 46 || b[0] !== ROOT_FORMAT || (b[1] !== 0 && b[1] !== 1)) {
    throw new StateError('STATE_CORRUPT', `root record of ${b.length} bytes, format ${b[0]}`, {
      length: b.length,
    });
  }
  if (b[1] === 0) return EMPTY_REF;
  return { hash: b.slice(2, 34), height: u64ToNumber(b, 34), index: readU32(b, 42) };
}

/** What a walk to a key found: the proof and, for an inclusion, the stored value. */
export interface TreeLookup {
  readonly proof: SmtProof;
  /** The key's value when the walk ends at its own leaf. */
  readonly value: Uint8Array | undefined;
}

/**
 * Reads node records from the store with a small LRU cache of chunks. Every record read is checked
 * against the hash its parent (or the root record) names: a mismatch is `STATE_CORRUPT`.
 */
export class TreeReader {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly kv: KvStore,
    private readonly cacheChunks = 256,
  ) {}

  /** Drops cached chunks (after a store reopen in tests). */
  clear(): void {
    this.cache.clear();
  }

  private async chunk(height: number, chunk: number): Promise<Uint8Array> {
    const id = `${height}:${chunk}`;
    const hit = this.cache.get(id);
    if (hit !== undefined) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const v = await this.kv.get(treeChunkKey(height, chunk));
    if (v === undefined) {
      throw new StateError('STATE_CORRUPT', `tree chunk ${chunk} of height ${height} is missing`, {
        height,
        chunk,
      });
    }
    this.cache.set(id, v);
    if (this.cache.size > this.cacheChunks) this.cache.delete(this.cache.keys().next().value!);
    return v;
  }

  /** The record `ref` points to, checked against `ref.hash`. */
  async read(ref: NodeRef): Promise<TreeRecord> {
    const [c, slot] = chunkOf(ref.index);
    const rec = chunkRecord(await this.chunk(ref.height, c), slot);
    if (rec.length < 65 || !sha256Equals(rec.subarray(0, 65), ref.hash)) {
      throw new StateError(
        'STATE_CORRUPT',
        `tree record (${ref.height}, ${ref.index}) does not hash to the hash its parent names`,
        { height: ref.height, index: ref.index },
      );
    }
    return decodeRecord(rec);
  }

  /** Walks from `root` along `keyHash` and returns the proof (and the value when present). */
  async lookup(root: NodeRef, keyHash: Uint8Array): Promise<TreeLookup> {
    const siblings: Uint8Array[] = [];
    let ref = root;
    for (let depth = 0; ; depth++) {
      if (isEmptyRef(ref)) return { proof: { siblings, terminal: { kind: 'empty' } }, value: undefined };
      const rec = await this.read(ref);
      if (rec.kind === 'leaf') {
        const terminal: SmtTerminal = {
          kind: 'leaf',
          keyHash: rec.keyHash.slice(),
          valueHash: rec.valueHash.slice(),
        };
        const own = bytesEqual(rec.keyHash, keyHash);
        return { proof: { siblings, terminal }, value: own ? rec.value.slice() : undefined };
      }
      if (depth >= 256) {
        throw new StateError('STATE_CORRUPT', 'tree walk deeper than 256 levels', { depth });
      }
      if (pathBit(keyHash, depth) === 0) {
        siblings.push(rec.right.hash.slice());
        ref = rec.left;
      } else {
        siblings.push(rec.left.hash.slice());
        ref = rec.right;
      }
    }
  }
}
