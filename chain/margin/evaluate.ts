/**
 * An account's margin now, for the rules that gate an action inside a block (withdrawals,
 * allowances, keeper liquidations) and for queries: the portfolio is rebuilt from the current
 * view at block time, the risk arrays are those of the block's start (the cache's), so an oracle
 * update earlier in the same block takes effect at the end-block, on every node alike.
 *
 * Effective IM = the kernel's IM + the reserved allowance not yet replaced by positions (DESIGN
 * "Pre-trade gating"). Withdrawal equity = min(equity, equity without positions): provisional
 * collateral is left out first, and net unrealised gains of remote positions never count.
 */
import type { StateReader } from '../../state/types.ts';
import type { BridgeRuntime } from '../hyperlane/config.ts';
import { staleness } from '../oracle/aggregate.ts';
import type { OracleConfig } from '../oracle/codec.ts';
import { readOracleConfig, readPrice } from '../oracle/state.ts';
import { type MarginSummary, marginAccount, type Portfolio, RiskError } from '../risk/index.ts';
import type { MarginCache } from './cache.ts';
import type { MarginConfig } from './config.ts';
import { type AccountPortfolio, buildAccountPortfolio } from './portfolio.ts';
import { allowancesOf } from './records.ts';
import { spotFeed } from './snapshot.ts';

const ONE = 10n ** 18n;

/** A margin evaluation: the kernel summary plus the hub's additions. */
export interface Evaluation {
  readonly view: AccountPortfolio;
  readonly summary: MarginSummary;
  /** Reserved allowance not replaced by positions, µUSD. */
  readonly reservedMicro: bigint;
  /** summary.im + reservedMicro. */
  readonly imEff: bigint;
}

/** Why an evaluation is unavailable. */
export type EvaluationFailure =
  | { readonly reason: 'no_snapshot' }
  | { readonly reason: 'risk'; readonly error: RiskError };

/**
 * Standalone margin in use by `owner` on `domain` as the adapter measures it (|size| × price ×
 * imRate, rounded up, µUSD), with the oracle's spot for the risk price.
 */
export function allowanceUsageMicro(
  state: StateReader,
  view: AccountPortfolio,
  domain: number,
  owner: Uint8Array,
): bigint {
  let total = 0n;
  for (const p of view.positions) {
    if (p.domain !== domain || p.expired) continue;
    if (p.owner.length !== owner.length || !p.owner.every((b, i) => b === owner[i])) continue;
    const spot = readPrice(state, spotFeed(p.listing.instrument.underlying));
    if (spot === undefined) continue;
    const size = p.latestSizeE18 < 0n ? -p.latestSizeE18 : p.latestSizeE18;
    const num = size * BigInt(spot.value) * BigInt(p.listing.imRatePpm);
    // E18·E18·ppm → µUSD: / (1e18 · 1e18 · 1e6) · 1e6
    const den = ONE * ONE;
    total += num === 0n ? 0n : (num - 1n) / den + 1n;
  }
  return total;
}

/** Σ over the account's live allowances of max(0, amount − usage). */
export function reservedUnusedMicro(state: StateReader, view: AccountPortfolio, timeMs: bigint): bigint {
  let total = 0n;
  for (const a of allowancesOf(state, view.account)) {
    if (a.expirySec * 1000n <= timeMs) continue;
    const unused = BigInt(a.amountMicro) - allowanceUsageMicro(state, view, a.domain, a.owner);
    if (unused > 0n) total += unused;
  }
  return total;
}

/** Evaluates `portfolio` with the cache's arrays. */
export function evaluatePortfolio(
  cache: MarginCache,
  portfolio: Portfolio,
): { ok: true; summary: MarginSummary } | { ok: false; failure: EvaluationFailure } {
  const arrays = cache.kernel?.arrays ?? null;
  if (arrays === null) return { ok: false, failure: { reason: 'no_snapshot' } };
  try {
    return { ok: true, summary: marginAccount(portfolio, arrays) };
  } catch (e) {
    if (e instanceof RiskError) return { ok: false, failure: { reason: 'risk', error: e } };
    throw e;
  }
}

/** The account's margin now (see module doc). */
export function evaluateAccountNow(
  state: StateReader,
  cache: MarginCache,
  config: MarginConfig,
  bridge: BridgeRuntime,
  timeMs: bigint,
  account: Uint8Array,
  mutate?: (p: Portfolio) => Portfolio,
): { ok: true; value: Evaluation } | { ok: false; failure: EvaluationFailure } {
  const view = buildAccountPortfolio(state, config, { timeMs, bridge }, account);
  const r = evaluatePortfolio(cache, mutate === undefined ? view.portfolio : mutate(view.portfolio));
  if (!r.ok) return r;
  const reservedMicro = reservedUnusedMicro(state, view, timeMs);
  return {
    ok: true,
    value: { view, summary: r.summary, reservedMicro, imEff: r.summary.im + reservedMicro },
  };
}

/** Equity counted for withdrawals: min(with positions, without positions), provisional collateral out. */
export function withdrawalEquity(
  cache: MarginCache,
  portfolio: Portfolio,
): { ok: true; equity: bigint; summary: MarginSummary } | { ok: false; failure: EvaluationFailure } {
  const noProvisional: Portfolio = {
    ...portfolio,
    collateral: portfolio.collateral.filter((c) => c.stage === 'final' || c.amount < 0n),
  };
  const all = evaluatePortfolio(cache, noProvisional);
  if (!all.ok) return all;
  const cashOnly = evaluatePortfolio(cache, { ...noProvisional, options: [], perps: [] });
  if (!cashOnly.ok) return cashOnly;
  let e = all.summary.equity;
  if (cashOnly.summary.equity < e) e = cashOnly.summary.equity;
  return { ok: true, equity: e, summary: all.summary };
}

/** Oracle staleness for the feeds margin needs (stable + every underlying's spot). */
export function marginStaleness(
  state: StateReader,
  config: MarginConfig,
  timeMs: bigint,
): { withdrawals: boolean; liquidations: boolean; oracle: OracleConfig | undefined } {
  const oracle = readOracleConfig(state);
  if (oracle === undefined) return { withdrawals: true, liquidations: true, oracle };
  let w = false;
  let l = false;
  for (const f of [config.stableFeed, ...config.risk.underlyings.map(spotFeed)]) {
    const s = staleness(readPrice(state, f), timeMs, oracle);
    w ||= s.blocksWithdrawals;
    l ||= s.blocksLiquidations;
  }
  return { withdrawals: w, liquidations: l, oracle };
}
