/**
 * A seeded multi-underlying world for the property, engine and golden tests and the benchmark:
 * 3 underlyings (BTC, ETH, SOL) with a perp each, 6 expiries, 600 options (SVI smiles, one
 * expiry with per-strike vols), 21 core + 6 dampened tail scenarios, 16 joint ES scenarios,
 * haircut tiers, three domains with provisional haircuts, and random portfolios.
 */
import {
  type Instrument,
  type JointScenario,
  type OracleSnapshot,
  type Portfolio,
  type RiskParams,
  type ScenarioParams,
  toE18,
} from '../../../../chain/risk/index.ts';
import { prng } from './exact.ts';

const E18 = 10n ** 18n;
const DAY = 86_400;
/** Block time of the fixture snapshot. */
export const FIXTURE_T0 = 1_767_225_600;
/** Expiries in days from T0. */
export const EXPIRY_DAYS = [1, 7, 30, 90, 180, 365] as const;
/** Underlyings with spot prices and size scale (units per "lot"). */
export const UNDERLYINGS = [
  { id: 'BTC', spot: 60_000, lot: 0.05 },
  { id: 'ETH', spot: 3_000, lot: 1 },
  { id: 'SOL', spot: 150, lot: 20 },
] as const;
/** Strikes per (underlying, expiry) so that 6 expiries × (17 + 17 + 16) × 2 = 600 options. */
const STRIKES = [17, 17, 16] as const;

function e18(x: number): bigint {
  // Round to 12 decimals first so every number maps to a short exact decimal.
  return toE18(Number(x.toFixed(12)));
}

/** The fixture's risk params (general mode: discounted MtM, tails, ES, credits, haircuts). */
export function fixtureParams(): RiskParams {
  const scenarios: ScenarioParams[] = [];
  for (const s of ['1.15', '1.1', '1.05', '1', '0.95', '0.9', '0.85']) {
    for (const vol of ['up', 'none', 'down'] as const)
      scenarios.push({ spotShockE18: toE18(s), vol, weightE18: E18 });
  }
  const tails: [string, string][] = [
    ['0.34', '0.1'],
    ['0.5', '0.2'],
    ['0.67', '0.3'],
    ['1.5', '0.3'],
    ['2', '0.2'],
    ['3', '0.1'],
  ];
  for (const [s, w] of tails) scenarios.push({ spotShockE18: toE18(s), vol: 'up', weightE18: toE18(w) });
  const joint: JointScenario[] = [];
  const moves = ['0.75', '0.85', '0.95', '1.05', '1.15', '1.3'];
  for (let i = 0; i < 16; i++) {
    joint.push({
      moves: [
        { underlying: 'BTC', spotShockE18: toE18(moves[i % 6]!), vol: i % 3 === 0 ? 'up' : 'none' },
        {
          underlying: 'ETH',
          spotShockE18: toE18(moves[(i + (i >> 2)) % 6]!),
          vol: i % 2 === 0 ? 'up' : 'down',
        },
        { underlying: 'SOL', spotShockE18: toE18(moves[(i * 5) % 6]!), vol: 'none' },
      ],
    });
  }
  return {
    underlyings: UNDERLYINGS.map((u) => u.id),
    scenarios,
    volShock: {
      upE18: toE18('0.45'),
      downE18: toE18('0.3'),
      shortTermPowerE18: toE18('0.3'),
      longTermPowerE18: toE18('0.13'),
      termSec: 30 * DAY,
      dteFloorSec: DAY,
    },
    basis: {
      spotUpE18: toE18('1.05'),
      spotDownE18: toE18('0.95'),
      addFactorE18: toE18('0.25'),
      multFactorE18: toE18('0.01'),
    },
    staticContingency: { perpPctE18: toE18('0.02'), basePctE18: toE18('0.02'), optionPctE18: toE18('0.01') },
    confidence: { thresholdE18: toE18('0.6'), marginE18: toE18('0.5') },
    peg: { thresholdE18: toE18('0.98'), factorE18: toE18('2') },
    staticDiscount: { baseE18: toE18('0.95'), rateMultE18: toE18('4'), rateAddE18: toE18('0.05') },
    imFactorE18: toE18('1.3'),
    optionMtmDiscounting: 'rate',
    correlationCredits: [{ a: 'BTC', b: 'ETH', creditE18: toE18('0.2') }],
    expectedShortfall: { levelE18: toE18('0.9'), scenarios: joint },
    assets: [
      { domain: 1, token: 'USDC', decimals: 6, kind: 'settlement', tier: 'zero' },
      { domain: 10, token: 'USDC', decimals: 6, kind: 'settlement', tier: 'zero' },
      { domain: 42161, token: 'USDC', decimals: 6, kind: 'settlement', tier: 'zero' },
      { domain: 1, token: 'USDT', decimals: 6, kind: 'priced', priceFeed: 'USDT', tier: 'stable' },
      { domain: 1, token: 'WETH', decimals: 18, kind: 'underlying', underlying: 'ETH', tier: 'major' },
      { domain: 42161, token: 'WETH', decimals: 18, kind: 'underlying', underlying: 'ETH', tier: 'major' },
      { domain: 1, token: 'WBTC', decimals: 8, kind: 'underlying', underlying: 'BTC', tier: 'major' },
      { domain: 10, token: 'SOL', decimals: 9, kind: 'underlying', underlying: 'SOL', tier: 'alt' },
    ],
    haircutTiers: [
      { id: 'zero', haircutE18: 0n },
      { id: 'stable', haircutE18: toE18('0.02') },
      { id: 'major', haircutE18: toE18('0.1') },
      { id: 'alt', haircutE18: toE18('0.3') },
    ],
    domains: [
      { domain: 1, provisionalHaircutE18: toE18('0.05') },
      { domain: 10, provisionalHaircutE18: toE18('0.05') },
      { domain: 42161, provisionalHaircutE18: toE18('0.03') },
    ],
    maxFeedAgeSec: 120,
  };
}

/** The fixture's 603 instruments: 600 options and 3 perps. */
export function fixtureUniverse(): Instrument[] {
  const out: Instrument[] = [];
  UNDERLYINGS.forEach((u, ui) => {
    out.push({ id: `${u.id}-PERP`, kind: 'perp', underlying: u.id });
    for (const days of EXPIRY_DAYS) {
      const n = STRIKES[ui]!;
      for (let s = 0; s < n; s++) {
        // Strikes from 60 % to 160 % of spot, on a grid of 1 % of spot.
        const strike = Math.round(u.spot * (0.6 + (s * 1.0) / (n - 1)));
        for (const isCall of [true, false]) {
          out.push({
            id: `${u.id}-${days}D-${strike}-${isCall ? 'C' : 'P'}`,
            kind: 'option',
            underlying: u.id,
            expirySec: FIXTURE_T0 + days * DAY,
            strikeE18: BigInt(strike) * E18,
            isCall,
          });
        }
      }
    }
  });
  return out;
}

/** Options of {@link fixtureSnapshot}: multiplicative spot moves per underlying, a vol bump, time. */
export interface SnapshotOpts {
  readonly spotMove?: Readonly<Record<string, number>>;
  readonly volBump?: Readonly<Record<string, number>>;
  readonly timeSec?: number;
  readonly stable?: number;
}

/** The fixture snapshot: forwards at 5 % carry, SVI smiles, SOL 30 d with per-strike vols. */
export function fixtureSnapshot(opts: SnapshotOpts = {}): OracleSnapshot {
  const now = opts.timeSec ?? FIXTURE_T0;
  const universe = fixtureUniverse();
  return {
    timeSec: now,
    stable: { priceE18: e18(opts.stable ?? 1), updatedAtSec: now },
    prices: [{ feed: 'USDT', priceE18: e18(0.9995), updatedAtSec: now }],
    underlyings: UNDERLYINGS.map((u, ui) => {
      const spot = u.spot * (opts.spotMove?.[u.id] ?? 1);
      const bump = opts.volBump?.[u.id] ?? 0;
      return {
        underlying: u.id,
        spot: { priceE18: e18(spot), confidenceE18: ui === 2 ? e18(0.55) : E18, updatedAtSec: now },
        perp: {
          priceE18: e18(spot * 1.0004),
          confidenceE18: E18,
          fundingIndexE18: e18(spot * 0.001 * (ui + 1)),
          updatedAtSec: now,
        },
        expiries: EXPIRY_DAYS.map((days, ei) => {
          // Feeds of an already expired expiry stay in the snapshot (the kernel must refuse them).
          const t = Math.max((FIXTURE_T0 + days * DAY - now) / (365 * DAY), 1e-6);
          const forward = spot * (1 + 0.05 * t);
          const atm = 0.5 + 0.1 * ui + bump;
          const perStrike = u.id === 'SOL' && days === 30;
          return {
            expirySec: FIXTURE_T0 + days * DAY,
            forwardE18: e18(forward),
            forwardFixedE18: ei === 0 ? e18(forward * 0.25) : 0n,
            rateE18: e18(0.05),
            ...(perStrike
              ? {
                  vols: universe
                    .filter(
                      (i) =>
                        i.kind === 'option' &&
                        i.underlying === 'SOL' &&
                        i.expirySec === FIXTURE_T0 + days * DAY &&
                        i.isCall,
                    )
                    .map((i) => {
                      const k = Number((i as { strikeE18: bigint }).strikeE18 / E18);
                      return {
                        strikeE18: (i as { strikeE18: bigint }).strikeE18,
                        volE18: e18(atm + 0.3 * (k / spot - 1) ** 2),
                      };
                    }),
                }
              : {
                  svi: {
                    aE18: e18(0.7 * atm * atm * t),
                    bE18: e18(0.3 * atm * atm * Math.sqrt(t)),
                    rhoE18: e18(-0.3),
                    mE18: 0n,
                    sigmaE18: e18(0.4),
                  },
                }),
            forwardConfidenceE18: E18,
            rateConfidenceE18: E18,
            volConfidenceE18: ei === 5 ? e18(0.5) : E18,
            updatedAtSec: now,
          };
        }),
      };
    }),
  };
}

/** Options of {@link randomPortfolio}. */
export interface PortfolioOpts {
  readonly positions?: number;
  readonly provisional?: boolean;
}

/** A random portfolio over the fixture universe (seeded `rnd`), `positions` derivative legs plus collateral. */
export function randomPortfolio(
  rnd: () => number,
  universe: readonly Instrument[],
  opts: PortfolioOpts = {},
): Portfolio {
  const n = opts.positions ?? 10;
  const options: Portfolio['options'][number][] = [];
  const perps: Portfolio['perps'][number][] = [];
  const optionIds = universe.filter((i) => i.kind === 'option');
  const domains = [1, 10, 42161];
  const stage = (): 'final' | 'provisional' => (opts.provisional && rnd() < 0.25 ? 'provisional' : 'final');
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.85) {
      const ins = optionIds[Math.floor(rnd() * optionIds.length)]!;
      const lot = UNDERLYINGS.find((u) => u.id === ins.underlying)!.lot;
      const size = Math.round((rnd() - 0.55) * 10 * lot * 1e6) / 1e6 || lot;
      options.push({
        id: `o${i}`,
        instrument: ins.id,
        sizeE18: e18(size),
        domain: domains[i % 3]!,
        stage: stage(),
      });
    } else {
      const u = UNDERLYINGS[Math.floor(rnd() * 3)]!;
      const size = Math.round((rnd() - 0.5) * 6 * u.lot * 1e6) / 1e6 || u.lot;
      perps.push({
        id: `p${i}`,
        instrument: `${u.id}-PERP`,
        sizeE18: e18(size),
        entryPriceE18: e18(u.spot * (0.95 + rnd() * 0.1)),
        fundingIndexE18: e18(u.spot * 0.0005 * rnd()),
        domain: domains[(i + 1) % 3]!,
        stage: stage(),
      });
    }
  }
  const collateral: Portfolio['collateral'][number][] = [
    { domain: 1, token: 'USDC', stage: 'final', amount: BigInt(Math.floor(rnd() * 50_000_000_000)) },
  ];
  if (rnd() < 0.4)
    collateral.push({
      domain: 42161,
      token: 'WETH',
      stage: stage(),
      amount: e18(Math.floor(rnd() * 5000) / 1000),
    });
  if (rnd() < 0.3)
    collateral.push({
      domain: 10,
      token: 'USDC',
      stage: 'final',
      amount: -BigInt(Math.floor(rnd() * 2_000_000_000)),
    });
  if (rnd() < 0.2)
    collateral.push({
      domain: 1,
      token: 'USDT',
      stage: stage(),
      amount: BigInt(Math.floor(rnd() * 10_000_000_000)),
    });
  const lending: Portfolio['lending'][number][] = [];
  if (rnd() < 0.2) {
    lending.push({
      id: 'l0',
      domain: 1,
      token: 'WBTC',
      stage: 'final',
      supplied: BigInt(Math.floor(rnd() * 1e8)),
      borrowed: BigInt(Math.floor(rnd() * 2e7)),
    });
  }
  return { collateral, options, perps, lending };
}

/** A seeded PRNG re-exported for callers that only import the fixture. */
export { prng };
