/**
 * A small one-underlying world for the planner's tests: Derive PMRM v1 params (chain/risk's
 * `derivePmrmV1Params`, zero haircuts) with a second domain (42161) holding its own USDC (6
 * decimals, a 5 % haircut tier, so the planner's exact cash booking is exercised) and WETH,
 * ETH spot and perp at one price, one 30-day expiry with strikes 1500…2500 every 100 at a flat
 * 60 % vol, and helpers to build positions and the notional function the STF would pass.
 */
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  derivePmrmV1Params,
  type Instrument,
  type OptionPosition,
  type OracleSnapshot,
  type PerpPosition,
  type Portfolio,
  type RiskArrays,
  type RiskParams,
} from '../../../../chain/risk/index.ts';

export const E18 = 10n ** 18n;
export const DAY = 86_400;
/** Block time of the world's snapshot. */
export const T0 = 1_700_000_000;
/** The one expiry. */
export const EXPIRY = T0 + 30 * DAY;
/** Listed strikes (USD). */
export const STRIKES = [1500, 1600, 1700, 1800, 1900, 2000, 2100, 2200, 2300, 2400, 2500] as const;

/** Instrument id of a listed option. */
export function optionId(strike: number, isCall: boolean): string {
  return `ETH-30D-${strike}-${isCall ? 'C' : 'P'}`;
}

/** The world's params: Derive PMRM v1 plus domain 42161 with its USDC and WETH. */
export function worldParams(): RiskParams {
  const base = derivePmrmV1Params();
  return {
    ...base,
    assets: [
      ...base.assets,
      { domain: 42161, token: 'USDC', decimals: 6, kind: 'settlement', tier: 'five' },
      { domain: 42161, token: 'WETH', decimals: 18, kind: 'underlying', underlying: 'ETH', tier: 'zero' },
    ],
    haircutTiers: [...base.haircutTiers, { id: 'five', haircutE18: E18 / 20n }],
    domains: [...base.domains, { domain: 42161, provisionalHaircutE18: 0n }],
  };
}

function universe(): Instrument[] {
  const out: Instrument[] = [{ id: 'ETH-PERP', kind: 'perp', underlying: 'ETH' }];
  for (const k of STRIKES)
    for (const isCall of [true, false])
      out.push({
        id: optionId(k, isCall),
        kind: 'option',
        underlying: 'ETH',
        expirySec: EXPIRY,
        strikeE18: BigInt(k) * E18,
        isCall,
      });
  return out;
}

/** A snapshot at `spot` USD (perp at the same price, funding index 0, forward = spot, rate 0). */
export function worldSnapshot(spot: bigint): OracleSnapshot {
  return {
    timeSec: T0,
    stable: { priceE18: E18, updatedAtSec: T0 },
    underlyings: [
      {
        underlying: 'ETH',
        spot: { priceE18: spot * E18, updatedAtSec: T0 },
        perp: { priceE18: spot * E18, fundingIndexE18: 0n, updatedAtSec: T0 },
        expiries: [
          {
            expirySec: EXPIRY,
            forwardE18: spot * E18,
            rateE18: 0n,
            vols: STRIKES.map((k) => ({ strikeE18: BigInt(k) * E18, volE18: (6n * E18) / 10n })),
            updatedAtSec: T0,
          },
        ],
      },
    ],
  };
}

/** Risk arrays of the world at `spot` USD. */
export function worldArrays(spot: bigint = 2000n): RiskArrays {
  const cp = compileRiskParams(worldParams());
  return buildRiskArrays(worldSnapshot(spot), buildUniverse(universe(), cp), cp);
}

/** An option position (final, domain 1 unless given); `size` in whole ETH (may be fractional as a string). */
export function option(
  id: string,
  strike: number,
  isCall: boolean,
  sizeE18: bigint,
  extra: Partial<Pick<OptionPosition, 'domain' | 'stage'>> = {},
): OptionPosition {
  return {
    id,
    instrument: optionId(strike, isCall),
    sizeE18,
    domain: extra.domain ?? 1,
    stage: extra.stage ?? 'final',
  };
}

/** A perp position (final, domain 1 unless given) entered at `entry` USD. */
export function perp(
  id: string,
  sizeE18: bigint,
  entry: bigint,
  extra: Partial<Pick<PerpPosition, 'domain' | 'stage'>> = {},
): PerpPosition {
  return {
    id,
    instrument: 'ETH-PERP',
    sizeE18,
    entryPriceE18: entry * E18,
    fundingIndexE18: 0n,
    domain: extra.domain ?? 1,
    stage: extra.stage ?? 'final',
  };
}

/** A portfolio with `usdc` whole USDC on domain 1 (18 decimals there) and the given positions. */
export function book(usdc: bigint, options: OptionPosition[], perps: PerpPosition[] = []): Portfolio {
  return {
    collateral: [{ domain: 1, token: 'USDC', stage: 'final', amount: usdc * E18 }],
    options,
    perps,
    lending: [],
  };
}

/** The STF's notional function: |size| × spot for options and perps (spot = perp price here). */
export function notionalOf(p: Portfolio, spot: bigint): (id: string) => number {
  const sizes = new Map<string, bigint>();
  for (const o of p.options) sizes.set(o.id, o.sizeE18 < 0n ? -o.sizeE18 : o.sizeE18);
  for (const o of p.perps) sizes.set(o.id, o.sizeE18 < 0n ? -o.sizeE18 : o.sizeE18);
  return (id) => (Number(sizes.get(id) ?? 0n) / 1e18) * Number(spot);
}
