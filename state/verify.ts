/**
 * Independent recomputation of the state root from (key, value) pairs, sharing no code with the
 * incremental tree (`smt.ts`) or its stored records: used by `HubStore.verify` and
 * `unimargin verify` to check the stored state against the committed root.
 */
import { sha256, sha256Into } from './hash.ts';
import { EMPTY_HASH } from './proof.ts';

/**
 * Accumulates leaves, then computes the compact sparse Merkle root over all of them: sorts by key
 * hash, then recursively splits on bit `depth` — no leaf is the empty hash, one leaf is its leaf
 * hash, otherwise `sha256(0x01 ‖ root(left) ‖ root(right))`. Memory: 64 bytes per leaf.
 */
export class LeafSet {
  private n = 0;
  private keyHashes = Buffer.alloc(32 * 1024);
  private leafHashes = Buffer.alloc(32 * 1024);
  private readonly pre = Buffer.alloc(65);

  /** Number of leaves added. */
  get size(): number {
    return this.n;
  }

  /** Adds `key ↦ value` (keys must be distinct). */
  add(key: Uint8Array, value: Uint8Array): void {
    if ((this.n + 1) * 32 > this.keyHashes.length) {
      const k = Buffer.alloc(this.keyHashes.length * 2);
      this.keyHashes.copy(k);
      this.keyHashes = k;
      const l = Buffer.alloc(this.leafHashes.length * 2);
      this.leafHashes.copy(l);
      this.leafHashes = l;
    }
    const pre = this.pre;
    pre[0] = 0;
    sha256Into(key, pre, 1);
    sha256Into(value, pre, 33);
    pre.copy(this.keyHashes, this.n * 32, 1, 33);
    sha256Into(pre, this.leafHashes, this.n * 32);
    this.n++;
  }

  /** The root over every leaf added. */
  root(): Uint8Array {
    const n = this.n;
    const kh = this.keyHashes;
    const first = new Float64Array(n);
    for (let i = 0; i < n; i++) first[i] = kh.readUIntBE(i * 32, 6);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => first[a]! - first[b]! || kh.compare(kh, b * 32, b * 32 + 32, a * 32, a * 32 + 32));
    const bitAt = (j: number, depth: number): number =>
      (kh[order[j]! * 32 + (depth >> 3)]! >> (7 - (depth & 7))) & 1;
    const rec = (lo: number, hi: number, depth: number): Uint8Array => {
      if (hi === lo) return EMPTY_HASH;
      if (hi - lo === 1) return this.leafHashes.subarray(order[lo]! * 32, order[lo]! * 32 + 32);
      // First index whose bit `depth` is 1 (the range shares all earlier bits).
      let a = lo;
      let b = hi;
      while (a < b) {
        const m = (a + b) >> 1;
        if (bitAt(m, depth) === 0) a = m + 1;
        else b = m;
      }
      const l = rec(lo, a, depth + 1);
      const r = rec(a, hi, depth + 1);
      const pre = Buffer.allocUnsafe(65);
      pre[0] = 1;
      pre.set(l, 1);
      pre.set(r, 33);
      return sha256(pre);
    };
    return new Uint8Array(rec(0, n, 0));
  }
}

/** The compact sparse Merkle root of `entries` (distinct keys); see {@link LeafSet}. */
export function computeRootFromEntries(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const s = new LeafSet();
  for (const [k, v] of entries) s.add(k, v);
  return s.root();
}
