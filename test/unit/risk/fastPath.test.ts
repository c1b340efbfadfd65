/**
 * The optimised margin step (precompiled plans, contiguous grid rows, scratch state, the batch
 * API) against the implementation it replaced, kept verbatim in `support/legacyMargin.ts`: every
 * output bit of the summary, the grid stage, the full report and the batch columns must agree, and
 * failing accounts must fail with the same typed error — over seeded random portfolios, portfolios
 * crowded into one bucket (several options per strike, calls against puts, final and provisional
 * legs that cancel), and snapshots with expired options, stale or missing feeds and a de-peg.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildRiskArrays,
  buildUniverse,
  type CompiledAccount,
  compileAccount,
  compileRiskParams,
  createMarginBatch,
  evaluateAccount,
  evaluateAccountsInto,
  type MarginSummary,
  type OracleSnapshot,
  type Portfolio,
  type RiskArrays,
  reportAccount,
  scenarioPnlInto,
  toE18,
} from '../../../chain/risk/index.ts';
import { encodeReport } from '../../vectors/risk/goldenCases.ts';
import {
  type DeriveCase,
  type DeriveExpiry,
  deriveCaseFromScenarioJson,
  deriveCaseToKernel,
} from './support/deriveCase.ts';
import {
  EXPIRY_DAYS,
  FIXTURE_T0,
  fixtureParams,
  fixtureSnapshot,
  fixtureUniverse,
  prng,
  randomPortfolio,
} from './support/fixture.ts';
import { legacyEvaluateAccount, legacyReportAccount, legacyScenarioPnlInto } from './support/legacyMargin.ts';

const params = fixtureParams();
const instruments = fixtureUniverse();
const cp = compileRiskParams(params);
const universe = buildUniverse(instruments, cp);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function bitsOf(x: number): string {
  f64[0] = x;
  return `${u32[1]!.toString(16)}:${u32[0]!.toString(16)}`;
}

/** A summary, or the error, as one exact string. */
function outcome(f: () => MarginSummary): string {
  try {
    const s = f();
    return JSON.stringify({
      equity: s.equity.toString(),
      im: s.im.toString(),
      mm: s.mm.toString(),
      mtm: s.mtm.toString(),
      binding: s.binding,
      es: bitsOf(s.esLoss),
      raw: [
        bitsOf(s.raw.equity),
        bitsOf(s.raw.im),
        bitsOf(s.raw.mm),
        bitsOf(s.raw.mtm),
        `${s.raw.cashMicro}`,
      ],
      worst: s.worst.map((w) => [w.underlying, w.scenario, bitsOf(w.pnl)]),
    });
  } catch (e) {
    const err = e as { code?: string; meta?: unknown; message: string };
    return `error ${err.code} ${JSON.stringify(err.meta)} ${err.message}`;
  }
}

/** Options crowded into one or two buckets of one underlying, with legs that cancel. */
function crowdedPortfolio(rnd: () => number): Portfolio {
  const u = ['BTC', 'ETH', 'SOL'][Math.floor(rnd() * 3)]!;
  const days = [EXPIRY_DAYS[Math.floor(rnd() * 6)]!, EXPIRY_DAYS[Math.floor(rnd() * 6)]!];
  const pool = instruments.filter(
    (i) =>
      i.kind === 'option' &&
      i.underlying === u &&
      days.some((d) => i.expirySec === FIXTURE_T0 + d * 86_400) &&
      // A few neighbouring strikes, so calls and puts of one strike meet.
      Number(i.strikeE18 / 10n ** 18n) % 3 === 0,
  );
  const options: Portfolio['options'][number][] = [];
  const n = 2 + Math.floor(rnd() * 12);
  for (let i = 0; i < n; i++) {
    const ins = pool[Math.floor(rnd() * Math.min(pool.length, 8))]!;
    const size = (Math.round((rnd() - 0.5) * 40) || 1) / 4;
    const stage = rnd() < 0.35 ? 'provisional' : 'final';
    options.push({ id: `c${i}`, instrument: ins.id, sizeE18: toE18(size), domain: 1, stage });
    // Sometimes the opposite leg, so all-items, final-only or provisional sizes net to zero.
    if (rnd() < 0.3) {
      const other = rnd() < 0.5 ? 'final' : 'provisional';
      options.push({ id: `c${i}x`, instrument: ins.id, sizeE18: toE18(-size), domain: 10, stage: other });
    }
  }
  const perps: Portfolio['perps'][number][] = [];
  if (rnd() < 0.5) {
    perps.push({
      id: 'p0',
      instrument: `${u}-PERP`,
      sizeE18: toE18((Math.round((rnd() - 0.5) * 8) || 1) / 2),
      entryPriceE18: toE18(100),
      fundingIndexE18: 0n,
      domain: 1,
      stage: rnd() < 0.3 ? 'provisional' : 'final',
    });
  }
  return {
    collateral: [{ domain: 1, token: 'USDC', stage: 'final', amount: BigInt(Math.floor(rnd() * 1e11)) }],
    options,
    perps,
    lending: [],
  };
}

function snapshots(): { name: string; snap: OracleSnapshot }[] {
  const base = fixtureSnapshot();
  const stalePerp = fixtureSnapshot();
  (stalePerp.underlyings[1]!.perp as { updatedAtSec: number }).updatedAtSec = FIXTURE_T0 - 1_000;
  const staleExpiry = fixtureSnapshot();
  (staleExpiry.underlyings[0]!.expiries[2] as { updatedAtSec: number }).updatedAtSec = FIXTURE_T0 - 1_000;
  const staleSpot = fixtureSnapshot();
  (staleSpot.underlyings[2]!.spot as { updatedAtSec: number }).updatedAtSec = FIXTURE_T0 - 1_000;
  const noPrices: OracleSnapshot = { ...fixtureSnapshot(), prices: [] };
  return [
    { name: 'base', snap: base },
    { name: 'moved', snap: fixtureSnapshot({ spotMove: { BTC: 0.93, SOL: 1.2 }, volBump: { ETH: 0.2 } }) },
    {
      name: 'two days on (1-day expiries expired)',
      snap: fixtureSnapshot({ timeSec: FIXTURE_T0 + 2 * 86_400 }),
    },
    { name: 'de-peg', snap: fixtureSnapshot({ stable: 0.95 }) },
    { name: 'stale ETH perp', snap: stalePerp },
    { name: 'stale BTC 30-day expiry', snap: staleExpiry },
    { name: 'stale SOL spot', snap: staleSpot },
    { name: 'no USDT price', snap: noPrices },
  ];
}

const rnd = prng(77);
const accounts: CompiledAccount[] = [];
for (let i = 0; i < 1_500; i++) {
  const p =
    i % 3 === 2
      ? crowdedPortfolio(rnd)
      : randomPortfolio(rnd, instruments, { positions: 1 + (i % 14), provisional: i % 2 === 0 });
  accounts.push(compileAccount(p, universe, cp));
}

describe('optimised margin step = the implementation it replaced, bit for bit', () => {
  for (const { name, snap } of snapshots()) {
    const arrays: RiskArrays = buildRiskArrays(snap, universe, cp);

    it(`summaries and errors agree (${name})`, () => {
      let failures = 0;
      for (const acc of accounts) {
        const fast = outcome(() => evaluateAccount(acc, arrays));
        const slow = outcome(() => legacyEvaluateAccount(acc, arrays));
        if (fast.startsWith('error')) failures++;
        expect(fast).toBe(slow);
      }
      // The bad-feed snapshots must actually exercise the error paths.
      if (name !== 'base' && name !== 'moved' && name !== 'de-peg') expect(failures).toBeGreaterThan(0);
    });

    it(`the batch columns equal the summaries (${name})`, () => {
      const out = createMarginBatch(accounts.length);
      const failed = evaluateAccountsInto(accounts, arrays, out);
      expect(failed).toBe(out.errors.size);
      accounts.forEach((acc, i) => {
        let s: MarginSummary | null = null;
        let err: unknown = null;
        try {
          s = evaluateAccount(acc, arrays);
        } catch (e) {
          err = e;
        }
        if (s) {
          expect(out.errors.has(i)).toBe(false);
          expect(BigInt(out.im[i]!)).toBe(s.im);
          expect(BigInt(out.mm[i]!)).toBe(s.mm);
          expect(acc.cashMicro + BigInt(out.equityExCash[i]!)).toBe(s.equity);
          expect(out.bindingFinal[i]).toBe(s.binding === 'final' ? 1 : 0);
        } else {
          expect(out.errors.get(i)).toEqual(err);
          expect(Number.isNaN(out.mm[i]!)).toBe(true);
        }
      });
    });

    it(`grid stage agrees (${name})`, () => {
      const S = arrays.scenarioCount;
      const a = new Float64Array(3 * S);
      const b = new Float64Array(3 * S);
      let compared = 0;
      for (const acc of accounts) {
        a.fill(Number.NaN);
        b.fill(Number.NaN);
        let slow: number | string;
        try {
          slow = legacyScenarioPnlInto(acc, arrays, b);
        } catch (e) {
          slow = (e as { code: string }).code;
        }
        let fast: number | string;
        try {
          fast = scenarioPnlInto(acc, arrays, a);
        } catch (e) {
          fast = (e as { code: string }).code;
        }
        expect(fast).toBe(slow);
        if (typeof slow === 'number') {
          compared++;
          expect([...a].map(bitsOf)).toEqual([...b].map(bitsOf));
        }
      }
      expect(compared).toBeGreaterThan(accounts.length / 4);
    });

    it(`full reports agree (${name})`, () => {
      for (const acc of accounts.slice(0, 300)) {
        let fast: unknown;
        let slow: unknown;
        try {
          fast = encodeReport(reportAccount(acc, arrays));
        } catch (e) {
          fast = (e as { code: string }).code;
        }
        try {
          slow = encodeReport(legacyReportAccount(acc, arrays));
        } catch (e) {
          slow = (e as { code: string }).code;
        }
        expect(fast).toEqual(slow);
      }
    });
  }
});

/** Derive-style single-underlying cases: same-strike calls and puts, several expiries, hedges. */
function randomDeriveCase(rnd: () => number): DeriveCase {
  const E18 = 10n ** 18n;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const conf = (): bigint => (rnd() < 0.2 ? E18 / 2n : E18);
  const secs = [7, 30, 90].map((d) => d * 86_400).filter(() => rnd() < 0.7);
  if (secs.length === 0) secs.push(30 * 86_400);
  const expiries: DeriveExpiry[] = secs.map((sec) => ({
    sec,
    fixed: rnd() < 0.3 ? 300n * E18 : 0n,
    variable: (rnd() < 0.3 ? 1720n : 2005n) * E18,
    rate: (3n * E18) / 100n,
    fwdConf: conf(),
    rateConf: E18,
    volConf: conf(),
  }));
  const options = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => ({
    sec: pick(secs),
    strike: BigInt(pick([1800, 1900, 2000, 2100, 2200])) * E18,
    isCall: rnd() < 0.5,
    amount: (BigInt(Math.floor(rnd() * 9)) - 4n || 1n) * (E18 / 2n),
    vol: BigInt(40 + Math.floor(rnd() * 50)) * (E18 / 100n),
  }));
  return {
    spot: 2000n * E18,
    spotConf: conf(),
    perpPrice: 2001n * E18,
    perpConf: conf(),
    stable: rnd() < 0.2 ? (97n * E18) / 100n : E18,
    cash: BigInt(Math.floor(rnd() * 5000)) * E18,
    perp: rnd() < 0.5 ? (BigInt(Math.floor(rnd() * 7)) - 3n) * (E18 / 2n) : 0n,
    base: rnd() < 0.4 ? BigInt(Math.floor(rnd() * 4)) * (E18 / 4n) : 0n,
    perpValue: 0n,
    expiries,
    options,
  };
}

describe('optimised margin step = the implementation it replaced, under the Derive configuration', () => {
  const dir = new URL('../../vectors/risk/', import.meta.url).pathname;
  const json = JSON.parse(readFileSync(`${dir}derivePmrmV1Scenarios.json`, 'utf8')) as {
    cases: Record<string, { scenario: Record<string, unknown> }>;
  };
  const rnd = prng(909);
  const cases: { name: string; c: DeriveCase; stage: 'final' | 'provisional' }[] = [
    ...Object.entries(json.cases).map(([name, v]) => ({
      name,
      c: deriveCaseFromScenarioJson(v.scenario),
      stage: 'final' as const,
    })),
    ...Array.from({ length: 200 }, (_, i) => ({
      name: `random ${i}`,
      c: randomDeriveCase(rnd),
      stage: i % 2 === 0 ? ('provisional' as const) : ('final' as const),
    })),
  ];

  it(`summaries and reports agree bit for bit (${cases.length} cases, hedges final or provisional)`, () => {
    let ok = 0;
    for (const { name, c, stage } of cases) {
      const k = deriveCaseToKernel(
        c,
        {},
        { perpDomain: 10, perpStage: stage, baseDomain: 10, baseStage: stage },
      );
      const kcp = compileRiskParams(k.params);
      const uni = buildUniverse(k.universe, kcp);
      const arrays = buildRiskArrays(k.snapshot, uni, kcp);
      const acc = compileAccount(k.portfolio, uni, kcp);
      const fast = outcome(() => evaluateAccount(acc, arrays));
      if (!fast.startsWith('error')) ok++;
      expect(fast, name).toBe(outcome(() => legacyEvaluateAccount(acc, arrays)));
      expect(encodeReport(reportAccount(acc, arrays)), name).toEqual(
        encodeReport(legacyReportAccount(acc, arrays)),
      );
    }
    expect(ok).toBe(cases.length);
  });
});
