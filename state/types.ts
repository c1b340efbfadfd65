/**
 * The contracts between the pure state-transition function and the impure store.
 *
 * Keys and values are raw bytes. The STF never sees LevelDB: it reads and writes a
 * {@link StateView}, a synchronous overlay over the committed state, and hands the
 * resulting {@link StateChanges} to the node, which persists them in one atomic batch.
 */

/** A synchronous read-only view of hub state. */
export interface StateReader {
  /** The value stored at `key`, or undefined when absent. */
  get(key: Uint8Array): Uint8Array | undefined;
  /**
   * Every (key, value) whose key starts with `prefix`, in ascending unsigned byte order of the
   * key. Reflects uncommitted writes of the view.
   */
  entries(prefix: Uint8Array): Iterable<[Uint8Array, Uint8Array]>;
}

/**
 * A synchronous read-write overlay with nested checkpoints (ethereumjs style):
 * `checkpoint()` opens a level, `commit()` folds it into the level below, `revert()` drops it.
 */
export interface StateView extends StateReader {
  set(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
  checkpoint(): void;
  commit(): void;
  revert(): void;
  /** The net changes against the committed state: value, or null for a deletion. Sorted by key. */
  changes(): StateChanges;
}

/** Net changes of one block: key (hex, lowercase, no 0x) → new value, or null for a deletion. */
export type StateChanges = ReadonlyMap<string, Uint8Array | null>;
