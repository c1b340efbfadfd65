/**
 * A single-underlying portfolio in Derive PMRM v1's own terms (18-decimal integers, seconds to
 * expiry), and its translation into the kernel's inputs. Used by the Derive vectors, the hedge
 * tests and the random cross-checks; the independent decimal.js implementation
 * (`decimalPmrm.ts`) reads the same `DeriveCase` directly, never the kernel's types.
 */
import type { Instrument, OracleSnapshot, Portfolio, RiskParams } from '../../../../chain/risk/index.ts';
import { derivePmrmV1Params } from '../../../../chain/risk/index.ts';

/** Feeds of one expiry (Derive `ExpiryHoldings` inputs). */
export interface DeriveExpiry {
  readonly sec: number;
  readonly fixed: bigint;
  readonly variable: bigint;
  readonly rate: bigint;
  readonly fwdConf: bigint;
  readonly rateConf: bigint;
  readonly volConf: bigint;
}

/** One option balance (Derive `StrikeHolding`): seconds to expiry, strike, call/put, amount, vol. */
export interface DeriveOption {
  readonly sec: number;
  readonly strike: bigint;
  readonly isCall: boolean;
  readonly amount: bigint;
  readonly vol: bigint;
}

/** A Derive PMRM v1 portfolio with its feeds (all amounts 18-decimal integers). */
export interface DeriveCase {
  readonly spot: bigint;
  readonly spotConf: bigint;
  readonly perpPrice: bigint;
  readonly perpConf: bigint;
  readonly stable: bigint;
  readonly cash: bigint;
  readonly perp: bigint;
  readonly base: bigint;
  /** Unrealised perp P&L + funding (Derive `getUnsettledAndUnrealizedCash`). */
  readonly perpValue: bigint;
  readonly expiries: readonly DeriveExpiry[];
  readonly options: readonly DeriveOption[];
}

/** Params overrides of the Derive configuration (see `derivePmrmV1Params`). */
export interface DeriveConfig {
  readonly rateAdd?: bigint;
  readonly confMargin?: bigint;
  readonly basePct?: bigint;
  readonly perpPct?: bigint;
}

/** Block time used for every translated case. */
export const T0 = 1_640_995_200;

/** Placement of the hedge legs for the cross-domain tests. */
export interface Placement {
  readonly perpDomain?: number;
  readonly perpStage?: 'final' | 'provisional';
  readonly baseDomain?: number;
  readonly baseStage?: 'final' | 'provisional';
}

/**
 * Translates a Derive case into kernel inputs: one underlying `ETH`, a zero-haircut `USDC`
 * settlement asset and `WETH` base asset (18 decimals), a perp whose entry price reproduces the
 * case's unrealised value, options on instruments `ETH-<expiry>-<strike>-<C|P>`.
 */
export function deriveCaseToKernel(
  c: DeriveCase,
  cfg: DeriveConfig = {},
  place: Placement = {},
): { params: RiskParams; universe: Instrument[]; snapshot: OracleSnapshot; portfolio: Portfolio } {
  const domains = [1, place.perpDomain ?? 1, place.baseDomain ?? 1];
  const base = derivePmrmV1Params({
    ...(cfg.rateAdd !== undefined ? { rateAddE18: cfg.rateAdd } : {}),
    ...(cfg.confMargin !== undefined ? { confMarginE18: cfg.confMargin } : {}),
    ...(cfg.basePct !== undefined ? { basePctE18: cfg.basePct } : {}),
    ...(cfg.perpPct !== undefined ? { perpPctE18: cfg.perpPct } : {}),
  });
  const uniqueDomains = [...new Set(domains)].sort((a, b) => a - b);
  const params: RiskParams = {
    ...base,
    assets: uniqueDomains.flatMap((d) => [
      { domain: d, token: 'USDC', decimals: 18, kind: 'settlement' as const, tier: 'zero' },
      {
        domain: d,
        token: 'WETH',
        decimals: 18,
        kind: 'underlying' as const,
        underlying: 'ETH',
        tier: 'zero',
      },
    ]),
    domains: uniqueDomains.map((d) => ({ domain: d, provisionalHaircutE18: 0n })),
  };
  const universe: Instrument[] = [{ id: 'ETH-PERP', kind: 'perp', underlying: 'ETH' }];
  const seen = new Set<string>();
  const options: Portfolio['options'][number][] = [];
  c.options.forEach((o, i) => {
    const id = `ETH-${T0 + o.sec}-${o.strike}-${o.isCall ? 'C' : 'P'}`;
    if (!seen.has(id)) {
      seen.add(id);
      universe.push({
        id,
        kind: 'option',
        underlying: 'ETH',
        expirySec: T0 + o.sec,
        strikeE18: o.strike,
        isCall: o.isCall,
      });
    }
    options.push({ id: `opt${i}`, instrument: id, sizeE18: o.amount, domain: 1, stage: 'final' });
  });
  // Derive's mock vol feed keeps one vol per (expiry, strike): the last one set wins.
  const volByStrike = new Map<number, Map<bigint, bigint>>();
  for (const o of c.options) {
    const m = volByStrike.get(o.sec) ?? new Map<bigint, bigint>();
    m.set(o.strike, o.vol);
    volByStrike.set(o.sec, m);
  }
  const snapshot: OracleSnapshot = {
    timeSec: T0,
    stable: { priceE18: c.stable, updatedAtSec: T0 },
    underlyings: [
      {
        underlying: 'ETH',
        spot: { priceE18: c.spot, confidenceE18: c.spotConf, updatedAtSec: T0 },
        perp: { priceE18: c.perpPrice, confidenceE18: c.perpConf, fundingIndexE18: 0n, updatedAtSec: T0 },
        expiries: c.expiries.map((e) => ({
          expirySec: T0 + e.sec,
          forwardE18: e.fixed + e.variable,
          forwardFixedE18: e.fixed,
          rateE18: e.rate,
          vols: [...(volByStrike.get(e.sec) ?? new Map()).entries()].map(([strikeE18, volE18]) => ({
            strikeE18,
            volE18,
          })),
          forwardConfidenceE18: e.fwdConf,
          rateConfidenceE18: e.rateConf,
          volConfidenceE18: e.volConf,
          updatedAtSec: T0,
        })),
      },
    ],
  };
  const perps: Portfolio['perps'][number][] = [];
  if (c.perp !== 0n) {
    // entry = price − value/n makes n·(price − entry) = value (to 1 wei of price).
    const E18 = 10n ** 18n;
    const entry = c.perpPrice - (c.perpValue * E18) / c.perp;
    perps.push({
      id: 'perp',
      instrument: 'ETH-PERP',
      sizeE18: c.perp,
      entryPriceE18: entry,
      fundingIndexE18: 0n,
      domain: place.perpDomain ?? 1,
      stage: place.perpStage ?? 'final',
    });
  }
  const collateral: Portfolio['collateral'][number][] = [];
  if (c.cash !== 0n) collateral.push({ domain: 1, token: 'USDC', stage: 'final', amount: c.cash });
  if (c.base !== 0n) {
    collateral.push({
      domain: place.baseDomain ?? 1,
      token: 'WETH',
      stage: place.baseStage ?? 'final',
      amount: c.base,
    });
  }
  return { params, universe, snapshot, portfolio: { collateral, options, perps, lending: [] } };
}

/** Reads one case of `test/vectors/risk/derivePmrmV1Scenarios.json` (Derive's own JSON layout). */
export function deriveCaseFromScenarioJson(s: Record<string, unknown>): DeriveCase {
  const big = (x: unknown): bigint => BigInt(x as string);
  const arr = (k: string): string[] => s[k] as string[];
  const feedSecs = arr('FeedExpiries').map(Number);
  // Derive's mock feeds keep the last value set per expiry.
  const byExpiry = new Map<number, DeriveExpiry>();
  const optSecs = arr('OptionExpiries').map(Number);
  const volConf = new Map<number, bigint>();
  optSecs.forEach((sec, i) => {
    volConf.set(sec, big(arr('OptionVolConfidences')[i]));
  });
  feedSecs.forEach((sec, i) => {
    byExpiry.set(sec, {
      sec,
      fixed: big(arr('ForwardsFixed')[i]),
      variable: big(arr('ForwardsVariable')[i]),
      rate: big(arr('Rates')[i]),
      fwdConf: big(arr('ForwardConfidences')[i]),
      rateConf: big(arr('RateConfidences')[i]),
      volConf: volConf.get(sec) ?? 0n,
    });
  });
  return {
    spot: big(s.SpotPrice),
    spotConf: big(s.SpotConfidence),
    perpPrice: big(s.PerpPrice),
    perpConf: big(s.PerpConfidence),
    stable: big(s.StablePrice),
    cash: big(s.Cash),
    perp: big(s.Perps),
    base: big(s.Base),
    perpValue: big(s.UnrealisedPerpPNL) + big(s.UnrealisedFunding),
    expiries: [...byExpiry.values()].sort((a, b) => a.sec - b.sec),
    options: optSecs.map((sec, i) => ({
      sec,
      strike: big(arr('OptionStrikes')[i]),
      isCall: arr('OptionIsCall')[i] === '1',
      amount: big(arr('OptionAmounts')[i]),
      vol: big(arr('OptionVols')[i]),
    })),
  };
}
