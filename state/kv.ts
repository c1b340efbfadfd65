/**
 * The key-value store interface `state/` persists through, and its in-memory implementation.
 *
 * Keys and values are raw bytes ordered by unsigned lexicographic comparison. A `write` is atomic:
 * all of its operations become visible together or none do; with `sync: true` it is durable when
 * the promise resolves (for LevelDB: the write-ahead log is fsynced: the commit point of a block).
 */
import { bytesToHex } from './bytes.ts';
import { StateError } from './errors.ts';
import { SortedKeys } from './sortedKeys.ts';

/** One operation of an atomic {@link KvStore.write}. */
export type KvOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

/** Options of {@link KvStore.write}. */
export interface KvWriteOpts {
  /** Durable on return (fsync of the log). Default false. */
  readonly sync?: boolean;
  /**
   * Skip the fault-injection hook: for derivable data (tree snapshots) written between blocks, so
   * that a crash harness counting hook calls counts block batches only. Default false.
   */
  readonly silent?: boolean;
}

/** Range and order of {@link KvStore.iterate}; bounds are unsigned byte comparisons. */
export interface KvIterateOpts {
  readonly gte?: Uint8Array;
  readonly gt?: Uint8Array;
  readonly lte?: Uint8Array;
  readonly lt?: Uint8Array;
  /** Descending order. Default false. */
  readonly reverse?: boolean;
  /** At most this many entries (default: no limit). */
  readonly limit?: number;
}

/**
 * Where a fault-injection hook runs: just before the atomic batch reaches the store, and just
 * after it is durable. A crash harness makes the hook kill the process
 * (`process.kill(process.pid, 'SIGKILL')`) to test that a block is all-or-nothing.
 */
export type KvFaultPoint = 'beforeWrite' | 'afterWrite';

/** A fault-injection hook, called at each {@link KvFaultPoint} of every write. */
export type KvFaultHook = (point: KvFaultPoint) => void;

/** Async byte-keyed store with atomic batches and ordered iteration. */
export interface KvStore {
  /** The value at `key`, or undefined. */
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** The values at `keys`, in order (undefined where absent). */
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  /** Applies `ops` atomically, in order (a later op on the same key wins). */
  write(ops: readonly KvOp[], opts?: KvWriteOpts): Promise<void>;
  /** Entries in the range, ascending by key unless `reverse`; a consistent snapshot. */
  iterate(opts?: KvIterateOpts): AsyncIterable<[Uint8Array, Uint8Array]>;
  /** Releases the store; further calls fail. */
  close(): Promise<void>;
}

/** Options of {@link MemoryKv}. */
export interface MemoryKvOpts {
  /** Fault-injection hook called around every write (see {@link KvFaultPoint}). */
  readonly faults?: KvFaultHook;
}

/**
 * In-memory {@link KvStore} for tests and replays: a map plus an ordered key index. Values are
 * copied on write; `iterate` materialises its range when called (a snapshot). `sync` is ignored.
 */
export class MemoryKv implements KvStore {
  private readonly map = new Map<string, [Uint8Array, Uint8Array]>();
  private readonly order = new SortedKeys();
  private closed = false;
  private readonly faults: KvFaultHook | undefined;

  constructor(opts: MemoryKvOpts = {}) {
    this.faults = opts.faults;
  }

  /** Number of stored entries. */
  get size(): number {
    return this.map.size;
  }

  private open(): void {
    if (this.closed) throw new StateError('STATE_CLOSED', 'the memory key-value store is closed');
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.open();
    return this.map.get(bytesToHex(key))?.[1];
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.open();
    return keys.map((k) => this.map.get(bytesToHex(k))?.[1]);
  }

  async write(ops: readonly KvOp[], opts: KvWriteOpts = {}): Promise<void> {
    this.open();
    const faults = opts.silent === true ? undefined : this.faults;
    faults?.('beforeWrite');
    for (const op of ops) {
      const h = bytesToHex(op.key);
      if (op.type === 'put') {
        if (!this.map.has(h)) this.order.insert(h);
        this.map.set(h, [new Uint8Array(op.key), new Uint8Array(op.value)]);
      } else if (this.map.delete(h)) {
        this.order.delete(h);
      }
    }
    faults?.('afterWrite');
  }

  async *iterate(opts: KvIterateOpts = {}): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.open();
    const out: [Uint8Array, Uint8Array][] = [];
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const gte = opts.gte !== undefined ? bytesToHex(opts.gte) : undefined;
    const gt = opts.gt !== undefined ? bytesToHex(opts.gt) : undefined;
    const lte = opts.lte !== undefined ? bytesToHex(opts.lte) : undefined;
    const lt = opts.lt !== undefined ? bytesToHex(opts.lt) : undefined;
    const inRange = (k: string): boolean =>
      (gte === undefined || k >= gte) &&
      (gt === undefined || k > gt) &&
      (lte === undefined || k <= lte) &&
      (lt === undefined || k < lt);
    if (limit > 0) {
      if (opts.reverse === true) {
        // Start just above the upper bound: below `lt`, or below the successor of `lte`.
        const start = lt !== undefined ? lt : lte !== undefined ? `${lte}00` : undefined;
        const low = gte ?? gt;
        for (const k of this.order.descending(start, low)) {
          if (!inRange(k)) continue;
          out.push(this.map.get(k)!);
          if (out.length >= limit) break;
        }
      } else {
        const high = lt ?? (lte !== undefined ? `${lte}00` : undefined);
        for (const k of this.order.ascending(gte ?? gt, high)) {
          if (!inRange(k)) continue;
          out.push(this.map.get(k)!);
          if (out.length >= limit) break;
        }
      }
    }
    for (const e of out) yield e;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
