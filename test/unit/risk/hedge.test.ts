/**
 * Hedge recognition (issue 3 acceptance), each number checked against the independent decimal.js
 * implementation of the method (test/unit/risk/support/decimalPmrm.ts — no shared code) to 1e-9:
 * requirement MM = static − minSpan, IM = (static − minSpan)·k + conf, and for provisional items
 * the larger of the requirement with and without them.
 */
import { describe, expect, it } from 'vitest';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  type MarginSummary,
  marginAccount,
  marginReport,
} from '../../../chain/risk/index.ts';
import { decimalPmrm } from './support/decimalPmrm.ts';
import { type DeriveCase, deriveCaseToKernel, type Placement } from './support/deriveCase.ts';

const E18 = 10n ** 18n;
const DAY = 86_400;

function kernel(c: DeriveCase, place: Placement = {}): MarginSummary {
  const k = deriveCaseToKernel(c, {}, place);
  const cp = compileRiskParams(k.params);
  return marginAccount(k.portfolio, buildRiskArrays(k.snapshot, buildUniverse(k.universe, cp), cp));
}

/** Independent requirement: MM = static − minSpan, IM = MM·k + conf (Derive's margins, sign flipped, without MtM/cash). */
function independent(c: DeriveCase): { mm: number; im: number } {
  const d = decimalPmrm(c);
  const mm = d.staticContingency.sub(d.minSpan);
  const k = c.stable < (98n * E18) / 100n ? 1.3 + (0.98 - Number(c.stable) / 1e18) * 2 : 1.3;
  return { mm: mm.toNumber(), im: mm.mul(k).add(d.confidenceContingency).toNumber() };
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

const base: DeriveCase = {
  spot: 2000n * E18,
  spotConf: E18,
  perpPrice: 2000n * E18,
  perpConf: E18,
  stable: E18,
  cash: 0n,
  perp: 0n,
  base: 0n,
  perpValue: 0n,
  expiries: [
    {
      sec: 30 * DAY,
      fixed: 0n,
      variable: 2005n * E18,
      rate: (3n * E18) / 100n,
      fwdConf: E18,
      rateConf: E18,
      volConf: E18,
    },
  ],
  options: [],
};

function straddle(strike: bigint, size: bigint): DeriveCase['options'] {
  return [
    { sec: 30 * DAY, strike, isCall: true, amount: -size, vol: (6n * E18) / 10n },
    { sec: 30 * DAY, strike, isCall: false, amount: -size, vol: (6n * E18) / 10n },
  ];
}

describe('hedge recognition', () => {
  // Strike 1800 with spot 2000: the short straddle carries a clear negative delta.
  const unhedged: DeriveCase = { ...base, options: straddle(1800n * E18, E18) };
  const k0 = deriveCaseToKernel(unhedged);
  const cp0 = compileRiskParams(k0.params);
  const report = marginReport(
    k0.portfolio,
    buildRiskArrays(k0.snapshot, buildUniverse(k0.universe, cp0), cp0),
  );
  const delta = report.netGreeks[0]!.delta;
  // Perp of size −delta (rounded to 1e-6 units) neutralises it.
  const hedgeSize = BigInt(Math.round(-delta * 1e6)) * 10n ** 12n;
  const hedged: DeriveCase = { ...unhedged, perp: hedgeSize };

  it('a short straddle delta-hedged with a perp needs less MM than the straddle alone', () => {
    expect(delta).toBeLessThan(-0.2);
    const a = kernel(unhedged);
    const b = kernel(hedged);
    const ia = independent(unhedged);
    const ib = independent(hedged);
    expect(close(a.raw.mm, ia.mm), `straddle MM ${a.raw.mm} vs ${ia.mm}`).toBe(true);
    expect(close(b.raw.mm, ib.mm), `hedged MM ${b.raw.mm} vs ${ib.mm}`).toBe(true);
    expect(close(a.raw.im, ia.im) && close(b.raw.im, ib.im)).toBe(true);
    expect(b.mm).toBeLessThan(a.mm);
    expect(ib.mm).toBeLessThan(ia.mm);
  });

  it('the same hedge on another domain gives the same relief once final and none while provisional', () => {
    const here = kernel(hedged);
    const remoteFinal = kernel(hedged, { perpDomain: 42161, perpStage: 'final' });
    const remoteProvisional = kernel(hedged, { perpDomain: 42161, perpStage: 'provisional' });
    const alone = kernel(unhedged);
    // Final on another domain: exactly the same requirement (the domain never enters risk).
    expect(remoteFinal.mm).toBe(here.mm);
    expect(remoteFinal.im).toBe(here.im);
    // Provisional: max(requirement with it, without it) = the unhedged requirement.
    const ind = Math.max(independent(hedged).mm, independent(unhedged).mm);
    expect(close(remoteProvisional.raw.mm, ind), `${remoteProvisional.raw.mm} vs ${ind}`).toBe(true);
    expect(remoteProvisional.mm).toBe(alone.mm);
    expect(remoteProvisional.binding).toBe('final');
    expect(remoteProvisional.mm).toBeGreaterThan(remoteFinal.mm);
  });

  it('a covered call needs less than the naked call: the call adds less requirement to the base than on its own', () => {
    // Requirements exclude the positions' own value, and the base itself is risky (−15 % scenario),
    // so the comparison is what writing the call adds: req(base + call) − req(base) < req(call).
    const naked: DeriveCase = {
      ...base,
      options: [{ sec: 30 * DAY, strike: 2100n * E18, isCall: true, amount: -E18, vol: (6n * E18) / 10n }],
    };
    const baseOnly: DeriveCase = { ...base, base: E18 };
    const covered: DeriveCase = { ...naked, base: E18 };
    const n = kernel(naked);
    const b = kernel(baseOnly);
    const c = kernel(covered);
    for (const [what, k, cse] of [
      ['naked', n, naked],
      ['base', b, baseOnly],
      ['covered', c, covered],
    ] as const) {
      const ind = independent(cse);
      expect(close(k.raw.mm, ind.mm), `${what} MM ${k.raw.mm} vs ${ind.mm}`).toBe(true);
      expect(close(k.raw.im, ind.im), `${what} IM ${k.raw.im} vs ${ind.im}`).toBe(true);
    }
    expect(c.mm - b.mm).toBeLessThan(n.mm);
    expect(c.im - b.im).toBeLessThan(n.im);
    // And the hedge is recognised, not merely added: req(covered) < req(base) + req(call).
    expect(c.mm).toBeLessThan(b.mm + n.mm);
  });

  it('margin is monotone in position size (short calls and short straddles, 1 … 8 units)', () => {
    for (const make of [
      (n: bigint): DeriveCase => ({
        ...base,
        options: [
          { sec: 30 * DAY, strike: 2200n * E18, isCall: true, amount: -n * E18, vol: (7n * E18) / 10n },
        ],
      }),
      (n: bigint): DeriveCase => ({ ...base, options: straddle(2000n * E18, n * E18) }),
      (n: bigint): DeriveCase => ({ ...base, perp: -n * E18 }),
    ]) {
      let prevMm = -1n;
      let prevIm = -1n;
      for (let n = 1n; n <= 8n; n++) {
        const c = make(n);
        const r = kernel(c);
        const ind = independent(c);
        expect(close(r.raw.mm, ind.mm), `size ${n}: ${r.raw.mm} vs ${ind.mm}`).toBe(true);
        expect(close(r.raw.im, ind.im), `size ${n} IM`).toBe(true);
        expect(r.mm, `MM grows at size ${n}`).toBeGreaterThan(prevMm);
        expect(r.im, `IM grows at size ${n}`).toBeGreaterThan(prevIm);
        prevMm = r.mm;
        prevIm = r.im;
      }
    }
  });
});
