/**
 * Risk params as data: validation, canonical binary encoding, sha256 hash, the compiled binary64
 * form the kernel runs on, and presets (Derive PMRM v1's unit-test configuration).
 */
import { sha256 } from '@noble/hashes/sha2';
import { RiskError } from './errors.ts';
import { e18ToNumber, toE18 } from './fixed.ts';
import type { RiskParams, ScenarioParams, VolShockDirection } from './types.ts';

const ONE = 10n ** 18n;
/** At most this many joint scenarios in the expected-shortfall set (issue 3). */
export const MAX_JOINT_SCENARIOS = 64;
/** At most this many stress scenarios per underlying. */
export const MAX_SCENARIOS = 128;

function bad(field: string, value: unknown, limit: string): never {
  throw new RiskError('RISK_INVALID_PARAMS', { field, value: String(value), limit });
}

function checkRange(x: bigint, lo: bigint | null, hi: bigint | null, field: string): void {
  if ((lo !== null && x < lo) || (hi !== null && x > hi)) {
    bad(field, x, `${lo === null ? '−∞' : lo} ≤ x ≤ ${hi === null ? '∞' : hi} (E18)`);
  }
}

function checkInt(x: number, lo: number, hi: number, field: string): void {
  if (!Number.isSafeInteger(x) || x < lo || x > hi) bad(field, x, `integer in [${lo}, ${hi}]`);
}

const VOLS: readonly VolShockDirection[] = ['up', 'none', 'down'];

/**
 * Validates params; throws `RISK_INVALID_PARAMS` naming the field, value and limit. Rules: unique
 * ids; scenario spot shocks in (0, 10], weights in (0, 1]; basis up > 1 > down > 0; percentages in
 * [0, 1]; imFactor ≥ 1; credits in [0, 1] with Σ per underlying ≤ 1; ES level in (0, 1) and 1–64
 * joint scenarios over known underlyings; assets reference known tiers/underlyings.
 */
export function validateRiskParams(p: RiskParams): void {
  const und = new Set<string>();
  p.underlyings.forEach((u, i) => {
    if (typeof u !== 'string' || u.length === 0 || u.length > 64)
      bad(`underlyings[${i}]`, u, 'non-empty id ≤ 64 chars');
    if (und.has(u)) bad(`underlyings[${i}]`, u, 'unique');
    und.add(u);
  });
  if (p.scenarios.length === 0 || p.scenarios.length > MAX_SCENARIOS) {
    bad('scenarios.length', p.scenarios.length, `1 … ${MAX_SCENARIOS}`);
  }
  p.scenarios.forEach((s, i) => {
    checkRange(s.spotShockE18, 1n, 10n * ONE, `scenarios[${i}].spotShockE18`);
    checkRange(s.weightE18, 1n, ONE, `scenarios[${i}].weightE18`);
    if (!VOLS.includes(s.vol)) bad(`scenarios[${i}].vol`, s.vol, 'up | none | down');
  });
  const v = p.volShock;
  checkRange(v.upE18, 0n, 10n * ONE, 'volShock.upE18');
  checkRange(v.downE18, 0n, 10n * ONE, 'volShock.downE18');
  checkRange(v.shortTermPowerE18, 0n, ONE, 'volShock.shortTermPowerE18');
  checkRange(v.longTermPowerE18, 0n, ONE, 'volShock.longTermPowerE18');
  checkInt(v.termSec, 1, 10 * 365 * 86400, 'volShock.termSec');
  checkInt(v.dteFloorSec, 1, 365 * 86400, 'volShock.dteFloorSec');
  checkRange(p.basis.spotUpE18, ONE + 1n, 3n * ONE, 'basis.spotUpE18');
  checkRange(p.basis.spotDownE18, 1n, ONE - 1n, 'basis.spotDownE18');
  checkRange(p.basis.addFactorE18, 0n, 5n * ONE, 'basis.addFactorE18');
  checkRange(p.basis.multFactorE18, 0n, 5n * ONE, 'basis.multFactorE18');
  checkRange(p.staticContingency.perpPctE18, 0n, ONE, 'staticContingency.perpPctE18');
  checkRange(p.staticContingency.basePctE18, 0n, ONE, 'staticContingency.basePctE18');
  checkRange(p.staticContingency.optionPctE18, 0n, ONE, 'staticContingency.optionPctE18');
  checkRange(p.confidence.thresholdE18, 0n, ONE, 'confidence.thresholdE18');
  checkRange(p.confidence.marginE18, 0n, 2n * ONE, 'confidence.marginE18');
  checkRange(p.peg.thresholdE18, 0n, ONE, 'peg.thresholdE18');
  checkRange(p.peg.factorE18, 0n, 20n * ONE, 'peg.factorE18');
  checkRange(p.staticDiscount.baseE18, 0n, ONE, 'staticDiscount.baseE18');
  checkRange(p.staticDiscount.rateMultE18, 0n, 5n * ONE, 'staticDiscount.rateMultE18');
  checkRange(p.staticDiscount.rateAddE18, 0n, 5n * ONE, 'staticDiscount.rateAddE18');
  checkRange(p.imFactorE18, ONE, 10n * ONE, 'imFactorE18');
  if (p.optionMtmDiscounting !== 'none' && p.optionMtmDiscounting !== 'rate') {
    bad('optionMtmDiscounting', p.optionMtmDiscounting, 'none | rate');
  }
  const creditSum = new Map<string, bigint>();
  const pairs = new Set<string>();
  p.correlationCredits.forEach((c, i) => {
    if (!und.has(c.a)) bad(`correlationCredits[${i}].a`, c.a, 'a known underlying');
    if (!und.has(c.b)) bad(`correlationCredits[${i}].b`, c.b, 'a known underlying');
    if (c.a === c.b) bad(`correlationCredits[${i}]`, `${c.a}/${c.b}`, 'two different underlyings');
    const key = c.a < c.b ? `${c.a}\u0000${c.b}` : `${c.b}\u0000${c.a}`;
    if (pairs.has(key)) bad(`correlationCredits[${i}]`, `${c.a}/${c.b}`, 'one credit per pair');
    pairs.add(key);
    checkRange(c.creditE18, 0n, ONE, `correlationCredits[${i}].creditE18`);
    for (const u of [c.a, c.b]) {
      const s = (creditSum.get(u) ?? 0n) + c.creditE18;
      if (s > ONE) bad(`correlationCredits[${i}]`, `Σ credits of ${u} = ${s}`, '≤ 1e18');
      creditSum.set(u, s);
    }
  });
  const es = p.expectedShortfall;
  if (es !== null) {
    checkRange(es.levelE18, 1n, ONE - 1n, 'expectedShortfall.levelE18');
    if (es.scenarios.length === 0 || es.scenarios.length > MAX_JOINT_SCENARIOS) {
      bad('expectedShortfall.scenarios.length', es.scenarios.length, `1 … ${MAX_JOINT_SCENARIOS}`);
    }
    es.scenarios.forEach((js, i) => {
      const seen = new Set<string>();
      js.moves.forEach((mv, j) => {
        const f = `expectedShortfall.scenarios[${i}].moves[${j}]`;
        if (!und.has(mv.underlying)) bad(`${f}.underlying`, mv.underlying, 'a known underlying');
        if (seen.has(mv.underlying)) bad(`${f}.underlying`, mv.underlying, 'one move per underlying');
        seen.add(mv.underlying);
        checkRange(mv.spotShockE18, 1n, 10n * ONE, `${f}.spotShockE18`);
        if (!VOLS.includes(mv.vol)) bad(`${f}.vol`, mv.vol, 'up | none | down');
      });
    });
  }
  const tiers = new Set<string>();
  p.haircutTiers.forEach((t, i) => {
    if (tiers.has(t.id)) bad(`haircutTiers[${i}].id`, t.id, 'unique');
    tiers.add(t.id);
    checkRange(t.haircutE18, 0n, ONE, `haircutTiers[${i}].haircutE18`);
  });
  const domains = new Set<number>();
  p.domains.forEach((d, i) => {
    checkInt(d.domain, 0, 0xffffffff, `domains[${i}].domain`);
    if (domains.has(d.domain)) bad(`domains[${i}].domain`, d.domain, 'unique');
    domains.add(d.domain);
    checkRange(d.provisionalHaircutE18, 0n, ONE, `domains[${i}].provisionalHaircutE18`);
  });
  const assets = new Set<string>();
  p.assets.forEach((a, i) => {
    const f = `assets[${i}]`;
    checkInt(a.domain, 0, 0xffffffff, `${f}.domain`);
    if (!domains.has(a.domain)) bad(`${f}.domain`, a.domain, 'a domain listed in params.domains');
    const key = `${a.domain}\u0000${a.token}`;
    if (assets.has(key)) bad(`${f}.token`, a.token, 'unique per domain');
    assets.add(key);
    checkInt(a.decimals, 0, 36, `${f}.decimals`);
    if (!tiers.has(a.tier)) bad(`${f}.tier`, a.tier, 'a known haircut tier');
    if (a.kind === 'underlying') {
      if (a.underlying === undefined || !und.has(a.underlying))
        bad(`${f}.underlying`, a.underlying, 'a known underlying');
    } else if (a.kind === 'priced') {
      if (!a.priceFeed) bad(`${f}.priceFeed`, a.priceFeed, 'a feed id');
    } else if (a.kind !== 'settlement') {
      bad(`${f}.kind`, a.kind, 'settlement | underlying | priced');
    }
  });
  checkInt(p.maxFeedAgeSec, 0, 365 * 86400, 'maxFeedAgeSec');
}

// ---------------------------------------------------------------------------------------------
// Canonical encoding

class Writer {
  private readonly parts: number[] = [];
  u8(x: number): void {
    this.parts.push(x & 0xff);
  }
  u32(x: number): void {
    for (let s = 24; s >= 0; s -= 8) this.parts.push((x >>> s) & 0xff);
  }
  u64(x: number): void {
    const b = BigInt(x);
    for (let s = 56n; s >= 0n; s -= 8n) this.parts.push(Number((b >> s) & 0xffn));
  }
  /** Signed bigint: sign byte, u16 length, magnitude big-endian without leading zeros. */
  int(x: bigint): void {
    const neg = x < 0n;
    let m = neg ? -x : x;
    const bytes: number[] = [];
    while (m > 0n) {
      bytes.unshift(Number(m & 0xffn));
      m >>= 8n;
    }
    this.u8(neg ? 1 : 0);
    this.parts.push((bytes.length >>> 8) & 0xff, bytes.length & 0xff);
    for (const b of bytes) this.parts.push(b);
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    for (const x of b) this.parts.push(x);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const VOL_CODE: Record<VolShockDirection, number> = { down: 0, none: 1, up: 2 };

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Canonical binary encoding of params (domain tag `unimargin/risk-params/v1`). Sets are sorted
 * (underlyings, credits by normalised pair, joint moves by underlying, tiers, domains, assets by
 * (domain, token)); sequences whose order means something (scenarios, joint scenarios) keep it.
 * Never JSON (STYLE.md "Determinism").
 */
export function encodeRiskParams(p: RiskParams): Uint8Array {
  const w = new Writer();
  w.str('unimargin/risk-params/v1');
  const und = [...p.underlyings].sort(cmp);
  w.u32(und.length);
  for (const u of und) w.str(u);
  w.u32(p.scenarios.length);
  for (const s of p.scenarios) {
    w.int(s.spotShockE18);
    w.u8(VOL_CODE[s.vol]);
    w.int(s.weightE18);
  }
  const v = p.volShock;
  for (const x of [v.upE18, v.downE18, v.shortTermPowerE18, v.longTermPowerE18]) w.int(x);
  w.u64(v.termSec);
  w.u64(v.dteFloorSec);
  for (const x of [p.basis.spotUpE18, p.basis.spotDownE18, p.basis.addFactorE18, p.basis.multFactorE18])
    w.int(x);
  const sc = p.staticContingency;
  for (const x of [sc.perpPctE18, sc.basePctE18, sc.optionPctE18]) w.int(x);
  for (const x of [p.confidence.thresholdE18, p.confidence.marginE18, p.peg.thresholdE18, p.peg.factorE18])
    w.int(x);
  const sd = p.staticDiscount;
  for (const x of [sd.baseE18, sd.rateMultE18, sd.rateAddE18, p.imFactorE18]) w.int(x);
  w.u8(p.optionMtmDiscounting === 'none' ? 0 : 1);
  const credits = p.correlationCredits
    .map((c) => (c.a < c.b ? c : { a: c.b, b: c.a, creditE18: c.creditE18 }))
    .sort((x, y) => cmp(x.a, y.a) || cmp(x.b, y.b));
  w.u32(credits.length);
  for (const c of credits) {
    w.str(c.a);
    w.str(c.b);
    w.int(c.creditE18);
  }
  const es = p.expectedShortfall;
  if (es === null) w.u8(0);
  else {
    w.u8(1);
    w.int(es.levelE18);
    w.u32(es.scenarios.length);
    for (const js of es.scenarios) {
      const moves = [...js.moves].sort((a, b) => cmp(a.underlying, b.underlying));
      w.u32(moves.length);
      for (const mv of moves) {
        w.str(mv.underlying);
        w.int(mv.spotShockE18);
        w.u8(VOL_CODE[mv.vol]);
      }
    }
  }
  const assets = [...p.assets].sort((a, b) => a.domain - b.domain || cmp(a.token, b.token));
  w.u32(assets.length);
  for (const a of assets) {
    w.u64(a.domain);
    w.str(a.token);
    w.u8(a.decimals);
    w.u8(a.kind === 'settlement' ? 0 : a.kind === 'underlying' ? 1 : 2);
    w.str(a.underlying ?? '');
    w.str(a.priceFeed ?? '');
    w.str(a.tier);
  }
  const tiers = [...p.haircutTiers].sort((a, b) => cmp(a.id, b.id));
  w.u32(tiers.length);
  for (const t of tiers) {
    w.str(t.id);
    w.int(t.haircutE18);
  }
  const domains = [...p.domains].sort((a, b) => a.domain - b.domain);
  w.u32(domains.length);
  for (const d of domains) {
    w.u64(d.domain);
    w.int(d.provisionalHaircutE18);
  }
  w.u64(p.maxFeedAgeSec);
  return w.bytes();
}

/** sha256 of {@link encodeRiskParams}, lower-case hex: the params' identity. */
export function hashRiskParams(p: RiskParams): string {
  const h = sha256(encodeRiskParams(p));
  let s = '';
  for (const b of h) s += b.toString(16).padStart(2, '0');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Compiled form

/** Collateral asset in binary64 form. */
export interface CompiledAsset {
  readonly domain: number;
  readonly token: string;
  readonly decimals: number;
  readonly kind: 'settlement' | 'underlying' | 'priced';
  /** Index into `underlyings` for `underlying` assets, else −1. */
  readonly underlyingIndex: number;
  readonly priceFeed: string;
  readonly haircut: number;
  readonly provisionalHaircut: number;
}

/** Params converted once to binary64 (validated). */
export interface CompiledParams {
  readonly source: RiskParams;
  readonly hash: string;
  /** Underlyings sorted by id; their index is used everywhere inside. */
  readonly underlyings: readonly string[];
  readonly underlyingIndex: ReadonlyMap<string, number>;
  readonly scenarioSpot: Float64Array;
  /** 0 down, 1 none, 2 up. */
  readonly scenarioVol: Uint8Array;
  readonly scenarioWeight: Float64Array;
  readonly volUp: number;
  readonly volDown: number;
  readonly shortPower: number;
  readonly longPower: number;
  readonly termSec: number;
  readonly dteFloorSec: number;
  readonly basisUp: number;
  readonly basisDown: number;
  readonly basisAdd: number;
  readonly basisMult: number;
  readonly perpPct: number;
  readonly basePct: number;
  readonly optionPct: number;
  readonly confThreshold: number;
  readonly confMargin: number;
  readonly pegThreshold: number;
  readonly pegFactor: number;
  readonly sdBase: number;
  readonly sdRateMult: number;
  readonly sdRateAdd: number;
  readonly imFactor: number;
  readonly discountMtm: boolean;
  /** Credits as [indexA, indexB, credit] triples, indexA < indexB, sorted. */
  readonly credits: readonly (readonly [number, number, number])[];
  /** ES level α; NaN without ES. */
  readonly esLevel: number;
  /** Joint scenarios: per scenario, per underlying index, spot shock (1 when unshocked). */
  readonly jointSpot: readonly Float64Array[];
  /** Joint scenarios: per scenario, per underlying index, vol code (1 = none when unshocked). */
  readonly jointVol: readonly Uint8Array[];
  readonly assets: ReadonlyMap<string, CompiledAsset>;
  readonly maxFeedAgeSec: number;
}

/** Key of a collateral asset in {@link CompiledParams.assets}. */
export function assetKey(domain: number, token: string): string {
  return `${domain}\u0000${token}`;
}

/** Validates and converts params to binary64 once; the result is what every kernel function takes. */
export function compileRiskParams(p: RiskParams): CompiledParams {
  validateRiskParams(p);
  const underlyings = [...p.underlyings].sort(cmp);
  const underlyingIndex = new Map(underlyings.map((u, i) => [u, i] as const));
  const n = p.scenarios.length;
  const scenarioSpot = new Float64Array(n);
  const scenarioVol = new Uint8Array(n);
  const scenarioWeight = new Float64Array(n);
  p.scenarios.forEach((s: ScenarioParams, i) => {
    scenarioSpot[i] = e18ToNumber(s.spotShockE18);
    scenarioVol[i] = VOL_CODE[s.vol];
    scenarioWeight[i] = e18ToNumber(s.weightE18);
  });
  const credits = p.correlationCredits
    .map((c) => {
      const a = underlyingIndex.get(c.a)!;
      const b = underlyingIndex.get(c.b)!;
      return [Math.min(a, b), Math.max(a, b), e18ToNumber(c.creditE18)] as const;
    })
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const jointSpot: Float64Array[] = [];
  const jointVol: Uint8Array[] = [];
  for (const js of p.expectedShortfall?.scenarios ?? []) {
    const sp = new Float64Array(underlyings.length).fill(1);
    const vo = new Uint8Array(underlyings.length).fill(1);
    for (const mv of js.moves) {
      const i = underlyingIndex.get(mv.underlying)!;
      sp[i] = e18ToNumber(mv.spotShockE18);
      vo[i] = VOL_CODE[mv.vol];
    }
    jointSpot.push(sp);
    jointVol.push(vo);
  }
  const tierHaircut = new Map(p.haircutTiers.map((t) => [t.id, e18ToNumber(t.haircutE18)] as const));
  const provisional = new Map(
    p.domains.map((d) => [d.domain, e18ToNumber(d.provisionalHaircutE18)] as const),
  );
  const assets = new Map<string, CompiledAsset>();
  for (const a of p.assets) {
    assets.set(assetKey(a.domain, a.token), {
      domain: a.domain,
      token: a.token,
      decimals: a.decimals,
      kind: a.kind,
      underlyingIndex: a.kind === 'underlying' ? underlyingIndex.get(a.underlying!)! : -1,
      priceFeed: a.priceFeed ?? '',
      haircut: tierHaircut.get(a.tier)!,
      provisionalHaircut: provisional.get(a.domain)!,
    });
  }
  return {
    source: p,
    hash: hashRiskParams(p),
    underlyings,
    underlyingIndex,
    scenarioSpot,
    scenarioVol,
    scenarioWeight,
    volUp: e18ToNumber(p.volShock.upE18),
    volDown: e18ToNumber(p.volShock.downE18),
    shortPower: e18ToNumber(p.volShock.shortTermPowerE18),
    longPower: e18ToNumber(p.volShock.longTermPowerE18),
    termSec: p.volShock.termSec,
    dteFloorSec: p.volShock.dteFloorSec,
    basisUp: e18ToNumber(p.basis.spotUpE18),
    basisDown: e18ToNumber(p.basis.spotDownE18),
    basisAdd: e18ToNumber(p.basis.addFactorE18),
    basisMult: e18ToNumber(p.basis.multFactorE18),
    perpPct: e18ToNumber(p.staticContingency.perpPctE18),
    basePct: e18ToNumber(p.staticContingency.basePctE18),
    optionPct: e18ToNumber(p.staticContingency.optionPctE18),
    confThreshold: e18ToNumber(p.confidence.thresholdE18),
    confMargin: e18ToNumber(p.confidence.marginE18),
    pegThreshold: e18ToNumber(p.peg.thresholdE18),
    pegFactor: e18ToNumber(p.peg.factorE18),
    sdBase: e18ToNumber(p.staticDiscount.baseE18),
    sdRateMult: e18ToNumber(p.staticDiscount.rateMultE18),
    sdRateAdd: e18ToNumber(p.staticDiscount.rateAddE18),
    imFactor: e18ToNumber(p.imFactorE18),
    discountMtm: p.optionMtmDiscounting === 'rate',
    credits,
    esLevel: p.expectedShortfall === null ? Number.NaN : e18ToNumber(p.expectedShortfall.levelE18),
    jointSpot,
    jointVol,
    assets,
    maxFeedAgeSec: p.maxFeedAgeSec,
  };
}

// ---------------------------------------------------------------------------------------------
// Presets

/** Derive PMRM v1's 21 scenarios: spot {1.15 … 0.85} × vol {up, none, down}, weight 1 (test/config-test.sol getDefaultScenarios). */
export function derivePmrmV1Scenarios(): ScenarioParams[] {
  const out: ScenarioParams[] = [];
  for (const s of ['1.15', '1.1', '1.05', '1', '0.95', '0.9', '0.85']) {
    for (const vol of ['up', 'none', 'down'] as const)
      out.push({ spotShockE18: toE18(s), vol, weightE18: ONE });
  }
  return out;
}

/** Options for {@link derivePmrmV1Params}: the collateral registry and overrides Derive's tests apply. */
export interface DerivePresetOpts {
  /** Domain of the settlement (cash) and base assets; default 1. */
  readonly domain?: number;
  /** Underlying id; default `ETH`. */
  readonly underlying?: string;
  /** Overrides used by Derive's portfolio-case tests (rateAddScale 0.12, confMargin 0.4, base/perp 2.5 %). */
  readonly rateAddE18?: bigint;
  readonly confMarginE18?: bigint;
  readonly basePctE18?: bigint;
  readonly perpPctE18?: bigint;
}

/**
 * Derive (Lyra v2) PMRM v1 unit-test configuration (v2-core `test/config-test.sol#getPMRMParams`,
 * notes/risk.md): basis ±5 %, add 0.25, mult 0.01; peg 0.98 × 2; confidence 0.6 / 0.5; base, perp,
 * option 2 % / 2 % / 1 %; imFactor 1.3; static discount 0.95, rateMult 4, rateAdd 0.05; vol up 0.45,
 * down 0.30, powers 0.3 / 0.13, floor 1 day, term 30 days; 21 scenarios; undiscounted option MtM;
 * no ES, no credits; a zero-haircut settlement asset `USDC` and a zero-haircut base asset `WETH`.
 */
export function derivePmrmV1Params(opts: DerivePresetOpts = {}): RiskParams {
  const domain = opts.domain ?? 1;
  const u = opts.underlying ?? 'ETH';
  return {
    underlyings: [u],
    scenarios: derivePmrmV1Scenarios(),
    volShock: {
      upE18: toE18('0.45'),
      downE18: toE18('0.3'),
      shortTermPowerE18: toE18('0.3'),
      longTermPowerE18: toE18('0.13'),
      termSec: 30 * 86400,
      dteFloorSec: 86400,
    },
    basis: {
      spotUpE18: toE18('1.05'),
      spotDownE18: toE18('0.95'),
      addFactorE18: toE18('0.25'),
      multFactorE18: toE18('0.01'),
    },
    staticContingency: {
      perpPctE18: opts.perpPctE18 ?? toE18('0.02'),
      basePctE18: opts.basePctE18 ?? toE18('0.02'),
      optionPctE18: toE18('0.01'),
    },
    confidence: { thresholdE18: toE18('0.6'), marginE18: opts.confMarginE18 ?? toE18('0.5') },
    peg: { thresholdE18: toE18('0.98'), factorE18: toE18('2') },
    staticDiscount: {
      baseE18: toE18('0.95'),
      rateMultE18: toE18('4'),
      rateAddE18: opts.rateAddE18 ?? toE18('0.05'),
    },
    imFactorE18: toE18('1.3'),
    optionMtmDiscounting: 'none',
    correlationCredits: [],
    expectedShortfall: null,
    assets: [
      { domain, token: 'USDC', decimals: 18, kind: 'settlement', tier: 'zero' },
      { domain, token: 'WETH', decimals: 18, kind: 'underlying', underlying: u, tier: 'zero' },
    ],
    haircutTiers: [{ id: 'zero', haircutE18: 0n }],
    domains: [{ domain, provisionalHaircutE18: 0n }],
    maxFeedAgeSec: 365 * 86400,
  };
}
