/**
 * The incremental tree and proofs-from-stored-nodes against a naive full tree built in the test
 * (recursive, over the whole leaf list, with viem's keccak), for every count and leaf up to 70.
 */
import { type Hex, keccak256 as viemKeccak } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  branchRoot,
  decodeMerkleTree,
  EMPTY_MERKLE_TREE,
  encodeMerkleTree,
  IncrementalMerkleTree,
  insertLeaf,
  isBridgeError,
  latestCheckpointOf,
  type MerkleTree,
  merkleProof,
  rootAtCount,
  treeRoot,
} from '../../../bridge/index.ts';

const leafOf = (i: number) => viemKeccak(`0x${i.toString(16).padStart(8, '0')}`);
const h = (a: Hex, b: Hex) => viemKeccak(`${a}${b.slice(2)}` as Hex);

// Naive: node (level, index) over `leaves` padded with zeros; zero subtrees by recursion with memo.
function naive(leaves: readonly Hex[]) {
  const zero: Hex[] = [`0x${'00'.repeat(32)}`];
  for (let i = 1; i <= 32; i++) zero.push(h(zero[i - 1]!, zero[i - 1]!));
  const memo = new Map<string, Hex>();
  const node = (level: number, index: number): Hex => {
    if (index * 2 ** level >= leaves.length) return zero[level]!;
    if (level === 0) return leaves[index]!;
    const key = `${level}/${index}`;
    let v = memo.get(key);
    if (v === undefined) {
      v = h(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
      memo.set(key, v);
    }
    return v;
  };
  return {
    root: () => node(32, 0),
    proof: (i: number) => Array.from({ length: 32 }, (_, l) => node(l, Math.floor(i / 2 ** l) ^ 1)),
  };
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isBridgeError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('incremental merkle tree', () => {
  it('roots, historical roots and every proof match a naive full tree (counts 1..48)', () => {
    const t = new IncrementalMerkleTree();
    const leaves: Hex[] = [];
    for (let n = 1; n <= 48; n++) {
      leaves.push(leafOf(n));
      expect(t.insert(leafOf(n))).toBe(n - 1);
      const ref = naive(leaves);
      expect(t.root(), `root at ${n}`).toBe(ref.root());
      expect(t.rootAt(n), `rootAt ${n}`).toBe(ref.root());
      for (let i = 0; i < n; i++) {
        const p = t.proof(i, n);
        expect(p, `proof ${i} at ${n}`).toEqual(ref.proof(i));
        expect(branchRoot(leaves[i]!, p, i)).toBe(ref.root());
      }
    }
    expect(t.rootAt(0)).toBe(treeRoot(EMPTY_MERKLE_TREE));
  });

  it('stores two subtree roots per insert on average (1 + trailing zeros of the new count)', () => {
    let tree: MerkleTree = EMPTY_MERKLE_TREE;
    let total = 0;
    for (let n = 1; n <= 1024; n++) {
      const r = insertLeaf(tree, leafOf(n));
      let tz = 0;
      while ((n >> tz) % 2 === 0) tz++;
      expect(r.completedNodes.length).toBe(1 + tz);
      expect(r.completedNodes[0]).toEqual({ level: 0, index: n - 1, hash: leafOf(n) });
      total += r.completedNodes.length;
      tree = r.tree;
    }
    expect(total).toBe(2047);
  });

  it('insert does not modify its input; encode/decode round-trip', () => {
    const a = insertLeaf(EMPTY_MERKLE_TREE, leafOf(1)).tree;
    const b = insertLeaf(a, leafOf(2)).tree;
    expect(a.count).toBe(1);
    expect(treeRoot(a)).toBe(naive([leafOf(1)]).root());
    const enc = encodeMerkleTree(b);
    expect(enc.length).toBe(1028);
    const dec = decodeMerkleTree(enc);
    expect(dec.count).toBe(2);
    expect(treeRoot(dec)).toBe(treeRoot(b));
    expect(treeRoot(insertLeaf(dec, leafOf(3)).tree)).toBe(naive([leafOf(1), leafOf(2), leafOf(3)]).root());
    expect(latestCheckpointOf(b)).toEqual({ root: treeRoot(b), index: 1 });
    expect(latestCheckpointOf(EMPTY_MERKLE_TREE)).toBeUndefined();
  });

  it('high leaf counts: insertion near 2^32 via a synthetic state', () => {
    // A tree whose count is 2^32 − 2 with arbitrary branch words: insert must still work and the
    // next one must fail as full (MAX_LEAVES = 2^32 − 1).
    const branch = Array.from({ length: 32 }, (_, i) => Uint8Array.from({ length: 32 }, () => i));
    const near: MerkleTree = { branch, count: 0xfffffffe };
    const r = insertLeaf(near, leafOf(1));
    expect(r.index).toBe(0xfffffffe);
    expect(r.tree.count).toBe(0xffffffff);
    expect(code(() => insertLeaf(r.tree, leafOf(2)))).toBe('BRIDGE_MERKLE_TREE_FULL');
  });

  it('typed errors', () => {
    const t = new IncrementalMerkleTree();
    t.insert(leafOf(1));
    expect(code(() => t.proof(1))).toBe('BRIDGE_MERKLE_INDEX_OUT_OF_RANGE');
    expect(code(() => t.proof(0, 0))).toBe('BRIDGE_MERKLE_INDEX_OUT_OF_RANGE');
    expect(code(() => merkleProof(0, 2, () => undefined))).toBe('BRIDGE_MERKLE_NODE_MISSING');
    expect(code(() => rootAtCount(-1, () => undefined))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => decodeMerkleTree(new Uint8Array(1027)))).toBe('BRIDGE_MERKLE_ENCODING');
    expect(code(() => branchRoot(leafOf(1), [leafOf(2)], 0))).toBe('BRIDGE_MERKLE_PROOF_LENGTH');
    expect(code(() => insertLeaf(EMPTY_MERKLE_TREE, '0x12'))).toBe('BRIDGE_INVALID_FIELD');
  });
});
