/**
 * The unified-margin config: the risk kernel's params, the instrument registry (which remote
 * instrument is which kernel instrument), per-domain finality and release limits, allowances,
 * liquidation and caps. Genesis carries it as the `margin` section (JSON, camelCase, every bigint
 * a decimal string); state holds its canonical JSON bytes under `PREFIX.margin ‖ 0x01`.
 *
 * Why JSON and not protobuf (README "Decisions"): the kernel's params are a deep, versioned data
 * structure that governance edits as a whole and whose identity is the kernel's own canonical hash
 * (`hashRiskParams`); a second schema for it would be a second source of truth.
 */
import type { StateReader, StateView } from '../../state/types.ts';
import { ChainError } from '../errors.ts';
import {
  compileRiskParams,
  type Instrument,
  RiskError,
  type RiskParams,
  validateRiskParams,
} from '../risk/index.ts';
import { marginConfigKey } from './keys.ts';

const ONE = 10n ** 18n;

/** One listed remote instrument: `(domain, instrumentId)` → kernel instrument. */
export interface InstrumentListing {
  /** Hyperlane domain of the chain whose PositionAdapter reports it. */
  readonly domain: number;
  /** bytes32 instrument id as the adapter reports it, lowercase 0x hex. */
  readonly instrumentId: string;
  /** The kernel instrument (listed on several domains with one definition: one perp per underlying). */
  readonly instrument: Instrument;
  /** Token of its realised P&L on that domain (20-byte lowercase 0x hex; registered in the bridge config). */
  readonly settlementToken: string;
  /** The market contract paid by a RELEASE for a realised loss (20-byte lowercase 0x hex). */
  readonly market: string;
  /** Standalone IM rate the adapter uses, ppm (used to estimate the allowance in use). */
  readonly imRatePpm: number;
  /** Cap on the open interest Σ|size| over all owners, E18 base units (0 = no cap). */
  readonly maxOpenInterestE18: bigint;
  /** Liquidity cost of closing, per unit of notional (E18; e.g. 0.001e18 = 10 bp). */
  readonly liquidityCostE18: bigint;
}

/** Per-domain finality and flow limits. */
export interface DomainMarginParams {
  readonly domain: number;
  /** Cap on provisional collateral credited from this domain, Σ over accounts, µUSD. */
  readonly provisionalCapMicro: bigint;
  /** Cap on one account's provisional collateral from this domain, µUSD. */
  readonly provisionalCapPerAccountMicro: bigint;
  /** The domain halts when a provisional item waits longer than this for the final tier, ms. */
  readonly haltAfterMs: bigint;
  /** After reorg evidence the breaker stays tripped this long, ms. */
  readonly breakerMs: bigint;
  /** Releases (withdrawals, loss payments) per token per rolling hour, atomic units by token (0x hex → amount). */
  readonly releaseCapPerHour: Readonly<Record<string, bigint>>;
}

/** Allowance policy. */
export interface AllowanceParams {
  /** At most this fraction of free margin (equity − IM) may be reserved in total (E18). */
  readonly maxFractionE18: bigint;
  /** Validity of a sent allowance, seconds after the block that sent it. */
  readonly ttlSec: number;
}

/** Liquidation policy. */
export interface LiquidationParams {
  /** At most this many accounts enter liquidation per block. */
  readonly maxPerBlock: number;
  /** Target: equity ≥ MM + buffer·(IM − MM) (E18). */
  readonly bufferE18: bigint;
  /** Penalty on closed notional (E18), capped at the equity above bankruptcy. */
  readonly penaltyE18: bigint;
  /** Share of the penalty a keeper's MsgLiquidate earns (E18); the rest goes to the insurance fund. */
  readonly keeperShareE18: bigint;
  /** CLOSE_POSITION price limit: oracle ∓ band (E18). */
  readonly priceBandE18: bigint;
  /** A close not acknowledged within this many ms may be re-planned. */
  readonly closeTimeoutMs: bigint;
}

/** The whole unified-margin config. */
export interface MarginConfig {
  readonly risk: RiskParams;
  readonly instruments: readonly InstrumentListing[];
  readonly domains: readonly DomainMarginParams[];
  readonly allowance: AllowanceParams;
  readonly liquidation: LiquidationParams;
  /** Max mirrored positions per account (all domains). */
  readonly maxPositionsPerAccount: number;
  /** Feed of the settlement stablecoin (e.g. `USDC/USD`). */
  readonly stableFeed: string;
  /** A dispatched settlement without ACK after this long is re-dispatched under the same id, ms. */
  readonly settlementExpiryMs: bigint;
}

function bad(field: string, why: string): never {
  throw new ChainError('MARGIN_CONFIG_INVALID', `margin.${field} ${why}`, { field: `margin.${field}` });
}

const HEX20 = /^0x[0-9a-f]{40}$/;
const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
const HEX32 = /^0x[0-9a-f]{64}$/;

/**
 * Validates a config: the kernel's params (its own validator), each listing's instrument against
 * the kernel universe, addresses, fractions in [0, 1], positive limits. Throws MARGIN_CONFIG_INVALID
 * naming the field.
 */
export function validateMarginConfig(c: MarginConfig): void {
  try {
    validateRiskParams(c.risk);
    compileRiskParams(c.risk);
  } catch (e) {
    if (e instanceof RiskError) bad('risk', e.message);
    throw e;
  }
  const ids = new Map<string, Instrument>();
  const keys = new Set<string>();
  c.instruments.forEach((l, i) => {
    const f = `instruments[${i}]`;
    if (!Number.isInteger(l.domain) || l.domain < 0 || l.domain > 0xffffffff)
      bad(`${f}.domain`, 'is not a u32');
    if (!HEX32.test(l.instrumentId))
      bad(`${f}.instrumentId`, `must be lowercase 0x bytes32; got ${l.instrumentId}`);
    if (!HEX20.test(l.settlementToken)) bad(`${f}.settlementToken`, 'must be a lowercase 0x address');
    if (!HEX20.test(l.market)) bad(`${f}.market`, 'must be a lowercase 0x address');
    // One kernel instrument may be listed on several domains (one perp per underlying): the
    // definitions must then agree, so positions on different chains net against each other.
    const prev = ids.get(l.instrument.id);
    if (prev !== undefined && JSON.stringify(prev, big) !== JSON.stringify(l.instrument, big))
      bad(`${f}.instrument`, `${l.instrument.id} is listed with another definition`);
    ids.set(l.instrument.id, l.instrument);
    const k = `${l.domain}/${l.instrumentId}`;
    if (keys.has(k)) bad(`${f}.instrumentId`, `${k} is listed twice`);
    keys.add(k);
    if (!c.risk.underlyings.includes(l.instrument.underlying))
      bad(`${f}.instrument.underlying`, `${l.instrument.underlying} is not in risk.underlyings`);
    if (!Number.isInteger(l.imRatePpm) || l.imRatePpm <= 0 || l.imRatePpm > 1_000_000)
      bad(`${f}.imRatePpm`, `must be in (0, 1000000]; got ${l.imRatePpm}`);
    if (l.maxOpenInterestE18 < 0n) bad(`${f}.maxOpenInterestE18`, 'is negative');
    if (l.liquidityCostE18 < 0n || l.liquidityCostE18 > ONE)
      bad(`${f}.liquidityCostE18`, 'is outside [0, 1e18]');
  });
  const doms = new Set<number>();
  c.domains.forEach((d, i) => {
    const f = `domains[${i}]`;
    if (doms.has(d.domain)) bad(`${f}.domain`, `${d.domain} appears twice`);
    doms.add(d.domain);
    if (d.provisionalCapMicro < 0n) bad(`${f}.provisionalCapMicro`, 'is negative');
    if (d.provisionalCapPerAccountMicro < 0n) bad(`${f}.provisionalCapPerAccountMicro`, 'is negative');
    if (d.haltAfterMs < 1000n) bad(`${f}.haltAfterMs`, 'is below 1000 ms');
    if (d.breakerMs < 0n) bad(`${f}.breakerMs`, 'is negative');
    for (const [t, v] of Object.entries(d.releaseCapPerHour)) {
      if (!HEX20.test(t)) bad(`${f}.releaseCapPerHour`, `key ${t} is not a lowercase 0x address`);
      if (v < 0n) bad(`${f}.releaseCapPerHour.${t}`, 'is negative');
    }
  });
  for (const l of c.instruments)
    if (!doms.has(l.domain)) bad('instruments', `domain ${l.domain} has no entry in margin.domains`);
  const frac = (field: string, v: bigint) => {
    if (v < 0n || v > ONE) bad(field, `is outside [0, 1e18]; got ${v}`);
  };
  frac('allowance.maxFractionE18', c.allowance.maxFractionE18);
  if (!Number.isInteger(c.allowance.ttlSec) || c.allowance.ttlSec < 10)
    bad('allowance.ttlSec', 'is below 10 s');
  frac('liquidation.bufferE18', c.liquidation.bufferE18);
  frac('liquidation.penaltyE18', c.liquidation.penaltyE18);
  frac('liquidation.keeperShareE18', c.liquidation.keeperShareE18);
  frac('liquidation.priceBandE18', c.liquidation.priceBandE18);
  if (!Number.isInteger(c.liquidation.maxPerBlock) || c.liquidation.maxPerBlock < 1)
    bad('liquidation.maxPerBlock', 'must be ≥ 1');
  if (c.liquidation.closeTimeoutMs < 1000n) bad('liquidation.closeTimeoutMs', 'is below 1000 ms');
  if (!Number.isInteger(c.maxPositionsPerAccount) || c.maxPositionsPerAccount < 1)
    bad('maxPositionsPerAccount', 'must be ≥ 1');
  if (!/^[!-~]{1,96}$/.test(c.stableFeed)) bad('stableFeed', 'is not a feed id');
  if (c.settlementExpiryMs < 1000n) bad('settlementExpiryMs', 'is below 1000 ms');
}

// ---- JSON (bigint ↔ decimal string, by field-name convention) ----

/** Field names holding bigints (besides every name ending in `E18`, `Micro` or `Ms`). */
const BIGINT_NAMES = new Set(['releaseCapPerHour']);
const isBigName = (k: string) => /(E18|Micro|Ms)$/.test(k);

function toJsonValue(v: unknown, key: string): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x, key));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = toJsonValue(x, k);
    }
    return out;
  }
  return v;
}

function fromJsonValue(v: unknown, key: string, path: string, bigCtx: boolean): unknown {
  if (Array.isArray(v)) return v.map((x, i) => fromJsonValue(x, key, `${path}[${i}]`, bigCtx));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    const inner = BIGINT_NAMES.has(key);
    for (const [k, x] of Object.entries(v)) out[k] = fromJsonValue(x, k, `${path}.${k}`, inner);
    return out;
  }
  if (bigCtx || isBigName(key)) {
    if (typeof v !== 'string' || !/^-?(0|[1-9][0-9]{0,77})$/.test(v))
      bad(path.slice(1), `must be a decimal integer string; got ${JSON.stringify(v)}`);
    return BigInt(v);
  }
  return v;
}

/** A config → its JSON object form (keys sorted: canonical). */
export function marginConfigToJson(c: MarginConfig): Record<string, unknown> {
  return toJsonValue(c, '') as Record<string, unknown>;
}

/** Parses and validates the JSON form. Throws MARGIN_CONFIG_INVALID naming the field. */
export function marginConfigFromJson(json: unknown): MarginConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) bad('', 'is not an object');
  const need = [
    'risk',
    'instruments',
    'domains',
    'allowance',
    'liquidation',
    'maxPositionsPerAccount',
    'stableFeed',
    'settlementExpiryMs',
  ];
  for (const k of need) if (!(k in json)) bad(k, 'is missing');
  for (const k of Object.keys(json)) if (!need.includes(k)) bad(k, 'is not a margin field');
  const c = fromJsonValue(json, '', '', false) as MarginConfig;
  if (!Array.isArray(c.instruments)) bad('instruments', 'must be an array');
  if (!Array.isArray(c.domains)) bad('domains', 'must be an array');
  try {
    validateMarginConfig(c);
  } catch (e) {
    if (e instanceof ChainError) throw e;
    // A missing nested field surfaces as a TypeError inside validation: name the section.
    bad('', `is malformed: ${(e as Error).message}`);
  }
  return c;
}

/** Canonical bytes of a config (sorted-key JSON, UTF-8). */
export function encodeMarginConfig(c: MarginConfig): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(marginConfigToJson(c)));
}

/** Decodes bytes written by {@link encodeMarginConfig} (state is trusted: no re-validation). */
export function decodeMarginConfig(bytes: Uint8Array): MarginConfig {
  return fromJsonValue(JSON.parse(new TextDecoder().decode(bytes)), '', '', false) as MarginConfig;
}

// ---- state ----

const cache = new WeakMap<Uint8Array, MarginConfig>();

/** The config in state, or undefined on a chain without unified margin. */
export function readMarginConfig(state: StateReader): MarginConfig | undefined {
  const raw = state.get(marginConfigKey());
  if (raw === undefined) return undefined;
  // Decoding is pure in the bytes: memoise by the stored array (the overlay returns the same one).
  let c = cache.get(raw);
  if (c === undefined) {
    c = decodeMarginConfig(raw);
    cache.set(raw, c);
  }
  return c;
}

/** Writes the config (callers validate first). */
export function writeMarginConfig(state: StateView, c: MarginConfig): void {
  state.set(marginConfigKey(), encodeMarginConfig(c));
}

/** The listing of `(domain, instrumentId hex)`, or undefined. */
export function listingOf(
  c: MarginConfig,
  domain: number,
  instrumentId: string,
): InstrumentListing | undefined {
  return c.instruments.find((l) => l.domain === domain && l.instrumentId === instrumentId);
}

/** The domain params, or undefined. */
export function domainParamsOf(c: MarginConfig, domain: number): DomainMarginParams | undefined {
  return c.domains.find((d) => d.domain === domain);
}
