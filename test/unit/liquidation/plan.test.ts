/**
 * The liquidation planner on hand-built portfolios in a one-underlying Derive PMRM v1 world
 * (support/world.ts). Expected close sizes come from closed forms worked out here (a book that
 * scales as a whole has MM and IM linear in the closed fraction, equity falls by the liquidity
 * cost only), from hand arithmetic (the perp case needs no kernel at all), or from a second
 * simulation of the close written in the test (shrink the position, book MtM − cost as USDC).
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIQUIDITY_COST_E18,
  isLiquidationError,
  type LiquidationInput,
  type LiquidationPlan,
  planGreedy,
  planLiquidation,
  planProportional,
} from '../../../chain/liquidation/index.ts';
import { type MarginSummary, marginAccount, type Portfolio } from '../../../chain/risk/index.ts';
import { book, E18, notionalOf, option, perp, worldArrays } from './support/world.ts';

const SPOT = 2000n;
const arrays = worldArrays(SPOT);
const HALF = E18 / 2n;

function inputOf(p: Portfolio, extra: Partial<LiquidationInput> = {}): LiquidationInput {
  return {
    portfolio: p,
    arrays,
    bufferE18: HALF,
    closable: new Set([...p.options, ...p.perps].map((x) => x.id)),
    liquidityCostE18: new Map(),
    notionalUsd: notionalOf(p, SPOT),
    ...extra,
  };
}

/** The target rule written again: equity ≥ MM + ⌈buffer·(IM − MM)⌉ (µUSD). */
function meets(s: MarginSummary, bufferE18: bigint): boolean {
  const extra = bufferE18 * (s.im - s.mm);
  return s.equity >= s.mm + (extra + E18 - 1n) / E18;
}

const usd = (micro: bigint): number => Number(micro) / 1e6;
const closeOf = (plan: LiquidationPlan, id: string): number =>
  Number(plan.closes.find((c) => c.positionId === id)?.closeSizeE18 ?? 0n) / 1e18;

/** Target equity of the rule at the `before` margins, USD. */
function target(s: MarginSummary, buffer = 0.5): number {
  return usd(s.mm) + buffer * (usd(s.im) - usd(s.mm));
}

/** Second simulation of closing `closeE18` of one short option (size −10 ETH): shrink, book MtM − cost. */
function closeShortCall(p: Portfolio, id: string, closeE18: bigint, mtmMicro: bigint): Portfolio {
  const o = p.options.find((x) => x.id === id)!;
  const size = -o.sizeE18;
  // MtM of the closed part = closed/size × the position's MtM (the book holds nothing else).
  const realised = (mtmMicro * closeE18) / size;
  const notionalMicro = (closeE18 * SPOT * 1_000_000n) / E18;
  const cost = (notionalMicro * DEFAULT_LIQUIDITY_COST_E18 + E18 - 1n) / E18;
  const cashAtomic = (realised - cost) * 10n ** 12n;
  return {
    ...p,
    options: p.options.map((x) => (x.id === id ? { ...x, sizeE18: -(size - closeE18) } : x)),
    collateral: p.collateral.map((c) => (c.token === 'USDC' ? { ...c, amount: c.amount + cashAtomic } : c)),
  };
}

describe('a naked short call', () => {
  // Short 10 calls struck 2100 with spot 2000, 2,500 USDC: MM ≈ 2,565, equity ≈ 1,539.
  const p = book(2_500n, [option('c1', 2100, true, -10n * E18)]);
  const plan = planLiquidation(inputOf(p));

  it('is closed until the target is restored, by the closed-form amount', () => {
    const b = plan.before;
    expect(b.equity < b.mm, 'starts below MM').toBe(true);
    expect(plan.restored).toBe(true);
    expect(plan.closes.map((c) => c.positionId)).toEqual(['c1']);
    // One short option: MM, IM ∝ remaining size, equity falls by cost = x·2000·0.001.
    // E0 − 2x = (1 − x/10)·T0  ⇒  x = (T0 − E0)/(T0/10 − 2).
    const t0 = target(b);
    const x = (t0 - usd(b.equity)) / (t0 / 10 - 2);
    expect(Math.abs(closeOf(plan, 'c1') - x), `close ${closeOf(plan, 'c1')} vs ${x}`).toBeLessThan(1e-6);
    expect(meets(plan.after, HALF)).toBe(true);
  });

  it('closing less than the plan does not restore; the plan amount does (second simulation)', () => {
    const close = plan.closes[0]!.closeSizeE18;
    const mtm = plan.before.mtm;
    const at = marginAccount(closeShortCall(p, 'c1', close, mtm), arrays);
    const less = marginAccount(closeShortCall(p, 'c1', close - 10n ** 12n, mtm), arrays);
    expect(meets(at, HALF), 'plan amount').toBe(true);
    expect(meets(less, HALF), '1e-6 ETH less').toBe(false);
    // The planner's own after state agrees with the second simulation to a few µUSD.
    expect(Math.abs(Number(plan.after.equity - at.equity))).toBeLessThanOrEqual(3);
    expect(plan.after.mm).toBe(at.mm);
    expect(plan.after.im).toBe(at.im);
  });

  it('equity moves only by the liquidity cost: the closed part is realised at the mark', () => {
    const cost = closeOf(plan, 'c1') * 2000 * 0.001;
    expect(Math.abs(usd(plan.before.equity - plan.after.equity) - cost)).toBeLessThan(3e-6);
    expect(Math.abs(usd(plan.liquidityCostMicro) - cost)).toBeLessThan(2e-6);
    expect(plan.closedNotionalUsd).toBeCloseTo(closeOf(plan, 'c1') * 2000, 5);
  });
});

describe('realised cash on a haircut settlement line', () => {
  it('the plan amount restores and 1e-6 ETH less does not, on a second simulation with the 5 % haircut', () => {
    // USDC only on 42161 (6 decimals, 5 % haircut on a positive balance): buying back the short
    // call spends cash whose haircut value is 0.95 of its face, so equity falls by more than the cost.
    const p: Portfolio = {
      collateral: [{ domain: 42161, token: 'USDC', stage: 'final', amount: 3_500n * 1_000_000n }],
      options: [option('c1', 2100, true, -10n * E18)],
      perps: [],
      lending: [],
    };
    const plan = planLiquidation(inputOf(p));
    expect(plan.before.equity < plan.before.mm).toBe(true);
    expect(plan.restored).toBe(true);
    const mtm = plan.before.mtm;
    const sim = (closeE18: bigint): MarginSummary => {
      const realised = (mtm * closeE18) / (10n * E18);
      const notionalMicro = (closeE18 * SPOT * 1_000_000n) / E18;
      const cost = (notionalMicro * DEFAULT_LIQUIDITY_COST_E18 + E18 - 1n) / E18;
      return marginAccount(
        {
          ...p,
          options: [option('c1', 2100, true, -(10n * E18 - closeE18))],
          collateral: [{ ...p.collateral[0]!, amount: p.collateral[0]!.amount + realised - cost }],
        },
        arrays,
      );
    };
    const close = plan.closes[0]!.closeSizeE18;
    expect(meets(sim(close), HALF), 'plan amount').toBe(true);
    expect(meets(sim(close - 10n ** 12n), HALF), '1e-6 ETH less').toBe(false);
    // Equity: the cash line (valued at 0.95 of face) falls by 0.95·|r| with r = realised < 0, the
    // liability removed adds |r| − cost, so before − after = cost − 0.05·|r|.
    const r = -usd(plan.realisedMicro);
    const want = usd(plan.liquidityCostMicro) - 0.05 * r;
    expect(Math.abs(usd(plan.before.equity - plan.after.equity) - want)).toBeLessThan(3e-6);
  });
});

describe('a perp with unrealised profit (hand arithmetic, no kernel figures)', () => {
  // Long 20 ETH perp entered at 1,800, spot = perp = 2,000, 1,000 USDC: equity 1,000 + 20·200 = 5,000.
  // MM = static 2 %·20·2,000 = 800 + worst scenario (−15 %) 20·300 = 6,000 → 6,800; IM = 1.3·MM = 8,840.
  // Target = 6,800 + ½·2,040 = 7,820. Closing x: target (1 − x/20)·7,820, equity 5,000 − x·2,000·0.001.
  // ⇒ x = 2,820 / (391 − 2) = 7.249357326…
  const p = book(1_000n, [], [perp('long', 20n * E18, 1800n)]);
  const plan = planLiquidation(inputOf(p));

  it('before margins are the hand figures', () => {
    expect(Math.abs(usd(plan.before.equity) - 5000)).toBeLessThan(1e-6);
    expect(Math.abs(usd(plan.before.mm) - 6800)).toBeLessThan(2e-6);
    expect(Math.abs(usd(plan.before.im) - 8840)).toBeLessThan(2e-6);
  });

  it('closes 2,820/389 ETH, keeps entry price and funding index, books the profit as USDC', () => {
    const x = 2820 / 389;
    expect(plan.restored).toBe(true);
    expect(Math.abs(closeOf(plan, 'long') - x), `${closeOf(plan, 'long')} vs ${x}`).toBeLessThan(1e-6);
    const after = plan.afterPortfolio.perps[0]!;
    expect(after.entryPriceE18).toBe(1800n * E18);
    expect(after.fundingIndexE18).toBe(0n);
    expect(after.sizeE18).toBe(20n * E18 - plan.closes[0]!.closeSizeE18);
    // USDC: 1,000 + x·200 (realised profit) − x·2 (cost).
    const usdc = plan.afterPortfolio.collateral.find((c) => c.domain === 1 && c.token === 'USDC')!;
    const want = 1000 + closeOf(plan, 'long') * 198;
    expect(Math.abs(Number(usdc.amount) / 1e18 - want)).toBeLessThan(3e-6);
    expect(Math.abs(usd(plan.after.mm) - (1 - closeOf(plan, 'long') / 20) * 6800)).toBeLessThan(3e-6);
  });
});

describe('hedged legs', () => {
  it('a perp pair hedged across domains is left alone; only the naked call is closed (greedy beats proportional)', () => {
    // c1 as above plus long 50 perp on domain 1 and short 50 on 42161: same instrument, net 0, no MM.
    const p = book(
      2_500n,
      [option('c1', 2100, true, -10n * E18)],
      [perp('pa', 50n * E18, 2000n), perp('pb', -50n * E18, 2000n, { domain: 42161 })],
    );
    const input = inputOf(p);
    const plan = planLiquidation(input);
    const prop = planProportional(input);
    const greedy = planGreedy(input);
    expect(plan.method).toBe('greedy');
    expect(plan.restored && prop.restored && greedy.restored).toBe(true);
    expect(plan.closes.map((c) => c.positionId)).toEqual(['c1']);
    // The proportional slice closes 2 × 50·f ETH of perps for nothing: far more notional.
    expect(prop.closedNotionalMicro).toBeGreaterThan(10n * greedy.closedNotionalMicro);
    // Same close as the lone call (the pair changes neither MM nor IM), closed form as above.
    const b = plan.before;
    const t0 = target(b);
    const x = (t0 - usd(b.equity)) / (t0 / 10 - 2);
    expect(Math.abs(closeOf(plan, 'c1') - x)).toBeLessThan(1e-6);
  });

  it('an imperfect perp hedge is never unwound leg by leg beyond its net exposure', () => {
    // Long 50 (domain 1) and short 40 (42161): net long 10. Closing the short leg first would
    // raise MM; any admissible plan keeps the net between 0 and 10 long. Equity 3,000 − 50·50 = 500,
    // MM = 10·2,000·(2 % + 15 %) = 3,400.
    const p = book(
      3_000n,
      [],
      [perp('pa', 50n * E18, 2050n), perp('pb', -40n * E18, 2000n, { domain: 42161 })],
    );
    for (const f of [planLiquidation, planProportional, planGreedy]) {
      const plan = f(inputOf(p));
      const net = 50 - closeOf(plan, 'pa') - (40 - closeOf(plan, 'pb'));
      expect(plan.before.equity < plan.before.mm, 'starts below MM').toBe(true);
      expect(plan.restored, f.name).toBe(true);
      expect(net, `${f.name}: net ${net}`).toBeGreaterThanOrEqual(-1e-9);
      expect(net, `${f.name}: net ${net}`).toBeLessThanOrEqual(10);
      expect(plan.after.mm <= plan.before.mm, f.name).toBe(true);
    }
    // Greedy closes only the excess of the long leg (instrument netting), far less than the slice.
    const g = planLiquidation(inputOf(p));
    expect(g.method).toBe('greedy');
    expect(g.closes.map((c) => c.positionId)).toEqual(['pa']);
    expect(closeOf(g, 'pa')).toBeLessThanOrEqual(10);
    expect(g.closedNotionalMicro * 5n).toBeLessThan(planProportional(inputOf(p)).closedNotionalMicro);
  });

  it('a call spread: the long leg is never closed more than the short leg', () => {
    // Short 10 × 2000 C, long 10 × 2200 C, 1,500 USDC.
    const p = book(1_500n, [option('s', 2000, true, -10n * E18), option('l', 2200, true, 10n * E18)]);
    for (const f of [planLiquidation, planProportional, planGreedy]) {
      const plan = f(inputOf(p));
      expect(plan.before.equity < plan.before.mm).toBe(true);
      expect(plan.restored, f.name).toBe(true);
      expect(closeOf(plan, 'l'), f.name).toBeLessThanOrEqual(closeOf(plan, 's') + 1e-12);
      expect(plan.after.mm <= plan.before.mm, f.name).toBe(true);
    }
  });

  it('when only the long leg of a call spread may be closed, nothing is closed (it would raise MM)', () => {
    const p = book(1_500n, [option('s', 2000, true, -10n * E18), option('l', 2200, true, 10n * E18)]);
    // Closing the long 2200 C alone leaves 10 naked short calls: check that it raises MM.
    const naked = marginAccount({ ...p, options: [p.options[0]!] }, arrays);
    const plan = planLiquidation(inputOf(p, { closable: new Set(['l']) }));
    expect(naked.mm).toBeGreaterThan(plan.before.mm);
    expect(plan.method).toBe('none');
    expect(plan.closes).toEqual([]);
    expect(plan.restored).toBe(false);
    expect(plan.after).toEqual(plan.before);
  });
});

describe('choosing between the two plans', () => {
  it('a short strangle: the proportional slice beats greedy (closed-form fraction)', () => {
    // Short 10 × 2300 C and 10 × 1700 P: the downside and upside losses are close, so closing one
    // leg only moves the worst scenario to the other side.
    const p = book(1_500n, [option('c1', 2300, true, -10n * E18), option('p1', 1700, false, -10n * E18)]);
    const input = inputOf(p);
    const plan = planLiquidation(input);
    const prop = planProportional(input);
    const greedy = planGreedy(input);
    expect(prop.restored && greedy.restored).toBe(true);
    expect(prop.closedNotionalMicro).toBeLessThan(greedy.closedNotionalMicro);
    expect(plan.method).toBe('proportional');
    expect(plan.closes).toEqual(prop.closes);
    // The whole book scales: E0 − f·40,000·0.001 = (1 − f)·T0 ⇒ f = (T0 − E0)/(T0 − 40).
    const b = plan.before;
    const t0 = target(b);
    const f = (t0 - usd(b.equity)) / (t0 - 40);
    expect(Math.abs(closeOf(plan, 'c1') - 10 * f)).toBeLessThan(1e-6);
    expect(closeOf(plan, 'c1')).toBe(closeOf(plan, 'p1'));
  });

  it('greedy ranks by MM reduction per unit of liquidity cost', () => {
    // Two identical short calls on two domains; b is ten times cheaper to close.
    const p = book(2_500n, [
      option('a', 2100, true, -5n * E18),
      option('b', 2100, true, -5n * E18, { domain: 42161 }),
    ]);
    const cheapB = new Map([
      ['a', 5n * 10n ** 15n],
      ['b', 5n * 10n ** 14n],
    ]);
    const g = planGreedy(inputOf(p, { liquidityCostE18: cheapB }));
    expect(g.restored).toBe(true);
    expect(g.closes.map((c) => c.positionId)).toEqual(['b']);
    // Equal costs: ties go by position id, so a is closed first.
    const tie = planGreedy(inputOf(p));
    expect(tie.closes[0]!.positionId).toBe('a');
    expect(closeOf(tie, 'a')).toBeGreaterThan(closeOf(tie, 'b'));
  });

  it('an account that meets the target gets no plan', () => {
    const p = book(100_000n, [option('c1', 2100, true, -10n * E18)]);
    const plan = planLiquidation(inputOf(p));
    expect(plan.method).toBe('none');
    expect(plan.closes).toEqual([]);
    expect(plan.restored).toBe(true);
    expect(plan.after).toEqual(plan.before);
    expect(plan.afterPortfolio).toBe(p);
  });

  it('an insolvent account: everything closable is closed, not restored, MM never above before', () => {
    const p = book(300n, [option('c1', 2100, true, -10n * E18)]);
    const plan = planLiquidation(inputOf(p));
    expect(plan.restored).toBe(false);
    expect(closeOf(plan, 'c1')).toBe(10);
    expect(plan.after.mm).toBe(0n);
    expect(plan.afterPortfolio.options).toEqual([]);
  });
});

describe('what may be closed', () => {
  it('positions not in `closable` and provisional positions are never closed', () => {
    const p = book(2_000n, [
      option('c1', 2100, true, -4n * E18),
      option('c2', 2100, true, -4n * E18),
      option('c3', 2000, true, -4n * E18, { stage: 'provisional', domain: 42161 }),
    ]);
    const plan = planLiquidation(inputOf(p, { closable: new Set(['c1', 'c3', 'unknown']) }));
    expect(plan.closes.map((c) => c.positionId)).toEqual(['c1']);
    expect(plan.closes[0]!.closeSizeE18).toBeLessThanOrEqual(4n * E18);
  });

  it('maxSteps 0 stops greedy before its first step', () => {
    const p = book(2_500n, [option('c1', 2100, true, -10n * E18)]);
    expect(planGreedy(inputOf(p, { maxSteps: 0 })).method).toBe('none');
    expect(planLiquidation(inputOf(p, { maxSteps: 0 })).method).toBe('proportional');
  });
});

describe('determinism', () => {
  it('the same input gives the same plan; the order of the portfolio lists does not matter', () => {
    const p = book(
      1_500n,
      [
        option('x1', 2300, true, -10n * E18),
        option('x2', 1700, false, -7n * E18),
        option('x3', 2500, true, 3n * E18),
      ],
      [perp('x4', 4n * E18, 1990n, { domain: 42161 })],
    );
    const a = planLiquidation(inputOf(p));
    const b = planLiquidation(inputOf(p));
    expect(b).toEqual(a);
    const reversed: Portfolio = { ...p, options: [...p.options].reverse(), perps: [...p.perps].reverse() };
    const c = planLiquidation(inputOf(reversed));
    expect(c.method).toBe(a.method);
    expect(c.closes).toEqual(a.closes);
    expect(c.after).toEqual(a.after);
  });
});

describe('invalid inputs', () => {
  const p = book(2_500n, [option('c1', 2100, true, -10n * E18)]);
  const cases: { name: string; extra: Partial<LiquidationInput>; code: string; field: string }[] = [
    {
      name: 'negative buffer',
      extra: { bufferE18: -1n },
      code: 'LIQUIDATION_OUT_OF_RANGE',
      field: 'bufferE18',
    },
    {
      name: 'NaN notional',
      extra: { notionalUsd: () => Number.NaN },
      code: 'LIQUIDATION_NOT_FINITE',
      field: 'notionalUsd(c1)',
    },
    {
      name: 'negative notional',
      extra: { notionalUsd: () => -1 },
      code: 'LIQUIDATION_OUT_OF_RANGE',
      field: 'notionalUsd(c1)',
    },
    {
      name: 'cost above 100 %',
      extra: { liquidityCostE18: new Map([['c1', E18 + 1n]]) },
      code: 'LIQUIDATION_OUT_OF_RANGE',
      field: 'liquidityCostE18(c1)',
    },
    {
      name: 'fractional maxSteps',
      extra: { maxSteps: 1.5 },
      code: 'LIQUIDATION_OUT_OF_RANGE',
      field: 'maxSteps',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      try {
        planLiquidation(inputOf(p, c.extra));
        expect.unreachable(c.name);
      } catch (e) {
        expect(isLiquidationError(e), c.name).toBe(true);
        expect((e as { code: string }).code, c.name).toBe(c.code);
        expect((e as Error).message, c.name).toContain(c.field);
      }
    });
  }
});
