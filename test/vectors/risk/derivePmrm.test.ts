/**
 * Derive (Lyra v2) PMRM v1 reproduced: the kernel configured with Derive's unit-test parameters
 * (`derivePmrmV1Params`) must give Derive's published IM and MM within 1e-9 relative, through the
 * mapping in chain/risk/README.md ("Derive mapping"): Derive margin = equity − requirement.
 *
 * Sources (copied verbatim into this folder, commit in each JSON's `source`):
 * - github.com/derivexyz/v2-core test/risk-managers/unit-tests/PMRM/testAndVerifyScenarios.json,
 *   run by TestPMRM_Scenarios.t.sol `testAndVerifyPMRMScenario1..21`: hand-computed IM/MM to 1e-18,
 *   which Derive's Solidity matches within 1e-10 USD.
 * - …/PMRM/test-cases-portfolio-pm.json, run by TestPMRM_ProtfolioCases.t.sol `testCase1..44`:
 *   IM/MM truncated to whole dollars (the test compares `margin / 1e18`).
 * Plus an independent decimal.js implementation of PMRMLib.sol (test/unit/risk/support/decimalPmrm.ts)
 * on the fixed cases and on random portfolios.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  type MarginSummary,
  marginAccount,
} from '../../../chain/risk/index.ts';
import { decimalPmrm } from '../../unit/risk/support/decimalPmrm.ts';
import {
  type DeriveCase,
  type DeriveConfig,
  type DeriveExpiry,
  deriveCaseFromScenarioJson,
  deriveCaseToKernel,
} from '../../unit/risk/support/deriveCase.ts';

const E18 = 10n ** 18n;
const dir = new URL('.', import.meta.url).pathname;
const scenarios = JSON.parse(readFileSync(`${dir}derivePmrmV1Scenarios.json`, 'utf8')) as {
  cases: Record<string, { scenario: Record<string, unknown>; result: Record<string, string> }>;
};
const portfolioCases = JSON.parse(readFileSync(`${dir}derivePmrmV1PortfolioCases.json`, 'utf8')) as {
  cases: Record<string, PortfolioCase>;
};

interface PortfolioCase {
  bases: { amount: number }[];
  cash: number;
  options: { amount: number; expiry: string; strike: number; type: 'call' | 'put' }[];
  perps: { amount: number; entryPrice: number }[];
  results: { im: number; mm: number };
}

/** Kernel margins in Derive's terms: margin = equity − requirement (raw binary64). */
function kernelDeriveMargins(
  c: DeriveCase,
  cfg: DeriveConfig = {},
): { mm: number; im: number; summary: MarginSummary } {
  const k = deriveCaseToKernel(c, cfg);
  const cp = compileRiskParams(k.params);
  const arrays = buildRiskArrays(k.snapshot, buildUniverse(k.universe, cp), cp);
  const summary = marginAccount(k.portfolio, arrays);
  return { mm: summary.raw.equity - summary.raw.mm, im: summary.raw.equity - summary.raw.im, summary };
}

function relErr(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

describe('Derive PMRM v1 testAndVerifyScenarios (published hand values)', () => {
  for (const [name, tc] of Object.entries(scenarios.cases)) {
    it(`${name}: IM and MM within 1e-9 relative`, () => {
      const c = deriveCaseFromScenarioJson(tc.scenario);
      const { mm, im, summary } = kernelDeriveMargins(c);
      const expMm = Number(tc.result.MaintenanceMarginHand) / 1e18;
      const expIm = Number(tc.result.InitialMarginHand) / 1e18;
      expect(relErr(mm, expMm), `${name} MM ${mm} vs ${expMm}`).toBeLessThanOrEqual(1e-9);
      expect(relErr(im, expIm), `${name} IM ${im} vs ${expIm}`).toBeLessThanOrEqual(1e-9);
      // Derive's PortfolioMTM includes cash: our raw equity with zero haircuts is exactly that.
      const expMtm = Number(tc.result.PortfolioMTM) / 1e18;
      expect(Math.abs(summary.raw.equity - expMtm), `${name} MtM`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(expMtm)),
      );
      // IM ≥ MM ≥ 0 as requirements.
      expect(summary.im >= summary.mm && summary.mm >= 0n).toBe(true);
    });
  }
});

describe('Derive PMRM v1 testAndVerifyScenarios: independent decimal.js implementation agrees', () => {
  for (const [name, tc] of Object.entries(scenarios.cases)) {
    it(`${name}: decimal reference matches the hand values and the kernel to 1e-9`, () => {
      const c = deriveCaseFromScenarioJson(tc.scenario);
      const dec = decimalPmrm(c);
      const expMm = Number(tc.result.MaintenanceMarginHand) / 1e18;
      const expIm = Number(tc.result.InitialMarginHand) / 1e18;
      expect(relErr(dec.mm.toNumber(), expMm), `${name} decimal MM`).toBeLessThanOrEqual(1e-9);
      expect(relErr(dec.im.toNumber(), expIm), `${name} decimal IM`).toBeLessThanOrEqual(1e-9);
      const basis = Number(tc.result.ForwardContingency) / 1e18;
      expect(Math.abs(dec.basisContingency.toNumber() - basis), `${name} basis`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(basis)),
      );
      const k = kernelDeriveMargins(c);
      expect(relErr(k.mm, dec.mm.toNumber()), `${name} kernel vs decimal MM`).toBeLessThanOrEqual(1e-9);
      expect(relErr(k.im, dec.im.toNumber()), `${name} kernel vs decimal IM`).toBeLessThanOrEqual(1e-9);
    });
  }
});

// TestCaseExpiries.t.sol: expiries 3d8h … 238d8h after the (warped-back) test time, forwards = 2000 + offset.
const EXPIRY: Record<string, { sec: number; fwdOffset: string }> = {
  '20230104': { sec: (3 * 24 + 8) * 3600, fwdOffset: '0.91345' },
  '20230111': { sec: (10 * 24 + 8) * 3600, fwdOffset: '2.83305' },
  '20230118': { sec: (17 * 24 + 8) * 3600, fwdOffset: '4.7545' },
  '20230227': { sec: (57 * 24 + 8) * 3600, fwdOffset: '15.7696' },
  '20230804': { sec: (215 * 24 + 8) * 3600, fwdOffset: '59.87416' },
  '20230811': { sec: (222 * 24 + 8) * 3600, fwdOffset: '61.85933' },
  '20230818': { sec: (229 * 24 + 8) * 3600, fwdOffset: '63.8284' },
  '20230825': { sec: (238 * 24 + 8) * 3600, fwdOffset: '66.3744' },
};

function dec18(s: string): bigint {
  const [i, f = ''] = s.split('.');
  return BigInt(i!) * E18 + BigInt(f.padEnd(18, '0'));
}

/** The mock feeds of TestPMRM_ProtfolioCases.t.sol, including each special case's setUp lines. */
function portfolioCaseToDerive(testIndex: number, tc: PortfolioCase): DeriveCase {
  let spot = 2000n * E18;
  let spotConf = E18;
  let perpPrice = 2001n * E18;
  let perpConf = E18;
  let stable = E18;
  const fwd = new Map<string, { price: bigint; conf: bigint }>();
  for (const [k, e] of Object.entries(EXPIRY))
    fwd.set(k, { price: 2000n * E18 + dec18(e.fwdOffset), conf: E18 });
  const vols = new Map<string, bigint>();
  const volConf = new Map<string, bigint>();
  const setVol = (expiry: string, strike: bigint, vol: bigint, conf: bigint): void => {
    vols.set(`${expiry}:${strike}`, vol);
    volConf.set(expiry, conf);
  };
  if (testIndex === 39) stable = dec18('0.2');
  if (testIndex === 40 || testIndex === 41) {
    spotConf = dec18('0.1');
    setVol('20230118', 1700n * E18, dec18('0.5'), testIndex === 40 ? dec18('0.3') : dec18('0.1'));
    fwd.set('20230118', { price: 2000n * E18 + dec18('4.75'), conf: dec18('0.4') });
  }
  if (testIndex === 42) {
    spotConf = dec18('0.1');
    setVol('20230118', 1700n * E18, dec18('0.5'), dec18('0.01'));
    fwd.set('20230118', { price: 2000n * E18 + dec18('4.75'), conf: dec18('0.02') });
  }
  if (testIndex === 43) {
    spotConf = dec18('0.3');
    setVol('20230118', 1700n * E18, dec18('0.5'), dec18('0.1'));
    fwd.set('20230118', { price: 2000n * E18 + dec18('4.75'), conf: dec18('0.02') });
    perpPrice = 2001n * E18;
    perpConf = dec18('0.1');
  }
  if (testIndex === 44) {
    spot = 2004n * E18;
    spotConf = dec18('0.3');
    setVol('20230118', 1700n * E18, dec18('0.15'), dec18('0.1'));
    setVol('20230118', 2100n * E18, dec18('1.01'), dec18('0.1'));
    setVol('20230118', 1000n * E18, dec18('0.33'), dec18('0.1'));
    fwd.set('20230227', { price: dec18('2014.7545'), conf: dec18('0.2') });
    perpPrice = 2017n * E18;
    perpConf = dec18('0.3');
  }
  // _loadTestData: an option whose (expiry, strike) has no vol yet gets 0.5 with confidence 1.
  for (const o of tc.options) {
    const key = `${o.expiry}:${BigInt(o.strike) * E18}`;
    if (!vols.has(key)) setVol(o.expiry, BigInt(o.strike) * E18, dec18('0.5'), E18);
  }
  const options = tc.options.map((o) => ({
    sec: EXPIRY[o.expiry]!.sec,
    strike: BigInt(o.strike) * E18,
    isCall: o.type === 'call',
    amount: BigInt(o.amount) * 10n ** 10n,
    vol: vols.get(`${o.expiry}:${BigInt(o.strike) * E18}`)!,
  }));
  // The runner mocks each perp's P&L (perpPrice − entry)·amount; the last perp entry wins.
  let perp = 0n;
  let perpValue = 0n;
  for (const p of tc.perps) {
    perp = BigInt(p.amount) * 10n ** 10n;
    perpValue = ((perpPrice - BigInt(p.entryPrice) * 10n ** 10n) * perp) / E18;
  }
  let base = 0n;
  for (const b of tc.bases) base = BigInt(b.amount) * 10n ** 10n;
  const expiries: DeriveExpiry[] = Object.entries(EXPIRY).map(([k, e]) => ({
    sec: e.sec,
    fixed: 0n,
    variable: fwd.get(k)!.price,
    rate: dec18('0.02'),
    fwdConf: fwd.get(k)!.conf,
    rateConf: E18,
    volConf: volConf.get(k) ?? 0n,
  }));
  return {
    spot,
    spotConf,
    perpPrice,
    perpConf,
    stable,
    cash: BigInt(tc.cash) * 10n ** 10n,
    perp,
    base,
    perpValue,
    expiries,
    options,
  };
}

// TestPMRM_ProtfolioCases.setUp overrides: rateAddScale 0.12, confMargin 0.4, base/perp 2.5 %.
const PORTFOLIO_CFG: DeriveConfig = {
  rateAdd: dec18('0.12'),
  confMargin: dec18('0.4'),
  basePct: dec18('0.025'),
  perpPct: dec18('0.025'),
};

/**
 * Derive's value v satisfies trunc(v) = e, i.e. v ∈ [e, e+1) for e > 0, (e−1, e] for e < 0 and
 * (−1, 1) for e = 0. Ours must lie in that interval widened by 1e-9 relative (a value exactly on an
 * integer, like 825, may come out 1 ulp either side).
 */
function expectTruncatesTo(actual: number, e: number, what: string): void {
  const lo = e > 0 ? e : e - 1;
  const hi = e < 0 ? e : e + 1;
  const tol = 1e-9 * Math.max(1, Math.abs(actual));
  expect(actual, `${what} ${actual} vs trunc ${e}`).toBeGreaterThanOrEqual(lo - tol);
  expect(actual, `${what} ${actual} vs trunc ${e}`).toBeLessThanOrEqual(hi + tol);
}

describe('Derive PMRM v1 test-cases-portfolio-pm (published whole-dollar results)', () => {
  Object.entries(portfolioCases.cases).forEach(([name, tc], i) => {
    it(`testCase${i + 1} ${name}: trunc(IM), trunc(MM) equal Derive's and decimal agrees to 1e-9`, () => {
      const c = portfolioCaseToDerive(i + 1, tc);
      const k = kernelDeriveMargins(c, PORTFOLIO_CFG);
      expectTruncatesTo(k.mm, tc.results.mm, `${name} MM`);
      expectTruncatesTo(k.im, tc.results.im, `${name} IM`);
      const dec = decimalPmrm(c, PORTFOLIO_CFG);
      expect(Math.abs(k.mm - dec.mm.toNumber()), `${name} MM vs decimal`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(dec.mm.toNumber())),
      );
      expect(Math.abs(k.im - dec.im.toNumber()), `${name} IM vs decimal`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(dec.im.toNumber())),
      );
    });
  });
});

const SECS = [900, 86_400, 500_400, 2_592_000, 7_758_000, 31_536_000];
const randomCase = fc
  .record({
    spot: fc.integer({ min: 500, max: 5000 }),
    spotConf: fc.constantFrom('1', '0.9', '0.5', '0.2'),
    perpConf: fc.constantFrom('1', '0.55'),
    stable: fc.constantFrom('1', '0.99', '0.97', '0.9'),
    cash: fc.integer({ min: -5000, max: 5000 }),
    perp: fc.integer({ min: -300, max: 300 }),
    base: fc.integer({ min: 0, max: 300 }),
    perpValue: fc.integer({ min: -100, max: 100 }),
    expiries: fc.uniqueArray(fc.constantFrom(...SECS), { minLength: 1, maxLength: 3 }),
    fixedPct: fc.constantFrom(0, 25, 75),
    rate: fc.constantFrom('0', '0.03', '-0.01', '0.1'),
    confs: fc.constantFrom('1', '0.5'),
    options: fc.array(
      fc.record({
        e: fc.nat(2),
        moneyness: fc.integer({ min: 50, max: 200 }),
        isCall: fc.boolean(),
        amount: fc.integer({ min: -300, max: 300 }),
        vol: fc.integer({ min: 20, max: 200 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .map((r): DeriveCase => {
    const spot = BigInt(r.spot) * E18;
    const expiries: DeriveExpiry[] = r.expiries.map((sec) => {
      const forward = spot + (spot * BigInt(sec)) / (100n * 31_536_000n);
      const fixed = (forward * BigInt(r.fixedPct)) / 100n;
      return {
        sec,
        fixed,
        variable: forward - fixed,
        rate: dec18(r.rate),
        fwdConf: dec18(r.confs),
        rateConf: E18,
        volConf: dec18(r.confs),
      };
    });
    return {
      spot,
      spotConf: dec18(r.spotConf),
      perpPrice: spot + 3n * E18,
      perpConf: dec18(r.perpConf),
      stable: dec18(r.stable),
      cash: BigInt(r.cash) * E18,
      perp: (BigInt(r.perp) * E18) / 100n,
      base: (BigInt(r.base) * E18) / 100n,
      // Derive reads the perp's unrealised value only when the account holds the perp.
      // (unrealised value per unit within ±100 USD keeps the implied entry price positive).
      perpValue: r.perp === 0 ? 0n : ((BigInt(r.perp) * E18) / 100n) * BigInt(r.perpValue),
      expiries,
      options: r.options.map((o) => {
        const e = expiries[o.e % expiries.length]!;
        return {
          sec: e.sec,
          // Strikes on a $10 grid so calls and puts share strikes often (naked-short netting).
          strike: ((spot * BigInt(o.moneyness)) / 100n / (10n * E18)) * 10n * E18 + 10n * E18,
          isCall: o.isCall,
          amount: (BigInt(o.amount) * E18) / 100n,
          vol: (BigInt(o.vol) * E18) / 100n,
        };
      }),
    };
  });

describe('Derive PMRM v1 on random portfolios: kernel vs independent decimal.js implementation', () => {
  it('IM and MM agree within 1e-9 relative (seeded, 40 portfolios)', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(randomCase, (c) => {
        const k = kernelDeriveMargins(c);
        const dec = decimalPmrm(c);
        const scale = (x: number): number => Math.max(1e-6, Math.abs(x));
        expect(
          Math.abs(k.mm - dec.mm.toNumber()) / scale(dec.mm.toNumber()),
          `MM ${k.mm} vs ${dec.mm}`,
        ).toBeLessThanOrEqual(1e-9);
        expect(
          Math.abs(k.im - dec.im.toNumber()) / scale(dec.im.toNumber()),
          `IM ${k.im} vs ${dec.im}`,
        ).toBeLessThanOrEqual(1e-9);
      }),
      { seed: 20260125, numRuns: 40 },
    );
  });
});
