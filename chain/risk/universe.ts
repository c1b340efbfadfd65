/**
 * The instrument universe in canonical order. Every listed instrument, plus one synthetic `spot`
 * instrument per underlying (what underlying-linked collateral and lending hold), gets a dense
 * index that stays fixed for the life of the universe, so compiled accounts and risk arrays built
 * from later snapshots agree on it.
 *
 * Canonical order: underlying id, then options by (expiry, strike, put before call, id), then the
 * perp(s) by id, then the spot instrument. Options of one (underlying, expiry) — a *bucket*, the
 * unit on which Derive applies its static discount and basis contingency — are contiguous, and the
 * call and put of one strike are adjacent (naked shorts net per strike).
 */
import { RiskError } from './errors.ts';
import { e18ToNumber } from './fixed.ts';
import type { CompiledParams } from './params.ts';
import type { Instrument } from './types.ts';

/** Instrument kinds inside the kernel. */
export const KIND_OPTION = 0;
/** Perpetual. */
export const KIND_PERP = 1;
/** Synthetic spot instrument of an underlying (one whole token of it). */
export const KIND_SPOT = 2;

/** Id of the synthetic spot instrument of underlying `u`. */
export function spotInstrumentId(u: string): string {
  return `spot:${u}`;
}

/** The universe compiled against params: dense indices and per-instrument static facts. */
export interface RiskUniverse {
  /** Hash of the params it was compiled against. */
  readonly paramsHash: string;
  /** Instrument ids in canonical order. */
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** KIND_OPTION | KIND_PERP | KIND_SPOT. */
  readonly kind: Uint8Array;
  /** Underlying index (into `params.underlyings`). */
  readonly underlying: Int32Array;
  /** Bucket index for options, −1 otherwise. */
  readonly bucket: Int32Array;
  /** Strike (USD) for options, 0 otherwise. */
  readonly strike: Float64Array;
  readonly isCall: Uint8Array;
  /** Per bucket: underlying index and expiry (unix s). */
  readonly bucketUnderlying: Int32Array;
  readonly bucketExpirySec: Float64Array;
  /** Index of the spot instrument of each underlying. */
  readonly spotIndex: Int32Array;
  /** Index of the perp of each underlying, −1 if none is listed. */
  readonly perpIndex: Int32Array;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compiles a universe. Throws `RISK_UNKNOWN_UNDERLYING` for an instrument on an underlying the
 * params do not list, `RISK_INVALID_PORTFOLIO`-free checks: duplicate ids, two perps on one
 * underlying, non-integer expiry or non-positive strike give `RISK_INVALID_PARAMS`.
 */
export function buildUniverse(instruments: readonly Instrument[], cp: CompiledParams): RiskUniverse {
  const seen = new Set<string>();
  const perpOf = new Map<number, string>();
  for (const [i, ins] of instruments.entries()) {
    const f = `universe[${i}]`;
    if (typeof ins.id !== 'string' || ins.id.length === 0 || ins.id.startsWith('spot:')) {
      throw new RiskError('RISK_INVALID_PARAMS', {
        field: `${f}.id`,
        value: String(ins.id),
        limit: 'non-empty, not spot:*',
      });
    }
    if (seen.has(ins.id))
      throw new RiskError('RISK_INVALID_PARAMS', { field: `${f}.id`, value: ins.id, limit: 'unique' });
    seen.add(ins.id);
    const u = cp.underlyingIndex.get(ins.underlying);
    if (u === undefined) {
      throw new RiskError('RISK_UNKNOWN_UNDERLYING', {
        field: `${f}.underlying`,
        value: ins.underlying,
        limit: 'listed in params.underlyings',
      });
    }
    if (ins.kind === 'option') {
      if (!Number.isSafeInteger(ins.expirySec) || ins.expirySec <= 0) {
        throw new RiskError('RISK_INVALID_PARAMS', {
          field: `${f}.expirySec`,
          value: String(ins.expirySec),
          limit: 'positive integer',
        });
      }
      if (ins.strikeE18 <= 0n) {
        throw new RiskError('RISK_INVALID_PARAMS', {
          field: `${f}.strikeE18`,
          value: String(ins.strikeE18),
          limit: '> 0',
        });
      }
    } else if (ins.kind === 'perp') {
      if (perpOf.has(u)) {
        throw new RiskError('RISK_INVALID_PARAMS', {
          field: `${f}.underlying`,
          value: ins.underlying,
          limit: 'one perp per underlying',
        });
      }
      perpOf.set(u, ins.id);
    } else {
      throw new RiskError('RISK_INVALID_PARAMS', {
        field: `${f}.kind`,
        value: String((ins as { kind: unknown }).kind),
        limit: 'option | perp',
      });
    }
  }
  interface Row {
    id: string;
    kind: number;
    u: number;
    expiry: number;
    strikeE18: bigint;
    isCall: number;
  }
  const rows: Row[] = instruments.map((ins) => ({
    id: ins.id,
    kind: ins.kind === 'option' ? KIND_OPTION : KIND_PERP,
    u: cp.underlyingIndex.get(ins.underlying)!,
    expiry: ins.kind === 'option' ? ins.expirySec : 0,
    strikeE18: ins.kind === 'option' ? ins.strikeE18 : 0n,
    isCall: ins.kind === 'option' && ins.isCall ? 1 : 0,
  }));
  cp.underlyings.forEach((u, i) => {
    rows.push({ id: spotInstrumentId(u), kind: KIND_SPOT, u: i, expiry: 0, strikeE18: 0n, isCall: 0 });
  });
  rows.sort(
    (a, b) =>
      a.u - b.u ||
      a.kind - b.kind ||
      a.expiry - b.expiry ||
      (a.strikeE18 < b.strikeE18 ? -1 : a.strikeE18 > b.strikeE18 ? 1 : 0) ||
      a.isCall - b.isCall ||
      cmp(a.id, b.id),
  );
  const n = rows.length;
  const kind = new Uint8Array(n);
  const underlying = new Int32Array(n);
  const bucket = new Int32Array(n).fill(-1);
  const strike = new Float64Array(n);
  const isCall = new Uint8Array(n);
  const bucketU: number[] = [];
  const bucketE: number[] = [];
  const spotIndex = new Int32Array(cp.underlyings.length).fill(-1);
  const perpIndex = new Int32Array(cp.underlyings.length).fill(-1);
  const index = new Map<string, number>();
  rows.forEach((r, i) => {
    index.set(r.id, i);
    kind[i] = r.kind;
    underlying[i] = r.u;
    isCall[i] = r.isCall;
    if (r.kind === KIND_OPTION) {
      strike[i] = e18ToNumber(r.strikeE18);
      const last = bucketU.length - 1;
      if (last < 0 || bucketU[last] !== r.u || bucketE[last] !== r.expiry) {
        bucketU.push(r.u);
        bucketE.push(r.expiry);
      }
      bucket[i] = bucketU.length - 1;
    } else if (r.kind === KIND_SPOT) spotIndex[r.u] = i;
    else perpIndex[r.u] = i;
  });
  return {
    paramsHash: cp.hash,
    ids: rows.map((r) => r.id),
    index,
    kind,
    underlying,
    bucket,
    strike,
    isCall,
    bucketUnderlying: Int32Array.from(bucketU),
    bucketExpirySec: Float64Array.from(bucketE),
    spotIndex,
    perpIndex,
  };
}
