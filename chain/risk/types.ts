/**
 * Input and output types of the risk kernel.
 *
 * Units at the boundary (README "Units"): token amounts are `bigint` atomic units of that token;
 * position sizes, prices, strikes, vols, rates, SVI parameters, confidences and every params
 * factor are `bigint` fixed point with 18 decimals (suffix `E18`, 1e18 = 1.0, the convention of
 * Derive and of EVM feeds); times are integer unix seconds (`Sec`). USD outputs are `bigint`
 * micro-dollars (1e-6), requirements rounded up and equity rounded down. Inside, the kernel works
 * in binary64 and converts each input once ({@link e18ToNumber}).
 */

/** Direction of the term-scaled vol shock applied in a scenario. */
export type VolShockDirection = 'up' | 'none' | 'down';

/** Stage of a ledger item: credited by the fast ISM only (`provisional`) or by the final ISM. */
export type Stage = 'final' | 'provisional';

/** One stress scenario for one underlying: spot × (1 + shock), vol shocked up/none/down, weighted. */
export interface ScenarioParams {
  /** Spot multiplier (1.15e18 = +15 %); forwards move as fixed + variable·multiplier. */
  readonly spotShockE18: bigint;
  /** Vol state: σ·(1 + up·m), σ, or σ·max(0, 1 − down·m) with m the term multiplier. */
  readonly vol: VolShockDirection;
  /** Dampening weight applied to the scenario's P&L (1e18 for core scenarios, < 1e18 for tails). */
  readonly weightE18: bigint;
}

/** One move of a joint (cross-underlying) scenario for the expected-shortfall floor. */
export interface JointMove {
  readonly underlying: string;
  readonly spotShockE18: bigint;
  readonly vol: VolShockDirection;
}

/** A joint scenario: moves per underlying (underlyings not listed stay unshocked). */
export interface JointScenario {
  readonly moves: readonly JointMove[];
}

/** Collateral asset kinds: the settlement stablecoin, a token tracking an underlying, or a token with its own price feed. */
export type AssetKind = 'settlement' | 'underlying' | 'priced';

/** One collateral asset, keyed by (domain, token). */
export interface AssetParams {
  /** Hyperlane domain id of the chain holding the vault. */
  readonly domain: number;
  /** Token identifier (lower-case address or symbol), unique per domain. */
  readonly token: string;
  /** Decimals of the atomic unit. */
  readonly decimals: number;
  /** How the asset is valued and whether it moves with an underlying in the scenarios. */
  readonly kind: AssetKind;
  /** For `underlying`: the underlying id whose spot prices one whole token. */
  readonly underlying?: string;
  /** For `priced`: the feed id in `snapshot.prices`. */
  readonly priceFeed?: string;
  /** Haircut tier id (see {@link HaircutTier}). */
  readonly tier: string;
}

/** A haircut tier: the fraction of a positive balance's value that does not count as equity. */
export interface HaircutTier {
  readonly id: string;
  readonly haircutE18: bigint;
}

/** Per-domain params the kernel needs. */
export interface DomainParams {
  readonly domain: number;
  /** Extra haircut on provisional (fast-attested) positive balances of this domain. */
  readonly provisionalHaircutE18: bigint;
}

/** A correlation credit between two underlyings: `creditE18 · min(loss_a, loss_b)` comes off the sum. */
export interface CorrelationCredit {
  readonly a: string;
  readonly b: string;
  readonly creditE18: bigint;
}

/**
 * The whole methodology as data. Its canonical hash ({@link import('./params.ts').hashRiskParams})
 * identifies it; Derive's PMRM v1 unit-test configuration is {@link import('./params.ts').derivePmrmV1Params}.
 */
export interface RiskParams {
  /** Underlying ids (e.g. `ETH`), unique. */
  readonly underlyings: readonly string[];
  /** Core and tail scenarios, in reporting order (indices are the "worst scenario" ids). */
  readonly scenarios: readonly ScenarioParams[];
  /** Term-scaled vol shock: m = (termSec / max(T, dteFloorSec))^(T ≤ termSec ? shortPower : longPower). */
  readonly volShock: {
    readonly upE18: bigint;
    readonly downE18: bigint;
    readonly shortTermPowerE18: bigint;
    readonly longTermPowerE18: bigint;
    readonly termSec: number;
    readonly dteFloorSec: number;
  };
  /** Basis (forward) contingency: Σ_e min(V(F·up) − V, V(F·down) − V, 0)·(add + mult·T). */
  readonly basis: {
    readonly spotUpE18: bigint;
    readonly spotDownE18: bigint;
    readonly addFactorE18: bigint;
    readonly multFactorE18: bigint;
  };
  /** Static contingency: (|perp|·perpPct + |base|·basePct)·S + Σ nakedShorts·optionPct·S. */
  readonly staticContingency: {
    readonly perpPctE18: bigint;
    readonly basePctE18: bigint;
    readonly optionPctE18: bigint;
  };
  /** Oracle-confidence contingency (IM only): (1 − conf)·margin·size·S when conf < threshold. */
  readonly confidence: { readonly thresholdE18: bigint; readonly marginE18: bigint };
  /** Stablecoin de-peg: IM factor += (threshold − stablePrice)·factor when stablePrice < threshold. */
  readonly peg: { readonly thresholdE18: bigint; readonly factorE18: bigint };
  /** Static discount of positive option value: base·e^(−T·(rate·rateMult + rateAdd)). */
  readonly staticDiscount: {
    readonly baseE18: bigint;
    readonly rateMultE18: bigint;
    readonly rateAddE18: bigint;
  };
  /** IM multiplier on the stress loss (≥ 1). */
  readonly imFactorE18: bigint;
  /** Option MtM discounting: `none` (Derive: undiscounted Black-76) or `rate` (D = e^(−rT)). */
  readonly optionMtmDiscounting: 'none' | 'rate';
  /** Pairwise correlation credits (default none). */
  readonly correlationCredits: readonly CorrelationCredit[];
  /** Expected-shortfall floor over governed joint scenarios (≤ 64), or null for none. */
  readonly expectedShortfall: {
    readonly levelE18: bigint;
    readonly scenarios: readonly JointScenario[];
  } | null;
  /** Collateral assets. */
  readonly assets: readonly AssetParams[];
  /** Haircut tiers. */
  readonly haircutTiers: readonly HaircutTier[];
  /** Domains. */
  readonly domains: readonly DomainParams[];
  /** A feed older than this at the snapshot time is stale. */
  readonly maxFeedAgeSec: number;
}

/** A price with its confidence (1e18 = full) and its observation time. */
export interface PriceFeed {
  readonly priceE18: bigint;
  /** Confidence ∈ [0, 1e18]; defaults to 1e18. */
  readonly confidenceE18?: bigint;
  readonly updatedAtSec: number;
}

/** Raw SVI parameters (E18). */
export interface SviFeed {
  readonly aE18: bigint;
  readonly bE18: bigint;
  readonly rhoE18: bigint;
  readonly mE18: bigint;
  readonly sigmaE18: bigint;
}

/** Feeds of one expiry of one underlying. */
export interface ExpiryFeed {
  readonly expirySec: number;
  /** Forward price F (USD). */
  readonly forwardE18: bigint;
  /** Part of F that does not move with spot (Derive's `forwardFixedPortion`); default 0. */
  readonly forwardFixedE18?: bigint;
  /** Continuously compounded rate (negative rates count as 0 for the static discount). */
  readonly rateE18: bigint;
  /** SVI raw smile; either this or `vols`. */
  readonly svi?: SviFeed;
  /** Per-strike implied vols (used for a strike when present, before SVI). */
  readonly vols?: readonly { readonly strikeE18: bigint; readonly volE18: bigint }[];
  readonly forwardConfidenceE18?: bigint;
  readonly rateConfidenceE18?: bigint;
  readonly volConfidenceE18?: bigint;
  readonly updatedAtSec: number;
}

/** Perpetual feed of an underlying. */
export interface PerpFeed {
  readonly priceE18: bigint;
  readonly confidenceE18?: bigint;
  /** Cumulative funding per unit of size (USD): a long pays index increases. */
  readonly fundingIndexE18: bigint;
  readonly updatedAtSec: number;
}

/** Feeds of one underlying. */
export interface UnderlyingFeed {
  readonly underlying: string;
  readonly spot: PriceFeed;
  readonly perp?: PerpFeed;
  readonly expiries: readonly ExpiryFeed[];
}

/** One oracle snapshot (what the STF's median produced for this block). */
export interface OracleSnapshot {
  /** Block time, unix seconds. */
  readonly timeSec: number;
  /** Price of the settlement stablecoin in USD (1e18 = on peg). */
  readonly stable: PriceFeed;
  readonly underlyings: readonly UnderlyingFeed[];
  /** Prices of `priced` collateral tokens. */
  readonly prices?: readonly ({ readonly feed: string } & PriceFeed)[];
}

/** A listed instrument. Options are European, cash-settled in USD; one perp per underlying. */
export type Instrument =
  | {
      readonly id: string;
      readonly kind: 'option';
      readonly underlying: string;
      readonly expirySec: number;
      readonly strikeE18: bigint;
      readonly isCall: boolean;
    }
  | { readonly id: string; readonly kind: 'perp'; readonly underlying: string };

/** Option position: `size` in E18 units of underlying, signed (negative = short). */
export interface OptionPosition {
  readonly id: string;
  readonly instrument: string;
  readonly sizeE18: bigint;
  readonly domain: number;
  readonly stage: Stage;
}

/** Perpetual position: signed size (E18 underlying units), entry price and funding index at entry/last settlement. */
export interface PerpPosition {
  readonly id: string;
  readonly instrument: string;
  readonly sizeE18: bigint;
  readonly entryPriceE18: bigint;
  readonly fundingIndexE18: bigint;
  readonly domain: number;
  readonly stage: Stage;
}

/** A collateral balance (negative = a debt to that domain's vault). */
export interface CollateralBalance {
  readonly domain: number;
  readonly token: string;
  readonly stage: Stage;
  /** Atomic units, signed. */
  readonly amount: bigint;
}

/** A lending position on a money market: supplied and borrowed atomic amounts of one token. */
export interface LendingPosition {
  readonly id: string;
  readonly domain: number;
  readonly token: string;
  readonly stage: Stage;
  readonly supplied: bigint;
  readonly borrowed: bigint;
}

/** An account's whole portfolio as the kernel sees it. */
export interface Portfolio {
  readonly collateral: readonly CollateralBalance[];
  readonly options: readonly OptionPosition[];
  readonly perps: readonly PerpPosition[];
  readonly lending: readonly LendingPosition[];
}

/** The worst case of one underlying: a scenario index into `params.scenarios`, or `basis`. */
export interface WorstScenario {
  readonly underlying: string;
  readonly scenario: number | 'basis';
  /** Weighted scenario P&L (USD float, ≤ 0 when it is a loss). */
  readonly pnl: number;
}

/** The margin summary of one account: what the STF needs every block. */
export interface MarginSummary {
  /** Equity after haircuts, micro-USD, rounded down. */
  readonly equity: bigint;
  /** Initial-margin requirement, micro-USD, rounded up; IM ≥ MM ≥ 0. */
  readonly im: bigint;
  /** Maintenance-margin requirement, micro-USD, rounded up. */
  readonly mm: bigint;
  /** Mark-to-market of positions and non-settlement collateral before haircuts, micro-USD, rounded down. */
  readonly mtm: bigint;
  /** Worst scenario per underlying (sorted by underlying id) for the binding case. */
  readonly worst: readonly WorstScenario[];
  /** Which case bound the requirement: with provisional items, or final items only. */
  readonly binding: 'all' | 'final';
  /** ES loss over the joint scenarios (USD float, 0 without ES). */
  readonly esLoss: number;
  /** Unquantised binary64 values (not consensus; for diagnostics and methodology checks). */
  readonly raw: {
    readonly equity: number;
    readonly im: number;
    readonly mm: number;
    readonly mtm: number;
    readonly cashMicro: bigint;
  };
}

/** Greeks in the units of README "Greeks": delta/gamma w.r.t. spot, vega per 1.00 vol, theta per year, rho per 1.00 rate. */
export interface Greeks {
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  readonly rho: number;
}

/** One position's contribution to MM: −P&L in the worst scenario plus its static contingencies (USD float). */
export interface Contribution {
  readonly id: string;
  readonly underlying: string;
  readonly contribution: number;
}

/** The full report of one account: the summary plus contributions, Greeks and the scenario grid. */
export interface MarginReport extends MarginSummary {
  /** Sorted by contribution descending, ties by position id. */
  readonly contributions: readonly Contribution[];
  /** Greeks per position (options, perps, underlying collateral and lending), by id. */
  readonly positionGreeks: readonly ({ readonly id: string; readonly underlying: string } & Greeks)[];
  /** Net Greeks per underlying. */
  readonly netGreeks: readonly ({ readonly underlying: string } & Greeks)[];
  /** Weighted scenario P&L per underlying, one entry per `params.scenarios` (USD float). */
  readonly grid: readonly {
    readonly underlying: string;
    readonly pnl: readonly number[];
    readonly basis: number;
  }[];
}
