/**
 * Penalty, its split and CLOSE_POSITION price limits against hand-computed figures (worked out in
 * the comments, not by the code under test).
 */
import { describe, expect, it } from 'vitest';
import {
  isLiquidationError,
  liquidationPenalty,
  priceLimit,
  splitPenalty,
} from '../../../chain/liquidation/index.ts';

const E18 = 10n ** 18n;
const USD = 1_000_000n;

describe('liquidationPenalty', () => {
  const cases: {
    name: string;
    equityMicro: bigint;
    closedNotionalMicro: bigint;
    penaltyE18: bigint;
    bankruptcyMicro?: bigint;
    want: bigint;
  }[] = [
    // 2 % of $100,000 = $2,000, below the $5,000 of equity: not capped.
    {
      name: 'uncapped',
      equityMicro: 5_000n * USD,
      closedNotionalMicro: 100_000n * USD,
      penaltyE18: E18 / 50n,
      want: 2_000n * USD,
    },
    // $2,000 wanted, only $1,500 above bankruptcy at 0.
    {
      name: 'capped at equity',
      equityMicro: 1_500n * USD,
      closedNotionalMicro: 100_000n * USD,
      penaltyE18: E18 / 50n,
      want: 1_500n * USD,
    },
    // Bankrupt at $1,200: $1,500 − $1,200 = $300 is all that can be taken.
    {
      name: 'capped above bankruptcy',
      equityMicro: 1_500n * USD,
      closedNotionalMicro: 100_000n * USD,
      penaltyE18: E18 / 50n,
      bankruptcyMicro: 1_200n * USD,
      want: 300n * USD,
    },
    // Negative equity: nothing above bankruptcy, no penalty.
    {
      name: 'negative equity',
      equityMicro: -10n * USD,
      closedNotionalMicro: 100_000n * USD,
      penaltyE18: E18 / 50n,
      want: 0n,
    },
    // Equity below the bankruptcy level: max(0, 100 − 200) = 0.
    {
      name: 'below bankruptcy',
      equityMicro: 100n * USD,
      closedNotionalMicro: 100_000n * USD,
      penaltyE18: E18 / 50n,
      bankruptcyMicro: 200n * USD,
      want: 0n,
    },
    // 1 % of 333 µUSD = 3.33 µUSD, rounded down to 3.
    { name: 'rounds down', equityMicro: USD, closedNotionalMicro: 333n, penaltyE18: E18 / 100n, want: 3n },
    // 0.7 % of 999,999 µUSD = 6,999.993 → 6,999.
    {
      name: 'rounds down (2)',
      equityMicro: USD,
      closedNotionalMicro: 999_999n,
      penaltyE18: (7n * E18) / 1000n,
      want: 6_999n,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { name: _n, want, ...opts } = c;
      expect(liquidationPenalty(opts), c.name).toBe(want);
    });
  }

  it('rejects a negative notional and a rate above 100 %, naming the field', () => {
    expect(() =>
      liquidationPenalty({ equityMicro: USD, closedNotionalMicro: -1n, penaltyE18: E18 / 100n }),
    ).toThrow(/closedNotionalMicro.*-1.*≥ 0/);
    try {
      liquidationPenalty({ equityMicro: USD, closedNotionalMicro: 1n, penaltyE18: E18 + 1n });
      expect.unreachable();
    } catch (e) {
      expect(isLiquidationError(e, 'LIQUIDATION_OUT_OF_RANGE')).toBe(true);
      expect((e as Error).message).toContain('penaltyE18');
    }
  });
});

describe('splitPenalty', () => {
  it('keeper rounded down, the insurance fund gets the rest', () => {
    // 25 % of 1,001 = 250.25 → keeper 250, insurance 751.
    expect(splitPenalty(1_001n, E18 / 4n)).toEqual({ keeper: 250n, insurance: 751n });
    // One third of 100 = 33.3 → 33 and 67.
    expect(splitPenalty(100n, E18 / 3n)).toEqual({ keeper: 33n, insurance: 67n });
    // Automatic liquidation: all to the fund; keeper share 100 %: all to the keeper.
    expect(splitPenalty(2_000n * USD, 0n)).toEqual({ keeper: 0n, insurance: 2_000n * USD });
    expect(splitPenalty(2_000n * USD, E18)).toEqual({ keeper: 2_000n * USD, insurance: 0n });
  });

  it('rejects a share outside [0, 1e18] and a negative penalty', () => {
    expect(() => splitPenalty(1n, E18 + 1n)).toThrow(/keeperShareE18/);
    expect(() => splitPenalty(1n, -1n)).toThrow(/keeperShareE18/);
    expect(() => splitPenalty(-1n, 0n)).toThrow(/penaltyMicro/);
  });
});

describe('priceLimit', () => {
  const cases: { name: string; oracle: bigint; band: bigint; long: boolean; want: bigint }[] = [
    // 2,000 × 0.98 = 1,960 (sell floor); 2,000 × 1.02 = 2,040 (buy ceiling).
    { name: 'long 2 %', oracle: 2_000n * E18, band: E18 / 50n, long: true, want: 1_960n * E18 },
    { name: 'short 2 %', oracle: 2_000n * E18, band: E18 / 50n, long: false, want: 2_040n * E18 },
    // 3 wei × 0.5 = 1.5 → 1 (down); 3 × 1.5 = 4.5 → 5 (up).
    { name: 'long rounds down', oracle: 3n, band: E18 / 2n, long: true, want: 1n },
    { name: 'short rounds up', oracle: 3n, band: E18 / 2n, long: false, want: 5n },
    // 1,999,999,999,999,999,999 × 0.99 = 1,979,999,999,999,999,999.01 → …999.
    {
      name: 'long 1 % odd price',
      oracle: 1_999_999_999_999_999_999n,
      band: E18 / 100n,
      long: true,
      want: 1_979_999_999_999_999_999n,
    },
    // 1,999,999,999,999,999,999 × 1.01 = 2,019,999,999,999,999,998.99 → …999.
    {
      name: 'short 1 % odd price',
      oracle: 1_999_999_999_999_999_999n,
      band: E18 / 100n,
      long: false,
      want: 2_019_999_999_999_999_999n,
    },
    // Zero band: the oracle price itself either way.
    { name: 'zero band long', oracle: 1_234n * E18, band: 0n, long: true, want: 1_234n * E18 },
    { name: 'zero band short', oracle: 1_234n * E18, band: 0n, long: false, want: 1_234n * E18 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(priceLimit({ oraclePriceE18: c.oracle, bandE18: c.band, closingLong: c.long }), c.name).toBe(
        c.want,
      );
    });
  }

  it('rejects a non-positive oracle price and a band above 100 %', () => {
    expect(() => priceLimit({ oraclePriceE18: 0n, bandE18: 0n, closingLong: true })).toThrow(
      /oraclePriceE18/,
    );
    expect(() => priceLimit({ oraclePriceE18: E18, bandE18: E18 + 1n, closingLong: false })).toThrow(
      /bandE18/,
    );
  });
});
