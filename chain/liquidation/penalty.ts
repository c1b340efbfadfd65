/**
 * Liquidation penalty and CLOSE_POSITION price limits: integer arithmetic with the rounding
 * direction written on each function (DESIGN.md "Liquidation": the penalty never exceeds the
 * equity above bankruptcy; CLOSE_POSITION carries a price limit of oracle ± a band).
 */
import { requireRange } from './errors.ts';

const ONE = 10n ** 18n;

/** Options of {@link liquidationPenalty}. */
export interface LiquidationPenaltyOpts {
  /** Account equity after the closes, micro-USD (the kernel's `MarginSummary.equity`). */
  readonly equityMicro: bigint;
  /** Notional closed by the liquidation, micro-USD, ≥ 0 (`LiquidationPlan.closedNotionalMicro`). */
  readonly closedNotionalMicro: bigint;
  /** Penalty rate on the closed notional, E18 (0.01e18 = 1 %), in [0, 1e18]. */
  readonly penaltyE18: bigint;
  /** Equity at which the account is bankrupt, micro-USD; default 0. */
  readonly bankruptcyMicro?: bigint;
}

/**
 * The liquidation penalty in micro-USD: ⌊closedNotional · penalty / 1e18⌋ (rounded down, in the
 * account's favour), capped at max(0, equity − bankruptcy) so it never takes the account below
 * its bankruptcy level (and is 0 for an account already at or below it).
 * Throws `LIQUIDATION_OUT_OF_RANGE` for a negative notional or a rate outside [0, 1e18].
 */
export function liquidationPenalty(opts: LiquidationPenaltyOpts): bigint {
  requireRange(opts.closedNotionalMicro >= 0n, 'closedNotionalMicro', opts.closedNotionalMicro, '≥ 0');
  requireRange(
    opts.penaltyE18 >= 0n && opts.penaltyE18 <= ONE,
    'penaltyE18',
    opts.penaltyE18,
    '0 ≤ penaltyE18 ≤ 1e18',
  );
  const raw = (opts.closedNotionalMicro * opts.penaltyE18) / ONE;
  const room = opts.equityMicro - (opts.bankruptcyMicro ?? 0n);
  const cap = room > 0n ? room : 0n;
  return raw < cap ? raw : cap;
}

/** The two shares of a penalty: the keeper's and the insurance fund's, micro-USD. */
export interface PenaltySplit {
  readonly keeper: bigint;
  readonly insurance: bigint;
}

/**
 * Splits a penalty between the keeper who sent `MsgLiquidate` and the insurance fund: keeper =
 * ⌊penalty · keeperShare / 1e18⌋ (rounded down), insurance = penalty − keeper (gets the rounding
 * dust). Automatic liquidations pass `keeperShareE18 = 0`. Throws `LIQUIDATION_OUT_OF_RANGE` for a
 * negative penalty or a share outside [0, 1e18].
 */
export function splitPenalty(penaltyMicro: bigint, keeperShareE18: bigint): PenaltySplit {
  requireRange(penaltyMicro >= 0n, 'penaltyMicro', penaltyMicro, '≥ 0');
  requireRange(
    keeperShareE18 >= 0n && keeperShareE18 <= ONE,
    'keeperShareE18',
    keeperShareE18,
    '0 ≤ keeperShareE18 ≤ 1e18',
  );
  const keeper = (penaltyMicro * keeperShareE18) / ONE;
  return { keeper, insurance: penaltyMicro - keeper };
}

/** Options of {@link priceLimit}. */
export interface PriceLimitOpts {
  /** Oracle price of the instrument being closed, E18 USD, > 0. */
  readonly oraclePriceE18: bigint;
  /** Allowed slippage band, E18 (0.02e18 = 2 %), in [0, 1e18]. */
  readonly bandE18: bigint;
  /** True when the close sells (the position is long), false when it buys (a short). */
  readonly closingLong: boolean;
}

/**
 * Worst acceptable execution price of a CLOSE_POSITION, E18 USD. Closing a long sells, so the limit
 * is a floor on the sale price: ⌊oracle · (1e18 − band) / 1e18⌋ (rounded down, never stricter than
 * the band). Closing a short buys, so the limit is a ceiling on the purchase price:
 * ⌈oracle · (1e18 + band) / 1e18⌉ (rounded up). Throws `LIQUIDATION_OUT_OF_RANGE` for a
 * non-positive oracle price or a band outside [0, 1e18].
 */
export function priceLimit(opts: PriceLimitOpts): bigint {
  requireRange(opts.oraclePriceE18 > 0n, 'oraclePriceE18', opts.oraclePriceE18, '> 0');
  requireRange(opts.bandE18 >= 0n && opts.bandE18 <= ONE, 'bandE18', opts.bandE18, '0 ≤ bandE18 ≤ 1e18');
  if (opts.closingLong) return (opts.oraclePriceE18 * (ONE - opts.bandE18)) / ONE;
  const n = opts.oraclePriceE18 * (ONE + opts.bandE18);
  return (n + ONE - 1n) / ONE;
}
