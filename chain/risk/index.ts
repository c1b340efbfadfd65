/**
 * Public surface of the risk kernel (`chain/risk`): pure, synchronous, deterministic portfolio
 * margin. See `README.md` for the method, units, error bounds and the Derive PMRM mapping.
 *
 * Typical STF use:
 *   const engine = createMarginEngine({ params, universe });
 *   const changed = engine.setSnapshot(snapshot);          // per block, from the oracle medians
 *   engine.setAccount(id, portfolio);                      // for each account a tx touched
 *   const margins = engine.update(touchedIds, changed);    // re-margin only those affected
 * One-shot: `marginAccount(portfolio, buildRiskArrays(snapshot, buildUniverse(universe, cp), cp))`.
 */
export {
  ACCOUNT_HEADER,
  type AccountLayout,
  type AccountParts,
  accountLayout,
  accountParts,
  type CompiledAccount,
  compileAccount,
  type PositionLine,
  type ValueLine,
} from './account.ts';
export {
  type Black76Greeks,
  type Black76Inputs,
  type Black76Prices,
  greeksBlack76,
  priceBlack76,
  priceBlack76Side,
  SECONDS_PER_YEAR,
  validateBlack76Inputs,
} from './black76.ts';
export {
  type AccountMargin,
  createMarginEngine,
  type MarginEngine,
  type MarginEngineOpts,
} from './engine.ts';
export {
  isRiskError,
  RISK_ERROR_CODES,
  RiskError,
  type RiskErrorCode,
  type RiskErrorMeta,
} from './errors.ts';
export { atomicToMicroFloor, e18ToNumber, toE18, usdToMicroCeil, usdToMicroFloor } from './fixed.ts';
export {
  createMarginBatch,
  evaluateAccount,
  evaluateAccountsInto,
  type MarginBatch,
  marginAccount,
  marginReport,
  reportAccount,
  scenarioPnlInto,
} from './margin.ts';
export { expDet, lnDet, normCdf, normPdf, powDet } from './math.ts';
export {
  assetKey,
  type CompiledParams,
  compileRiskParams,
  type DerivePresetOpts,
  derivePmrmV1Params,
  derivePmrmV1Scenarios,
  encodeRiskParams,
  hashRiskParams,
  MAX_JOINT_SCENARIOS,
  validateRiskParams,
} from './params.ts';
export { buildRiskArrays, type RiskArrays, volShockMultipliers } from './riskArrays.ts';
export { type SviParams, sviTotalVariance, sviVol, validateSvi } from './svi.ts';
export type * from './types.ts';
export { buildUniverse, type RiskUniverse, spotInstrumentId } from './universe.ts';
