/**
 * The liquidation module's one error class. The planner and the penalty helpers reject inputs the
 * caller (the STF's end-block liquidation step) should never pass — a negative buffer, a notional
 * that is not a finite non-negative number, a band above 100 % — with a {@link LiquidationError}
 * carrying a string `code` and typed metadata. Kernel failures (a stale feed, an unknown
 * instrument) are not wrapped: they propagate as the kernel's `RiskError`.
 *
 * Kind: invalid input from the caller's point of view (STYLE.md "Errors"); inside the STF an
 * input the STF itself built being invalid is an internal failure, and the STF decides that.
 */

/** Codes, one line each. Append only: other modules and receipts may match on them. */
export const LIQUIDATION_ERROR_CODES = {
  /** A number lies outside its allowed range (`meta.value`, `meta.limit`). */
  LIQUIDATION_OUT_OF_RANGE: 'a value lies outside its allowed range',
  /** A binary64 input (a notional) is NaN or ±∞. */
  LIQUIDATION_NOT_FINITE: 'a value is NaN or infinite',
  /** The risk params list no settlement asset, so closed positions have nowhere to realise their value. */
  LIQUIDATION_NO_SETTLEMENT_ASSET: 'the risk params define no settlement asset',
} as const;

/** A liquidation error code string. */
export type LiquidationErrorCode = keyof typeof LIQUIDATION_ERROR_CODES;

/** Typed metadata carried by every {@link LiquidationError}. */
export interface LiquidationErrorMeta {
  /** Dotted path of the offending field, e.g. `input.bufferE18` or `input.notionalUsd(p1)`. */
  readonly field: string;
  /** The offending value, as a string (bigints and numbers printed exactly). */
  readonly value?: string;
  /** The limit it broke, human-readable (e.g. `≥ 0`, `≤ 1e18`). */
  readonly limit?: string;
}

/**
 * The liquidation module's error: `code` (see {@link LIQUIDATION_ERROR_CODES}), a message naming
 * the field, the value and the limit, and the same facts in `meta`.
 */
export class LiquidationError extends Error {
  /** Machine-readable code, prefixed `LIQUIDATION_`. */
  readonly code: LiquidationErrorCode;
  /** Field, value and limit. */
  readonly meta: LiquidationErrorMeta;
  /** Short description without the field details (viem's `shortMessage` convention). */
  readonly shortMessage: string;

  constructor(code: LiquidationErrorCode, meta: LiquidationErrorMeta) {
    const short = LIQUIDATION_ERROR_CODES[code];
    const parts = [`${code}: ${short}`, `field ${meta.field}`];
    if (meta.value !== undefined) parts.push(`value ${meta.value}`);
    if (meta.limit !== undefined) parts.push(`limit ${meta.limit}`);
    super(parts.join('; '));
    this.name = 'LiquidationError';
    this.code = code;
    this.meta = meta;
    this.shortMessage = short;
  }
}

/** True when `e` is a {@link LiquidationError} (optionally with the given code). */
export function isLiquidationError(e: unknown, code?: LiquidationErrorCode): e is LiquidationError {
  return e instanceof LiquidationError && (code === undefined || e.code === code);
}

/** Throws `LIQUIDATION_OUT_OF_RANGE` for `field` unless `ok`. */
export function requireRange(ok: boolean, field: string, value: bigint | number, limit: string): void {
  if (!ok) throw new LiquidationError('LIQUIDATION_OUT_OF_RANGE', { field, value: String(value), limit });
}
