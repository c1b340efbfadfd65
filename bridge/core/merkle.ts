/**
 * Hyperlane's incremental merkle tree of depth 32 (port of `Merkle.sol`, itself the eth2 deposit
 * contract tree), plus what the hub needs to serve proofs for its own outbound tree.
 *
 * ```
 * Z0 = 0^32, Zi = H(Zi-1 ‖ Zi-1)
 * insert: count++; size = count; for i: if size odd { branch[i] = node; stop }; node = H(branch[i] ‖ node); size >>= 1
 * root:   cur = 0^32; for i: cur = bit_i(count) ? H(branch[i] ‖ cur) : H(cur ‖ Zi)
 * branchRoot(leaf, proof, index): cur = leaf; for i: cur = bit_i(index) ? H(proof[i] ‖ cur) : H(cur ‖ proof[i])
 * ```
 *
 * Proofs (how the hub serves them): the compact state (`branch[32]`, `count`) gives the root but
 * no proofs. So each insert also returns the **complete subtree roots** it finished — node
 * (level L, index j) covers leaves [j·2^L, (j+1)·2^L) and is complete once its last leaf is in;
 * inserting leaf i completes levels 0..tz(i+1) (tz = trailing zero bits), 2 nodes per insert on
 * average, and they are exactly the values the insert loop hashes anyway. The hub stores them under
 * (level, index). {@link merkleProof} then builds the proof of any leaf against the root at any
 * count c > leaf from those nodes: a sibling wholly below c is a stored node, one wholly at or
 * above c is Z_L, and the single sibling straddling c is rebuilt from its children, O(32) lookups
 * and at most 32 hashes. {@link rootAtCount} gives the historical root at any count the same way.
 */
import {
  type BytesLike,
  bytesToHex,
  type Hex,
  hashPair,
  hexToBytes,
  MAX_U32,
  readU32,
  toBytes32,
  writeU32,
} from './bytes.ts';
import { BridgeError } from './errors.ts';

/** Depth of the tree. */
export const TREE_DEPTH = 32;
/** Most leaves the tree holds (2^32 − 1, as `Merkle.sol` MAX_LEAVES). */
export const MAX_LEAVES = MAX_U32;
/** Bytes of {@link encodeMerkleTree} output: u32 count ‖ 32 × bytes32 branch. */
export const MERKLE_TREE_ENCODED_BYTES = 4 + 32 * TREE_DEPTH;

// Powers of two by doubling (exact in float64 up to 2^53; avoids `**`, an engine pow).
const POW2: number[] = [1];
for (let i = 1; i <= TREE_DEPTH; i++) POW2.push(POW2[i - 1]! * 2);

const ZERO_BYTES: Uint8Array[] = [new Uint8Array(32)];
for (let i = 1; i <= TREE_DEPTH; i++) ZERO_BYTES.push(hashPair(ZERO_BYTES[i - 1]!, ZERO_BYTES[i - 1]!));

/** Z_0..Z_32: Z_i is the root of an empty subtree of height i (Z_32 is the empty tree's root). */
export const ZERO_HASHES: readonly Hex[] = ZERO_BYTES.map(bytesToHex);

/** Compact tree state (what `Merkle.sol` stores): the left frontier `branch[32]` and the leaf count. */
export interface MerkleTree {
  /** 32 words; entries above the highest set bit of `count` are unused (zero in a fresh tree). */
  readonly branch: readonly Uint8Array[];
  /** Number of leaves inserted (u32). */
  readonly count: number;
}

/** A complete subtree root: covers leaves [index·2^level, (index+1)·2^level). Level 0 is a leaf. */
export interface MerkleNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Hex;
}

/** Result of {@link insertLeaf}. */
export interface InsertLeafResult {
  /** The new state (the input is not modified). */
  readonly tree: MerkleTree;
  /** Index of the inserted leaf (= the count before insertion: Hyperlane's checkpoint index). */
  readonly index: number;
  /** Subtree roots this insert completed, from level 0 (the leaf) upward; store them for proofs. */
  readonly completedNodes: readonly MerkleNode[];
}

/** The empty tree. */
export const EMPTY_MERKLE_TREE: MerkleTree = Object.freeze({
  branch: Object.freeze(Array.from({ length: TREE_DEPTH }, () => new Uint8Array(32))),
  count: 0,
});

/**
 * Inserts `leaf` (a message id) and returns the new state, the leaf index and the completed
 * subtree roots. Port of `MerkleLib.insert`; throws `BRIDGE_MERKLE_TREE_FULL` at 2^32 − 1 leaves.
 */
export function insertLeaf(tree: MerkleTree, leaf: BytesLike): InsertLeafResult {
  if (tree.count >= MAX_LEAVES) {
    throw new BridgeError('BRIDGE_MERKLE_TREE_FULL', `tree holds ${tree.count} leaves, the maximum`, {
      field: 'tree.count',
      value: tree.count,
      limit: MAX_LEAVES,
    });
  }
  let node = toBytes32(leaf, 'leaf');
  const index = tree.count;
  const count = index + 1;
  const branch = tree.branch.slice();
  const completedNodes: MerkleNode[] = [];
  let size = count;
  for (let i = 0; i < TREE_DEPTH; i++) {
    completedNodes.push({ level: i, index: Math.floor(index / POW2[i]!), hash: bytesToHex(node) });
    if (size % 2 === 1) {
      branch[i] = node;
      return { tree: { branch, count }, index, completedNodes };
    }
    node = hashPair(branch[i]!, node);
    size = Math.floor(size / 2);
  }
  // Unreachable: count ≤ 2^32 − 1 always has a set bit below 32.
  throw new BridgeError('BRIDGE_MERKLE_TREE_FULL', 'insert found no free branch slot', {
    field: 'tree.count',
  });
}

/** The tree's current root (port of `MerkleLib.root`); the empty tree gives Z_32. */
export function treeRoot(tree: MerkleTree): Hex {
  return bytesToHex(treeRootBytes(tree));
}

/** {@link treeRoot} as bytes. */
export function treeRootBytes(tree: MerkleTree): Uint8Array {
  let cur: Uint8Array = ZERO_BYTES[0]!;
  let c = tree.count;
  for (let i = 0; i < TREE_DEPTH; i++) {
    cur = c % 2 === 1 ? hashPair(tree.branch[i]!, cur) : hashPair(cur, ZERO_BYTES[i]!);
    c = Math.floor(c / 2);
  }
  return cur;
}

/**
 * Hyperlane's latest checkpoint of a tree: `{ root, index: count − 1 }` (as
 * `MerkleTreeHook.latestCheckpoint()`), or undefined for an empty tree (where the EVM hook reverts).
 */
export function latestCheckpointOf(tree: MerkleTree): { root: Hex; index: number } | undefined {
  return tree.count === 0 ? undefined : { root: treeRoot(tree), index: tree.count - 1 };
}

/** Serialises the state for storage: u32 count (big-endian) ‖ branch[0] ‖ … ‖ branch[31] (1028 bytes). */
export function encodeMerkleTree(tree: MerkleTree): Uint8Array {
  const out = new Uint8Array(MERKLE_TREE_ENCODED_BYTES);
  writeU32(out, 0, tree.count);
  for (let i = 0; i < TREE_DEPTH; i++) out.set(tree.branch[i]!, 4 + 32 * i);
  return out;
}

/** Parses {@link encodeMerkleTree} output; throws `BRIDGE_MERKLE_ENCODING` on any other length. */
export function decodeMerkleTree(bytes: Uint8Array): MerkleTree {
  if (bytes.length !== MERKLE_TREE_ENCODED_BYTES) {
    throw new BridgeError(
      'BRIDGE_MERKLE_ENCODING',
      `encoded tree is ${bytes.length} bytes, expected ${MERKLE_TREE_ENCODED_BYTES}`,
      { field: 'tree', value: bytes.length, limit: MERKLE_TREE_ENCODED_BYTES },
    );
  }
  const count = readU32(bytes, 0);
  const branch: Uint8Array[] = [];
  for (let i = 0; i < TREE_DEPTH; i++) branch.push(bytes.slice(4 + 32 * i, 4 + 32 * (i + 1)));
  return { branch, count };
}

/**
 * The root reached from `leaf` at `index` through `proof` (32 siblings, leaf level first). Port of
 * `MerkleLib.branchRoot`. Throws `BRIDGE_MERKLE_PROOF_LENGTH` unless the proof has 32 words and
 * `BRIDGE_INVALID_FIELD` when `index` is not a u32.
 */
export function branchRoot(leaf: BytesLike, proof: readonly BytesLike[], index: number): Hex {
  if (proof.length !== TREE_DEPTH) {
    throw new BridgeError(
      'BRIDGE_MERKLE_PROOF_LENGTH',
      `proof has ${proof.length} siblings, expected ${TREE_DEPTH}`,
      {
        field: 'proof',
        value: proof.length,
        limit: TREE_DEPTH,
      },
    );
  }
  if (!Number.isInteger(index) || index < 0 || index > MAX_U32) {
    throw new BridgeError('BRIDGE_INVALID_FIELD', `index = ${index} is not a u32`, {
      field: 'index',
      value: String(index),
      limit: MAX_U32,
    });
  }
  const flat = new Uint8Array(32 * TREE_DEPTH);
  for (let i = 0; i < TREE_DEPTH; i++) flat.set(toBytes32(proof[i]!, `proof[${i}]`), 32 * i);
  return bytesToHex(branchRootBytes(toBytes32(leaf, 'leaf'), flat, index));
}

/** {@link branchRoot} over a flat 1024-byte proof (the MerkleRoot metadata layout), as bytes. */
export function branchRootBytes(leaf: Uint8Array, flatProof: Uint8Array, index: number): Uint8Array {
  let cur = leaf;
  let idx = index;
  for (let i = 0; i < TREE_DEPTH; i++) {
    const sibling = flatProof.subarray(32 * i, 32 * (i + 1));
    cur = idx % 2 === 1 ? hashPair(sibling, cur) : hashPair(cur, sibling);
    idx = Math.floor(idx / 2);
  }
  return cur;
}

/**
 * Reads a complete subtree root stored by the caller (see {@link InsertLeafResult.completedNodes}):
 * returns the hash of node (level, index), or undefined when it is not stored.
 */
export type GetMerkleNode = (level: number, index: number) => Hex | Uint8Array | undefined;

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > MAX_LEAVES) {
    throw new BridgeError('BRIDGE_INVALID_FIELD', `count = ${count} is not in 0..${MAX_LEAVES}`, {
      field: 'count',
      value: String(count),
      limit: MAX_LEAVES,
    });
  }
}

// Node (level, index) of the tree holding exactly `count` leaves: stored when complete, Z_level
// when empty, otherwise (the one node per level straddling `count`) rebuilt from its children.
function nodeAt(level: number, index: number, count: number, getNode: GetMerkleNode): Uint8Array {
  const width = POW2[level]!;
  const start = index * width;
  if (start >= count) return ZERO_BYTES[level]!;
  if (start + width <= count) {
    const stored = getNode(level, index);
    if (stored === undefined) {
      throw new BridgeError(
        'BRIDGE_MERKLE_NODE_MISSING',
        `node (level ${level}, index ${index}) is complete at count ${count} but not stored`,
        { field: 'node', value: `${level}/${index}`, limit: count },
      );
    }
    return typeof stored === 'string' ? hexToBytes(stored, `node ${level}/${index}`, 32) : stored;
  }
  return hashPair(
    nodeAt(level - 1, 2 * index, count, getNode),
    nodeAt(level - 1, 2 * index + 1, count, getNode),
  );
}

/**
 * The 32-sibling proof of leaf `leafIndex` against the root of the tree when it held `count`
 * leaves (count > leafIndex), from stored complete subtree roots. `branchRoot(leaf, proof,
 * leafIndex)` then equals `rootAtCount(count)`. Throws `BRIDGE_MERKLE_INDEX_OUT_OF_RANGE` when
 * leafIndex ≥ count and `BRIDGE_MERKLE_NODE_MISSING` when a needed node is not stored.
 */
export function merkleProof(leafIndex: number, count: number, getNode: GetMerkleNode): Hex[] {
  checkCount(count);
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= count) {
    throw new BridgeError(
      'BRIDGE_MERKLE_INDEX_OUT_OF_RANGE',
      `leaf index ${leafIndex} is not below the tree count ${count}`,
      { field: 'leafIndex', value: String(leafIndex), limit: count },
    );
  }
  const proof: Hex[] = [];
  let idx = leafIndex;
  for (let level = 0; level < TREE_DEPTH; level++) {
    // idx ^ 1 without 32-bit sign trouble: the sibling is idx + 1 when idx is even, else idx − 1.
    const sibling = idx % 2 === 0 ? idx + 1 : idx - 1;
    proof.push(bytesToHex(nodeAt(level, sibling, count, getNode)));
    idx = Math.floor(idx / 2);
  }
  return proof;
}

/** The root of the tree when it held `count` leaves, from stored complete subtree roots. */
export function rootAtCount(count: number, getNode: GetMerkleNode): Hex {
  checkCount(count);
  return bytesToHex(nodeAt(TREE_DEPTH, 0, count, getNode));
}

/**
 * An in-memory tree that keeps every complete subtree root, for agents, tests and tools (the hub
 * keeps {@link MerkleTree} plus the nodes in its state instead). Not for consensus state: it is
 * mutable.
 */
export class IncrementalMerkleTree {
  private state: MerkleTree = EMPTY_MERKLE_TREE;
  private readonly nodes = new Map<string, Hex>();

  /** Inserts a leaf and returns its index. */
  insert(leaf: BytesLike): number {
    const r = insertLeaf(this.state, leaf);
    this.state = r.tree;
    for (const n of r.completedNodes) this.nodes.set(`${n.level}/${n.index}`, n.hash);
    return r.index;
  }

  /** Number of leaves. */
  get count(): number {
    return this.state.count;
  }

  /** The compact state. */
  get tree(): MerkleTree {
    return this.state;
  }

  /** Current root. */
  root(): Hex {
    return treeRoot(this.state);
  }

  /** Root when the tree held `count` leaves. */
  rootAt(count: number): Hex {
    return rootAtCount(count, this.getNode);
  }

  /** The leaf at `index`. */
  leaf(index: number): Hex | undefined {
    return this.nodes.get(`0/${index}`);
  }

  /** Proof of leaf `leafIndex` against the root at `count` leaves (default: now). */
  proof(leafIndex: number, count: number = this.state.count): Hex[] {
    return merkleProof(leafIndex, count, this.getNode);
  }

  /** Node lookup usable as a {@link GetMerkleNode}. */
  readonly getNode: GetMerkleNode = (level, index) => this.nodes.get(`${level}/${index}`);
}
