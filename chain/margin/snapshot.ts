/**
 * The risk kernel's oracle snapshot, assembled from the committee's medians in state
 * (chain/oracle, feed names in its README) for the underlyings and expiries the margin config
 * lists. A feed that is absent leaves its part out: the kernel then reports RISK_MISSING_FEED for
 * the accounts that need it (their margin is unknown: no withdrawals, no allowance, no
 * liquidation), never a made-up price.
 */
import type { StateReader } from '../../state/types.ts';
import { readPrice } from '../oracle/state.ts';
import type { ExpiryFeed, OracleSnapshot, PriceFeed, SviFeed, UnderlyingFeed } from '../risk/index.ts';
import type { MarginConfig } from './config.ts';

const ONE = 10n ** 18n;

/** The spot feed id of an underlying: `<U>/USD`. */
export const spotFeed = (u: string) => `${u}/USD`;
/** The settlement-price feed of an expiry: `<U>/USD:settle:<expiry s>`. */
export const settleFeed = (u: string, expirySec: number) => `${u}/USD:settle:${expirySec}`;

function feed(state: StateReader, id: string): PriceFeed | undefined {
  const p = readPrice(state, id);
  if (p === undefined) return undefined;
  return {
    priceE18: BigInt(p.value),
    confidenceE18: BigInt(p.confidence),
    updatedAtSec: Number(p.timestampMs / 1000n),
  };
}

/** Every (underlying → sorted expiries) of the listed options that have not expired at `timeSec`. */
export function liveExpiries(config: MarginConfig, timeSec: number): Map<string, number[]> {
  const out = new Map<string, Set<number>>();
  for (const l of config.instruments) {
    const i = l.instrument;
    if (i.kind !== 'option' || i.expirySec <= timeSec) continue;
    let s = out.get(i.underlying);
    if (s === undefined) {
      s = new Set();
      out.set(i.underlying, s);
    }
    s.add(i.expirySec);
  }
  return new Map([...out].map(([u, s]) => [u, [...s].sort((a, b) => a - b)]));
}

/**
 * The snapshot at `timeSec` (the block time of the snapshot): stable price, per underlying spot,
 * perp (`<U>/USD:perp`, else spot) with funding (`<U>/USD:funding`, else 0), and per live expiry
 * forward, rate and SVI (all of `fwd`, `rate`, `svi.a|b|rho|m|sigma` or the expiry is left out),
 * plus `priced` assets' feeds.
 */
export function buildSnapshot(state: StateReader, config: MarginConfig, timeSec: number): OracleSnapshot {
  const stable = feed(state, config.stableFeed) ?? { priceE18: ONE, confidenceE18: 0n, updatedAtSec: 0 };
  const expiries = liveExpiries(config, timeSec);
  const underlyings: UnderlyingFeed[] = [];
  for (const u of config.risk.underlyings) {
    const spot = feed(state, spotFeed(u));
    if (spot === undefined) continue;
    const perpPrice = feed(state, `${u}/USD:perp`) ?? spot;
    const funding = readPrice(state, `${u}/USD:funding`);
    const ex: ExpiryFeed[] = [];
    for (const e of expiries.get(u) ?? []) {
      const p = `${u}/USD`;
      const fwd = readPrice(state, `${p}:fwd:${e}`);
      const rate = readPrice(state, `${p}:rate:${e}`);
      const svi = ['a', 'b', 'rho', 'm', 'sigma'].map((k) => readPrice(state, `${p}:svi.${k}:${e}`));
      if (fwd === undefined || rate === undefined || svi.some((x) => x === undefined)) continue;
      const [a, b, rho, m, sigma] = svi.map((x) => BigInt(x!.value)) as [
        bigint,
        bigint,
        bigint,
        bigint,
        bigint,
      ];
      const s: SviFeed = { aE18: a, bE18: b, rhoE18: rho, mE18: m, sigmaE18: sigma };
      let oldest = fwd.timestampMs;
      for (const x of [rate, ...svi]) if (x!.timestampMs < oldest) oldest = x!.timestampMs;
      ex.push({
        expirySec: e,
        forwardE18: BigInt(fwd.value),
        rateE18: BigInt(rate.value),
        svi: s,
        forwardConfidenceE18: BigInt(fwd.confidence),
        rateConfidenceE18: BigInt(rate.confidence),
        volConfidenceE18: svi.reduce(
          (m2, x) => (BigInt(x!.confidence) < m2 ? BigInt(x!.confidence) : m2),
          ONE,
        ),
        updatedAtSec: Number(oldest / 1000n),
      });
    }
    underlyings.push({
      underlying: u,
      spot,
      perp: {
        priceE18: perpPrice.priceE18,
        ...(perpPrice.confidenceE18 !== undefined ? { confidenceE18: perpPrice.confidenceE18 } : {}),
        fundingIndexE18: funding === undefined ? 0n : BigInt(funding.value),
        updatedAtSec: perpPrice.updatedAtSec,
      },
      expiries: ex,
    });
  }
  const prices: ({ feed: string } & PriceFeed)[] = [];
  for (const a of config.risk.assets) {
    if (a.kind !== 'priced' || a.priceFeed === undefined) continue;
    if (prices.some((p) => p.feed === a.priceFeed)) continue;
    const f = feed(state, a.priceFeed);
    if (f !== undefined) prices.push({ feed: a.priceFeed, ...f });
  }
  return { timeSec, stable, underlyings, prices };
}

/** The spot price (E18 USD) of an underlying, or undefined. */
export function spotPriceE18(state: StateReader, u: string): bigint | undefined {
  const p = readPrice(state, spotFeed(u));
  return p === undefined ? undefined : BigInt(p.value);
}
