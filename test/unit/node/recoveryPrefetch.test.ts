/**
 * CheckTx's recovery prefetch: `deliveryRecoveries` names exactly the (digest, signature) pairs the
 * delivery check recovers, `SigPool.recover` (workers and inline) answers as libsecp256k1 does,
 * primed results change no outcome, and the bridge/core memos (message id, checkpoint digest) hand
 * out fresh copies equal to a direct computation.
 */
import { createRequire } from 'node:module';
import { keccak_256 } from '@noble/hashes/sha3';
import type secp256k1Types from 'secp256k1';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  checkpointDigestFromParts,
  clearPrimedRecoveries,
  domainHashBytes,
  eip191DigestBytes,
  prepareMessage,
  primeRecovery,
} from '../../../bridge/index.ts';
import { checkProcessMessage, deliveryRecoveries, isChainError } from '../../../chain/index.ts';
import { SigPool } from '../../../chain/node/sigPool.ts';
import { bridgeState, FAST_KEYS, FINAL_KEYS, processMsg, simA, USDC_A } from '../hyperlane/fixtures.ts';

const native = createRequire(import.meta.url)('secp256k1/bindings') as typeof secp256k1Types;

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'OK';
  } catch (e) {
    if (isChainError(e)) return e.code;
    throw e;
  }
};

function nativeRecover(digest: Uint8Array, sig: Uint8Array): Uint8Array | null {
  try {
    return native.ecdsaRecover(sig.subarray(0, 64), sig[64]! - 27, digest, false);
  } catch {
    return null;
  }
}

function delivery(nonce: bigint) {
  const a = simA();
  const d = a.dispatch({
    kind: 'DEPOSIT',
    depositor: `0x${'d2'.repeat(20)}`,
    token: USDC_A,
    amount: 5n + nonce,
    depositNonce: nonce,
  });
  return { a, d };
}

afterEach(() => clearPrimedRecoveries());

describe('deliveryRecoveries', () => {
  it('names the digest the ISM signs (independent keccak) and the first threshold signatures', async () => {
    const state = await bridgeState();
    const { a, d } = delivery(1n);
    const meta = a.messageIdMetadata(d, FAST_KEYS.slice(0, 2));
    const recs = deliveryRecoveries(state, processMsg(d.message, meta, 1));
    expect(recs).toHaveLength(2);
    // Checkpoint digest written out: eip191(keccak(domainHash ‖ root ‖ u32 index ‖ messageId)).
    const pm = prepareMessage(d.message);
    const buf = new Uint8Array(100);
    buf.set(domainHashBytes(pm.origin, meta.subarray(0, 32)), 0);
    buf.set(meta.subarray(32, 68), 32);
    buf.set(keccak_256(d.message), 68);
    const want = eip191DigestBytes(keccak_256(buf));
    for (const [i, r] of recs.entries()) {
      expect(Buffer.from(r.digest).equals(Buffer.from(want)), `digest ${i}`).toBe(true);
      expect(
        Buffer.from(r.signature).equals(Buffer.from(meta.subarray(68 + 65 * i, 68 + 65 * (i + 1)))),
      ).toBe(true);
    }
  });

  it('is what the check consults: a primed result is used (a wrong one would change the outcome)', async () => {
    const state = await bridgeState();
    const { a, d } = delivery(2n);
    const msg = processMsg(d.message, a.messageIdMetadata(d, FAST_KEYS.slice(0, 2)), 1);
    expect(codeOf(() => checkProcessMessage(state, msg))).toBe('OK');
    // Proof that the pairs are the check's very recoveries: a deliberately false entry is honoured.
    const recs = deliveryRecoveries(state, msg);
    const stranger = native.publicKeyCreate(new Uint8Array(32).fill(9), false);
    primeRecovery(recs[0]!.digest, recs[0]!.signature, stranger);
    expect(codeOf(() => checkProcessMessage(state, msg))).not.toBe('OK');
    clearPrimedRecoveries();
    // The true results: same outcome as without priming.
    for (const r of recs) primeRecovery(r.digest, r.signature, nativeRecover(r.digest, r.signature));
    expect(codeOf(() => checkProcessMessage(state, msg))).toBe('OK');
  });

  it('with true primed results, every outcome equals the unprimed one (valid, tampered, wrong tier, junk)', async () => {
    const state = await bridgeState();
    const { a, d } = delivery(3n);
    const good = a.messageIdMetadata(d, FAST_KEYS.slice(0, 2));
    const tampered = good.slice();
    tampered[68 + 5]! ^= 1;
    const finalMeta = a.messageIdMetadata(d, FINAL_KEYS.slice(0, 2));
    const cases = [
      ['fast ok', processMsg(d.message, good, 1)],
      ['auto ok', processMsg(d.message, good, 0)],
      ['tampered', processMsg(d.message, tampered, 1)],
      ['final metadata on fast tier', processMsg(d.message, finalMeta, 1)],
      ['final ok', processMsg(d.message, finalMeta, 2)],
      ['short metadata', processMsg(d.message, good.subarray(0, 100), 1)],
      ['junk message', processMsg(new Uint8Array(80), good, 1)],
    ] as const;
    for (const [label, msg] of cases) {
      clearPrimedRecoveries();
      const plain = codeOf(() => checkProcessMessage(state, msg));
      for (const r of deliveryRecoveries(state, msg))
        primeRecovery(r.digest, r.signature, nativeRecover(r.digest, r.signature));
      expect(
        codeOf(() => checkProcessMessage(state, msg)),
        label,
      ).toBe(plain);
    }
  });
});

describe('SigPool.recover', () => {
  const pools = [new SigPool({ threads: 1 }), new SigPool({ threads: 0 })];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });
  it('answers as ecdsaRecover does, on workers and inline, mixed with verifications', async () => {
    const key = new Uint8Array(32).fill(3);
    const pub33 = native.publicKeyCreate(key, true);
    const items = Array.from({ length: 40 }, (_, i) => {
      const digest = keccak_256(new Uint8Array([i]));
      const s = native.ecdsaSign(digest, key);
      const sig = new Uint8Array([...s.signature, 27 + s.recid]);
      if (i % 4 === 1) sig[64] = 27 + (1 - s.recid); // the other key
      if (i % 4 === 2) sig[64] = 35; // recovery id out of range: throws
      if (i % 4 === 3) sig.fill(0, 0, 32); // r = 0: throws
      return { digest, sig, s };
    });
    for (const pool of pools) {
      const [recovered, verified] = await Promise.all([
        Promise.all(items.map((x) => pool.recover(x.digest, x.sig))),
        Promise.all(items.map((x) => pool.verify(x.digest, x.s.signature, pub33))),
      ]);
      items.forEach((x, i) => {
        const want = nativeRecover(x.digest, x.sig);
        expect(recovered[i] === null ? null : Buffer.from(recovered[i]!).toString('hex'), `item ${i}`).toBe(
          want === null ? null : Buffer.from(want).toString('hex'),
        );
        expect(verified[i], `verify ${i}`).toBe(true);
      });
      expect(recovered.filter((r) => r !== null)).toHaveLength(20);
    }
  });
});

describe('bridge/core memos', () => {
  it('checkpoint digest and message id: equal to a direct computation, fresh copies each call', () => {
    const { d } = delivery(4n);
    const hook = new Uint8Array(32).fill(1);
    const root = new Uint8Array(32).fill(2);
    const id = keccak_256(d.message);
    const direct = () => {
      const buf = new Uint8Array(100);
      buf.set(domainHashBytes(1, hook), 0);
      buf.set(root, 32);
      buf.set([0, 0, 0, 7], 64);
      buf.set(id, 68);
      return eip191DigestBytes(keccak_256(buf));
    };
    const first = checkpointDigestFromParts(1, hook, root, 7, id);
    first.fill(0);
    const second = checkpointDigestFromParts(1, hook, root, 7, id);
    expect(Buffer.from(second).equals(Buffer.from(direct()))).toBe(true);
    expect(Buffer.from(checkpointDigestFromParts(1, hook, root, 8, id)).equals(Buffer.from(second))).toBe(
      false,
    );

    const p1 = prepareMessage(d.message);
    p1.idBytes.fill(0);
    const p2 = prepareMessage(d.message);
    expect(Buffer.from(p2.idBytes).equals(Buffer.from(keccak_256(d.message)))).toBe(true);
  });
});
