/**
 * The risk kernel's one error class. Every bad input the kernel can see — a non-finite number, a
 * non-positive vol, an expired option, an unknown underlying or instrument, a missing or stale
 * feed, SVI parameters giving negative variance, inconsistent params — is reported as a
 * {@link RiskError} with a string `code` and typed metadata, never as a number.
 *
 * Kind: invalid input (STYLE.md "Errors"). The STF decides whether that means "reject the tx",
 * "skip the account until the feed returns" or "halt"; the kernel only names what is wrong.
 */

/** Codes, one line each. Append only: other modules and receipts may match on them. */
export const RISK_ERROR_CODES = {
  /** A number is NaN or ±∞ (field named in `meta.field`). */
  RISK_NOT_FINITE: 'a value is NaN or infinite',
  /** A number lies outside its allowed range (`meta.value`, `meta.limit`). */
  RISK_OUT_OF_RANGE: 'a value lies outside its allowed range',
  /** An implied vol (given or from SVI) is ≤ 0. */
  RISK_NONPOSITIVE_VOL: 'an implied volatility is zero or negative',
  /** An option's expiry is at or before the snapshot time. */
  RISK_OPTION_EXPIRED: 'an option has expired and must be settled, not margined',
  /** A position or collateral refers to an underlying the params do not define. */
  RISK_UNKNOWN_UNDERLYING: 'unknown underlying',
  /** A position refers to an instrument the universe does not define. */
  RISK_UNKNOWN_INSTRUMENT: 'unknown instrument',
  /** Collateral refers to a (domain, token) the params do not define. */
  RISK_UNKNOWN_ASSET: 'unknown collateral asset',
  /** A feed the portfolio needs is absent from the snapshot. */
  RISK_MISSING_FEED: 'a required feed is missing from the snapshot',
  /** A feed is older than `params.maxFeedAgeSec` at the snapshot time. */
  RISK_STALE_FEED: 'a required feed is stale',
  /** SVI raw parameters give a negative total variance (somewhere, or at a strike). */
  RISK_SVI_NEGATIVE_VARIANCE: 'SVI parameters give negative total variance',
  /** SVI raw parameters break b ≥ 0, |ρ| < 1 or σ > 0. */
  RISK_SVI_INVALID: 'SVI parameters are invalid',
  /** Params are inconsistent (duplicate ids, too many joint scenarios, bad credits …). */
  RISK_INVALID_PARAMS: 'risk params are invalid',
  /** A portfolio is malformed (duplicate position id, bad size …). */
  RISK_INVALID_PORTFOLIO: 'portfolio is invalid',
  /** The incremental engine was asked about an account it does not hold. */
  RISK_UNKNOWN_ACCOUNT: 'unknown account',
} as const;

/** A risk error code string. */
export type RiskErrorCode = keyof typeof RISK_ERROR_CODES;

/** Typed metadata carried by every {@link RiskError}. */
export interface RiskErrorMeta {
  /** Dotted path of the offending field, e.g. `snapshot.underlyings.ETH.expiries[1700000000].forward`. */
  readonly field: string;
  /** The offending value, as a string (bigints and numbers printed exactly). */
  readonly value?: string;
  /** The limit it broke, as a human-readable string (e.g. `> 0`, `age ≤ 60 s`). */
  readonly limit?: string;
}

/**
 * The risk kernel's error: `code` (see {@link RISK_ERROR_CODES}), a message naming the field, the
 * value and the limit, and the same facts in `meta`.
 */
export class RiskError extends Error {
  /** Machine-readable code, prefixed `RISK_`. */
  readonly code: RiskErrorCode;
  /** Field, value and limit. */
  readonly meta: RiskErrorMeta;
  /** Short description without the field details (viem's `shortMessage` convention). */
  readonly shortMessage: string;

  constructor(code: RiskErrorCode, meta: RiskErrorMeta) {
    const short = RISK_ERROR_CODES[code];
    const parts = [`${code}: ${short}`, `field ${meta.field}`];
    if (meta.value !== undefined) parts.push(`value ${meta.value}`);
    if (meta.limit !== undefined) parts.push(`limit ${meta.limit}`);
    super(parts.join('; '));
    this.name = 'RiskError';
    this.code = code;
    this.meta = meta;
    this.shortMessage = short;
  }
}

/** True when `e` is a {@link RiskError} (optionally with the given code). */
export function isRiskError(e: unknown, code?: RiskErrorCode): e is RiskError {
  return e instanceof RiskError && (code === undefined || e.code === code);
}

/** Throws `RISK_NOT_FINITE` unless `x` is a finite number. Returns `x`. */
export function requireFinite(x: number, field: string): number {
  if (!Number.isFinite(x))
    throw new RiskError('RISK_NOT_FINITE', { field, value: String(x), limit: 'finite' });
  return x;
}
