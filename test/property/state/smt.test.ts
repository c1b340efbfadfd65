import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeRootFromEntries,
  decodeProof,
  encodeProof,
  HubStore,
  MemoryKv,
  prepareTreeChanges,
  SparseMerkleTree,
  verifyProof,
} from '../../../state/index.ts';

// A second implementation, written differently from state/smt.ts and state/verify.ts: paths as
// '0'/'1' strings, partition by filtering, hashing with createHash over the preimage parts.
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const ZERO = new Uint8Array(32);
const bitsOf = (h: Uint8Array): string => [...h].map((x) => x.toString(2).padStart(8, '0')).join('');

/** Nodes of the canonical compact tree: every leaf, and every prefix shared by ≥ 2 leaves down to their split. */
function naiveNodeCount(state: Map<string, Uint8Array>): number {
  const paths = [...state.keys()].map((hex) => bitsOf(sha(Buffer.from(hex, 'hex'))));
  const count = (depth: number, set: string[]): number => {
    if (set.length <= 1) return set.length;
    return (
      1 +
      count(
        depth + 1,
        set.filter((p) => p[depth] === '0'),
      ) +
      count(
        depth + 1,
        set.filter((p) => p[depth] === '1'),
      )
    );
  };
  return count(0, paths);
}

function naiveRoot(state: Map<string, Uint8Array>): Uint8Array {
  const leaves = [...state].map(([hex, v]) => {
    const kh = sha(Buffer.from(hex, 'hex'));
    return { path: bitsOf(kh), hash: sha(Uint8Array.of(0), kh, sha(v)) };
  });
  const build = (depth: number, set: typeof leaves): Uint8Array => {
    if (set.length === 0) return ZERO;
    if (set.length === 1) return set[0]!.hash;
    const left = set.filter((l) => l.path[depth] === '0');
    const right = set.filter((l) => l.path[depth] === '1');
    return sha(Uint8Array.of(1), build(depth + 1, left), build(depth + 1, right));
  };
  return build(0, leaves);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const arbKey = fc.uint8Array({ minLength: 1, maxLength: 6 });
const arbValue = fc.uint8Array({ minLength: 0, maxLength: 12 });
// An op: set (value) or delete (null); keys drawn from a small pool so deletes and overwrites hit.
const arbOps = fc.array(arbKey, { minLength: 1, maxLength: 24 }).chain((pool) =>
  fc.array(fc.tuple(fc.constantFrom(...pool), fc.option(arbValue, { nil: null, freq: 3 })), {
    minLength: 1,
    maxLength: 80,
  }),
);

function applyBatch(
  tree: SparseMerkleTree,
  batch: Map<string, Uint8Array | null>,
  height: number,
): Uint8Array {
  const p = tree.prepare(prepareTreeChanges([...batch].map(([k, v]) => [Buffer.from(k, 'hex'), v] as const)));
  tree.encode(p, height);
  tree.apply(p);
  return tree.root;
}

/** Splits ops into consecutive batches at the given cut points; each batch keeps the last op per key. */
function batches(ops: [Uint8Array, Uint8Array | null][], cuts: number[]): Map<string, Uint8Array | null>[] {
  const points = [...new Set(cuts.map((c) => c % (ops.length + 1)))].sort((a, b) => a - b);
  const out: Map<string, Uint8Array | null>[] = [];
  let start = 0;
  for (const p of [...points, ops.length]) {
    if (p <= start) continue;
    const m = new Map<string, Uint8Array | null>();
    for (const [k, v] of ops.slice(start, p)) m.set(hex(k), v);
    out.push(m);
    start = p;
  }
  return out;
}

describe('sparse Merkle tree against a naive recursive implementation', () => {
  it('every batching of a random op stream gives the naive root after every batch', () => {
    fc.assert(
      fc.property(arbOps, fc.array(fc.nat(), { maxLength: 10 }), (ops, cuts) => {
        const tree = SparseMerkleTree.empty();
        const model = new Map<string, Uint8Array>();
        let h = 0;
        for (const b of batches(ops, cuts)) {
          const root = applyBatch(tree, b, h++);
          for (const [k, v] of b) {
            if (v === null) model.delete(k);
            else model.set(k, v);
          }
          expect(hex(root)).toBe(hex(naiveRoot(model)));
          expect(tree.leafCount).toBe(model.size);
          // No node leaks: the pool holds exactly the canonical tree's nodes.
          expect(tree.nodeCount).toBe(naiveNodeCount(model));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('computeRootFromEntries (verify) equals the naive root', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(arbKey, arbValue), { selector: ([k]) => hex(k), maxLength: 60 }),
        (entries) => {
          const m = new Map(entries.map(([k, v]) => [hex(k), v]));
          expect(hex(computeRootFromEntries(entries))).toBe(hex(naiveRoot(m)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the root does not depend on insertion order or batch boundaries', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(arbKey, arbValue), {
          selector: ([k]) => hex(k),
          minLength: 1,
          maxLength: 60,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        (entries, cuts, seed) => {
          const all = new Map(entries.map(([k, v]) => [hex(k), v] as [string, Uint8Array | null]));
          const one = SparseMerkleTree.empty();
          const rootAll = applyBatch(one, all, 0);
          // Shuffle deterministically by the seed, then insert in random batches.
          const shuffled = [...entries].sort(
            (a, b) =>
              ((hex(a[0]).length * 31 + seed) % 7) - ((hex(b[0]).length * 31 + seed) % 7) ||
              (seed % 2 === 0 ? 1 : -1),
          );
          const other = SparseMerkleTree.empty();
          let h = 0;
          let last = other.root;
          for (const b of batches(shuffled, cuts)) last = applyBatch(other, b, h++);
          expect(hex(last)).toBe(hex(rootAll));
          expect(hex(rootAll)).toBe(hex(naiveRoot(all as Map<string, Uint8Array>)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('deleting every key returns to the empty root; a pending update leaves the committed root alone', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbKey, { selector: hex, minLength: 1, maxLength: 40 }), (keys) => {
        const tree = SparseMerkleTree.empty();
        applyBatch(tree, new Map(keys.map((k) => [hex(k), Uint8Array.of(1)])), 0);
        const before = tree.root;
        const nodes = tree.nodeCount;
        const p = tree.prepare(prepareTreeChanges(keys.map((k) => [k, null] as const)));
        expect(hex(p.root)).toBe(hex(ZERO));
        expect(hex(tree.root)).toBe(hex(before));
        tree.discard(p);
        expect(tree.nodeCount).toBe(nodes);
        applyBatch(tree, new Map(keys.map((k) => [hex(k), null])), 1);
        expect(hex(tree.root)).toBe(hex(ZERO));
        expect(tree.nodeCount).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});

describe('proofs from the store verify against the block root', () => {
  it('present and absent keys verify; every single-bit tamper, wrong value or wrong claim fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.uniqueArray(fc.tuple(arbKey, fc.option(arbValue, { nil: null, freq: 4 })), {
            selector: ([k]) => hex(k),
            minLength: 1,
            maxLength: 30,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(arbKey, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        async (blocks, probes, flipSeed) => {
          const store = await HubStore.open(new MemoryKv());
          const models: Map<string, Uint8Array>[] = [];
          const model = new Map<string, Uint8Array>();
          for (let h = 0; h < blocks.length; h++) {
            const view = store.view();
            for (const [k, v] of blocks[h]!) {
              if (v === null) view.delete(k);
              else view.set(k, v);
              if (v === null) model.delete(hex(k));
              else model.set(hex(k), v);
            }
            await store.commitBlock({
              height: BigInt(h),
              blockHash: sha(Uint8Array.of(h)),
              blockBytes: Uint8Array.of(h),
              txs: [],
              changes: view.changes(),
            });
            models.push(new Map(model));
            expect(hex(store.root)).toBe(hex(naiveRoot(model)));
          }
          for (let h = 0; h < blocks.length; h++) {
            const m = models[h]!;
            const root = (await store.rootAt(BigInt(h)))!;
            expect(hex(root)).toBe(hex(naiveRoot(m)));
            const keys = [...m.keys()].slice(0, 5).map((k) => Uint8Array.from(Buffer.from(k, 'hex')));
            for (const key of [...keys, ...probes]) {
              const expected = m.get(hex(key));
              const r = await store.proof(key, BigInt(h));
              expect(r.value === undefined ? undefined : hex(r.value)).toBe(
                expected === undefined ? undefined : hex(expected),
              );
              expect(hex(r.root)).toBe(hex(root));
              expect(verifyProof(root, key, expected, r.proof), `height ${h} key ${hex(key)}`).toBe(true);
              expect(await store.getAt(key, BigInt(h))).toEqual(expected);
              // Wrong claims.
              expect(
                verifyProof(root, key, expected === undefined ? Uint8Array.of(0) : undefined, r.proof),
              ).toBe(false);
              if (expected !== undefined) {
                expect(verifyProof(root, key, Uint8Array.of(...expected, 1), r.proof)).toBe(false);
              }
              // Single-bit flips anywhere in the encoded proof.
              const bytes = encodeProof(r.proof);
              for (let t = 0; t < 4; t++) {
                const bit = (flipSeed + t * 7919) % (bytes.length * 8);
                const bad = bytes.slice();
                bad[bit >> 3]! ^= 1 << (bit & 7);
                expect(
                  verifyProof(root, key, expected, bad),
                  `flip bit ${bit} of ${bytes.length} bytes`,
                ).toBe(false);
              }
              // And the encoded form verifies like the decoded one.
              expect(verifyProof(root, key, expected, decodeProof(bytes))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('snapshot reader pinning', () => {
  it('a snapshot read across later updates is of the root it started from, and frees nothing early', () => {
    fc.assert(
      fc.property(
        arbOps,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 41, max: 400 }),
        (ops, cuts, partBytes) => {
          const tree = SparseMerkleTree.empty();
          const model = new Map<string, Uint8Array>();
          const all = batches(ops, cuts);
          const [first, ...rest] = all;
          if (first === undefined) return;
          applyBatch(tree, first, 0);
          for (const [k, v] of first) {
            if (v === null) model.delete(k);
            else model.set(k, v);
          }
          const reader = tree.snapshotReader(partBytes);
          const parts: Uint8Array[] = [];
          let h = 1;
          for (const b of rest) {
            const p = reader.next();
            if (p !== undefined) parts.push(p);
            applyBatch(tree, b, h++);
          }
          for (let p = reader.next(); p !== undefined; p = reader.next()) parts.push(p);
          reader.close();
          expect(hex(reader.root)).toBe(hex(naiveRoot(model)));
          const restored = SparseMerkleTree.fromSnapshot(parts);
          expect(hex(restored.root)).toBe(hex(reader.root));
          // After close the deferred nodes are released: the pool holds the current tree only.
          const now = new Map(model);
          for (const b of rest) {
            for (const [k, v] of b) {
              if (v === null) now.delete(k);
              else now.set(k, v);
            }
          }
          expect(tree.nodeCount).toBe(naiveNodeCount(now));
          expect(hex(tree.root)).toBe(hex(naiveRoot(now)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
