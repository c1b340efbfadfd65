/**
 * Bad input gives a typed RiskError, never a number (issue 3 acceptance): NaN, ∞, negative or zero
 * vol, an expired option, an unknown underlying, a missing or stale feed, SVI parameters with
 * negative variance. Table tests with named fixtures over the seeded fixture world.
 */
import { describe, expect, it } from 'vitest';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  type ExpiryFeed,
  isRiskError,
  marginAccount,
  type OracleSnapshot,
  type Portfolio,
  type RiskErrorCode,
  sviVol,
  toE18,
  validateSvi,
} from '../../../chain/risk/index.ts';
import { FIXTURE_T0, fixtureParams, fixtureSnapshot, fixtureUniverse } from './support/fixture.ts';

const E18 = 10n ** 18n;
const params = fixtureParams();
const cp = compileRiskParams(params);
const instruments = fixtureUniverse();
const universe = buildUniverse(instruments, cp);

function expectCode(f: () => unknown, code: RiskErrorCode): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isRiskError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

const ethCall30 = instruments.find((i) => i.kind === 'option' && i.id.startsWith('ETH-30D') && i.isCall)!;
const ethExpiry = FIXTURE_T0 + 30 * 86_400;
function holding(instrument: string, size = E18): Portfolio {
  return {
    collateral: [{ domain: 1, token: 'USDC', stage: 'final', amount: 1_000_000_000n }],
    options: [{ id: 'x', instrument, sizeE18: -size, domain: 1, stage: 'final' }],
    perps: [],
    lending: [],
  };
}

/** The fixture snapshot with ETH's 30-day expiry feed patched. */
function patchEthExpiry(patch: (e: ExpiryFeed) => ExpiryFeed | null): OracleSnapshot {
  const s = fixtureSnapshot();
  return {
    ...s,
    underlyings: s.underlyings.map((u) =>
      u.underlying !== 'ETH'
        ? u
        : {
            ...u,
            expiries: u.expiries.flatMap((e) =>
              e.expirySec !== ethExpiry ? [e] : ((patch(e) ?? []) as ExpiryFeed[]),
            ),
          },
    ),
  };
}

describe('typed errors for bad inputs', () => {
  const cases: [string, () => unknown, RiskErrorCode][] = [
    [
      'NaN snapshot time',
      () => buildRiskArrays({ ...fixtureSnapshot(), timeSec: Number.NaN }, universe, cp),
      'RISK_NOT_FINITE',
    ],
    [
      'infinite feed time',
      () =>
        buildRiskArrays(
          { ...fixtureSnapshot(), stable: { priceE18: E18, updatedAtSec: Number.POSITIVE_INFINITY } },
          universe,
          cp,
        ),
      'RISK_NOT_FINITE',
    ],
    [
      'a spot too large for binary64 (∞)',
      () => {
        const s = fixtureSnapshot();
        const big = {
          ...s,
          underlyings: s.underlyings.map((u) => ({ ...u, spot: { ...u.spot, priceE18: 10n ** 400n } })),
        };
        return buildRiskArrays(big, universe, cp);
      },
      'RISK_NOT_FINITE',
    ],
    [
      'stale stable price',
      () =>
        buildRiskArrays(
          { ...fixtureSnapshot(), stable: { priceE18: E18, updatedAtSec: FIXTURE_T0 - 121 } },
          universe,
          cp,
        ),
      'RISK_STALE_FEED',
    ],
    [
      'stale expiry feed (account holding it)',
      () =>
        marginAccount(
          holding(ethCall30.id),
          buildRiskArrays(
            patchEthExpiry((e) => ({ ...e, updatedAtSec: FIXTURE_T0 - 500 })),
            universe,
            cp,
          ),
        ),
      'RISK_STALE_FEED',
    ],
    [
      'missing expiry feed',
      () =>
        marginAccount(
          holding(ethCall30.id),
          buildRiskArrays(
            patchEthExpiry(() => null),
            universe,
            cp,
          ),
        ),
      'RISK_MISSING_FEED',
    ],
    [
      'missing underlying feed',
      () => {
        const s = fixtureSnapshot();
        return marginAccount(
          holding(ethCall30.id),
          buildRiskArrays(
            { ...s, underlyings: s.underlyings.filter((u) => u.underlying !== 'ETH') },
            universe,
            cp,
          ),
        );
      },
      'RISK_MISSING_FEED',
    ],
    [
      'negative per-strike vol',
      () => {
        const strike = (ethCall30 as { strikeE18: bigint }).strikeE18;
        const s = patchEthExpiry((e) => ({ ...e, vols: [{ strikeE18: strike, volE18: -toE18('0.2') }] }));
        return marginAccount(holding(ethCall30.id), buildRiskArrays(s, universe, cp));
      },
      'RISK_NONPOSITIVE_VOL',
    ],
    [
      'zero per-strike vol',
      () => {
        const strike = (ethCall30 as { strikeE18: bigint }).strikeE18;
        const s = patchEthExpiry((e) => ({ ...e, vols: [{ strikeE18: strike, volE18: 0n }] }));
        return marginAccount(holding(ethCall30.id), buildRiskArrays(s, universe, cp));
      },
      'RISK_NONPOSITIVE_VOL',
    ],
    [
      'SVI with negative variance (a + bσ√(1−ρ²) < 0)',
      () =>
        buildRiskArrays(
          patchEthExpiry((e) => ({
            ...e,
            svi: { aE18: -toE18('0.5'), bE18: toE18('0.1'), rhoE18: 0n, mE18: 0n, sigmaE18: toE18('0.1') },
          })),
          universe,
          cp,
        ),
      'RISK_SVI_NEGATIVE_VARIANCE',
    ],
    [
      'SVI with |ρ| ≥ 1',
      () =>
        buildRiskArrays(
          patchEthExpiry((e) => ({ ...e, svi: { ...e.svi!, rhoE18: E18 } })),
          universe,
          cp,
        ),
      'RISK_SVI_INVALID',
    ],
    [
      'expired option (snapshot after expiry)',
      () => {
        const s = fixtureSnapshot({ timeSec: FIXTURE_T0 + 2 * 86_400 });
        const btc1d = instruments.find((i) => i.id.startsWith('BTC-1D'))!;
        return marginAccount(holding(btc1d.id, E18 / 10n), buildRiskArrays(s, universe, cp));
      },
      'RISK_OPTION_EXPIRED',
    ],
    [
      'unknown underlying in the universe',
      () => buildUniverse([...instruments, { id: 'DOGE-PERP', kind: 'perp', underlying: 'DOGE' }], cp),
      'RISK_UNKNOWN_UNDERLYING',
    ],
    [
      'unknown underlying in the snapshot',
      () => {
        const s = fixtureSnapshot();
        return buildRiskArrays(
          { ...s, underlyings: [...s.underlyings, { ...s.underlyings[0]!, underlying: 'DOGE' }] },
          universe,
          cp,
        );
      },
      'RISK_UNKNOWN_UNDERLYING',
    ],
    [
      'unknown instrument in a portfolio',
      () => marginAccount(holding('ETH-NOPE'), buildRiskArrays(fixtureSnapshot(), universe, cp)),
      'RISK_UNKNOWN_INSTRUMENT',
    ],
    [
      'unknown collateral asset',
      () =>
        marginAccount(
          {
            collateral: [{ domain: 1, token: 'DAI', stage: 'final', amount: 1n }],
            options: [],
            perps: [],
            lending: [],
          },
          buildRiskArrays(fixtureSnapshot(), universe, cp),
        ),
      'RISK_UNKNOWN_ASSET',
    ],
    [
      'duplicate position ids',
      () => {
        const p = holding(ethCall30.id);
        return marginAccount(
          { ...p, options: [...p.options, ...p.options] },
          buildRiskArrays(fixtureSnapshot(), universe, cp),
        );
      },
      'RISK_INVALID_PORTFOLIO',
    ],
    [
      'params: imFactor below 1',
      () => compileRiskParams({ ...params, imFactorE18: E18 / 2n }),
      'RISK_INVALID_PARAMS',
    ],
    [
      'params: more than 64 joint scenarios',
      () =>
        compileRiskParams({
          ...params,
          expectedShortfall: {
            levelE18: toE18('0.9'),
            scenarios: Array.from({ length: 65 }, () => ({ moves: [] })),
          },
        }),
      'RISK_INVALID_PARAMS',
    ],
  ];
  for (const [name, f, code] of cases) it(`${name} → ${code}`, () => expectCode(f, code));

  it('a bad instrument only fails the accounts holding it', () => {
    const arrays = buildRiskArrays(
      patchEthExpiry(() => null),
      universe,
      cp,
    );
    const other = instruments.find((i) => i.id.startsWith('BTC-30D'))!;
    const m = marginAccount(holding(other.id, E18 / 10n), arrays);
    expect(m.mm > 0n).toBe(true);
  });
  it('messages name the field, the value and the limit', () => {
    try {
      buildRiskArrays(
        { ...fixtureSnapshot(), stable: { priceE18: E18, updatedAtSec: FIXTURE_T0 - 500 } },
        universe,
        cp,
      );
    } catch (e) {
      expect(String((e as Error).message)).toMatch(
        /field snapshot\.stable; value age 500 s; limit age ≤ 120 s/,
      );
    }
  });
});

describe('SVI raw smile', () => {
  const p = { a: 0.04, b: 0.4, rho: -0.4, m: 0.1, sigma: 0.2 };
  it('vol = √(w(k)/T) with w(k) = a + b(ρ(k−m) + √((k−m)² + σ²))', () => {
    const t = 0.5;
    for (const kf of [0.5, 0.8, 1, 1.3, 2]) {
      const k = Math.log(kf);
      const w = p.a + p.b * (p.rho * (k - p.m) + Math.sqrt((k - p.m) ** 2 + p.sigma ** 2));
      expect(sviVol(p, 100, 100 * kf, t, 'svi')).toBeCloseTo(Math.sqrt(w / t), 13);
    }
  });
  it('accepts parameters whose minimum variance is exactly 0 but refuses that strike', () => {
    const zero = { a: -0.4 * 0.2 * Math.sqrt(1 - 0.16), b: 0.4, rho: 0.4, m: 0, sigma: 0.2 };
    expect(() => validateSvi({ ...zero, a: zero.a + 1e-12 }, 'svi')).not.toThrow();
    expectCode(() => validateSvi({ ...zero, a: zero.a - 1e-6 }, 'svi'), 'RISK_SVI_NEGATIVE_VARIANCE');
  });
  it('NaN parameters are refused', () =>
    expectCode(() => validateSvi({ ...p, b: Number.NaN }, 'svi'), 'RISK_NOT_FINITE'));
});
