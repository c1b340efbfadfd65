/**
 * The committed state held in memory for synchronous reads, and the STF's overlay view on it.
 *
 * Keys are kept as lowercase hex strings (string order = unsigned byte order). Committed values are
 * kept as latin1 strings (one char per byte): a one-byte string is a single pointer-free heap
 * object, where a Uint8Array costs a view, an ArrayBuffer and an off-heap backing store — at 1M
 * keys that halves the memory and keeps it out of the garbage collector's way. Reads of committed
 * values return fresh copies; values written in a view are shared until commit (do not mutate).
 */
import { StateError } from './errors.ts';
import { SortedKeys } from './sortedKeys.ts';
import type { StateChanges, StateView } from './types.ts';

/** Lowercase hex of `b` (native). */
export function hexOf(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Bytes of lowercase hex `h` as a plain Uint8Array (native; no validation). */
export function bytesOfHex(h: string): Uint8Array {
  const b = Buffer.from(h, 'hex');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Latin1 string of `b` (one char per byte; lossless). */
export function latin1Of(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** Bytes of a latin1 string from {@link latin1Of}, as a fresh plain Uint8Array. */
export function bytesOfLatin1(s: string): Uint8Array {
  const b = Buffer.from(s, 'latin1');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The committed key → value map with its key order and a generation bumped on every commit. */
export class CommittedState {
  /** Hex key → value as a latin1 string (see module doc). */
  readonly values: Map<string, string>;
  readonly keys: SortedKeys;
  /** Incremented by every {@link apply}: views created before are stale. */
  generation = 0;

  constructor(values = new Map<string, string>(), keys?: SortedKeys) {
    this.values = values;
    this.keys = keys ?? SortedKeys.fromSorted([...values.keys()].sort());
  }

  /** A fresh copy of the committed value at hex key `k`, or undefined. */
  get(k: string): Uint8Array | undefined {
    const s = this.values.get(k);
    return s === undefined ? undefined : bytesOfLatin1(s);
  }

  /** Applies a block's net changes (value, or null to delete). */
  apply(changes: Iterable<readonly [string, Uint8Array | null]>): void {
    for (const [k, v] of changes) {
      if (v === null) {
        if (this.values.delete(k)) this.keys.delete(k);
      } else {
        if (!this.values.has(k)) this.keys.insert(k);
        this.values.set(k, latin1Of(v));
      }
    }
    this.generation++;
  }

  /** Every committed (key, value) whose hex key starts with `prefixHex`, ascending. */
  *entriesHex(prefixHex: string): Generator<[string, Uint8Array]> {
    for (const k of this.keys.ascending(prefixHex, `${prefixHex}g`)) yield [k, this.get(k)!];
  }
}

const ABSENT = Symbol('absent');
type Prev = Uint8Array | null | typeof ABSENT;

/**
 * A synchronous overlay over {@link CommittedState} (see {@link StateView}): a flat map of the
 * view's writes (null = deleted) plus a journal per open checkpoint holding each key's previous
 * write, so `revert` restores exactly and `commit` folds into the level below (ethereumjs style).
 * A view is valid until the store commits its next block; afterwards every call throws
 * `STATE_VIEW_STALE`.
 */
export class OverlayView implements StateView {
  private readonly writes = new Map<string, Uint8Array | null>();
  private readonly written = new SortedKeys();
  private readonly journal: Map<string, Prev>[] = [];
  private readonly generation: number;

  constructor(private readonly base: CommittedState) {
    this.generation = base.generation;
  }

  private live(): void {
    if (this.base.generation !== this.generation) {
      throw new StateError(
        'STATE_VIEW_STALE',
        `view of generation ${this.generation} used after the store moved to generation ${this.base.generation}; take a new view`,
        { viewGeneration: this.generation, storeGeneration: this.base.generation },
      );
    }
  }

  /** Number of open checkpoints. */
  get depth(): number {
    return this.journal.length;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.live();
    const k = hexOf(key);
    const w = this.writes.get(k);
    if (w !== undefined) return w ?? undefined;
    return this.base.get(k);
  }

  private record(k: string): void {
    const top = this.journal[this.journal.length - 1];
    if (top !== undefined && !top.has(k)) top.set(k, this.writes.has(k) ? this.writes.get(k)! : ABSENT);
  }

  /** Sets `key` to a copy of `value`. */
  set(key: Uint8Array, value: Uint8Array): void {
    this.live();
    const k = hexOf(key);
    this.record(k);
    if (!this.writes.has(k)) this.written.insert(k);
    this.writes.set(k, new Uint8Array(value));
  }

  delete(key: Uint8Array): void {
    this.live();
    const k = hexOf(key);
    this.record(k);
    if (!this.writes.has(k)) this.written.insert(k);
    this.writes.set(k, null);
  }

  checkpoint(): void {
    this.live();
    this.journal.push(new Map());
  }

  commit(): void {
    this.live();
    const top = this.journal.pop();
    if (top === undefined)
      throw new StateError('STATE_VIEW_CHECKPOINT', 'commit() without an open checkpoint');
    const below = this.journal[this.journal.length - 1];
    if (below !== undefined) for (const [k, prev] of top) if (!below.has(k)) below.set(k, prev);
  }

  revert(): void {
    this.live();
    const top = this.journal.pop();
    if (top === undefined)
      throw new StateError('STATE_VIEW_CHECKPOINT', 'revert() without an open checkpoint');
    for (const [k, prev] of top) {
      if (prev === ABSENT) {
        this.writes.delete(k);
        this.written.delete(k);
      } else {
        this.writes.set(k, prev);
      }
    }
  }

  /**
   * Every (key, value) under `prefix` including this view's writes, ascending by unsigned bytes,
   * materialised (so the caller may write to the view while walking the result).
   */
  entries(prefix: Uint8Array): [Uint8Array, Uint8Array][] {
    this.live();
    const p = hexOf(prefix);
    const hi = `${p}g`;
    const out: [Uint8Array, Uint8Array][] = [];
    const a = this.base.keys.ascending(p, hi);
    const b = this.written.ascending(p, hi);
    let x = a.next();
    let y = b.next();
    while (!x.done || !y.done) {
      if (y.done || (!x.done && x.value < y.value)) {
        out.push([bytesOfHex(x.value), this.base.get(x.value)!]);
        x = a.next();
      } else {
        const v = this.writes.get(y.value)!;
        if (v !== null) out.push([bytesOfHex(y.value), v]);
        if (!x.done && x.value === y.value) x = a.next();
        y = b.next();
      }
    }
    return out;
  }

  /**
   * The view's net changes against the committed state, sorted by key: writes equal to the
   * committed value and deletions of absent keys are left out.
   * @throws StateError `STATE_VIEW_CHECKPOINT` while a checkpoint is open.
   */
  changes(): StateChanges {
    this.live();
    if (this.journal.length > 0) {
      throw new StateError(
        'STATE_VIEW_CHECKPOINT',
        `changes() with ${this.journal.length} checkpoint(s) open`,
        {
          open: this.journal.length,
        },
      );
    }
    const out = new Map<string, Uint8Array | null>();
    for (const k of this.written.ascending()) {
      const v = this.writes.get(k)!;
      const b = this.base.values.get(k);
      if (v === null) {
        if (b !== undefined) out.set(k, null);
      } else if (b === undefined || b !== latin1Of(v)) {
        out.set(k, v);
      }
    }
    return out;
  }
}
