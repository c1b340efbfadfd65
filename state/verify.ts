/**
 * Independent recomputation of the state root from (key, value) pairs, sharing no code with the
 * incremental tree (`smt.ts`) or its stored records: used by `HubStore.verify` and
 * `unimargin verify` to check the stored state against the committed root.
 */
import { sha256 } from './hash.ts';
import { EMPTY_HASH } from './proof.ts';

/**
 * The compact sparse Merkle root of `entries` (distinct keys): sorts the leaves by key hash, then
 * recursively splits on bit `depth` — one leaf is the leaf hash, none is the empty hash, otherwise
 * `sha256(0x01 ‖ root(left) ‖ root(right))`.
 */
export function computeRootFromEntries(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const items: { k: Buffer; leaf: Buffer }[] = [];
  const buf = Buffer.alloc(65);
  for (const [key, value] of entries) {
    const k = sha256(key);
    buf[0] = 0;
    k.copy(buf, 1);
    sha256(value).copy(buf, 33);
    items.push({ k, leaf: sha256(buf) });
  }
  items.sort((a, b) => a.k.compare(b.k));
  const rec = (lo: number, hi: number, depth: number): Uint8Array => {
    if (hi === lo) return EMPTY_HASH;
    if (hi - lo === 1) return items[lo]!.leaf;
    let mid = lo;
    const byte = depth >> 3;
    const mask = 0x80 >> (depth & 7);
    while (mid < hi && (items[mid]!.k[byte]! & mask) === 0) mid++;
    const l = rec(lo, mid, depth + 1);
    const r = rec(mid, hi, depth + 1);
    const pre = Buffer.alloc(65);
    pre[0] = 1;
    pre.set(l, 1);
    pre.set(r, 33);
    return sha256(pre);
  };
  return new Uint8Array(rec(0, items.length, 0));
}
