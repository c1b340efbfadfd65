/**
 * Public surface of the liquidation planner (`chain/liquidation`): pure, synchronous,
 * deterministic. The STF's end-block liquidation step calls {@link planLiquidation} for each
 * account below MM (in order of shortfall, up to its per-block cap), sends CLOSE_POSITION for each
 * close with a {@link priceLimit}, and charges {@link liquidationPenalty} split by
 * {@link splitPenalty}. See `README.md` for the method, units and decisions.
 */
export {
  isLiquidationError,
  LIQUIDATION_ERROR_CODES,
  LiquidationError,
  type LiquidationErrorCode,
  type LiquidationErrorMeta,
} from './errors.ts';
export {
  type LiquidationPenaltyOpts,
  liquidationPenalty,
  type PenaltySplit,
  type PriceLimitOpts,
  priceLimit,
  splitPenalty,
} from './penalty.ts';
export {
  DEFAULT_LIQUIDITY_COST_E18,
  DEFAULT_MAX_STEPS,
  FRACTION_TOLERANCE_E18,
  isRestored,
  type LiquidationClose,
  type LiquidationInput,
  type LiquidationMethod,
  type LiquidationPlan,
  liquidationTargetMicro,
  MAX_STEPS_LIMIT,
  planGreedy,
  planLiquidation,
  planProportional,
} from './plan.ts';
