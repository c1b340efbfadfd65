/**
 * Aggregation of one feed's observations into a price: valid signers only, one observation per
 * signer (a signer's second observation of the feed in the same update is refused), inside the
 * time window around block time, then the median — for an even count the lower middle, so the
 * result is always an observed value. Confidence and timestamp are medians the same way.
 *
 * Large moves: when the new median moves more than `maxJumpPpm` from the stored price, it needs
 * `superMajority` observations instead of `minObservations`. It is never simply refused.
 */
import type { OracleConfig, OraclePrice } from './codec.ts';

export interface ValidObservation {
  signerHex: string;
  value: bigint;
  confidence: bigint;
  timestampMs: bigint;
}

export type AggregateResult =
  | { ok: true; value: bigint; confidence: bigint; timestampMs: bigint; count: number; jump: boolean }
  | { ok: false; reason: 'TOO_FEW' | 'JUMP_NEEDS_SUPER_MAJORITY'; count: number; needed: number };

function lowerMedian(xs: bigint[]): bigint {
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return s[(s.length - 1) >> 1]!;
}

const abs = (x: bigint) => (x < 0n ? -x : x);

/** Aggregates observations already checked for signer, window and uniqueness. */
export function aggregate(
  obs: readonly ValidObservation[],
  config: OracleConfig,
  previous: OraclePrice | undefined,
): AggregateResult {
  const count = obs.length;
  if (count < config.minObservations)
    return { ok: false, reason: 'TOO_FEW', count, needed: config.minObservations };
  const value = lowerMedian(obs.map((o) => o.value));
  const confidence = lowerMedian(obs.map((o) => o.confidence));
  const timestampMs = lowerMedian(obs.map((o) => o.timestampMs));
  let jump = false;
  if (previous !== undefined) {
    const prev = BigInt(previous.value);
    // |new − prev| · 1e6 > maxJumpPpm · |prev|  (exact integers; a zero previous price always jumps)
    jump = prev === 0n ? value !== 0n : abs(value - prev) * 1_000_000n > config.maxJumpPpm * abs(prev);
    if (jump && count < config.superMajority) {
      return { ok: false, reason: 'JUMP_NEEDS_SUPER_MAJORITY', count, needed: config.superMajority };
    }
  }
  return { ok: true, value, confidence, timestampMs, count, jump };
}

/** What a stale price stops, in the order DESIGN gives. */
export interface Staleness {
  /** Withdrawals and allowances stop first. */
  blocksWithdrawals: boolean;
  /** Liquidations stop later, and resume only after the grace period past a fresh price. */
  blocksLiquidations: boolean;
}

/**
 * Staleness of a price at `nowMs`. `freshSinceMs` is when the feed last became fresh again after
 * having been stale for liquidations (undefined if it never was), for the grace period.
 */
export function staleness(
  price: OraclePrice | undefined,
  nowMs: bigint,
  config: OracleConfig,
  freshSinceMs?: bigint,
): Staleness {
  if (price === undefined) return { blocksWithdrawals: true, blocksLiquidations: true };
  const age = nowMs - price.timestampMs;
  const inGrace = freshSinceMs !== undefined && nowMs - freshSinceMs < config.liquidationGraceMs;
  return {
    blocksWithdrawals: age > config.staleWithdrawalsMs,
    blocksLiquidations: age > config.staleLiquidationsMs || inGrace,
  };
}
