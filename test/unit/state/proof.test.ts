import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeProof,
  EMPTY_HASH,
  encodeProof,
  hashKey,
  hashLeaf,
  hashNode,
  isStateError,
  proofFromHex,
  proofToHex,
  type SmtProof,
  sha256,
  verifyProof,
} from '../../../state/index.ts';

// Independent reference: node's createHash over hand-built preimages.
const H = (...parts: (Uint8Array | number[])[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p instanceof Uint8Array ? p : Uint8Array.from(p));
  return new Uint8Array(h.digest());
};
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('hash functions', () => {
  it('noble sha256 (proof.ts) equals native sha256 (tree) on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(hashKey(data)).toEqual(H(data));
        expect(new Uint8Array(sha256(data))).toEqual(H(data));
      }),
    );
  });

  it('sha256("abc") is the FIPS 180-2 vector', () => {
    expect(Buffer.from(hashKey(enc('abc'))).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('leaf and node hashes are domain-separated preimages', () => {
    const k = H(enc('k'));
    const v = H(enc('v'));
    expect(hashLeaf(k, v)).toEqual(H([0], k, v));
    expect(hashNode(k, v)).toEqual(H([1], k, v));
    expect(hashLeaf(k, v)).not.toEqual(hashNode(k, v));
  });
});

describe('verifyProof on hand-built trees', () => {
  const key = enc('alice');
  const value = enc('100');
  const kh = H(key);
  const leaf = H([0], kh, H(value));

  it('empty tree: root is 32 zero bytes and proves any key absent', () => {
    const p: SmtProof = { siblings: [], terminal: { kind: 'empty' } };
    expect(verifyProof(EMPTY_HASH, key, undefined, p)).toBe(true);
    expect(verifyProof(EMPTY_HASH, key, value, p)).toBe(false);
  });

  it('one key: the root is its leaf; another key is absent by that leaf', () => {
    const p: SmtProof = { siblings: [], terminal: { kind: 'leaf', keyHash: kh, valueHash: H(value) } };
    expect(verifyProof(leaf, key, value, p)).toBe(true);
    expect(verifyProof(leaf, key, enc('101'), p)).toBe(false);
    expect(verifyProof(leaf, key, undefined, p)).toBe(false);
    expect(verifyProof(leaf, enc('bob'), undefined, p)).toBe(true);
  });

  it('two keys: root is the chain of nodes down to their first differing bit', () => {
    // Find a second key whose hash differs from alice's first at bit 2.
    const bit = (h: Uint8Array, i: number) => (h[i >> 3]! >> (7 - (i & 7))) & 1;
    let other = enc('');
    for (let i = 0; ; i++) {
      other = enc(`k${i}`);
      const oh = H(other);
      if (bit(oh, 0) === bit(kh, 0) && bit(oh, 1) === bit(kh, 1) && bit(oh, 2) !== bit(kh, 2)) break;
    }
    const ov = enc('7');
    const oleaf = H([0], H(other), H(ov));
    const n2 = bit(kh, 2) === 0 ? H([1], leaf, oleaf) : H([1], oleaf, leaf);
    const n1 = bit(kh, 1) === 0 ? H([1], n2, EMPTY_HASH) : H([1], EMPTY_HASH, n2);
    const root = bit(kh, 0) === 0 ? H([1], n1, EMPTY_HASH) : H([1], EMPTY_HASH, n1);
    const p: SmtProof = {
      siblings: [EMPTY_HASH, EMPTY_HASH, oleaf],
      terminal: { kind: 'leaf', keyHash: kh, valueHash: H(value) },
    };
    expect(verifyProof(root, key, value, p)).toBe(true);
    expect(verifyProof(root, key, value, encodeProof(p))).toBe(true);
    // Claiming the other leaf one level too high does not fold to the root.
    expect(verifyProof(root, key, value, { ...p, siblings: [EMPTY_HASH, oleaf] })).toBe(false);
    // Against the subtree root the full-depth path does not fold either.
    expect(verifyProof(n2, key, value, p)).toBe(false);
  });

  it('an absence proof by another leaf must share the path down to its depth', () => {
    const p: SmtProof = {
      siblings: [EMPTY_HASH],
      terminal: { kind: 'leaf', keyHash: kh, valueHash: H(value) },
    };
    const root = (kh[0]! & 0x80) === 0 ? H([1], leaf, EMPTY_HASH) : H([1], EMPTY_HASH, leaf);
    // A key whose first bit differs from alice's cannot be proven absent by alice's leaf at depth 1.
    let far = enc('');
    for (let i = 0; ; i++) {
      far = enc(`f${i}`);
      if ((H(far)[0]! & 0x80) !== (kh[0]! & 0x80)) break;
    }
    expect(verifyProof(root, far, undefined, p)).toBe(false);
  });
});

describe('proof codec', () => {
  const arbHash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const arbSibling = fc.oneof(
    fc.constant(EMPTY_HASH),
    arbHash.filter((h) => h.some((x) => x !== 0)),
  );
  const arbProof: fc.Arbitrary<SmtProof> = fc.record({
    siblings: fc.array(arbSibling, { maxLength: 40 }),
    terminal: fc.oneof(
      fc.constant({ kind: 'empty' as const }),
      fc.record({ kind: fc.constant('leaf' as const), keyHash: arbHash, valueHash: arbHash }),
    ),
  });

  it('round-trips bytes and hex', () => {
    fc.assert(
      fc.property(arbProof, (p) => {
        const bytes = encodeProof(p);
        const d = decodeProof(bytes);
        expect(d.siblings.map((s) => [...s])).toEqual(p.siblings.map((s) => [...s]));
        expect(encodeProof(d)).toEqual(bytes);
        expect(encodeProof(proofFromHex(proofToHex(p)))).toEqual(bytes);
        expect(encodeProof(proofFromHex(`0x${proofToHex(p)}`))).toEqual(bytes);
      }),
    );
  });

  it('an empty sibling costs one bit, a non-empty one 32 bytes', () => {
    const s = new Uint8Array(32).fill(7);
    expect(encodeProof({ siblings: [EMPTY_HASH, s, EMPTY_HASH], terminal: { kind: 'empty' } }).length).toBe(
      4 + 1 + 32,
    );
  });

  const malformed: [string, Uint8Array][] = [
    ['too short', Uint8Array.of(1, 0, 0)],
    ['unknown version', Uint8Array.of(2, 0, 0, 0)],
    ['unknown terminal kind', Uint8Array.of(1, 2, 0, 0)],
    ['depth above 256', Uint8Array.of(1, 0, 1, 1, ...new Uint8Array(33))],
    ['trailing byte', Uint8Array.of(1, 0, 0, 0, 0)],
    ['missing leaf', Uint8Array.of(1, 1, 0, 0)],
    ['padding bit set', Uint8Array.of(1, 0, 0, 1, 0x40)],
    ['explicit zero sibling', Uint8Array.of(1, 0, 0, 1, 0x80, ...new Uint8Array(32))],
    ['bitmap truncated', Uint8Array.of(1, 0, 0, 9, 0)],
  ];
  it.each(malformed)('decodeProof refuses %s with STATE_PROOF_MALFORMED', (_name, bytes) => {
    expect(() => decodeProof(bytes)).toThrow(expect.objectContaining({ code: 'STATE_PROOF_MALFORMED' }));
    expect(verifyProof(EMPTY_HASH, enc('x'), undefined, bytes)).toBe(false);
  });

  it('proofFromHex refuses non-hex with STATE_BAD_HEX', () => {
    let err: unknown;
    try {
      proofFromHex('01zz');
    } catch (e) {
      err = e;
    }
    expect(isStateError(err, 'STATE_BAD_HEX')).toBe(true);
  });
});

describe('portability of the verifier', () => {
  it.each(['proof.ts', 'bytes.ts', 'errors.ts', 'types.ts'])(
    'state/%s imports nothing from node or level',
    (f) => {
      const src = readFileSync(new URL(`../../../state/${f}`, import.meta.url), 'utf8');
      const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const i of imports)
        expect(i.startsWith('./') || i === '@noble/hashes/sha2', `${f} imports ${i}`).toBe(true);
      expect(src).not.toMatch(/\bBuffer\b|\bprocess\b/);
    },
  );
});
