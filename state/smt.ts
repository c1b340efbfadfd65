/**
 * The in-memory sparse Merkle tree over all hub state (scheme in `state/proof.ts` and
 * `state/README.md`), with batch updates whose cost grows with the changed keys × log n.
 *
 * Memory: a struct-of-arrays node pool (hash 32 B, two child ids, stored location 8 B per node;
 * 32 B key hash per leaf), ≈ 55 B per node, no object per node: 1M keys ≈ 2.4M nodes ≈ 150 MB.
 *
 * Updates are copy-on-write: {@link SparseMerkleTree.prepare} builds the new nodes of every touched
 * path (changes sorted by key hash, so paths share their common prefixes and each new node is
 * hashed once, bottom-up) without touching the committed tree, which stays readable; `apply`
 * switches the root and frees the replaced nodes, `discard` frees the new ones.
 */
import { StateError } from './errors.ts';
import { sha256Equals, sha256Into } from './hash.ts';
import { treeChunkKey } from './keys.ts';
import type { KvStore } from './kv.ts';
import {
  CHUNK_FORMAT,
  EMPTY_REF,
  INTERNAL_RECORD_BYTES,
  isEmptyRef,
  type NodeRef,
  RECORDS_PER_CHUNK,
} from './treeStore.ts';

/** Copies 32 bytes (a loop beats Buffer#copy's argument checks for such small copies). */
function copy32(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let i = 0; i < 32; i++) dst[to + i] = src[from + i]!;
}

/** Writes `v` (0 ≤ v < 2^32) big-endian at `o` (plain stores: cheaper than Buffer#writeUInt32BE). */
function w32(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 255;
  out[o + 2] = (v >>> 8) & 255;
  out[o + 3] = v & 255;
}

/** Pool id of the empty subtree. */
const EMPTY = 0;
/** `left` of a leaf node. */
const LEAF = -1;

/** Largest height the in-memory locations hold (u32). */
export const MAX_TREE_HEIGHT = 0xffffffff;

class NodePool {
  cap: number;
  hashes: Buffer;
  left: Int32Array;
  right: Int32Array;
  locH: Uint32Array;
  locI: Uint32Array;
  private next = 1;
  private free: number[] = [];
  live = 0;
  leaves = 0;
  leafCap: number;
  leafKeys: Buffer;
  private leafNext = 0;
  private leafFree: number[] = [];

  constructor(cap = 1024) {
    this.cap = cap;
    this.hashes = Buffer.alloc(cap * 32);
    this.left = new Int32Array(cap);
    this.right = new Int32Array(cap);
    this.locH = new Uint32Array(cap);
    this.locI = new Uint32Array(cap);
    this.leafCap = cap;
    this.leafKeys = Buffer.alloc(cap * 32);
  }

  private grow(): void {
    const cap = this.cap * 2;
    const h = Buffer.alloc(cap * 32);
    this.hashes.copy(h);
    this.hashes = h;
    const l = new Int32Array(cap);
    l.set(this.left);
    this.left = l;
    const r = new Int32Array(cap);
    r.set(this.right);
    this.right = r;
    const lh = new Uint32Array(cap);
    lh.set(this.locH);
    this.locH = lh;
    const li = new Uint32Array(cap);
    li.set(this.locI);
    this.locI = li;
    this.cap = cap;
  }

  alloc(): number {
    this.live++;
    const id = this.free.pop();
    if (id !== undefined) return id;
    if (this.next === this.cap) this.grow();
    return this.next++;
  }

  allocLeaf(): number {
    const id = this.alloc();
    this.makeLeaf(id);
    return id;
  }

  /** Turns node `id` into a leaf with a fresh key-hash slot; returns the slot. */
  makeLeaf(id: number): number {
    const slot = this.leafFree.pop() ?? this.leafNext++;
    if (slot >= this.leafCap) {
      const k = Buffer.alloc(this.leafCap * 64);
      this.leafKeys.copy(k);
      this.leafKeys = k;
      this.leafCap *= 2;
    }
    this.left[id] = LEAF;
    this.right[id] = slot;
    this.leaves++;
    return slot;
  }

  release(id: number): void {
    if (this.left[id] === LEAF) {
      this.leafFree.push(this.right[id]!);
      this.leaves--;
    }
    this.free.push(id);
    this.live--;
  }
}

/**
 * A block's changes prepared for the tree: key hashes sorted ascending (unsigned), with value
 * hashes, a presence flag (0 = deletion) and the values (for leaf records), aligned.
 */
export interface TreeChanges {
  readonly count: number;
  /** `count × 32` bytes, ascending. */
  readonly keyHashes: Buffer;
  /** `count × 32` bytes (zero for deletions). */
  readonly valueHashes: Buffer;
  /** 1 = set, 0 = delete. */
  readonly present: Uint8Array;
  /** The new value, or null for a deletion (sorted order). */
  readonly values: readonly (Uint8Array | null)[];
}

/**
 * Hashes keys and values (native sha256) and sorts the changes by key hash. Keys must be distinct.
 * Sorting uses the first 48 bits of each hash as a number, then the full 32 bytes.
 */
export function prepareTreeChanges(
  entries: readonly (readonly [Uint8Array, Uint8Array | null])[],
): TreeChanges {
  const n = entries.length;
  const kh = Buffer.alloc(n * 32);
  const pf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sha256Into(entries[i]![0], kh, i * 32);
    pf[i] = kh.readUIntBE(i * 32, 6);
  }
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => pf[a]! - pf[b]! || kh.compare(kh, b * 32, b * 32 + 32, a * 32, a * 32 + 32));
  const keyHashes = Buffer.alloc(n * 32);
  const valueHashes = Buffer.alloc(n * 32);
  const present = new Uint8Array(n);
  const values: (Uint8Array | null)[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const i = idx[j]!;
    copy32(kh, i * 32, keyHashes, j * 32);
    const v = entries[i]![1];
    values[j] = v;
    if (v !== null) {
      present[j] = 1;
      sha256Into(v, valueHashes, j * 32);
    }
  }
  return { count: n, keyHashes, valueHashes, present, values };
}

/**
 * The per-block change record (hashes only, in key-hash order): `u32 count ‖ count × (keyHash 32 ‖
 * flag 1 (1 set, 0 delete) ‖ [valueHash 32 when set])`. Enough to replay the block on the tree.
 */
export function encodeTreeChanges(ch: TreeChanges): Uint8Array {
  let sets = 0;
  for (let i = 0; i < ch.count; i++) sets += ch.present[i]!;
  const out = new Uint8Array(4 + 33 * ch.count + 32 * sets);
  w32(out, 0, ch.count);
  let o = 4;
  for (let i = 0; i < ch.count; i++) {
    copy32(ch.keyHashes, i * 32, out, o);
    out[o + 32] = ch.present[i]!;
    o += 33;
    if (ch.present[i] === 1) {
      copy32(ch.valueHashes, i * 32, out, o);
      o += 32;
    }
  }
  return out;
}

/**
 * Inverse of {@link encodeTreeChanges}; values are not kept (replays only locate, never encode).
 * @throws StateError `STATE_CORRUPT` when malformed or not strictly ascending.
 */
export function decodeTreeChanges(b: Uint8Array): TreeChanges {
  const bad = (why: string): never => {
    throw new StateError('STATE_CORRUPT', `block change record: ${why}`);
  };
  if (b.length < 4) bad('shorter than its count');
  const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const keyHashes = Buffer.alloc(n * 32);
  const valueHashes = Buffer.alloc(n * 32);
  const present = new Uint8Array(n);
  let o = 4;
  for (let i = 0; i < n; i++) {
    if (o + 33 > b.length) bad(`truncated at entry ${i}`);
    copy32(b, o, keyHashes, i * 32);
    const flag = b[o + 32]!;
    if (flag > 1) bad(`flag ${flag} at entry ${i}`);
    present[i] = flag;
    o += 33;
    if (flag === 1) {
      if (o + 32 > b.length) bad(`truncated at entry ${i}`);
      copy32(b, o, valueHashes, i * 32);
      o += 32;
    }
    if (i > 0 && keyHashes.compare(keyHashes, (i - 1) * 32, i * 32, i * 32, i * 32 + 32) <= 0) {
      bad(`entry ${i} is not above entry ${i - 1}`);
    }
  }
  if (o !== b.length) bad(`${b.length - o} trailing bytes`);
  return { count: n, keyHashes, valueHashes, present, values: new Array<null>(n).fill(null) };
}

/** A prepared, not yet applied tree update (see {@link SparseMerkleTree.prepare}). */
export interface PendingTreeUpdate {
  /** The root the tree will have once applied (32 bytes). */
  readonly root: Uint8Array;
  /** Number of nodes the update creates (records it persists). */
  readonly createdCount: number;
}

interface Pending extends PendingTreeUpdate {
  readonly rootId: number;
  readonly created: number[];
  /** For each created node: the change index of a new leaf, −1 for an internal node. */
  readonly createdChange: number[];
  readonly replaced: number[];
  readonly changes: TreeChanges;
  readonly base: number;
  state: 'open' | 'encoded' | 'done';
}

/** The encoded records of an update: LevelDB entries of its chunks and its root reference. */
export interface EncodedTreeUpdate {
  readonly chunks: [Uint8Array, Uint8Array][];
  readonly rootRef: NodeRef;
}

/** Options of {@link SparseMerkleTree.load}. */
export interface TreeLoadOpts {
  /** Recompute and check every record's hash while loading (default true). */
  readonly verify?: boolean;
}

/** The committed state tree in memory (see module doc). */
export class SparseMerkleTree {
  private pool: NodePool;
  private rootId = EMPTY;
  private pending: Pending | undefined;
  // Scratch for the 65-byte hash preimages.
  private readonly scratch = Buffer.alloc(65);
  // Update in progress (valid during prepare only).
  private ch: TreeChanges | undefined;
  private created: number[] = [];
  private createdChange: number[] = [];
  private replaced: number[] = [];
  // Snapshot readers holding an older root, and the nodes whose release waits for them.
  private pins = 0;
  private deferred: number[] = [];

  private constructor(cap: number) {
    this.pool = new NodePool(cap);
  }

  /** An empty tree (root = 32 zero bytes). */
  static empty(): SparseMerkleTree {
    return new SparseMerkleTree(1024);
  }

  /** The committed root hash (a copy). */
  get root(): Uint8Array {
    return new Uint8Array(this.pool.hashes.subarray(this.rootId * 32, this.rootId * 32 + 32));
  }

  /** The committed root's stored location (for the root record). */
  get rootRef(): NodeRef {
    if (this.rootId === EMPTY) return EMPTY_REF;
    return { hash: this.root, height: this.pool.locH[this.rootId]!, index: this.pool.locI[this.rootId]! };
  }

  /** Nodes in memory (committed tree plus any pending update). */
  get nodeCount(): number {
    return this.pool.live;
  }

  /** Leaves in memory (committed tree plus any pending update). */
  get leafCount(): number {
    return this.pool.leaves;
  }

  /** Bytes held by the node pool's arrays. */
  get poolBytes(): number {
    return this.pool.cap * (32 + 16) + this.pool.leafCap * 32;
  }

  private bit(i: number, depth: number): number {
    return (this.ch!.keyHashes[i * 32 + (depth >> 3)]! >> (7 - (depth & 7))) & 1;
  }

  // First index in [lo, hi) whose key hash has bit `depth` set (the range shares bits < depth).
  private split(depth: number, lo: number, hi: number): number {
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >> 1;
      if (this.bit(m, depth) === 0) a = m + 1;
      else b = m;
    }
    return a;
  }

  private isLeaf(id: number): boolean {
    return id !== EMPTY && this.pool.left[id] === LEAF;
  }

  private newLeaf(i: number): number {
    const p = this.pool;
    const id = p.allocLeaf();
    const ch = this.ch!;
    const slot = p.right[id]!;
    copy32(ch.keyHashes, i * 32, p.leafKeys, slot * 32);
    const s = this.scratch;
    s[0] = 0;
    copy32(ch.keyHashes, i * 32, s, 1);
    copy32(ch.valueHashes, i * 32, s, 33);
    sha256Into(s, p.hashes, id * 32);
    this.created.push(id);
    this.createdChange.push(i);
    return id;
  }

  // Joins two subtrees at a node, keeping the tree compact: a lone leaf moves up, two empties vanish.
  private make(l: number, r: number): number {
    if (l === EMPTY) {
      if (r === EMPTY || this.isLeaf(r)) return r;
    } else if (r === EMPTY && this.isLeaf(l)) {
      return l;
    }
    const p = this.pool;
    const id = p.alloc();
    p.left[id] = l;
    p.right[id] = r;
    const s = this.scratch;
    s[0] = 1;
    copy32(p.hashes, l * 32, s, 1);
    copy32(p.hashes, r * 32, s, 33);
    sha256Into(s, p.hashes, id * 32);
    this.created.push(id);
    this.createdChange.push(-1);
    return id;
  }

  // The subtree at `node` (depth `depth`) after applying changes [lo, hi), all under its prefix.
  private upd(node: number, depth: number, lo: number, hi: number): number {
    if (lo === hi) return node;
    const p = this.pool;
    if (node !== EMPTY && p.left[node] !== LEAF) {
      const mid = this.split(depth, lo, hi);
      const oldL = p.left[node]!;
      const oldR = p.right[node]!;
      const l = this.upd(oldL, depth + 1, lo, mid);
      const r = this.upd(oldR, depth + 1, mid, hi);
      if (l === oldL && r === oldR) return node;
      this.replaced.push(node);
      return this.make(l, r);
    }
    const ch = this.ch!;
    if (node === EMPTY) {
      if (hi - lo === 1) return ch.present[lo] === 1 ? this.newLeaf(lo) : EMPTY;
    } else {
      const slot = p.right[node]!;
      if (
        hi - lo === 1 &&
        p.leafKeys.compare(ch.keyHashes, lo * 32, lo * 32 + 32, slot * 32, slot * 32 + 32) === 0
      ) {
        this.replaced.push(node);
        return ch.present[lo] === 1 ? this.newLeaf(lo) : EMPTY;
      }
    }
    if (depth >= 256) {
      throw new StateError(
        'STATE_BAD_ARGUMENT',
        'two changes share a full 256-bit key hash (duplicate key)',
        {
          depth,
        },
      );
    }
    const mid = this.split(depth, lo, hi);
    let l = EMPTY;
    let r = EMPTY;
    if (node !== EMPTY) {
      const slot = p.right[node]!;
      if (((p.leafKeys[slot * 32 + (depth >> 3)]! >> (7 - (depth & 7))) & 1) === 0) l = node;
      else r = node;
    }
    return this.make(this.upd(l, depth + 1, lo, mid), this.upd(r, depth + 1, mid, hi));
  }

  /**
   * Computes the update for `changes` against the committed tree, without changing it. Any earlier
   * pending update is discarded first (one pending update at a time).
   */
  prepare(changes: TreeChanges): PendingTreeUpdate {
    if (this.pending !== undefined) this.discard(this.pending);
    this.ch = changes;
    this.created = [];
    this.createdChange = [];
    this.replaced = [];
    let rootId: number;
    try {
      rootId = this.upd(this.rootId, 0, 0, changes.count);
    } catch (e) {
      for (const id of this.created) this.pool.release(id);
      throw e;
    } finally {
      this.ch = undefined;
    }
    const pending: Pending = {
      root: new Uint8Array(this.pool.hashes.subarray(rootId * 32, rootId * 32 + 32)),
      createdCount: this.created.length,
      rootId,
      created: this.created,
      createdChange: this.createdChange,
      replaced: this.replaced,
      changes,
      base: this.rootId,
      state: 'open',
    };
    this.pending = pending;
    return pending;
  }

  private check(p: PendingTreeUpdate): Pending {
    if (p !== this.pending) {
      throw new StateError('STATE_BAD_ARGUMENT', 'tree update is not the pending one (discarded or applied)');
    }
    return p as Pending;
  }

  /** True when `p` is still the pending update (not discarded by a later prepare). */
  isPending(p: PendingTreeUpdate): boolean {
    return p === this.pending;
  }

  /**
   * Assigns locations `(height, creation index)` to the created nodes and encodes their records
   * in chunks, plus the new root's reference. Call before the batch write; `apply` after it.
   */
  encode(p: PendingTreeUpdate, height: number): EncodedTreeUpdate {
    const u = this.check(p);
    if (!Number.isInteger(height) || height < 0 || height > MAX_TREE_HEIGHT) {
      throw new StateError('STATE_HEIGHT_RANGE', `tree height ${height} outside 0..${MAX_TREE_HEIGHT}`, {
        height,
        limit: MAX_TREE_HEIGHT,
      });
    }
    const pool = this.pool;
    const ch = u.changes;
    const chunks: [Uint8Array, Uint8Array][] = [];
    const n = u.created.length;
    // Locations first: a node's children are created before it, so they are assigned in time.
    this.assignLocations(u, height);
    // All chunks are written in place into one allocation (no per-record arrays); see
    // treeStore.ts for the layout.
    let total = 0;
    for (let j = 0; j < n; j++) {
      const ci = u.createdChange[j]!;
      total += ci >= 0 ? 65 + ch.values[ci]!.length : INTERNAL_RECORD_BYTES;
    }
    const all = Buffer.alloc(total + 3 * Math.ceil(n / RECORDS_PER_CHUNK) + 4 * n);
    let at = 0;
    for (let c0 = 0, chunk = 0; c0 < n; c0 += RECORDS_PER_CHUNK, chunk++) {
      const c1 = Math.min(n, c0 + RECORDS_PER_CHUNK);
      const head = 3 + 4 * (c1 - c0);
      let size = head;
      for (let j = c0; j < c1; j++) {
        const ci = u.createdChange[j]!;
        size += ci >= 0 ? 65 + ch.values[ci]!.length : INTERNAL_RECORD_BYTES;
      }
      const out = all.subarray(at, at + size);
      at += size;
      out[0] = CHUNK_FORMAT;
      out[1] = (c1 - c0) >>> 8;
      out[2] = (c1 - c0) & 255;
      let o = head;
      for (let j = c0; j < c1; j++) {
        const id = u.created[j]!;
        const ci = u.createdChange[j]!;
        if (ci >= 0) {
          out[o] = 0;
          copy32(ch.keyHashes, ci * 32, out, o + 1);
          copy32(ch.valueHashes, ci * 32, out, o + 33);
          const v = ch.values[ci]!;
          out.set(v, o + 65);
          o += 65 + v.length;
        } else {
          const l = pool.left[id]!;
          const r = pool.right[id]!;
          out[o] = 1;
          copy32(pool.hashes, l * 32, out, o + 1);
          copy32(pool.hashes, r * 32, out, o + 33);
          // Empty children keep location zero (Buffer.alloc zero-fills).
          if (l !== EMPTY) {
            const lh = pool.locH[l]!;
            // Heights are < 2^32 in memory: the high word of the u64 stays zero.
            w32(out, o + 69, lh);
            w32(out, o + 73, pool.locI[l]!);
          }
          if (r !== EMPTY) {
            const rh = pool.locH[r]!;
            w32(out, o + 81, rh);
            w32(out, o + 85, pool.locI[r]!);
          }
          o += INTERNAL_RECORD_BYTES;
        }
        w32(out, 3 + 4 * (j - c0), o - head);
      }
      chunks.push([treeChunkKey(height, chunk), out]);
    }
    return { chunks, rootRef: this.pendingRootRef(u) };
  }

  private assignLocations(u: Pending, height: number): void {
    const pool = this.pool;
    for (let j = 0; j < u.created.length; j++) {
      const id = u.created[j]!;
      pool.locH[id] = height;
      pool.locI[id] = j;
    }
    u.state = 'encoded';
  }

  private pendingRootRef(u: Pending): NodeRef {
    const pool = this.pool;
    return u.rootId === EMPTY
      ? EMPTY_REF
      : { hash: u.root, height: pool.locH[u.rootId]!, index: pool.locI[u.rootId]! };
  }

  /**
   * Replay of a committed block: assigns the locations `encode` gave when the block was written
   * (same changes, same tree ⇒ same creation order) without building its records, and returns the
   * root reference to compare with the stored root record. Then `apply`.
   */
  locate(p: PendingTreeUpdate, height: number): NodeRef {
    const u = this.check(p);
    if (!Number.isInteger(height) || height < 0 || height > MAX_TREE_HEIGHT) {
      throw new StateError('STATE_HEIGHT_RANGE', `tree height ${height} outside 0..${MAX_TREE_HEIGHT}`, {
        height,
        limit: MAX_TREE_HEIGHT,
      });
    }
    this.assignLocations(u, height);
    return this.pendingRootRef(u);
  }

  /** The prepared changes of a pending update (for the per-block change record). */
  changesOf(p: PendingTreeUpdate): TreeChanges {
    return this.check(p).changes;
  }

  /** Makes `p` the committed tree and frees the nodes it replaced. */
  apply(p: PendingTreeUpdate): void {
    const u = this.check(p);
    if (u.state !== 'encoded') {
      throw new StateError(
        'STATE_BAD_ARGUMENT',
        'tree update must be encoded (locations assigned) before apply',
      );
    }
    if (u.base !== this.rootId)
      throw new StateError('STATE_BAD_ARGUMENT', 'tree update was prepared on another root');
    this.rootId = u.rootId;
    // While a snapshot reads an older root, its nodes must stay: free them when it is done.
    if (this.pins > 0) for (const id of u.replaced) this.deferred.push(id);
    else for (const id of u.replaced) this.pool.release(id);
    u.state = 'done';
    this.pending = undefined;
  }

  /** Frees the nodes of a pending update (after a failed write, or when not committing). */
  discard(p: PendingTreeUpdate): void {
    if (p !== this.pending) return;
    const u = p as Pending;
    for (const id of u.created) this.pool.release(id);
    u.state = 'done';
    this.pending = undefined;
  }

  /**
   * Builds the tree of the stored root `root` by walking its records depth-first, keeping every
   * node's location. Cost: about one read per distinct chunk holding a live node. Checks each
   * record's hash against the hash its parent names unless `verify` is false.
   */
  static async load(kv: KvStore, root: NodeRef, opts: TreeLoadOpts = {}): Promise<SparseMerkleTree> {
    const verify = opts.verify ?? true;
    const t = new SparseMerkleTree(1024);
    if (isEmptyRef(root)) return t;
    const pool = t.pool;
    const rootId = pool.alloc();
    Buffer.from(root.hash).copy(pool.hashes, rootId * 32);
    pool.locH[rootId] = root.height;
    pool.locI[rootId] = root.index;
    // Depth-first, left first: nodes are stored in creation order (post-order, children before
    // parents), so a chunk's records are visited within a short window and a small LRU of chunks
    // fetches each chunk about once.
    const cache = new Map<number | string, Buffer>();
    // ≈ 200 MB at most, released when the load ends. Recent blocks' chunks hold nodes of many
    // subtrees, visited far apart in the walk: a small cache would read them again and again.
    const cacheMax = 32768;
    // Read-ahead pays for bulk-written heights (consecutive chunks, consecutive subtrees) and is
    // waste for scattered ones: per height, keep reading ahead only while it is used.
    const ahead = new Map<number, { used: number; issued: number }>();
    const fromAhead = new Set<number | string>();
    const zero = Buffer.alloc(32);
    const keyOf = (h: number, c: number): number | string =>
      h < 0x8000000 ? h * 0x4000000 + c : `${h}:${c}`;
    let lastH = -1;
    let lastC = -1;
    let last: Buffer = zero;
    const stack: number[] = [rootId];
    const depthOf: number[] = [0];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const depth = depthOf.pop()!;
      if (depth > 256) throw new StateError('STATE_CORRUPT', 'stored tree deeper than 256 levels');
      const h = pool.locH[id]!;
      const li = pool.locI[id]!;
      const c = li >>> 6;
      if (h !== lastH || c !== lastC) {
        const key = keyOf(h, c);
        let chunk = cache.get(key);
        if (chunk !== undefined && fromAhead.delete(key)) {
          const st = ahead.get(h);
          if (st !== undefined) st.used++;
        }
        if (chunk === undefined) {
          let st = ahead.get(h);
          if (st === undefined) {
            st = { used: 0, issued: 0 };
            ahead.set(h, st);
          }
          const span = st.issued > 4 * (st.used + 4) ? 1 : 16;
          const want: number[] = [];
          for (let i = 0; i < span; i++) if (i === 0 || !cache.has(keyOf(h, c + i))) want.push(c + i);
          st.issued += want.length - 1;
          const vs = await kv.getMany(want.map((cc) => treeChunkKey(h, cc)));
          for (let i = 0; i < want.length; i++) {
            const v = vs[i];
            if (v === undefined) {
              if (i === 0) {
                throw new StateError('STATE_CORRUPT', `tree chunk ${c} of height ${h} is missing`, {
                  height: h,
                  chunk: c,
                });
              }
              break;
            }
            if (v[0] !== CHUNK_FORMAT) {
              throw new StateError('STATE_FORMAT', `tree chunk format ${v[0]}, expected ${CHUNK_FORMAT}`);
            }
            const k = keyOf(h, want[i]!);
            cache.set(k, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
            if (i > 0) fromAhead.add(k);
            if (cache.size > cacheMax) {
              const old = cache.keys().next().value!;
              cache.delete(old);
              fromAhead.delete(old);
            }
          }
          chunk = cache.get(key)!;
        }
        last = chunk;
        lastH = h;
        lastC = c;
      }
      const chunk = last;
      const slot = li & (RECORDS_PER_CHUNK - 1);
      const count = chunk.readUInt16BE(1);
      const head = 3 + 4 * count;
      if (slot >= count) {
        throw new StateError('STATE_CORRUPT', `tree chunk holds ${count} records, slot ${slot} requested`);
      }
      const start = slot === 0 ? 0 : chunk.readUInt32BE(3 + 4 * (slot - 1));
      const len = chunk.readUInt32BE(3 + 4 * slot) - start;
      const o = head + start;
      if (
        len < 65 ||
        o + len > chunk.length ||
        (verify && !sha256Equals(chunk.subarray(o, o + 65), pool.hashes, id * 32))
      ) {
        throw new StateError('STATE_CORRUPT', `tree record (${h}, ${li}) fails its hash`, {
          height: h,
          index: li,
        });
      }
      const tag = chunk[o];
      if (tag === 0) {
        const leafSlot = pool.makeLeaf(id);
        copy32(chunk, o + 1, pool.leafKeys, leafSlot * 32);
        continue;
      }
      if (tag !== 1 || len !== INTERNAL_RECORD_BYTES) {
        throw new StateError('STATE_CORRUPT', `tree record (${h}, ${li}) has tag ${tag} and ${len} bytes`);
      }
      // Right pushed first so the left subtree is walked first.
      for (let side = 1; side >= 0; side--) {
        const ho = o + 1 + 32 * side;
        const lo = o + 65 + 12 * side;
        let k = EMPTY;
        if (chunk.compare(zero, 0, 32, ho, ho + 32) !== 0) {
          if (chunk.readUInt32BE(lo) !== 0) {
            throw new StateError(
              'STATE_HEIGHT_RANGE',
              `stored node height above 2^32 − 1 in record (${h}, ${li})`,
            );
          }
          k = pool.alloc();
          copy32(chunk, ho, pool.hashes, k * 32);
          pool.locH[k] = chunk.readUInt32BE(lo + 4);
          pool.locI[k] = chunk.readUInt32BE(lo + 8);
          stack.push(k);
          depthOf.push(depth + 1);
        }
        if (side === 0) pool.left[id] = k;
        else pool.right[id] = k;
      }
    }
    t.rootId = rootId;
    return t;
  }

  /**
   * A reader of the committed tree as snapshot parts (see `state/README.md`, "Tree snapshot"):
   * nodes in depth-first pre-order, left first; internal `0x01 ‖ hash ‖ u32 height ‖ u32 index`,
   * leaf `0x02 ‖ hash ‖ u32 height ‖ u32 index ‖ keyHash`, an empty child `0x00`; parts of about
   * `partBytes`. The root is pinned: blocks may be committed between parts (their replaced nodes
   * are freed only once the reader finishes or is closed), so a large tree can be written in the
   * background. Call `close()` when done (also after an error).
   */
  snapshotReader(partBytes = 4 * 1024 * 1024): {
    root: Uint8Array;
    next(): Uint8Array | undefined;
    close(): void;
  } {
    const rootId = this.rootId;
    const root = new Uint8Array(this.pool.hashes.subarray(rootId * 32, rootId * 32 + 32));
    this.pins++;
    let open = true;
    const stack: number[] = rootId === EMPTY ? [] : [rootId];
    const close = (): void => {
      if (!open) return;
      open = false;
      this.pins--;
      if (this.pins === 0) {
        for (const id of this.deferred) this.pool.release(id);
        this.deferred = [];
      }
    };
    const next = (): Uint8Array | undefined => {
      if (!open || stack.length === 0) return undefined;
      // Arrays are read through this.pool on every call: the pool may have grown since.
      const pool = this.pool;
      const buf = Buffer.alloc(partBytes + 128);
      let o = 0;
      while (stack.length > 0 && o < partBytes) {
        const id = stack.pop()!;
        if (id === EMPTY) {
          buf[o++] = 0;
          continue;
        }
        const leaf = pool.left[id] === LEAF;
        buf[o] = leaf ? 2 : 1;
        copy32(pool.hashes, id * 32, buf, o + 1);
        w32(buf, o + 33, pool.locH[id]!);
        w32(buf, o + 37, pool.locI[id]!);
        o += 41;
        if (leaf) {
          copy32(pool.leafKeys, pool.right[id]! * 32, buf, o);
          o += 32;
        } else {
          stack.push(pool.right[id]!, pool.left[id]!);
        }
      }
      return new Uint8Array(buf.subarray(0, o));
    };
    return { root, next, close };
  }

  /** All snapshot parts of the committed tree at once (synchronous; see {@link snapshotReader}). */
  encodeSnapshot(partBytes = 4 * 1024 * 1024): Uint8Array[] {
    const r = this.snapshotReader(partBytes);
    const parts: Uint8Array[] = [];
    try {
      for (let p = r.next(); p !== undefined; p = r.next()) parts.push(p);
    } finally {
      r.close();
    }
    return parts;
  }

  /**
   * Rebuilds a tree from {@link encodeSnapshot} parts (in order). With `verify`, recomputes every
   * internal node's hash from its children. The caller checks the root against its meta record.
   * @throws StateError `STATE_CORRUPT` on a malformed snapshot or a hash mismatch.
   */
  static fromSnapshot(parts: readonly Uint8Array[], opts: TreeLoadOpts = {}): SparseMerkleTree {
    const verify = opts.verify ?? true;
    const t = new SparseMerkleTree(1024);
    if (parts.length === 0) return t;
    const pool = t.pool;
    const bad = (why: string): never => {
      throw new StateError('STATE_CORRUPT', `tree snapshot: ${why}`);
    };
    // Pending internal nodes whose children are being read: [id, children read so far].
    const open: number[] = [];
    const filled: number[] = [];
    let rootId = -1;
    const attach = (child: number): void => {
      for (;;) {
        if (open.length === 0) {
          if (rootId !== -1) bad('more than one root');
          rootId = child;
          return;
        }
        const top = open[open.length - 1]!;
        const n = filled[filled.length - 1]!;
        if (n === 0) {
          pool.left[top] = child;
          filled[filled.length - 1] = 1;
          return;
        }
        pool.right[top] = child;
        open.pop();
        filled.pop();
        if (verify) {
          const s = t.scratch;
          s[0] = 1;
          copy32(pool.hashes, pool.left[top]! * 32, s, 1);
          copy32(pool.hashes, child * 32, s, 33);
          if (!sha256Equals(s, pool.hashes, top * 32))
            bad(`internal node ${top} does not hash to its children`);
        }
        child = top;
      }
    };
    for (const part of parts) {
      const b = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      let o = 0;
      while (o < b.length) {
        const tag = b[o]!;
        if (tag === 0) {
          o++;
          attach(EMPTY);
          continue;
        }
        if ((tag !== 1 && tag !== 2) || o + (tag === 2 ? 73 : 41) > b.length)
          bad(`entry with tag ${tag} at ${o}`);
        const id = pool.alloc();
        copy32(b, o + 1, pool.hashes, id * 32);
        pool.locH[id] = b.readUInt32BE(o + 33);
        pool.locI[id] = b.readUInt32BE(o + 37);
        o += 41;
        if (tag === 2) {
          const slot = pool.makeLeaf(id);
          copy32(b, o, pool.leafKeys, slot * 32);
          o += 32;
          attach(id);
        } else {
          open.push(id);
          filled.push(0);
        }
      }
    }
    if (open.length > 0 || rootId === -1) bad('ends inside the tree');
    t.rootId = rootId;
    return t;
  }
}
