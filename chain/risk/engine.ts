/**
 * The incremental margin engine the STF holds: compiled accounts, the current risk arrays, and an
 * exposure index (instrument → accounts holding it). After a new snapshot only the instruments
 * whose fingerprint changed are reported, and {@link MarginEngine.update} re-margins only the
 * accounts touched by transactions or exposed to those instruments. Each account's margin is a
 * pure function of (its compiled portfolio, the rows of the instruments it holds, params), so an
 * incremental update is bit-identical to a full re-margin (property-tested).
 */
import { accountLayout, type CompiledAccount, compileAccount } from './account.ts';
import { RiskError } from './errors.ts';
import { evaluateAccount, reportAccount } from './margin.ts';
import { type CompiledParams, compileRiskParams } from './params.ts';
import { buildRiskArrays, type RiskArrays } from './riskArrays.ts';
import type {
  Instrument,
  MarginReport,
  MarginSummary,
  OracleSnapshot,
  Portfolio,
  RiskParams,
} from './types.ts';
import { buildUniverse, type RiskUniverse } from './universe.ts';

/** An account's margin: the summary, or the typed error that stops it being computed. */
export type AccountMargin =
  | { readonly ok: true; readonly summary: MarginSummary }
  | { readonly ok: false; readonly error: RiskError };

/** Options of {@link createMarginEngine}. */
export interface MarginEngineOpts {
  readonly params: RiskParams;
  readonly universe: readonly Instrument[];
}

/** See module doc. Account ids are opaque strings; results are keyed and ordered by id. */
export interface MarginEngine {
  readonly params: CompiledParams;
  readonly universe: RiskUniverse;
  /** Current arrays (null before the first snapshot). */
  readonly arrays: RiskArrays | null;
  /**
   * Installs a snapshot; returns the keys whose inputs changed (instrument ids, including
   * `spot:<underlying>`, and `price:<feed>`), sorted. Every key changes on the first snapshot.
   */
  setSnapshot(snapshot: OracleSnapshot): readonly string[];
  /** Compiles and stores an account's portfolio (throws on an invalid portfolio). */
  setAccount(id: string, portfolio: Portfolio): void;
  /** Forgets an account. */
  removeAccount(id: string): void;
  /**
   * Re-margins the accounts in `touched` plus every account exposed to a key in `changed`;
   * returns their new margins, ordered by account id. Others keep their stored result.
   */
  update(touched: Iterable<string>, changed: Iterable<string>): ReadonlyMap<string, AccountMargin>;
  /** Re-margins every account (the reference the incremental path must equal). */
  remarginAll(): ReadonlyMap<string, AccountMargin>;
  /** The stored margin of an account. */
  get(id: string): AccountMargin | undefined;
  /** The full report of an account under the current arrays. */
  report(id: string): MarginReport;
  /** Account ids exposed to a key (instrument id or `price:<feed>`), sorted. */
  exposed(key: string): readonly string[];
}

function keysOf(acc: CompiledAccount, uni: RiskUniverse): string[] {
  const keys = new Set<string>();
  const L = accountLayout(acc);
  const d = acc.data;
  for (let i = 0; i < L.n; i++) keys.add(uni.ids[d[L.instr + i]!]!);
  for (let q = 0; q < L.nPerp + L.nProvPerp; q++) keys.add(uni.ids[d[L.perps + 4 * q]!]!);
  for (let q = 0; q < L.nLines; q++) {
    const o = L.lines + 5 * q;
    if (d[o] === 0) keys.add(uni.ids[uni.spotIndex[d[o + 1]!]!]!);
    else keys.add(`price:${acc.priceFeeds[q]}`);
  }
  return [...keys];
}

function sameBits(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): boolean {
  const ua = new Uint32Array(a.buffer, a.byteOffset + ao * 8, n * 2);
  const ub = new Uint32Array(b.buffer, b.byteOffset + bo * 8, n * 2);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

function margin(acc: CompiledAccount, arrays: RiskArrays): AccountMargin {
  try {
    return { ok: true, summary: evaluateAccount(acc, arrays) };
  } catch (e) {
    if (e instanceof RiskError) return { ok: false, error: e };
    throw e;
  }
}

/** What the engine keeps per account. */
interface Entry {
  acc: CompiledAccount;
  /** Instrument ids and `price:<feed>` keys the account is exposed to. */
  keys: string[];
  /** The last margin computed (undefined before the first). */
  result: AccountMargin | undefined;
}

/** Creates an engine for params and a universe (both validated here). */
export function createMarginEngine(opts: MarginEngineOpts): MarginEngine {
  const cp = compileRiskParams(opts.params);
  const uni = buildUniverse(opts.universe, cp);
  let arrays: RiskArrays | null = null;
  // One entry per account (compiled portfolio, the keys it is exposed to, its last result): one
  // lookup per id in a large map instead of three.
  const entries = new Map<string, Entry>();
  const exposure = new Map<string, Set<string>>();

  const requireArrays = (): RiskArrays => {
    if (!arrays)
      throw new RiskError('RISK_MISSING_FEED', { field: 'engine.snapshot', limit: 'setSnapshot first' });
    return arrays;
  };
  const unlink = (e: Entry, id: string): void => {
    for (const key of e.keys) exposure.get(key)?.delete(id);
  };
  // Every account id, sorted (default string order), kept until an account is added or removed:
  // a full or wide re-margin walks it instead of sorting its ids again.
  let sortedIds: string[] | null = null;
  const allSorted = (): string[] => {
    sortedIds ??= [...entries.keys()].sort();
    return sortedIds;
  };
  /** `ids` in id order (all accounts when null); the caller skips ids not in the engine. */
  const inOrder = (ids: ReadonlySet<string> | null): readonly string[] => {
    if (ids === null) return allSorted();
    const n = entries.size;
    if (ids.size * 2 > n || (sortedIds !== null && ids.size * 16 > n))
      return allSorted().filter((id) => ids.has(id));
    return [...ids].sort();
  };
  const sortedMap = (ids: ReadonlySet<string> | null): Map<string, AccountMargin> => {
    const a = requireArrays();
    const out = new Map<string, AccountMargin>();
    for (const id of inOrder(ids)) {
      const e = entries.get(id);
      if (e === undefined) continue;
      const m = margin(e.acc, a);
      e.result = m;
      out.set(id, m);
    }
    return out;
  };

  return {
    params: cp,
    universe: uni,
    get arrays() {
      return arrays;
    },
    setSnapshot(snapshot) {
      const next = buildRiskArrays(snapshot, uni, cp);
      const changed: string[] = [];
      const prev = arrays;
      const fp = next.fingerprintCols;
      for (let k = 0; k < uni.ids.length; k++) {
        const differs =
          !prev ||
          prev.status[k] !== null ||
          next.status[k] !== null ||
          !sameBits(prev.fingerprint, k * fp, next.fingerprint, k * fp, fp);
        // Every fingerprint carries the stable price, so a de-peg (IM multiplier) flags every instrument.
        if (differs) changed.push(uni.ids[k]!);
      }
      const feeds = new Set<string>([...(prev?.prices.keys() ?? []), ...next.prices.keys()]);
      for (const f of feeds) {
        const a = prev?.prices.get(f);
        const b = next.prices.get(f);
        if (
          a === undefined ||
          b === undefined ||
          !Object.is(a, b) ||
          prev?.stablePrice !== next.stablePrice ||
          next.priceStatus.has(f)
        ) {
          changed.push(`price:${f}`);
        }
      }
      arrays = next;
      return [...new Set(changed)].sort();
    },
    setAccount(id, portfolio) {
      const acc = compileAccount(portfolio, uni, cp);
      const keys = keysOf(acc, uni);
      const e = entries.get(id);
      if (e) {
        unlink(e, id);
        // The stored result stays until the account is re-margined.
        e.acc = acc;
        e.keys = keys;
      } else {
        sortedIds = null;
        entries.set(id, { acc, keys, result: undefined });
      }
      for (const key of keys) {
        let s = exposure.get(key);
        if (!s) {
          s = new Set();
          exposure.set(key, s);
        }
        s.add(id);
      }
    },
    removeAccount(id) {
      const e = entries.get(id);
      if (!e) return;
      unlink(e, id);
      entries.delete(id);
      sortedIds = null;
    },
    update(touched, changed) {
      const ids = new Set<string>(touched);
      for (const key of changed) for (const id of exposure.get(key) ?? []) ids.add(id);
      return sortedMap(ids);
    },
    remarginAll() {
      return sortedMap(null);
    },
    get(id) {
      return entries.get(id)?.result;
    },
    report(id) {
      const acc = entries.get(id)?.acc;
      if (!acc)
        throw new RiskError('RISK_UNKNOWN_ACCOUNT', {
          field: 'accountId',
          value: id,
          limit: 'an account set in the engine',
        });
      return reportAccount(acc, requireArrays());
    },
    exposed(key) {
      return [...(exposure.get(key) ?? [])].sort();
    },
  };
}
