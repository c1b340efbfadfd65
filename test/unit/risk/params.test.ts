/**
 * Params as data: the canonical encoding and its sha256 identity, independent of set order, and
 * sensitive to every field that changes the method; Derive's preset equals its published
 * configuration.
 */
import { sha256 } from '@noble/hashes/sha2';
import { describe, expect, it } from 'vitest';
import {
  compileRiskParams,
  derivePmrmV1Params,
  encodeRiskParams,
  hashRiskParams,
  type RiskParams,
  toE18,
  volShockMultipliers,
} from '../../../chain/risk/index.ts';
import { fixtureParams } from './support/fixture.ts';

describe('hashRiskParams', () => {
  const p = fixtureParams();
  it('is sha256 of the canonical encoding, 64 hex chars', () => {
    const h = hashRiskParams(p);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toBe(Buffer.from(sha256(encodeRiskParams(p))).toString('hex'));
  });
  it('ignores the order of sets (underlyings, assets, tiers, domains, credits, joint moves)', () => {
    const q: RiskParams = {
      ...p,
      underlyings: [...p.underlyings].reverse(),
      assets: [...p.assets].reverse(),
      haircutTiers: [...p.haircutTiers].reverse(),
      domains: [...p.domains].reverse(),
      correlationCredits: p.correlationCredits.map((c) => ({ a: c.b, b: c.a, creditE18: c.creditE18 })),
      expectedShortfall: {
        levelE18: p.expectedShortfall!.levelE18,
        scenarios: p.expectedShortfall!.scenarios.map((s) => ({ moves: [...s.moves].reverse() })),
      },
    };
    expect(hashRiskParams(q)).toBe(hashRiskParams(p));
  });
  const changes: [string, (p: RiskParams) => RiskParams][] = [
    ['scenario order', (x) => ({ ...x, scenarios: [...x.scenarios].reverse() })],
    [
      'a scenario weight',
      (x) => ({
        ...x,
        scenarios: x.scenarios.map((s, i) => (i === 25 ? { ...s, weightE18: s.weightE18 + 1n } : s)),
      }),
    ],
    ['imFactor by 1 wei', (x) => ({ ...x, imFactorE18: x.imFactorE18 + 1n })],
    ['MtM discounting', (x) => ({ ...x, optionMtmDiscounting: 'none' })],
    ['ES level', (x) => ({ ...x, expectedShortfall: { ...x.expectedShortfall!, levelE18: toE18('0.95') } })],
    ['no ES', (x) => ({ ...x, expectedShortfall: null })],
    [
      'a haircut',
      (x) => ({
        ...x,
        haircutTiers: x.haircutTiers.map((t) => (t.id === 'major' ? { ...t, haircutE18: toE18('0.11') } : t)),
      }),
    ],
    ['feed age', (x) => ({ ...x, maxFeedAgeSec: 121 })],
  ];
  for (const [name, f] of changes) {
    it(`changes when ${name} changes`, () => expect(hashRiskParams(f(p))).not.toBe(hashRiskParams(p)));
  }
});

describe('derivePmrmV1Params', () => {
  it("equals Derive's test/config-test.sol getPMRMParams and 21 default scenarios", () => {
    const d = derivePmrmV1Params();
    expect(d.scenarios).toHaveLength(21);
    expect(d.scenarios[0]).toEqual({ spotShockE18: toE18('1.15'), vol: 'up', weightE18: 10n ** 18n });
    expect(d.scenarios[20]).toEqual({ spotShockE18: toE18('0.85'), vol: 'down', weightE18: 10n ** 18n });
    expect(d.basis).toEqual({
      spotUpE18: toE18('1.05'),
      spotDownE18: toE18('0.95'),
      addFactorE18: toE18('0.25'),
      multFactorE18: toE18('0.01'),
    });
    expect(d.imFactorE18).toBe(toE18('1.3'));
    expect(d.staticDiscount).toEqual({
      baseE18: toE18('0.95'),
      rateMultE18: toE18('4'),
      rateAddE18: toE18('0.05'),
    });
    expect(d.volShock.upE18).toBe(toE18('0.45'));
    expect(d.volShock.dteFloorSec).toBe(86_400);
  });
  it("reproduces Derive's vol shocks for 500,400 s (VolShockUp 1.7370684514926746, Down 0.508621032338217)", () => {
    // testAndVerifyScenarios.json Test1: values from Derive's own Python model.
    const m = volShockMultipliers(500_400, compileRiskParams(derivePmrmV1Params()));
    expect(Math.abs(m.up - 1.7370684514926746)).toBeLessThan(1e-14);
    expect(Math.abs(m.down - 0.508621032338217)).toBeLessThan(1e-14);
  });
  it("reproduces Derive's vol shocks for 900 s (floor 1 day): 2.2483860016024813 / 0.16774266559834583", () => {
    const m = volShockMultipliers(900, compileRiskParams(derivePmrmV1Params()));
    expect(Math.abs(m.up - 2.2483860016024813)).toBeLessThan(1e-14);
    expect(Math.abs(m.down - 0.16774266559834583)).toBeLessThan(1e-14);
  });
});

describe('toE18', () => {
  it('parses decimals exactly and refuses more than 18 decimals', () => {
    expect(toE18('0.45')).toBe(450_000_000_000_000_000n);
    expect(toE18('-12.5')).toBe(-12_500_000_000_000_000_000n);
    expect(toE18(1e-7)).toBe(100_000_000_000n);
    expect(() => toE18('0.1234567890123456789')).toThrow(/RISK_OUT_OF_RANGE/);
  });
});
