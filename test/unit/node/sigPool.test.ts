/**
 * The signature pool: `signDocBytes` against cosmjs-types' SignDoc encoder, and the pool's answers
 * (worker threads and inline) against direct native `ecdsaVerify` calls on valid, tampered and
 * malformed inputs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignDoc } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import fc from 'fast-check';
import secp from 'secp256k1';
import { afterAll, describe, expect, it } from 'vitest';
import { SIGN_DOC_FAST_MAX_ACCOUNT, SigPool, signDocBytes } from '../../../chain/node/sigPool.ts';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

describe('signDocBytes', () => {
  it('equals SignDoc.encode for random parts and account numbers in range', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ maxLength: 30 }),
        fc.oneof(
          fc.bigInt({ min: 0n, max: 300n }),
          fc.bigInt({ min: 0n, max: SIGN_DOC_FAST_MAX_ACCOUNT }),
          fc.constantFrom(0n, 127n, 128n, 16383n, 16384n, SIGN_DOC_FAST_MAX_ACCOUNT),
        ),
        (body, auth, chainId, accountNumber) => {
          const want = SignDoc.encode({
            bodyBytes: body,
            authInfoBytes: auth,
            chainId,
            accountNumber,
          }).finish();
          const got = signDocBytes(body, auth, new TextEncoder().encode(chainId), accountNumber);
          expect(Buffer.from(got).toString('hex')).toBe(Buffer.from(want).toString('hex'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses account numbers outside its range', () => {
    expect(() => signDocBytes(new Uint8Array(1), new Uint8Array(1), new Uint8Array(1), 1n << 31n)).toThrow(
      RangeError,
    );
    expect(() => signDocBytes(new Uint8Array(1), new Uint8Array(1), new Uint8Array(1), -1n)).toThrow(
      RangeError,
    );
  });
});

interface Case {
  label: string;
  doc: Uint8Array;
  sig: Uint8Array;
  pub: Uint8Array;
}

function cases(n: number): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const key = randomBytes(32);
    const pub = secp.publicKeyCreate(key, true);
    const doc = randomBytes(50 + (i % 200));
    const { signature } = secp.ecdsaSign(sha256(doc), key);
    const kind = i % 6;
    if (kind === 0 || kind === 1) out.push({ label: `valid ${i}`, doc, sig: signature, pub });
    else if (kind === 2) {
      const bad = new Uint8Array(signature);
      bad[i % 64]! ^= 1;
      out.push({ label: `flipped signature ${i}`, doc, sig: bad, pub });
    } else if (kind === 3) {
      const other = new Uint8Array(doc);
      other[0]! ^= 0x80;
      out.push({ label: `other document ${i}`, doc: other, sig: signature, pub });
    } else if (kind === 4) {
      out.push({
        label: `uncompressed key ${i}`,
        doc,
        sig: signature,
        pub: secp.publicKeyConvert(pub, false),
      });
    } else {
      out.push({ label: `short signature ${i}`, doc, sig: signature.subarray(0, 63), pub });
    }
  }
  return out;
}

function direct(c: { sig: Uint8Array; digest: Uint8Array; pub: Uint8Array }): boolean {
  try {
    return secp.ecdsaVerify(c.sig, c.digest, c.pub);
  } catch {
    return false;
  }
}

describe('SigPool', () => {
  const pools = [new SigPool({ threads: 2, maxBatch: 7 }), new SigPool({ threads: 0 })];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  for (const [name, pool] of [
    ['2 worker threads', pools[0]!],
    ['inline', pools[1]!],
  ] as const) {
    it(`${name}: answers as the native call does, by document and by digest`, async () => {
      const cs = cases(120);
      const byDoc = await Promise.all(cs.map((c) => pool.verifyDoc(c.doc, c.sig, c.pub)));
      const byDigest = await Promise.all(cs.map((c) => pool.verify(sha256(c.doc), c.sig, c.pub)));
      let valid = 0;
      cs.forEach((c, i) => {
        const want = direct({ sig: c.sig, digest: sha256(c.doc), pub: c.pub });
        if (want) valid++;
        expect(byDoc[i], `${c.label} by document`).toBe(want);
        expect(byDigest[i], `${c.label} by digest`).toBe(want);
      });
      // Valid ones: indexes 0, 1 and the uncompressed key (4) of every 6.
      expect(valid).toBe(60);
    });
  }
});

describe('SigPool after close', () => {
  it('answers queued and later requests inline', async () => {
    const pool = new SigPool({ threads: 1 });
    const [c] = cases(1);
    const pending = pool.verifyDoc(c!.doc, c!.sig, c!.pub);
    await pool.close();
    expect(await pending).toBe(true);
    expect(await pool.verifyDoc(c!.doc, c!.sig, c!.pub)).toBe(true);
    const bad = new Uint8Array(c!.sig);
    bad[5]! ^= 1;
    expect(await pool.verifyDoc(c!.doc, bad, c!.pub)).toBe(false);
  });
});
