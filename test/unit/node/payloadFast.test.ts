/**
 * decodeAppPayload's direct DEPOSIT reader against its general path (`fastPath: false`: viem's ABI
 * decoder plus the re-encoding check): random DEPOSIT values encoded by viem, and byte mutations of
 * them (dirty padding, other kinds, lengths), give the same payload or the same BridgeError.
 */
import fc from 'fast-check';
import { encodeAbiParameters } from 'viem';
import { describe, expect, it } from 'vitest';
import { BridgeError, decodeAppPayload, hexToBytes, PAYLOAD_ABI } from '../../../bridge/index.ts';

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function outcome(body: Uint8Array, fastPath: boolean, direction?: 'inbound' | 'outbound'): Outcome {
  try {
    return {
      ok: true,
      value: decodeAppPayload(body, { fastPath, ...(direction !== undefined ? { direction } : {}) }),
    };
  } catch (e) {
    if (!(e instanceof BridgeError)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => `0x${Buffer.from(b).toString('hex')}`);

const deposit = fc
  .tuple(
    address,
    address,
    fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  )
  .map(([depositor, token, amount, nonce]) =>
    Uint8Array.from([
      0x01,
      ...hexToBytes(
        encodeAbiParameters(PAYLOAD_ABI.DEPOSIT, [
          depositor as `0x${string}`,
          token as `0x${string}`,
          amount,
          nonce,
        ]),
        'abi',
      ),
    ]),
  );

describe('DEPOSIT fast path', () => {
  it('gives the general path result for every canonical DEPOSIT', () => {
    fc.assert(
      fc.property(
        deposit,
        fc.constantFrom(undefined, 'inbound' as const, 'outbound' as const),
        (body, dir) => {
          const fast = outcome(body, true, dir);
          expect(fast).toEqual(outcome(body, false, dir));
          if (dir !== 'outbound') expect(fast.ok).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('agrees on mutations: any byte changed, truncated, extended, other kind bytes', () => {
    fc.assert(
      fc.property(deposit, fc.nat({ max: 128 }), fc.integer({ min: 1, max: 255 }), (body, at, x) => {
        const flipped = body.slice();
        flipped[at]! ^= x;
        for (const b of [flipped, body.subarray(0, at), Uint8Array.from([...body, x])]) {
          expect(outcome(b, true, 'inbound'), `at ${at} x ${x}`).toEqual(outcome(b, false, 'inbound'));
        }
      }),
      { numRuns: 600 },
    );
  });
});
