/**
 * The relayer's retry schedule: `min(maxMs, baseMs × 2^attempt)`, so seconds at first and minutes
 * after a few failures (defaults 1 s … 5 min), with up to `jitter` of random spread so racing
 * relayers do not retry in lockstep.
 */

/** Options of {@link retryDelayMs}. */
export interface RetrySchedule {
  /** Delay after the first failure (default 1000 ms). */
  readonly baseMs?: number;
  /** Upper bound (default 300 000 ms). */
  readonly maxMs?: number;
  /** Fraction of random spread added, 0…1 (default 0.1). */
  readonly jitter?: number;
}

/** Milliseconds to wait after `attempt` failures (attempt ≥ 1). `random` is injectable for tests. */
export function retryDelayMs(
  attempt: number,
  s: RetrySchedule = {},
  random: () => number = Math.random,
): number {
  const base = s.baseMs ?? 1000;
  const max = s.maxMs ?? 300_000;
  const exp = Math.min(30, Math.max(0, attempt - 1));
  const d = Math.min(max, base * 2 ** exp);
  return Math.round(d * (1 + (s.jitter ?? 0.1) * random()));
}
