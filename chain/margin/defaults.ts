/**
 * A margin config built from a bridge config and a list of listed instruments, with the devnet's
 * figures (README "Configuration"): Derive PMRM v1's method and numbers extended to every
 * underlying, USDC as the settlement asset, WETH/WBTC as underlying-linked collateral, a 5 %
 * provisional haircut, provisional caps of $1M per account and $10M per domain, halts after 60 s
 * without the final tier, allowances up to 80 % of free margin for 1 hour, liquidation to MM +
 * 25 %·(IM − MM) with a 2 % penalty (a keeper earns half), a 5 % price band.
 */
import { bytesToHex } from '../../bridge/index.ts';
import type { BridgeConfig } from '../hyperlane/codec.ts';
import { type AssetParams, derivePmrmV1Params, type Instrument, type RiskParams } from '../risk/index.ts';
import type { InstrumentListing, MarginConfig } from './config.ts';

const E18 = 10n ** 18n;
const e18 = (num: bigint, den = 1n) => (num * E18) / den;

/** One remote instrument to list. */
export interface ListingSpec {
  readonly domain: number;
  /** bytes32 lowercase 0x hex. */
  readonly instrumentId: string;
  /** Kernel id (unique), e.g. `ETH-PERP@31337`. */
  readonly id: string;
  readonly kind: 'perp' | 'option';
  readonly underlying: string;
  readonly expirySec?: number;
  readonly strikeE18?: bigint;
  readonly isCall?: boolean;
  /** Settlement token on that domain (lowercase 0x). */
  readonly settlementToken: string;
  /** The market contract (lowercase 0x). */
  readonly market: string;
  readonly imRatePpm?: number;
}

/** Underlying of a collateral symbol (WETH → ETH, WBTC → BTC), or undefined for a stablecoin. */
export function underlyingOfSymbol(symbol: string): string | undefined {
  const s = symbol.toUpperCase();
  if (s === 'WETH' || s === 'ETH') return 'ETH';
  if (s === 'WBTC' || s === 'BTC') return 'BTC';
  return undefined;
}

/** The devnet margin config for `bridge` and `listings` (see module doc). */
export function devnetMarginConfig(
  bridge: BridgeConfig,
  listings: readonly ListingSpec[],
  opts: { underlyings?: readonly string[] } = {},
): MarginConfig {
  const base = derivePmrmV1Params();
  const underlyings = [
    ...new Set(opts.underlyings ?? ['ETH', 'BTC', ...listings.map((l) => l.underlying)]),
  ].sort();
  const assets: AssetParams[] = [];
  for (const o of bridge.origins) {
    for (const t of o.tokens) {
      const token = bytesToHex(t.token) as string;
      const u = underlyingOfSymbol(t.symbol);
      if (u !== undefined && underlyings.includes(u))
        assets.push({
          domain: o.domain,
          token,
          decimals: t.decimals,
          kind: 'underlying',
          underlying: u,
          tier: 'volatile',
        });
      else if (/^(USDC|USDT|DAI|USD.*)$/i.test(t.symbol))
        assets.push({ domain: o.domain, token, decimals: t.decimals, kind: 'settlement', tier: 'stable' });
    }
  }
  const risk: RiskParams = {
    ...base,
    underlyings,
    assets,
    haircutTiers: [
      { id: 'stable', haircutE18: 0n },
      { id: 'volatile', haircutE18: e18(5n, 100n) },
    ],
    domains: bridge.origins.map((o) => ({ domain: o.domain, provisionalHaircutE18: e18(5n, 100n) })),
    maxFeedAgeSec: 3600,
  };
  const instruments: InstrumentListing[] = listings.map((l) => {
    const instrument: Instrument =
      l.kind === 'perp'
        ? { id: l.id, kind: 'perp', underlying: l.underlying }
        : {
            id: l.id,
            kind: 'option',
            underlying: l.underlying,
            expirySec: l.expirySec!,
            strikeE18: l.strikeE18!,
            isCall: l.isCall!,
          };
    return {
      domain: l.domain,
      instrumentId: l.instrumentId,
      instrument,
      settlementToken: l.settlementToken,
      market: l.market,
      imRatePpm: l.imRatePpm ?? (l.kind === 'perp' ? 100_000 : 150_000),
      maxOpenInterestE18: 0n,
      liquidityCostE18: e18(1n, 1000n),
    };
  });
  return {
    risk,
    instruments,
    domains: bridge.origins.map((o) => ({
      domain: o.domain,
      provisionalCapMicro: 10_000_000n * 1_000_000n,
      provisionalCapPerAccountMicro: 1_000_000n * 1_000_000n,
      haltAfterMs: 60_000n,
      breakerMs: 600_000n,
      releaseCapPerHour: Object.fromEntries(
        o.tokens.map((t) => [bytesToHex(t.token) as string, 10_000_000n * 10n ** BigInt(t.decimals)]),
      ),
    })),
    allowance: { maxFractionE18: e18(8n, 10n), ttlSec: 3600 },
    liquidation: {
      maxPerBlock: 16,
      bufferE18: e18(25n, 100n),
      penaltyE18: e18(2n, 100n),
      keeperShareE18: e18(5n, 10n),
      priceBandE18: e18(5n, 100n),
      closeTimeoutMs: 120_000n,
    },
    maxPositionsPerAccount: 64,
    stableFeed: 'USDC/USD',
    settlementExpiryMs: 600_000n,
  };
}
