/**
 * Black-76 prices and Greeks against a 60-digit decimal.js reference computed here from the exact
 * binary inputs (its own N(x), φ(x), ln, exp). Acceptance (issue 3): within
 * max(1e-10 relative, 1e-12·F absolute); puts priced from their own formula; put–call parity then
 * holds to 1e-12·F.
 */
import { describe, expect, it } from 'vitest';
import {
  greeksBlack76,
  isRiskError,
  priceBlack76,
  priceBlack76Side,
  validateBlack76Inputs,
} from '../../../chain/risk/index.ts';
import { expDet } from '../../../chain/risk/math.ts';
import { type D60, exactOf, normCdfRef, normPdfRef, prng } from './support/exact.ts';

interface Case {
  f: number;
  k: number;
  vol: number;
  t: number;
  r: number;
  d: number;
}

function reference(c: Case) {
  const f = exactOf(c.f);
  const k = exactOf(c.k);
  const t = exactOf(c.t);
  const vol = exactOf(c.vol);
  const d = exactOf(c.d);
  const r = exactOf(c.r);
  const sd = vol.mul(t.sqrt());
  const d1 = f.div(k).ln().add(sd.mul(sd).div(2)).div(sd);
  const d2 = d1.sub(sd);
  const nd1 = normCdfRef(d1);
  const nd2 = normCdfRef(d2);
  const nmd1 = normCdfRef(d1.neg());
  const nmd2 = normCdfRef(d2.neg());
  const pdf = normPdfRef(d1);
  const call = d.mul(f.mul(nd1).sub(k.mul(nd2)));
  const put = d.mul(k.mul(nmd2).sub(f.mul(nmd1)));
  const decay = d.mul(f).mul(pdf).mul(vol).div(t.sqrt().mul(2));
  return {
    call,
    put,
    callDelta: d.mul(nd1),
    putDelta: d.mul(nmd1).neg(),
    gamma: d.mul(pdf).div(f.mul(sd)),
    vega: d.mul(f).mul(pdf).mul(t.sqrt()),
    callTheta: r.mul(call).sub(decay),
    putTheta: r.mul(put).sub(decay),
    callRho: t.mul(call).neg(),
    putRho: t.mul(put).neg(),
  };
}

function cases(n: number, seed: number): Case[] {
  const rnd = prng(seed);
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const f = 10 ** (rnd() * 5);
    const k = f * 0.2 * 25 ** rnd();
    const vol = 0.05 + rnd() * 2.95;
    const t = 1 / 8760 + rnd() * 5;
    const r = -0.02 + rnd() * 0.22;
    out.push({ f, k, vol, t, r, d: expDet(-r * t) });
  }
  // Named edge cases: ATM, deep ITM/OTM, tiny T, huge vol.
  out.push({ f: 2000, k: 2000, vol: 0.5, t: 0.05, r: 0.03, d: expDet(-0.03 * 0.05) });
  out.push({ f: 2000, k: 200, vol: 0.2, t: 1, r: 0.05, d: expDet(-0.05) });
  out.push({ f: 2000, k: 20000, vol: 0.2, t: 1, r: 0.05, d: expDet(-0.05) });
  out.push({ f: 30000, k: 31000, vol: 0.8, t: 900 / 31536000, r: 0, d: 1 });
  out.push({ f: 1500, k: 1400, vol: 5, t: 4, r: 0.1, d: expDet(-0.4) });
  return out;
}

function within(actual: number, ref: D60, absFloor: number): boolean {
  const err = exactOf(actual).sub(ref).abs().toNumber();
  return err <= Math.max(1e-10 * ref.abs().toNumber(), absFloor);
}

describe('priceBlack76 vs decimal.js', () => {
  it('call and put within max(1e-10 rel, 1e-12·F abs), parity to 1e-12·F (305 cases)', () => {
    for (const c of cases(300, 11)) {
      const ref = reference(c);
      const { call, put } = priceBlack76({
        forward: c.f,
        strike: c.k,
        vol: c.vol,
        timeYears: c.t,
        discount: c.d,
      });
      const tag = JSON.stringify(c);
      expect(within(call, ref.call, 1e-12 * c.f), `call ${tag} ${call} vs ${ref.call}`).toBe(true);
      expect(within(put, ref.put, 1e-12 * c.f), `put ${tag} ${put} vs ${ref.put}`).toBe(true);
      // Parity, exact on the inputs' values: C − P = D·(F − K).
      const parity = exactOf(call)
        .sub(exactOf(put))
        .sub(exactOf(c.d).mul(exactOf(c.f).sub(exactOf(c.k))));
      expect(parity.abs().toNumber(), `parity ${tag}`).toBeLessThanOrEqual(1e-12 * c.f);
      expect(
        priceBlack76Side({ forward: c.f, strike: c.k, vol: c.vol, timeYears: c.t, discount: c.d }, false),
      ).toBe(put);
    }
  });
  it('σ = 0 prices at discounted intrinsic value', () => {
    const p = priceBlack76({ forward: 110, strike: 100, vol: 0, timeYears: 1, discount: 0.9 });
    expect(p.call).toBeCloseTo(9, 14);
    expect(p.put).toBe(0);
  });
});

describe('greeksBlack76 vs decimal.js', () => {
  it('delta, gamma, vega, theta, rho within max(1e-10 rel, 1e-12·scale abs) (205 cases)', () => {
    for (const c of cases(200, 12)) {
      const ref = reference(c);
      const g = greeksBlack76({ forward: c.f, strike: c.k, vol: c.vol, timeYears: c.t, discount: c.d }, c.r);
      const tag = JSON.stringify(c);
      expect(within(g.callDelta, ref.callDelta, 1e-12), `callDelta ${tag}`).toBe(true);
      expect(within(g.putDelta, ref.putDelta, 1e-12), `putDelta ${tag}`).toBe(true);
      expect(within(g.gamma, ref.gamma, 1e-12 / c.f), `gamma ${tag}`).toBe(true);
      expect(within(g.vega, ref.vega, 1e-12 * c.f), `vega ${tag}`).toBe(true);
      expect(within(g.callTheta, ref.callTheta, 1e-12 * c.f), `callTheta ${tag}`).toBe(true);
      expect(within(g.putTheta, ref.putTheta, 1e-12 * c.f), `putTheta ${tag}`).toBe(true);
      expect(within(g.callRho, ref.callRho, 1e-12 * c.f), `callRho ${tag}`).toBe(true);
      expect(within(g.putRho, ref.putRho, 1e-12 * c.f), `putRho ${tag}`).toBe(true);
    }
  });
});

describe('Black-76 input validation', () => {
  const ok = { forward: 100, strike: 100, vol: 0.5, timeYears: 1, discount: 1 };
  const table: [string, Partial<typeof ok>, string][] = [
    ['NaN forward', { forward: Number.NaN }, 'RISK_NOT_FINITE'],
    ['infinite strike', { strike: Number.POSITIVE_INFINITY }, 'RISK_NOT_FINITE'],
    ['negative vol', { vol: -0.1 }, 'RISK_NONPOSITIVE_VOL'],
    ['expired', { timeYears: 0 }, 'RISK_OPTION_EXPIRED'],
    ['zero forward', { forward: 0 }, 'RISK_OUT_OF_RANGE'],
  ];
  for (const [name, patch, code] of table) {
    it(`${name} → ${code}`, () => {
      expect(() => priceBlack76({ ...ok, ...patch })).toThrow();
      try {
        priceBlack76({ ...ok, ...patch });
      } catch (e) {
        expect(isRiskError(e, code as 'RISK_NOT_FINITE'), String(e)).toBe(true);
      }
    });
  }
  it('zero vol is refused where a positive vol is required', () => {
    expect(() => validateBlack76Inputs({ ...ok, vol: 0 })).toThrow(/RISK_NONPOSITIVE_VOL/);
  });
});
