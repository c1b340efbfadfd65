/**
 * Sparse Merkle tree proofs: the pure verifier, its hash functions and the proof codec.
 *
 * Pure and portable: no `node:` imports; hashes through `@noble/hashes` sha256, which gives the
 * same digests as the node's native `node:crypto` tree (a test pins the equality). Clients, the
 * RPC and browsers use this file to check `GET /v1/proof/:key` answers against a block's app hash.
 *
 * The scheme (also written out in `state/README.md`):
 * - key hash `k = sha256(key)`; bit i of a path is bit `7 − i % 8` of byte `⌊i / 8⌋` of `k`
 *   (most significant bit first); 0 goes left, 1 goes right; 256-bit paths.
 * - empty subtree = 32 zero bytes; leaf = `sha256(0x00 ‖ k ‖ sha256(value))`;
 *   internal node = `sha256(0x01 ‖ left ‖ right)`.
 * - compact: a subtree holding exactly one leaf is that leaf (it sits at the shallowest depth where
 *   it is alone); a subtree holding none is empty; an internal node has ≥ 2 leaves below it.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesEqual, bytesToHex, hexToBytes } from './bytes.ts';
import { StateError } from './errors.ts';

/** The hash of an empty subtree and the root of the empty tree: 32 zero bytes. */
export const EMPTY_HASH: Uint8Array = new Uint8Array(32);

/** Maximum proof depth: two distinct 256-bit key hashes diverge at bit 255 at the latest. */
export const MAX_PROOF_DEPTH = 256;

/** Current proof encoding version (first byte of an encoded proof). */
export const PROOF_VERSION = 1;

/** Where a proof's path ends: an empty subtree, or a leaf (the key's own, or another key's). */
export type SmtTerminal =
  | { readonly kind: 'empty' }
  | { readonly kind: 'leaf'; readonly keyHash: Uint8Array; readonly valueHash: Uint8Array };

/**
 * A path from the root to the subtree where a key lives or would live.
 * `siblings[i]` is the hash of the sibling of the path node at depth i + 1 (that is, the child of
 * the depth-i node on the other side of the key's bit i), 32 zero bytes when empty; the terminal
 * sits at depth `siblings.length`.
 */
export interface SmtProof {
  readonly siblings: readonly Uint8Array[];
  readonly terminal: SmtTerminal;
}

/** `sha256(key)`: the 256-bit path of a state key. */
export function hashKey(key: Uint8Array): Uint8Array {
  return sha256(key);
}

/** `sha256(value)`: the value commitment inside a leaf. */
export function hashValue(value: Uint8Array): Uint8Array {
  return sha256(value);
}

/** Leaf hash `sha256(0x00 ‖ keyHash ‖ valueHash)`. */
export function hashLeaf(keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = 0;
  buf.set(keyHash, 1);
  buf.set(valueHash, 33);
  return sha256(buf);
}

/** Internal node hash `sha256(0x01 ‖ left ‖ right)` (empty children are 32 zero bytes). */
export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 33);
  return sha256(buf);
}

/** Bit `i` (0 = most significant bit of byte 0) of a 32-byte path. */
export function pathBit(path: Uint8Array, i: number): number {
  return (path[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** Number of leading bits `a` and `b` (32 bytes each) share (256 when equal). */
export function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 256;
}

/**
 * Checks that `proof` proves `key ↦ value` (or, with `value` undefined, that `key` is absent) under
 * the 32-byte `root`. Accepts a decoded {@link SmtProof} or its encoded bytes; any malformed input
 * yields `false`, never a throw.
 *
 * Inclusion: the terminal is the leaf `(sha256(key), sha256(value))`. Absence: the terminal is
 * empty, or a leaf of another key whose hash shares the first `depth` bits with `sha256(key)`.
 * Then the siblings are folded bottom-up along the key's path and the result compared with `root`.
 */
export function verifyProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: SmtProof | Uint8Array,
): boolean {
  let p: SmtProof;
  if (proof instanceof Uint8Array) {
    try {
      p = decodeProof(proof);
    } catch {
      return false;
    }
  } else {
    p = proof;
  }
  if (root.length !== 32) return false;
  const depth = p.siblings.length;
  if (depth > MAX_PROOF_DEPTH) return false;
  for (const s of p.siblings) if (s.length !== 32) return false;
  const keyHash = hashKey(key);
  let cur: Uint8Array;
  const t = p.terminal;
  if (t.kind === 'leaf') {
    if (t.keyHash.length !== 32 || t.valueHash.length !== 32) return false;
    if (value !== undefined) {
      if (!bytesEqual(t.keyHash, keyHash) || !bytesEqual(t.valueHash, hashValue(value))) return false;
    } else {
      // Another key's leaf sits where ours would: it must lie on our path down to `depth`.
      if (bytesEqual(t.keyHash, keyHash)) return false;
      if (commonPrefixBits(t.keyHash, keyHash) < depth) return false;
    }
    cur = hashLeaf(t.keyHash, t.valueHash);
  } else {
    if (t.kind !== 'empty' || value !== undefined) return false;
    cur = EMPTY_HASH;
  }
  for (let i = depth - 1; i >= 0; i--) {
    const sib = p.siblings[i]!;
    cur = pathBit(keyHash, i) === 0 ? hashNode(cur, sib) : hashNode(sib, cur);
  }
  return bytesEqual(cur, root);
}

/**
 * The root a proof's path folds to, with the terminal as given (no key check): for tooling and
 * tests; use {@link verifyProof} to check a claim.
 */
export function proofRoot(keyHash: Uint8Array, proof: SmtProof): Uint8Array {
  let cur =
    proof.terminal.kind === 'leaf' ? hashLeaf(proof.terminal.keyHash, proof.terminal.valueHash) : EMPTY_HASH;
  for (let i = proof.siblings.length - 1; i >= 0; i--) {
    const sib = proof.siblings[i]!;
    cur = pathBit(keyHash, i) === 0 ? hashNode(cur, sib) : hashNode(sib, cur);
  }
  return cur;
}

function isZero32(b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Canonical binary encoding of a proof:
 * `version (1 byte = 1) ‖ terminal kind (1 byte: 0 empty, 1 leaf) ‖ depth (u16 big-endian, ≤ 256)
 *  ‖ bitmap (⌈depth/8⌉ bytes, bit i MSB-first = sibling i non-empty, padding bits 0)
 *  ‖ the non-empty siblings (32 bytes each, top-down) ‖ [leaf: keyHash 32 ‖ valueHash 32]`.
 * Empty siblings take one bit; a 1M-key proof is ≈ 20 siblings ≈ 0.7 KB.
 */
export function encodeProof(proof: SmtProof): Uint8Array {
  const depth = proof.siblings.length;
  if (depth > MAX_PROOF_DEPTH) {
    throw new StateError('STATE_PROOF_MALFORMED', `proof depth ${depth} exceeds ${MAX_PROOF_DEPTH}`, {
      depth,
      limit: MAX_PROOF_DEPTH,
    });
  }
  const bitmapLen = (depth + 7) >> 3;
  let nonEmpty = 0;
  for (const s of proof.siblings) {
    if (s.length !== 32) {
      throw new StateError('STATE_PROOF_MALFORMED', `sibling length ${s.length}, expected 32`, {
        length: s.length,
      });
    }
    if (!isZero32(s)) nonEmpty++;
  }
  const leaf = proof.terminal.kind === 'leaf';
  const out = new Uint8Array(4 + bitmapLen + 32 * nonEmpty + (leaf ? 64 : 0));
  out[0] = PROOF_VERSION;
  out[1] = leaf ? 1 : 0;
  out[2] = depth >> 8;
  out[3] = depth & 255;
  let o = 4 + bitmapLen;
  for (let i = 0; i < depth; i++) {
    const s = proof.siblings[i]!;
    if (!isZero32(s)) {
      out[4 + (i >> 3)]! |= 0x80 >> (i & 7);
      out.set(s, o);
      o += 32;
    }
  }
  if (proof.terminal.kind === 'leaf') {
    out.set(proof.terminal.keyHash, o);
    out.set(proof.terminal.valueHash, o + 32);
  }
  return out;
}

/**
 * Strict inverse of {@link encodeProof}: refuses unknown versions and kinds, depth > 256, set
 * padding bits, explicit all-zero siblings and trailing or missing bytes.
 * @throws StateError `STATE_PROOF_MALFORMED`.
 */
export function decodeProof(bytes: Uint8Array): SmtProof {
  const bad = (why: string, meta: Record<string, number> = {}): never => {
    throw new StateError('STATE_PROOF_MALFORMED', why, meta);
  };
  if (bytes.length < 4)
    bad(`proof length ${bytes.length} is below the 4-byte header`, { length: bytes.length });
  if (bytes[0] !== PROOF_VERSION)
    bad(`proof version ${bytes[0]} is not ${PROOF_VERSION}`, { version: bytes[0]! });
  const kind = bytes[1]!;
  if (kind > 1) bad(`terminal kind ${kind} is not 0 (empty) or 1 (leaf)`, { kind });
  const depth = (bytes[2]! << 8) | bytes[3]!;
  if (depth > MAX_PROOF_DEPTH) bad(`proof depth ${depth} exceeds ${MAX_PROOF_DEPTH}`, { depth });
  const bitmapLen = (depth + 7) >> 3;
  if (bytes.length < 4 + bitmapLen) bad(`proof truncated in its bitmap (length ${bytes.length})`);
  let nonEmpty = 0;
  for (let i = 0; i < bitmapLen * 8; i++) {
    const bit = (bytes[4 + (i >> 3)]! >> (7 - (i & 7))) & 1;
    if (bit === 1 && i >= depth) bad(`bitmap padding bit ${i} is set (depth ${depth})`, { bit: i, depth });
    nonEmpty += bit;
  }
  const expected = 4 + bitmapLen + 32 * nonEmpty + (kind === 1 ? 64 : 0);
  if (bytes.length !== expected) {
    bad(`proof length ${bytes.length}, expected ${expected} for depth ${depth}`, {
      length: bytes.length,
      expected,
    });
  }
  const siblings: Uint8Array[] = [];
  let o = 4 + bitmapLen;
  for (let i = 0; i < depth; i++) {
    if ((bytes[4 + (i >> 3)]! >> (7 - (i & 7))) & 1) {
      const s = bytes.slice(o, o + 32);
      if (isZero32(s)) bad(`sibling ${i} is flagged non-empty but is all zero`, { sibling: i });
      siblings.push(s);
      o += 32;
    } else {
      siblings.push(EMPTY_HASH);
    }
  }
  const terminal: SmtTerminal =
    kind === 1
      ? { kind: 'leaf', keyHash: bytes.slice(o, o + 32), valueHash: bytes.slice(o + 32, o + 64) }
      : { kind: 'empty' };
  return { siblings, terminal };
}

/** {@link encodeProof} as lowercase hex (no `0x`), for JSON answers. */
export function proofToHex(proof: SmtProof): string {
  return bytesToHex(encodeProof(proof));
}

/**
 * {@link decodeProof} of a hex string (an optional `0x` is accepted).
 * @throws StateError `STATE_BAD_HEX` or `STATE_PROOF_MALFORMED`.
 */
export function proofFromHex(hex: string): SmtProof {
  return decodeProof(hexToBytes(hex.startsWith('0x') ? hex.slice(2) : hex, 'proof'));
}
