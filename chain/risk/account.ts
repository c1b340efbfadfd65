/**
 * Compiling a portfolio against a universe: positions aggregated per instrument (exactly, in
 * bigint, before one conversion to binary64), sorted by the universe's canonical index, and the
 * equity pieces (settlement cash kept exact in micro-dollars). The compiled form depends only on
 * the portfolio, the params and the universe — never on a snapshot — so the incremental engine
 * keeps it across blocks.
 */
import { RiskError } from './errors.ts';
import { atomicToMicroFloor, atomicToNumber, e18ToNumber } from './fixed.ts';
import { assetKey, type CompiledParams } from './params.ts';
import type { Portfolio, Stage } from './types.ts';
import { KIND_OPTION, KIND_PERP, type RiskUniverse } from './universe.ts';

const ONE = 10n ** 18n;

/** One position line kept for reports (contributions, Greeks). */
export interface PositionLine {
  readonly id: string;
  readonly instrument: number;
  /** Signed size in underlying units (options, perps) or whole tokens (spot lines). */
  readonly size: number;
  readonly provisional: boolean;
}

/** A collateral line valued in the equity (not settlement cash). */
export interface ValueLine {
  readonly id: string;
  /** 0: underlying-linked (valued at spot/stable), 1: priced feed. */
  readonly kind: 0 | 1;
  /** Underlying index for kind 0. */
  readonly underlying: number;
  readonly priceFeed: string;
  /** Signed whole tokens. */
  readonly units: number;
  /** Fraction of a positive value that counts as equity: 1 − tier − (provisional ? domain extra : 0). */
  readonly factor: number;
  readonly provisional: boolean;
}

/** A portfolio compiled for the kernel. */
export interface CompiledAccount {
  readonly paramsHash: string;
  /** Aggregated instruments, ascending universe index. */
  readonly instr: Int32Array;
  /** Net size per instrument over all items and over final items only. */
  readonly sizeAll: Float64Array;
  readonly sizeFinal: Float64Array;
  /** Net provisional size per instrument (for the equity's "losses early, gains late"). */
  readonly sizeProvisional: Float64Array;
  readonly hasProvisional: boolean;
  /** Settlement cash after haircuts, exact micro-dollars. */
  readonly cashMicro: bigint;
  /** Perp aggregates per perp instrument (final items): Σn, Σn·entry, Σn·fundingIndex. */
  readonly perpInstr: Int32Array;
  readonly perpSize: Float64Array;
  readonly perpEntryNotional: Float64Array;
  readonly perpFundingNotional: Float64Array;
  /** Provisional perp positions, one per line: instrument, n, n·entry, n·fundingIndex. */
  readonly provPerpInstr: Int32Array;
  readonly provPerpSize: Float64Array;
  readonly provPerpEntryNotional: Float64Array;
  readonly provPerpFundingNotional: Float64Array;
  readonly valueLines: readonly ValueLine[];
  readonly positions: readonly PositionLine[];
}

function badPortfolio(field: string, value: string, limit: string): never {
  throw new RiskError('RISK_INVALID_PORTFOLIO', { field, value, limit });
}

function checkStage(s: Stage, field: string): boolean {
  if (s !== 'final' && s !== 'provisional') badPortfolio(field, String(s), 'final | provisional');
  return s === 'provisional';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Agg {
  all: bigint;
  fin: bigint;
  prov: bigint;
  // Spot instruments aggregate binary64 whole tokens from several decimals; summed in canonical order.
  allF: number;
  finF: number;
  provF: number;
}

/**
 * Compiles `portfolio`. Throws `RISK_INVALID_PORTFOLIO` (duplicate ids or collateral lines, a
 * position on an instrument of the other kind, a bad stage or negative lending amounts),
 * `RISK_UNKNOWN_INSTRUMENT` and `RISK_UNKNOWN_ASSET`. Order of the input lists does not matter:
 * everything is aggregated exactly or summed in canonical order.
 */
export function compileAccount(
  portfolio: Portfolio,
  universe: RiskUniverse,
  cp: CompiledParams,
): CompiledAccount {
  if (universe.paramsHash !== cp.hash) {
    throw new RiskError('RISK_INVALID_PARAMS', {
      field: 'universe.paramsHash',
      value: universe.paramsHash,
      limit: `= ${cp.hash}`,
    });
  }
  const ids = new Set<string>();
  const useId = (id: string, field: string): void => {
    if (typeof id !== 'string' || id.length === 0) badPortfolio(field, String(id), 'non-empty id');
    if (ids.has(id)) badPortfolio(field, id, 'unique position id');
    ids.add(id);
  };
  const agg = new Map<number, Agg>();
  const add = (k: number, size: bigint, prov: boolean): void => {
    let a = agg.get(k);
    if (!a) {
      a = { all: 0n, fin: 0n, prov: 0n, allF: 0, finF: 0, provF: 0 };
      agg.set(k, a);
    }
    a.all += size;
    if (prov) a.prov += size;
    else a.fin += size;
  };
  const positions: PositionLine[] = [];
  let hasProvisional = false;
  const instrumentOf = (id: string, kind: number, field: string): number => {
    const k = universe.index.get(id);
    if (k === undefined)
      throw new RiskError('RISK_UNKNOWN_INSTRUMENT', { field, value: id, limit: 'listed in the universe' });
    if (universe.kind[k] !== kind) badPortfolio(field, id, kind === KIND_OPTION ? 'an option' : 'a perp');
    return k;
  };

  const options = [...portfolio.options].sort((a, b) => cmp(a.id, b.id));
  options.forEach((o, i) => {
    const f = `portfolio.options[${o.id}]`;
    useId(o.id, `${f}.id`);
    const prov = checkStage(o.stage, `${f}.stage`);
    hasProvisional ||= prov;
    const k = instrumentOf(o.instrument, KIND_OPTION, `${f}.instrument`);
    add(k, o.sizeE18, prov);
    positions.push({ id: o.id, instrument: k, size: e18ToNumber(o.sizeE18), provisional: prov });
    void i;
  });

  const perps = [...portfolio.perps].sort((a, b) => cmp(a.id, b.id));
  const perpAgg = new Map<number, { n: bigint; entry: bigint; fund: bigint }>();
  const provPerps: { k: number; n: bigint; entry: bigint; fund: bigint }[] = [];
  for (const p of perps) {
    const f = `portfolio.perps[${p.id}]`;
    useId(p.id, `${f}.id`);
    const prov = checkStage(p.stage, `${f}.stage`);
    hasProvisional ||= prov;
    const k = instrumentOf(p.instrument, KIND_PERP, `${f}.instrument`);
    if (p.entryPriceE18 < 0n) badPortfolio(`${f}.entryPriceE18`, String(p.entryPriceE18), '≥ 0');
    add(k, p.sizeE18, prov);
    positions.push({ id: p.id, instrument: k, size: e18ToNumber(p.sizeE18), provisional: prov });
    // n·entry and n·index exactly in E36, converted once.
    const entry = p.sizeE18 * p.entryPriceE18;
    const fund = p.sizeE18 * p.fundingIndexE18;
    if (prov) provPerps.push({ k, n: p.sizeE18, entry, fund });
    else {
      const a = perpAgg.get(k) ?? { n: 0n, entry: 0n, fund: 0n };
      a.n += p.sizeE18;
      a.entry += entry;
      a.fund += fund;
      perpAgg.set(k, a);
    }
  }

  let cashMicro = 0n;
  const valueLines: ValueLine[] = [];
  const seenCollateral = new Set<string>();
  interface Line {
    id: string;
    domain: number;
    token: string;
    prov: boolean;
    amount: bigint;
    field: string;
  }
  const lines: Line[] = [];
  for (const c of portfolio.collateral) {
    const f = `portfolio.collateral[${c.domain}/${c.token}/${c.stage}]`;
    const prov = checkStage(c.stage, `${f}.stage`);
    const key = `${c.domain}\u0000${c.token}\u0000${c.stage}`;
    if (seenCollateral.has(key))
      badPortfolio(f, `${c.domain}/${c.token}/${c.stage}`, 'one balance per (domain, token, stage)');
    seenCollateral.add(key);
    const id = `collateral:${c.domain}:${c.token}:${c.stage}`;
    useId(id, f);
    lines.push({ id, domain: c.domain, token: c.token, prov, amount: c.amount, field: f });
  }
  for (const l of portfolio.lending) {
    const f = `portfolio.lending[${l.id}]`;
    useId(l.id, `${f}.id`);
    const prov = checkStage(l.stage, `${f}.stage`);
    if (l.supplied < 0n) badPortfolio(`${f}.supplied`, String(l.supplied), '≥ 0');
    if (l.borrowed < 0n) badPortfolio(`${f}.borrowed`, String(l.borrowed), '≥ 0');
    // Supplied and borrowed are separate lines: the haircut applies to the supply, never to the debt.
    lines.push({
      id: `${l.id}:supplied`,
      domain: l.domain,
      token: l.token,
      prov,
      amount: l.supplied,
      field: `${f}.supplied`,
    });
    lines.push({
      id: `${l.id}:borrowed`,
      domain: l.domain,
      token: l.token,
      prov,
      amount: -l.borrowed,
      field: `${f}.borrowed`,
    });
  }
  lines.sort((a, b) => cmp(a.id, b.id));
  for (const l of lines) {
    const a = cp.assets.get(assetKey(l.domain, l.token));
    if (!a)
      throw new RiskError('RISK_UNKNOWN_ASSET', {
        field: l.field,
        value: `${l.domain}/${l.token}`,
        limit: 'listed in params.assets',
      });
    if (l.prov && l.amount !== 0n) hasProvisional = true;
    if (a.kind === 'settlement') {
      const micro = atomicToMicroFloor(l.amount, a.decimals);
      if (micro > 0n) {
        // Haircuts on the settlement asset stay exact: ⌊micro·(1e18 − h)/1e18⌋ with h in E18.
        const h = tierE18(cp, a.domain, a.token) + (l.prov ? provisionalE18(cp, a.domain) : 0n);
        const keep = h >= ONE ? 0n : ONE - h;
        cashMicro += (micro * keep) / ONE;
      } else cashMicro += micro;
      continue;
    }
    const units = atomicToNumber(l.amount, a.decimals);
    const factor = 1 - a.haircut - (l.prov ? a.provisionalHaircut : 0);
    valueLines.push({
      id: l.id,
      kind: a.kind === 'underlying' ? 0 : 1,
      underlying: a.underlyingIndex,
      priceFeed: a.priceFeed,
      units,
      factor: Math.max(factor, 0),
      provisional: l.prov,
    });
    if (a.kind === 'underlying') {
      const k = universe.spotIndex[a.underlyingIndex]!;
      let g = agg.get(k);
      if (!g) {
        g = { all: 0n, fin: 0n, prov: 0n, allF: 0, finF: 0, provF: 0 };
        agg.set(k, g);
      }
      g.allF += units;
      if (l.prov) g.provF += units;
      else g.finF += units;
      positions.push({ id: l.id, instrument: k, size: units, provisional: l.prov });
    }
  }

  const keys = [...agg.keys()].sort((a, b) => a - b);
  const n = keys.length;
  const instr = new Int32Array(n);
  const sizeAll = new Float64Array(n);
  const sizeFinal = new Float64Array(n);
  const sizeProvisional = new Float64Array(n);
  keys.forEach((k, i) => {
    const a = agg.get(k)!;
    instr[i] = k;
    sizeAll[i] = e18ToNumber(a.all) + a.allF;
    sizeFinal[i] = e18ToNumber(a.fin) + a.finF;
    sizeProvisional[i] = e18ToNumber(a.prov) + a.provF;
  });
  const perpKeys = [...perpAgg.keys()].sort((a, b) => a - b);
  const E36 = ONE * ONE;
  const e36 = (x: bigint): number => {
    const q = x / E36;
    return Number(q) + Number(x - q * E36) / 1e36;
  };
  positions.sort((a, b) => cmp(a.id, b.id));
  return {
    paramsHash: cp.hash,
    instr,
    sizeAll,
    sizeFinal,
    sizeProvisional,
    hasProvisional,
    cashMicro,
    perpInstr: Int32Array.from(perpKeys),
    perpSize: Float64Array.from(perpKeys.map((k) => e18ToNumber(perpAgg.get(k)!.n))),
    perpEntryNotional: Float64Array.from(perpKeys.map((k) => e36(perpAgg.get(k)!.entry))),
    perpFundingNotional: Float64Array.from(perpKeys.map((k) => e36(perpAgg.get(k)!.fund))),
    provPerpInstr: Int32Array.from(provPerps.map((p) => p.k)),
    provPerpSize: Float64Array.from(provPerps.map((p) => e18ToNumber(p.n))),
    provPerpEntryNotional: Float64Array.from(provPerps.map((p) => e36(p.entry))),
    provPerpFundingNotional: Float64Array.from(provPerps.map((p) => e36(p.fund))),
    valueLines,
    positions,
  };
}

function tierE18(cp: CompiledParams, domain: number, token: string): bigint {
  const a = cp.source.assets.find((x) => x.domain === domain && x.token === token)!;
  return cp.source.haircutTiers.find((t) => t.id === a.tier)!.haircutE18;
}

function provisionalE18(cp: CompiledParams, domain: number): bigint {
  return cp.source.domains.find((d) => d.domain === domain)!.provisionalHaircutE18;
}
