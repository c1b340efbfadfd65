/**
 * chain/ledger: the signed amount encoding against an independent decoder written here (two's
 * complement via DataView is not it: sign byte + big-endian magnitude, read with BigInt('0x…')),
 * canonical-only decoding, and add / move / list / denoms.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountHolder,
  addBalance,
  balancesOf,
  collateralDenom,
  decodeAmount,
  encodeAmount,
  evmHolder,
  getBalance,
  LedgerError,
  moveHoldToAccount,
  moveStage,
  parseCollateralDenom,
  STAGE,
} from '../../../chain/index.ts';
import { bridgeState } from './fixtures.ts';

const T1 = new Uint8Array(20).fill(0xc1);
const T2 = new Uint8Array(20).fill(0xc2);

function independentDecode(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  const mag = BigInt(`0x${Buffer.from(b.subarray(1)).toString('hex')}`);
  return b[0] === 1 ? -mag : mag;
}

describe('ledger', () => {
  it('encodes signed amounts canonically (round trip and an independent decoder)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), (n) => {
        const e = encodeAmount(n);
        expect(independentDecode(e)).toBe(n);
        if (n !== 0n) expect(decodeAmount(e)).toBe(n);
        if (n !== 0n) expect(e[1]).not.toBe(0);
      }),
    );
    for (const bad of [Uint8Array.of(0), Uint8Array.of(2, 1), Uint8Array.of(0, 0, 1)]) {
      expect(() => decodeAmount(bad)).toThrow(LedgerError);
    }
  });

  it('adds, moves stages, lists by holder, moves holds, and refuses a negative move', async () => {
    const s = await bridgeState();
    const acct = accountHolder(new Uint8Array(20).fill(1));
    const evm = new Uint8Array(20).fill(2);
    addBalance(s, acct, 1, T1, STAGE.PROVISIONAL, 50n);
    addBalance(s, acct, 1, T1, STAGE.PROVISIONAL, -50n);
    expect([...s.entries(Uint8Array.of(0x09))]).toHaveLength(0); // zero leaves no key
    addBalance(s, evmHolder(evm), 2, T2, STAGE.FINAL, 7n);
    addBalance(s, evmHolder(evm), 1, T1, STAGE.PROVISIONAL, 5n);
    addBalance(s, acct, 1, T1, STAGE.PROVISIONAL, 1n);
    moveStage(s, acct, 1, T1, STAGE.PROVISIONAL, STAGE.FINAL, 1n);
    expect(() => moveStage(s, acct, 1, T1, STAGE.PROVISIONAL, STAGE.FINAL, 1n)).toThrow(LedgerError);
    const moved = moveHoldToAccount(s, evm, new Uint8Array(20).fill(1));
    expect(moved.map((e) => [e.domain, e.amount])).toEqual([
      [1, 5n],
      [2, 7n],
    ]);
    expect(balancesOf(s, acct).map((e) => [e.domain, e.stage, e.amount])).toEqual([
      [1, STAGE.PROVISIONAL, 5n],
      [1, STAGE.FINAL, 1n],
      [2, STAGE.FINAL, 7n],
    ]);
    expect(getBalance(s, evmHolder(evm), 2, T2, STAGE.FINAL)).toBe(0n);
  });

  it('names collateral denoms and parses them back', () => {
    const d = collateralDenom(31337, T1, STAGE.PROVISIONAL);
    expect(d).toBe(`col/31337/0x${'c1'.repeat(20)}/provisional`);
    expect(collateralDenom(31337, T1, STAGE.FINAL)).toBe(`col/31337/0x${'c1'.repeat(20)}`);
    expect(parseCollateralDenom(d)).toEqual({ domain: 31337, token: T1, stage: STAGE.PROVISIONAL });
    for (const bad of [
      'col/1/0x12',
      `col/01/0x${'c1'.repeat(20)}`,
      'uumg',
      `col/4294967296/0x${'c1'.repeat(20)}`,
    ]) {
      expect(parseCollateralDenom(bad), bad).toBeUndefined();
    }
  });
});
