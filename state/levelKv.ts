/**
 * LevelDB implementation of {@link KvStore} on `level` 10 (classic-level, native LevelDB):
 * `keyEncoding: 'view'`, `valueEncoding: 'view'`. A write is one LevelDB `WriteBatch` (atomic);
 * with `sync: true` LevelDB fsyncs its log before resolving, which makes that batch the commit
 * point. Chained batches are used: they cost ≈ 1/4 of the array form per operation here.
 */
import { Level } from 'level';
import { StateError } from './errors.ts';
import type { KvFaultHook, KvIterateOpts, KvOp, KvStore, KvWriteOpts } from './kv.ts';

/** Options of {@link LevelKv.open}. */
export interface LevelKvOpts {
  /** Fault-injection hook called just before and just after every write (crash tests). */
  readonly faults?: KvFaultHook;
  /** LevelDB memtable size in bytes (default 32 MiB: fewer, larger flushes for 1 MB blocks). */
  readonly writeBufferSize?: number;
  /** LevelDB block cache in bytes (default 64 MiB). */
  readonly cacheSize?: number;
}

type Db = Level<Uint8Array, Uint8Array>;

// classic-level hands out Buffers; the interface promises plain Uint8Arrays (Buffer#slice is a
// view, not a copy, and Buffers compare unequal to Uint8Arrays in deep-equality tests).
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** {@link KvStore} over a LevelDB directory. */
export class LevelKv implements KvStore {
  private closed = false;

  private constructor(
    private readonly db: Db,
    private readonly faults: KvFaultHook | undefined,
    /** The directory of the database. */
    readonly location: string,
  ) {}

  /** Opens (creating if missing) the LevelDB database at `location`. */
  static async open(location: string, opts: LevelKvOpts = {}): Promise<LevelKv> {
    const db: Db = new Level<Uint8Array, Uint8Array>(location, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      // classic-level options the generic typing does not list.
      ...({
        writeBufferSize: opts.writeBufferSize ?? 32 * 1024 * 1024,
        cacheSize: opts.cacheSize ?? 64 * 1024 * 1024,
      } as object),
    });
    await db.open();
    return new LevelKv(db, opts.faults, location);
  }

  private check(): void {
    if (this.closed) throw new StateError('STATE_CLOSED', `the LevelDB store at ${this.location} is closed`);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.check();
    const v = await this.db.get(key);
    return v === undefined ? undefined : plain(v);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.check();
    if (keys.length === 0) return [];
    const vs = await this.db.getMany(keys as Uint8Array[]);
    return vs.map((v) => (v === undefined ? undefined : plain(v)));
  }

  async write(ops: readonly KvOp[], opts: KvWriteOpts = {}): Promise<void> {
    this.check();
    const faults = opts.silent === true ? undefined : this.faults;
    faults?.('beforeWrite');
    const batch = this.db.batch();
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
    await batch.write({ sync: opts.sync === true });
    faults?.('afterWrite');
  }

  async *iterate(opts: KvIterateOpts = {}): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.check();
    const range: Record<string, unknown> = {};
    if (opts.gte !== undefined) range.gte = opts.gte;
    if (opts.gt !== undefined) range.gt = opts.gt;
    if (opts.lte !== undefined) range.lte = opts.lte;
    if (opts.lt !== undefined) range.lt = opts.lt;
    if (opts.reverse === true) range.reverse = true;
    if (opts.limit !== undefined) range.limit = opts.limit;
    const it = this.db.iterator(range);
    try {
      for (;;) {
        const entries = await it.nextv(1024);
        if (entries.length === 0) break;
        for (const [k, v] of entries) yield [plain(k), plain(v)];
      }
    } finally {
      await it.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }
}
