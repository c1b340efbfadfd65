/**
 * An ordered set of lowercase-hex key strings: a list of sorted chunks (at most
 * {@link SORTED_CHUNK_MAX} each), so an insert or delete costs a binary search plus a splice of one
 * chunk instead of moving the whole array, and range scans are sequential. Lowercase even-length
 * hex compares as strings exactly as the bytes compare unsigned (a proper prefix first), which is
 * the order `StateReader.entries` promises.
 */

/** A chunk splits in two when it grows past this many keys. */
export const SORTED_CHUNK_MAX = 1024;

/** Ordered set of hex strings with O(log n + chunk) insert/delete and sequential range scans. */
export class SortedKeys {
  private chunks: string[][] = [];
  private count = 0;

  /** Builds from keys already in strictly ascending order (not checked beyond a debug pass). */
  static fromSorted(keys: readonly string[]): SortedKeys {
    const s = new SortedKeys();
    const half = SORTED_CHUNK_MAX >> 1;
    for (let i = 0; i < keys.length; i += half) s.chunks.push(keys.slice(i, i + half));
    s.count = keys.length;
    return s;
  }

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  // Index of the first chunk whose last key is ≥ k, or chunks.length when k is above all keys.
  private chunkFor(k: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid]!;
      if (c[c.length - 1]! < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static lowerIndex(c: readonly string[], k: string): number {
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid]! < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds `k`; returns false when it was already present. */
  insert(k: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([k]);
      this.count = 1;
      return true;
    }
    let ci = this.chunkFor(k);
    if (ci === this.chunks.length) ci--;
    const c = this.chunks[ci]!;
    const i = SortedKeys.lowerIndex(c, k);
    if (c[i] === k) return false;
    c.splice(i, 0, k);
    this.count++;
    if (c.length > SORTED_CHUNK_MAX) this.chunks.splice(ci + 1, 0, c.splice(c.length >> 1));
    return true;
  }

  /** Removes `k`; returns false when it was absent. */
  delete(k: string): boolean {
    const ci = this.chunkFor(k);
    if (ci === this.chunks.length) return false;
    const c = this.chunks[ci]!;
    const i = SortedKeys.lowerIndex(c, k);
    if (c[i] !== k) return false;
    c.splice(i, 1);
    this.count--;
    if (c.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /** True when `k` is present. */
  has(k: string): boolean {
    const ci = this.chunkFor(k);
    if (ci === this.chunks.length) return false;
    const c = this.chunks[ci]!;
    return c[SortedKeys.lowerIndex(c, k)] === k;
  }

  /** Keys `k` with `from ≤ k` (or all) and `k < to` (or no bound), ascending. */
  *ascending(from?: string, to?: string): Generator<string> {
    let ci = from === undefined ? 0 : this.chunkFor(from);
    if (ci >= this.chunks.length) return;
    let i = from === undefined ? 0 : SortedKeys.lowerIndex(this.chunks[ci]!, from);
    for (; ci < this.chunks.length; ci++, i = 0) {
      const c = this.chunks[ci]!;
      for (; i < c.length; i++) {
        const k = c[i]!;
        if (to !== undefined && k >= to) return;
        yield k;
      }
    }
  }

  /** Keys `k` with `k < below` (or all) and `from ≤ k` (or no bound), descending. */
  *descending(below?: string, from?: string): Generator<string> {
    if (this.chunks.length === 0) return;
    let ci: number;
    let i: number;
    if (below === undefined) {
      ci = this.chunks.length - 1;
      i = this.chunks[ci]!.length - 1;
    } else {
      ci = this.chunkFor(below);
      if (ci === this.chunks.length) {
        ci--;
        i = this.chunks[ci]!.length - 1;
      } else {
        i = SortedKeys.lowerIndex(this.chunks[ci]!, below) - 1;
      }
    }
    for (; ci >= 0; ci--) {
      const c = this.chunks[ci]!;
      if (i === Number.MAX_SAFE_INTEGER) i = c.length - 1;
      for (; i >= 0; i--) {
        const k = c[i]!;
        if (from !== undefined && k < from) return;
        yield k;
      }
      i = Number.MAX_SAFE_INTEGER;
    }
  }
}
