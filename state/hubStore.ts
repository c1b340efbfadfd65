/**
 * The hub's store: committed state in memory for the STF's synchronous views, the state tree and
 * its root, and one atomic LevelDB batch per block holding everything of that block.
 *
 * Commit protocol: `commitBlock` encodes the block, its txs and indexes, the state changes, the
 * new tree records, the root record and the meta record into ONE `KvStore.write(…, {sync: true})`.
 * That batch is the commit point: before it nothing of the block exists on disk, after it all of
 * it does. Memory is updated only after the write resolves. On open, the meta record names the
 * last committed height; nothing else is consulted to decide what is committed.
 */
import {
  bytesEqual,
  concatBytes,
  hexToBytes,
  prefixUpperBound,
  readU32,
  readU64,
  writeU32,
  writeU64,
} from './bytes.ts';
import { StateError } from './errors.ts';
import {
  blockChangesKey,
  blockHashKey,
  blockKey,
  encodeSender,
  extraKey,
  KEY_PREFIX,
  metaKey,
  rootKey,
  senderCountKey,
  senderTxKey,
  senderTxPrefix,
  stateKey,
  treeSnapshotKey,
  treeSnapshotMetaKey,
  txHashKey,
  txKey,
} from './keys.ts';
import type { KvOp, KvStore } from './kv.ts';
import { hashKey, type SmtProof } from './proof.ts';
import {
  decodeTreeChanges,
  encodeTreeChanges,
  MAX_TREE_HEIGHT,
  type PendingTreeUpdate,
  prepareTreeChanges,
  SparseMerkleTree,
} from './smt.ts';
import { SortedKeys } from './sortedKeys.ts';
import {
  decodeRootRecord,
  EMPTY_REF,
  encodeRootRecord,
  isEmptyRef,
  type NodeRef,
  TreeReader,
} from './treeStore.ts';
import type { StateChanges, StateView } from './types.ts';
import { LeafSet } from './verify.ts';
import { bytesOfHex, CommittedState, hexOf, latin1Of, OverlayView } from './view.ts';

const META_FORMAT = 1;
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;

/** Largest `perPage` of {@link HubStore.txsBySender}. */
export const MAX_TXS_PER_PAGE = 1000;

/** One tx of a block as the store records it. */
export interface CommitTx {
  /** The tx hash (sha256 of the tx bytes for CometBFT clients). */
  readonly hash: Uint8Array;
  /** Addresses indexed for `txsBySender` (duplicates ignored). */
  readonly senders: readonly string[];
  readonly txBytes: Uint8Array;
  /** The encoded receipt. */
  readonly resultBytes: Uint8Array;
}

/** Input of {@link HubStore.commitBlock}. */
export interface CommitBlockInput {
  /** The last committed height + 1 (any height ≥ 0 for the store's first block). */
  readonly height: bigint;
  readonly blockHash: Uint8Array;
  readonly blockBytes: Uint8Array;
  readonly txs: readonly CommitTx[];
  /** Net state changes of the block (from `StateView.changes()`). */
  readonly changes: StateChanges;
  /** When given, must equal the root the changes produce, else `STATE_ROOT_MISMATCH`. */
  readonly root?: Uint8Array;
  /** The node's own records, written under `KEY_PREFIX.EXTRA` in the same batch. */
  readonly extra?: readonly (readonly [Uint8Array, Uint8Array])[];
}

/** A stored tx with its location. */
export interface StoredTx {
  readonly hash: Uint8Array;
  readonly height: bigint;
  readonly index: number;
  readonly txBytes: Uint8Array;
  readonly resultBytes: Uint8Array;
}

/** Options of {@link HubStore.txsBySender}. */
export interface TxsBySenderOpts {
  /** 1-based page. */
  readonly page: number;
  /** 1..{@link MAX_TXS_PER_PAGE}. */
  readonly perPage: number;
  /** `desc` = newest first. */
  readonly order: 'asc' | 'desc';
}

/** A value with its proof against the root of `height`. */
export interface StateProofResult {
  readonly height: bigint;
  /** The state root after `height` (the app hash in header `height + 1`). */
  readonly root: Uint8Array;
  readonly key: Uint8Array;
  /** The value, or undefined when the proof is one of absence. */
  readonly value: Uint8Array | undefined;
  readonly proof: SmtProof;
}

/** What {@link HubStore.verify} found. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly height: bigint;
  /** Number of state entries read from the store. */
  readonly keys: number;
  /** Root in the meta record. */
  readonly storedRoot: Uint8Array;
  /** Root recomputed from the stored state values alone. */
  readonly computedRoot: Uint8Array;
}

/** Options of {@link HubStore.open}. */
export interface HubStoreOpenOpts {
  /** Check every tree record's hash while loading the tree (default true). */
  readonly verifyTree?: boolean;
  /** Chunks kept by the historical-read cache (default 256, ≈ 1.5 MB). */
  readonly chunkCache?: number;
  /** Write a tree snapshot at `close()` so the next open skips the tree walk (default true). */
  readonly snapshotOnClose?: boolean;
  /** Load the tree from a snapshot when there is one (default true; false forces the walk). */
  readonly useSnapshot?: boolean;
  /**
   * Write a tree snapshot in the background every this many blocks (default
   * {@link DEFAULT_SNAPSHOT_EVERY_BLOCKS}; 0 = only at close). Bounds the replay after a crash.
   */
  readonly snapshotEveryBlocks?: number;
}

const SNAPSHOT_FORMAT = 2;

/** Default blocks between background tree snapshots. */
export const DEFAULT_SNAPSHOT_EVERY_BLOCKS = 256;

interface SnapshotMeta {
  slot: number;
  height: bigint;
  root: Uint8Array;
  parts: number;
}

function encodeSnapshotMeta(m: SnapshotMeta): Uint8Array {
  const out = new Uint8Array(1 + 1 + 8 + 32 + 4);
  out[0] = SNAPSHOT_FORMAT;
  out[1] = m.slot;
  writeU64(out, 2, m.height);
  out.set(m.root, 10);
  writeU32(out, 42, m.parts);
  return out;
}

function decodeSnapshotMeta(b: Uint8Array): SnapshotMeta | undefined {
  if (b.length !== 46 || b[0] !== SNAPSHOT_FORMAT || b[1]! > 1) return undefined;
  return { slot: b[1]!, height: readU64(b, 2), root: b.slice(10, 42), parts: readU32(b, 42) };
}

interface Meta {
  height: bigint;
  root: Uint8Array;
  blockHash: Uint8Array;
}

function encodeMeta(m: Meta): Uint8Array {
  const out = new Uint8Array(1 + 8 + 32 + 2 + m.blockHash.length);
  out[0] = META_FORMAT;
  writeU64(out, 1, m.height);
  out.set(m.root, 9);
  out[41] = m.blockHash.length >> 8;
  out[42] = m.blockHash.length & 255;
  out.set(m.blockHash, 43);
  return out;
}

function decodeMeta(b: Uint8Array): Meta {
  if (b[0] !== META_FORMAT) {
    throw new StateError('STATE_FORMAT', `meta record format ${b[0]}, this code reads ${META_FORMAT}`, {
      format: b[0] ?? -1,
    });
  }
  const len = b.length >= 43 ? (b[41]! << 8) | b[42]! : -1;
  if (len < 0 || b.length !== 43 + len) {
    throw new StateError('STATE_CORRUPT', `meta record of ${b.length} bytes`, { length: b.length });
  }
  return { height: readU64(b, 1), root: b.slice(9, 41), blockHash: b.slice(43) };
}

// True when `changes` still holds exactly `seen` (same keys, same value objects, same order).
function sameEntries(seen: readonly [string, Uint8Array | null][], changes: StateChanges): boolean {
  if (seen.length !== changes.size) return false;
  let i = 0;
  for (const [k, v] of changes) {
    const e = seen[i++]!;
    if (e[0] !== k || e[1] !== v) return false;
  }
  return true;
}

function encodeTxRecord(tx: CommitTx): Uint8Array {
  const out = new Uint8Array(32 + 4 + tx.txBytes.length + tx.resultBytes.length);
  if (tx.hash.length !== 32) {
    throw new StateError('STATE_BAD_ARGUMENT', `tx hash is ${tx.hash.length} bytes, expected 32`, {
      field: 'hash',
      length: tx.hash.length,
    });
  }
  out.set(tx.hash, 0);
  writeU32(out, 32, tx.txBytes.length);
  out.set(tx.txBytes, 36);
  out.set(tx.resultBytes, 36 + tx.txBytes.length);
  return out;
}

function decodeTxRecord(b: Uint8Array, height: bigint, index: number): StoredTx {
  const n = readU32(b, 32);
  if (b.length < 36 + n) throw new StateError('STATE_CORRUPT', `tx record (${height}, ${index}) truncated`);
  return {
    hash: b.slice(0, 32),
    height,
    index,
    txBytes: b.slice(36, 36 + n),
    resultBytes: b.slice(36 + n),
  };
}

function encodeLocation(height: bigint, index: number): Uint8Array {
  const out = new Uint8Array(12);
  writeU64(out, 0, height);
  writeU32(out, 8, index);
  return out;
}

function encodeCount(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  writeU64(out, 0, n);
  return out;
}

/**
 * The hub's store (see module doc). Open with {@link HubStore.open}; one instance per `KvStore`.
 * Reads of the current state are synchronous (`view()`); everything else is async.
 */
export class HubStore {
  private meta: Meta | undefined;
  private readonly reader: TreeReader;
  private committing = false;
  private broken: Error | undefined;
  private closed = false;
  private snapshotOnClose = true;
  /**
   * How `open` obtained the tree: `empty` (new store), `snapshot` (written at the last clean close)
   * or `walk` (read from the node log; after a crash or without a current snapshot).
   */
  treeSource: 'empty' | 'snapshot' | 'walk' = 'empty';
  /** Blocks replayed on top of the snapshot by `open` (0 unless `treeSource` is `snapshot`). */
  replayedBlocks = 0;
  /** The last background snapshot's failure, if any (snapshots are optional; commits go on). */
  snapshotError: Error | undefined;
  private snapshot: SnapshotMeta | undefined;
  private snapshotEvery = BigInt(DEFAULT_SNAPSHOT_EVERY_BLOCKS);
  private snapshotTask: Promise<void> | undefined;
  private cached:
    | {
        changes: StateChanges;
        /** The map's entries as seen then (key, value object), to detect a map changed since. */
        seen: [string, Uint8Array | null][];
        entries: [string, Uint8Array | null][];
        pending: PendingTreeUpdate;
      }
    | undefined;

  private constructor(
    private readonly kv: KvStore,
    private tree: SparseMerkleTree,
    private readonly state: CommittedState,
    meta: Meta | undefined,
    chunkCache: number,
  ) {
    this.meta = meta;
    this.reader = new TreeReader(kv, chunkCache);
  }

  /**
   * Opens the store on `kv`, recovering the last committed block: reads the meta record, loads the
   * tree of its root (checking the root record agrees) and the current state into memory (checking
   * its size equals the tree's leaf count). An empty `kv` yields an uninitialised store at height 0.
   * @throws StateError `STATE_CORRUPT` / `STATE_FORMAT` when the stored records disagree.
   */
  static async open(kv: KvStore, opts: HubStoreOpenOpts = {}): Promise<HubStore> {
    const raw = await kv.get(metaKey());
    const chunkCache = opts.chunkCache ?? 256;
    if (raw === undefined) {
      for await (const [k] of kv.iterate({ limit: 1 })) {
        throw new StateError(
          'STATE_CORRUPT',
          `store has records (first key prefix ${k[0]}) but no meta record`,
          {
            prefix: k[0] ?? -1,
          },
        );
      }
      const fresh = new HubStore(kv, SparseMerkleTree.empty(), new CommittedState(), undefined, chunkCache);
      fresh.snapshotOnClose = opts.snapshotOnClose ?? true;
      fresh.snapshotEvery = BigInt(opts.snapshotEveryBlocks ?? DEFAULT_SNAPSHOT_EVERY_BLOCKS);
      return fresh;
    }
    const meta = decodeMeta(raw);
    const rootRaw = await kv.get(rootKey(meta.height));
    if (rootRaw === undefined) {
      throw new StateError('STATE_CORRUPT', `root record of committed height ${meta.height} is missing`, {
        height: meta.height,
      });
    }
    const rootRef = decodeRootRecord(rootRaw);
    if (!bytesEqual(rootRef.hash, meta.root)) {
      throw new StateError(
        'STATE_CORRUPT',
        `root record of height ${meta.height} disagrees with the meta record`,
        {
          height: meta.height,
        },
      );
    }
    const snap =
      opts.useSnapshot === false ? undefined : await HubStore.loadSnapshot(kv, meta, opts.verifyTree ?? true);
    const tree =
      snap?.tree ?? (await SparseMerkleTree.load(kv, rootRef, { verify: opts.verifyTree ?? true }));
    if (!bytesEqual(tree.root, meta.root)) {
      throw new StateError(
        'STATE_CORRUPT',
        `loaded tree root differs from the meta root at height ${meta.height}`,
      );
    }
    const values = new Map<string, string>();
    const order: string[] = [];
    for await (const [k, v] of kv.iterate({
      gte: Uint8Array.of(KEY_PREFIX.STATE),
      lt: Uint8Array.of(KEY_PREFIX.STATE + 1),
    })) {
      const h = hexOf(k.subarray(1));
      values.set(h, latin1Of(v));
      order.push(h);
    }
    if (values.size !== tree.leafCount) {
      throw new StateError(
        'STATE_CORRUPT',
        `store holds ${values.size} state entries but the tree of height ${meta.height} has ${tree.leafCount} leaves`,
        { entries: values.size, leaves: tree.leafCount },
      );
    }
    const store = new HubStore(
      kv,
      tree,
      new CommittedState(values, SortedKeys.fromSorted(order)),
      meta,
      chunkCache,
    );
    store.snapshotOnClose = opts.snapshotOnClose ?? true;
    store.snapshotEvery = BigInt(opts.snapshotEveryBlocks ?? DEFAULT_SNAPSHOT_EVERY_BLOCKS);
    store.treeSource = snap === undefined ? 'walk' : 'snapshot';
    store.replayedBlocks = snap?.replayed ?? 0;
    store.snapshot = snap?.meta;
    return store;
  }

  /**
   * The tree from the last complete snapshot, brought to the committed height by replaying each
   * later block's change record (every replayed root and location is checked against the stored
   * root record). Undefined — the caller walks the log instead — when there is no snapshot or any
   * check fails: snapshots are derivable data, never trusted over the log.
   */
  private static async loadSnapshot(
    kv: KvStore,
    meta: Meta,
    verify: boolean,
  ): Promise<{ tree: SparseMerkleTree; replayed: number; meta: SnapshotMeta } | undefined> {
    const raw = await kv.get(treeSnapshotMetaKey());
    const sm = raw === undefined ? undefined : decodeSnapshotMeta(raw);
    if (sm === undefined || sm.height > meta.height) return undefined;
    const parts: Uint8Array[] = [];
    for await (const [, v] of kv.iterate({
      gte: treeSnapshotKey(sm.slot, 0),
      lt: treeSnapshotKey(sm.slot, sm.parts),
    })) {
      parts.push(v);
    }
    if (parts.length !== sm.parts) return undefined;
    try {
      const tree = SparseMerkleTree.fromSnapshot(parts, { verify });
      const at = await kv.get(rootKey(sm.height));
      if (
        at === undefined ||
        !bytesEqual(tree.root, sm.root) ||
        !bytesEqual(decodeRootRecord(at).hash, sm.root)
      ) {
        return undefined;
      }
      let replayed = 0;
      for (let h = sm.height + 1n; h <= meta.height; h++) {
        const [rec, rootRaw] = await kv.getMany([blockChangesKey(h), rootKey(h)]);
        if (rec === undefined || rootRaw === undefined) return undefined;
        const p = tree.prepare(decodeTreeChanges(rec));
        const ref = tree.locate(p, Number(h));
        const want = decodeRootRecord(rootRaw);
        const same =
          bytesEqual(ref.hash, want.hash) &&
          (isEmptyRef(want) || (ref.height === want.height && ref.index === want.index));
        if (!same) return undefined;
        tree.apply(p);
        replayed++;
      }
      return bytesEqual(tree.root, meta.root) ? { tree, replayed, meta: sm } : undefined;
    } catch (e) {
      if (e instanceof StateError) return undefined;
      throw e;
    }
  }

  /**
   * Writes the committed tree as a snapshot into the slot not named by the current snapshot meta,
   * part by part (blocks may commit meanwhile: the snapshot's root stays pinned in memory), then
   * points the meta at it with a synced write. A crash midway leaves the previous snapshot in use.
   * Writes are `silent` (no fault hook): the data is derivable.
   */
  private async writeSnapshot(): Promise<void> {
    if (this.meta === undefined) return;
    const height = this.meta.height;
    if (this.snapshot !== undefined && this.snapshot.height === height) return;
    const slot = this.snapshot === undefined ? 0 : this.snapshot.slot ^ 1;
    const reader = this.tree.snapshotReader(1024 * 1024);
    try {
      let parts = 0;
      for (let part = reader.next(); part !== undefined; part = reader.next()) {
        await this.kv.write([{ type: 'put', key: treeSnapshotKey(slot, parts++), value: part }], {
          silent: true,
        });
      }
      const ops: KvOp[] = [];
      // Parts of an earlier, larger snapshot in this slot.
      for await (const [k] of this.kv.iterate({
        gte: treeSnapshotKey(slot, parts),
        lt: treeSnapshotKey(slot + 1, 0),
      })) {
        ops.push({ type: 'del', key: k });
      }
      const sm: SnapshotMeta = { slot, height, root: reader.root, parts };
      ops.push({ type: 'put', key: treeSnapshotMetaKey(), value: encodeSnapshotMeta(sm) });
      await this.kv.write(ops, { sync: true, silent: true });
      this.snapshot = sm;
    } finally {
      reader.close();
    }
  }

  // Starts a background snapshot when due; its failure is kept, never thrown into a commit.
  private maybeSnapshot(): void {
    if (this.snapshotTask !== undefined || this.snapshotEvery <= 0n || this.meta === undefined) return;
    const last = this.snapshot?.height ?? -1n;
    if (this.meta.height - last < this.snapshotEvery) return;
    this.snapshotTask = this.writeSnapshot()
      .catch((e: unknown) => {
        this.snapshotError = e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        this.snapshotTask = undefined;
      });
  }

  /** Resolves when no background snapshot is running (tests, benchmarks, shutdown). */
  async snapshotIdle(): Promise<void> {
    while (this.snapshotTask !== undefined) await this.snapshotTask;
  }

  /** True once a block has been committed. */
  get initialized(): boolean {
    return this.meta !== undefined;
  }

  /** Last committed height (0n before the first commit). */
  get height(): bigint {
    return this.meta?.height ?? 0n;
  }

  /** State root after the last committed block (32 zero bytes before the first commit). */
  get root(): Uint8Array {
    return this.tree.root;
  }

  /** Hash of the last committed block (empty before the first commit). */
  get lastBlockHash(): Uint8Array {
    return this.meta === undefined ? new Uint8Array(0) : new Uint8Array(this.meta.blockHash);
  }

  /** Number of keys in the committed state. */
  get size(): number {
    return this.state.values.size;
  }

  /**
   * Nodes and bytes held by the in-memory tree, and the number of nodes the pending root
   * computation (the last `computeRoot`, if not yet committed) creates.
   */
  get treeStats(): { nodes: number; leaves: number; poolBytes: number; pendingCreated: number } {
    const p = this.cached?.pending;
    return {
      nodes: this.tree.nodeCount,
      leaves: this.tree.leafCount,
      poolBytes: this.tree.poolBytes,
      pendingCreated: p !== undefined && this.tree.isPending(p) ? p.createdCount : 0,
    };
  }

  private usable(): void {
    if (this.closed) throw new StateError('STATE_CLOSED', 'the hub store is closed');
    if (this.broken !== undefined) {
      throw new StateError(
        'STATE_STORE_BROKEN',
        `an earlier commit failed (${this.broken.message}); reopen the store`,
        {},
        {
          cause: this.broken,
        },
      );
    }
  }

  /** A new overlay view on the committed state, valid until the next commit. */
  view(): StateView {
    this.usable();
    return new OverlayView(this.state);
  }

  /** Committed value of `key` (synchronous). */
  get(key: Uint8Array): Uint8Array | undefined {
    return this.state.get(hexOf(key));
  }

  private entriesOf(changes: StateChanges): [string, Uint8Array | null][] {
    const out: [string, Uint8Array | null][] = [];
    for (const [k, v] of changes) {
      // Lowercase even-length hex only: one spelling per key.
      if (!LOWER_HEX.test(k)) hexToBytes(k, 'changes key');
      out.push([k, v === null ? null : new Uint8Array(v)]);
    }
    return out;
  }

  private prepare(changes: StateChanges): {
    entries: [string, Uint8Array | null][];
    pending: PendingTreeUpdate;
  } {
    const c = this.cached;
    if (
      c !== undefined &&
      c.changes === changes &&
      this.tree.isPending(c.pending) &&
      sameEntries(c.seen, changes)
    ) {
      return c;
    }
    const seen = [...changes];
    const entries = this.entriesOf(changes);
    const pending = this.tree.prepare(
      prepareTreeChanges(entries.map(([k, v]) => [bytesOfHex(k), v] as const)),
    );
    this.cached = { changes, seen, entries, pending };
    return this.cached;
  }

  /**
   * The root the committed state would have after `changes` (synchronous; cost ∝ changed keys ×
   * log n). The computation is kept: a following `commitBlock` with the same `changes` object
   * reuses it.
   */
  computeRoot(changes: StateChanges): Uint8Array {
    this.usable();
    if (this.committing) {
      throw new StateError(
        'STATE_COMMIT_IN_PROGRESS',
        'computeRoot during a commit; await commitBlock first',
      );
    }
    return this.prepare(changes).pending.root.slice();
  }

  /**
   * Persists block `height` in one atomic, fsynced batch: block bytes, block hash → height, each
   * tx by (height, index) with its result, tx hash → location, sender index and counts, state
   * values, the new tree records, the root record, the node's `extra` records and the meta record.
   * Then switches the in-memory state and tree. Returns the new root.
   * @throws StateError `STATE_HEIGHT_SEQUENCE`, `STATE_ROOT_MISMATCH`, `STATE_COMMIT_IN_PROGRESS`,
   *   `STATE_STORE_BROKEN` (the write failed: reopen).
   */
  async commitBlock(input: CommitBlockInput): Promise<Uint8Array> {
    this.usable();
    if (this.committing)
      throw new StateError('STATE_COMMIT_IN_PROGRESS', `commit of height ${input.height} while another runs`);
    const h = input.height;
    if (this.meta !== undefined ? h !== this.meta.height + 1n : h < 0n) {
      throw new StateError(
        'STATE_HEIGHT_SEQUENCE',
        `block height ${h}, expected ${this.meta !== undefined ? this.meta.height + 1n : 'any height ≥ 0 for the first block'}`,
        { height: h, expected: this.meta !== undefined ? this.meta.height + 1n : 0n },
      );
    }
    if (h > BigInt(MAX_TREE_HEIGHT)) {
      throw new StateError('STATE_HEIGHT_RANGE', `block height ${h} exceeds ${MAX_TREE_HEIGHT}`, {
        height: h,
        limit: MAX_TREE_HEIGHT,
      });
    }
    if (input.blockHash.length > 0xffff) {
      throw new StateError(
        'STATE_BAD_ARGUMENT',
        `block hash of ${input.blockHash.length} bytes exceeds 65535`,
      );
    }
    this.committing = true;
    let pending: PendingTreeUpdate | undefined;
    try {
      const prepared = this.prepare(input.changes);
      pending = prepared.pending;
      const entries = prepared.entries;
      if (input.root !== undefined && !bytesEqual(input.root, pending.root)) {
        throw new StateError(
          'STATE_ROOT_MISMATCH',
          `given root ${hexOf(input.root)} ≠ root ${hexOf(pending.root)} of the changes at height ${h}`,
          { height: h },
        );
      }
      const encoded = this.tree.encode(pending, Number(h));
      const ops: KvOp[] = [];
      for (const [key, value] of encoded.chunks) ops.push({ type: 'put', key, value });
      ops.push({ type: 'put', key: rootKey(h), value: encodeRootRecord(encoded.rootRef) });
      ops.push({
        type: 'put',
        key: blockChangesKey(h),
        value: encodeTreeChanges(this.tree.changesOf(pending)),
      });
      for (const [k, v] of entries) {
        const key = stateKey(bytesOfHex(k));
        ops.push(v === null ? { type: 'del', key } : { type: 'put', key, value: v });
      }
      ops.push({ type: 'put', key: blockKey(h), value: input.blockBytes });
      ops.push({ type: 'put', key: blockHashKey(input.blockHash), value: encodeCount(h) });
      const perSender = new Map<string, { enc: Uint8Array; n: bigint }>();
      for (let i = 0; i < input.txs.length; i++) {
        const tx = input.txs[i]!;
        ops.push({ type: 'put', key: txKey(h, i), value: encodeTxRecord(tx) });
        ops.push({ type: 'put', key: txHashKey(tx.hash), value: encodeLocation(h, i) });
        for (const s of new Set(tx.senders)) {
          let e = perSender.get(s);
          if (e === undefined) {
            e = { enc: encodeSender(s), n: 0n };
            perSender.set(s, e);
          }
          e.n++;
          ops.push({ type: 'put', key: senderTxKey(e.enc, h, i), value: tx.hash });
        }
      }
      if (perSender.size > 0) {
        const senders = [...perSender.values()];
        const counts = await this.kv.getMany(senders.map((s) => senderCountKey(s.enc)));
        for (let j = 0; j < senders.length; j++) {
          const c = counts[j];
          const before = c === undefined ? 0n : readU64(c, 0);
          ops.push({
            type: 'put',
            key: senderCountKey(senders[j]!.enc),
            value: encodeCount(before + senders[j]!.n),
          });
        }
      }
      for (const [k, v] of input.extra ?? []) ops.push({ type: 'put', key: extraKey(k), value: v });
      const meta: Meta = {
        height: h,
        root: pending.root.slice(),
        blockHash: new Uint8Array(input.blockHash),
      };
      ops.push({ type: 'put', key: metaKey(), value: encodeMeta(meta) });
      try {
        await this.kv.write(ops, { sync: true });
      } catch (e) {
        // The batch may or may not be on disk: memory can no longer be trusted to match it.
        this.broken = e instanceof Error ? e : new Error(String(e));
        throw new StateError(
          'STATE_STORE_BROKEN',
          `write of block ${h} failed: ${this.broken.message}`,
          { height: h },
          {
            cause: e,
          },
        );
      }
      this.tree.apply(pending);
      pending = undefined;
      this.state.apply(entries);
      this.meta = meta;
      this.cached = undefined;
      this.maybeSnapshot();
      return meta.root.slice();
    } finally {
      if (pending !== undefined) {
        this.tree.discard(pending);
        this.cached = undefined;
      }
      this.committing = false;
    }
  }

  /** Block bytes of `height`, or undefined. */
  async getBlock(height: bigint): Promise<Uint8Array | undefined> {
    this.usable();
    if (height < 0n) return undefined;
    return this.kv.get(blockKey(height));
  }

  /** Height of the block with hash `hash`, or undefined. */
  async getBlockHeightByHash(hash: Uint8Array): Promise<bigint | undefined> {
    this.usable();
    const v = await this.kv.get(blockHashKey(hash));
    return v === undefined ? undefined : readU64(v, 0);
  }

  /** The tx with hash `hash` (bytes, result, height, index), or undefined. */
  async getTx(hash: Uint8Array): Promise<StoredTx | undefined> {
    this.usable();
    const loc = await this.kv.get(txHashKey(hash));
    if (loc === undefined) return undefined;
    const height = readU64(loc, 0);
    const index = readU32(loc, 8);
    const rec = await this.kv.get(txKey(height, index));
    if (rec === undefined) {
      throw new StateError(
        'STATE_CORRUPT',
        `tx record (${height}, ${index}) named by its hash index is missing`,
      );
    }
    return decodeTxRecord(rec, height, index);
  }

  /**
   * Txs listing `sender`, one page of them, oldest (`asc`) or newest (`desc`) first, with the
   * sender's total count.
   * @throws StateError `STATE_BAD_ARGUMENT` for page < 1 or perPage outside 1..{@link MAX_TXS_PER_PAGE}.
   */
  async txsBySender(sender: string, opts: TxsBySenderOpts): Promise<{ total: number; txs: StoredTx[] }> {
    this.usable();
    if (!Number.isSafeInteger(opts.page) || opts.page < 1) {
      throw new StateError('STATE_BAD_ARGUMENT', `page ${opts.page} must be an integer ≥ 1`, {
        field: 'page',
      });
    }
    if (!Number.isSafeInteger(opts.perPage) || opts.perPage < 1 || opts.perPage > MAX_TXS_PER_PAGE) {
      throw new StateError('STATE_BAD_ARGUMENT', `perPage ${opts.perPage} outside 1..${MAX_TXS_PER_PAGE}`, {
        field: 'perPage',
        limit: MAX_TXS_PER_PAGE,
      });
    }
    const enc = encodeSender(sender);
    const c = await this.kv.get(senderCountKey(enc));
    const total = c === undefined ? 0 : Number(readU64(c, 0));
    const skip = (opts.page - 1) * opts.perPage;
    if (skip >= total) return { total, txs: [] };
    const prefix = senderTxPrefix(enc);
    const locs: [bigint, number][] = [];
    let seen = 0;
    for await (const [k] of this.kv.iterate({
      gte: prefix,
      lt: prefixUpperBound(prefix)!,
      reverse: opts.order === 'desc',
      limit: skip + opts.perPage,
    })) {
      if (seen++ < skip) continue;
      locs.push([readU64(k, prefix.length), readU32(k, prefix.length + 8)]);
    }
    const recs = await this.kv.getMany(locs.map(([hh, i]) => txKey(hh, i)));
    const txs = recs.map((r, j) => {
      const [hh, i] = locs[j]!;
      if (r === undefined)
        throw new StateError('STATE_CORRUPT', `tx record (${hh}, ${i}) of the sender index is missing`);
      return decodeTxRecord(r, hh, i);
    });
    return { total, txs };
  }

  /** The state root after block `height`, or undefined when the store has no such height. */
  async rootAt(height: bigint): Promise<Uint8Array | undefined> {
    this.usable();
    if (height < 0n || height > this.height || !this.initialized) return undefined;
    const r = await this.kv.get(rootKey(height));
    return r === undefined ? undefined : decodeRootRecord(r).hash.slice();
  }

  private async rootRefAt(height: bigint): Promise<NodeRef> {
    if (!this.initialized) {
      if (height === 0n) return EMPTY_REF;
    } else if (height >= 0n && height <= this.height) {
      if (height === this.height) return this.tree.rootRef;
      const r = await this.kv.get(rootKey(height));
      if (r !== undefined) return decodeRootRecord(r);
    }
    throw new StateError(
      'STATE_HEIGHT_RANGE',
      `height ${height} is not held by the store (committed heights end at ${this.initialized ? this.height : 'none'})`,
      { height, latest: this.height },
    );
  }

  /**
   * The value of `key` after block `height` (current height: from memory; earlier: by walking that
   * height's stored tree to the key's leaf record).
   * @throws StateError `STATE_HEIGHT_RANGE` for a height the store does not hold.
   */
  async getAt(key: Uint8Array, height: bigint): Promise<Uint8Array | undefined> {
    this.usable();
    if (height === this.height) return this.get(key);
    const ref = await this.rootRefAt(height);
    return (await this.reader.lookup(ref, hashKey(key))).value;
  }

  /**
   * `key`'s value (or absence) after block `height` (default: the last committed) with its proof
   * against that height's root; check it with `verifyProof(root, key, value, proof)`.
   */
  async proof(key: Uint8Array, height?: bigint): Promise<StateProofResult> {
    this.usable();
    const h = height ?? this.height;
    const ref = await this.rootRefAt(h);
    const r = await this.reader.lookup(ref, hashKey(key));
    return { height: h, root: ref.hash.slice(), key: new Uint8Array(key), value: r.value, proof: r.proof };
  }

  /** The node's record `key` written through `extra`, or undefined. */
  async getExtra(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.usable();
    return this.kv.get(extraKey(key));
  }

  /** Every stored state (key, value), ascending, read from the key-value store (not memory). */
  async *iterateState(prefix: Uint8Array = new Uint8Array(0)): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.usable();
    const lo = concatBytes(Uint8Array.of(KEY_PREFIX.STATE), prefix);
    const hi = prefixUpperBound(lo)!;
    for await (const [k, v] of this.kv.iterate({ gte: lo, lt: hi })) yield [k.slice(1), v];
  }

  /**
   * `unimargin verify`: recomputes the root from the stored state values alone (independent code,
   * no tree records) and compares it with the meta record's root and the in-memory root.
   */
  async verify(): Promise<VerifyReport> {
    this.usable();
    const raw = await this.kv.get(metaKey());
    const meta = raw === undefined ? undefined : decodeMeta(raw);
    const leaves = new LeafSet();
    for await (const [k, v] of this.iterateState()) leaves.add(k, v);
    const computedRoot = leaves.root();
    const storedRoot = meta?.root ?? new Uint8Array(32);
    return {
      ok: bytesEqual(computedRoot, storedRoot) && bytesEqual(storedRoot, this.root),
      height: meta?.height ?? 0n,
      keys: leaves.size,
      storedRoot,
      computedRoot,
    };
  }

  /**
   * Closes the store and its key-value store. Waits for a background snapshot, then (unless
   * `snapshot` is false, the open option `snapshotOnClose` is false, or the store is broken) writes
   * a snapshot of the last height so that the next open needs no replay.
   */
  async close(opts: { snapshot?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (this.committing) {
      throw new StateError('STATE_COMMIT_IN_PROGRESS', 'close() during a commit; await commitBlock first');
    }
    this.closed = true;
    try {
      await this.snapshotIdle();
      if (opts.snapshot !== false && this.snapshotOnClose && this.broken === undefined)
        await this.writeSnapshot();
    } finally {
      await this.kv.close();
    }
  }
}
