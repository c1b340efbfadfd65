/**
 * Recovery rejects exactly what OpenZeppelin 4.9.3 ECDSA.tryRecover rejects; accepted signatures
 * recover to the same address as viem (pure JS). The reference rules are restated in fixtures.ts.
 */
import fc from 'fast-check';
import { recoverAddress, keccak256 as viemKeccak } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  addressOfPrivateKey,
  bytesToHex,
  isBridgeError,
  isNativeSecp256k1,
  recoverSigner,
  SECP256K1_HALF_N,
  signDigest,
  tryRecoverSigner,
  ZERO_ADDRESS,
} from '../../../bridge/index.ts';
import { ADDRS, KEYS, N, toHighS } from './fixtures.ts';

const digest = viemKeccak('0x1234');
const fromBig = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));

describe('signature recovery (OpenZeppelin ECDSA rules)', () => {
  it('uses the native binding', () => {
    expect(isNativeSecp256k1()).toBe(true);
  });

  it('signs low-s with v 27/28 and recovers the signer; viem agrees', async () => {
    for (let k = 0; k < KEYS.length; k++) {
      const sig = signDigest(KEYS[k]!, digest);
      expect(sig.length).toBe(65);
      expect([27, 28]).toContain(sig[64]);
      expect(BigInt(bytesToHex(sig.subarray(32, 64))) <= SECP256K1_HALF_N).toBe(true);
      expect(recoverSigner(digest, sig)).toBe(ADDRS[k]);
      expect(addressOfPrivateKey(KEYS[k]!)).toBe(ADDRS[k]);
      expect((await recoverAddress({ hash: digest, signature: bytesToHex(sig) })).toLowerCase()).toBe(
        ADDRS[k],
      );
    }
  });

  it('rejection table', async () => {
    const good = signDigest(KEYS[0], digest);
    const mut = (f: (s: Uint8Array) => void) => {
      const s = good.slice();
      f(s);
      return s;
    };
    const high = toHighS(good);
    // The high-s twin is a valid ECDSA signature by the same key (viem recovers it): OZ refuses it anyway.
    expect((await recoverAddress({ hash: digest, signature: bytesToHex(high) })).toLowerCase()).toBe(
      ADDRS[0],
    );
    const table: [string, Uint8Array, string][] = [
      ['64 bytes', good.subarray(0, 64), 'BRIDGE_SIG_LENGTH'],
      ['66 bytes', new Uint8Array([...good, 0]), 'BRIDGE_SIG_LENGTH'],
      ['empty', new Uint8Array(0), 'BRIDGE_SIG_LENGTH'],
      ['high-s twin', high, 'BRIDGE_SIG_HIGH_S'],
      ['s = n/2 + 1', mut((s) => s.set(fromBig(SECP256K1_HALF_N + 1n), 32)), 'BRIDGE_SIG_HIGH_S'],
      [
        'high-s and v = 0 (s checked first)',
        mut((s) => {
          s.set(high.subarray(32, 64), 32);
          s[64] = 0;
        }),
        'BRIDGE_SIG_HIGH_S',
      ],
      [
        'v = 0',
        mut((s) => {
          s[64] = 0;
        }),
        'BRIDGE_SIG_BAD_V',
      ],
      [
        'v = 1',
        mut((s) => {
          s[64] = 1;
        }),
        'BRIDGE_SIG_BAD_V',
      ],
      [
        'v = 29',
        mut((s) => {
          s[64] = 29;
        }),
        'BRIDGE_SIG_BAD_V',
      ],
      ['r = 0', mut((s) => s.fill(0, 0, 32)), 'BRIDGE_SIG_INVALID'],
      ['s = 0', mut((s) => s.fill(0, 32, 64)), 'BRIDGE_SIG_INVALID'],
      ['r = n', mut((s) => s.set(fromBig(N), 0)), 'BRIDGE_SIG_INVALID'],
      ['r = 2^256 − 1', mut((s) => s.fill(0xff, 0, 32)), 'BRIDGE_SIG_INVALID'],
      // x = 5 is not on secp256k1 (5³ + 7 = 132 is no square mod p), so no key recovers.
      ['r with no curve point', mut((s) => s.set(fromBig(5n), 0)), 'BRIDGE_SIG_INVALID'],
    ];
    for (const [name, sig, want] of table) {
      const r = tryRecoverSigner(digest, sig);
      expect(r, name).toEqual({ address: ZERO_ADDRESS, error: want });
      try {
        recoverSigner(digest, sig);
        expect.unreachable(name);
      } catch (e) {
        expect(isBridgeError(e) && e.code, name).toBe(want);
      }
    }
    // s = n/2 exactly is allowed by OpenZeppelin (s > n/2 is refused).
    const edge = tryRecoverSigner(
      digest,
      mut((s) => s.set(fromBig(SECP256K1_HALF_N), 32)),
    );
    expect(edge.error === null || edge.error === 'BRIDGE_SIG_INVALID').toBe(true);
    expect(edge.error).not.toBe('BRIDGE_SIG_HIGH_S');
  });

  it('any (key, digest): native recovery equals viem; v flip gives another address', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: N - 1n }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (k, d) => {
          const key = fromBig(k);
          const sig = signDigest(key, d);
          const ours = recoverSigner(d, sig);
          expect(ours).toBe(addressOfPrivateKey(key));
          expect(ours).toBe(
            (await recoverAddress({ hash: bytesToHex(d), signature: bytesToHex(sig) })).toLowerCase(),
          );
          const flipped = sig.slice();
          flipped[64] = sig[64] === 27 ? 28 : 27;
          const other = tryRecoverSigner(d, flipped);
          expect(other.address).not.toBe(ours);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('1,100 distinct signers (past the pubkey → address memo size) all recover correctly, twice', () => {
    const keys = Array.from({ length: 1100 }, (_, i) => fromBig(BigInt(i + 1) * 0x1234567n));
    const sigs = keys.map((k) => signDigest(k, digest));
    for (let round = 0; round < 2; round++) {
      keys.forEach((k, i) => {
        expect(recoverSigner(digest, sigs[i]!), `key ${i}`).toBe(addressOfPrivateKey(k));
      });
    }
    // Returned bytes are copies: mutating one does not change the next answer.
    const a = tryRecoverSigner(digest, sigs[0]!);
    expect(tryRecoverSigner(digest, sigs[0]!)).toEqual(a);
  });

  it('invalid private keys are typed errors', () => {
    expect(() => signDigest(new Uint8Array(32), digest)).toThrow(/BRIDGE_PRIVATE_KEY_INVALID/);
    expect(() => signDigest(fromBig(N), digest)).toThrow(/BRIDGE_PRIVATE_KEY_INVALID/);
    expect(() => signDigest('0x12', digest)).toThrow(/BRIDGE_INVALID_FIELD/);
    expect(() => tryRecoverSigner('0x12', new Uint8Array(65))).toThrow(/BRIDGE_INVALID_FIELD/);
  });
});
