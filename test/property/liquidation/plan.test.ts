/**
 * Property tests of the liquidation planner over the risk kernel's seeded multi-underlying
 * fixture (3 underlyings, tails, ES floor, a correlation credit, haircuts, provisional items),
 * random portfolios pushed below MM by setting their USDC balance, a random closable subset and a
 * random buffer: every plan's MM ≤ the MM before; a restored plan meets the target (the rule
 * written again here); closes are positive, at most the position, only closable final positions,
 * sorted; the after portfolio is the input with exactly those closes applied and `after` is the
 * kernel's margin of it; equity moves only by the liquidity cost (closes realised at the mark);
 * planning twice gives identical output; the chosen plan's notional ≤ the other candidate's when
 * both restore.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LiquidationInput,
  type LiquidationPlan,
  planGreedy,
  planLiquidation,
  planProportional,
} from '../../../chain/liquidation/index.ts';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  type MarginSummary,
  marginAccount,
  type Portfolio,
} from '../../../chain/risk/index.ts';
import {
  fixtureParams,
  fixtureSnapshot,
  fixtureUniverse,
  prng,
  randomPortfolio,
  UNDERLYINGS,
} from '../../unit/risk/support/fixture.ts';

const E18 = 10n ** 18n;
const instruments = fixtureUniverse();
const cp = compileRiskParams(fixtureParams());
const arrays = buildRiskArrays(fixtureSnapshot(), buildUniverse(instruments, cp), cp);
const underlyingOf = new Map(instruments.map((i) => [i.id, i.underlying] as const));
const spotOf = new Map(UNDERLYINGS.map((u) => [u.id as string, u.spot as number] as const));
const BUFFERS = [0n, E18 / 4n, E18 / 2n, E18] as const;

interface Case {
  readonly input: LiquidationInput;
  readonly note: string;
}

/** A seeded case: a random book whose USDC is set so that equity = MM·(1 − shortfall). */
function makeCase(seed: number, positions: number, provisional: boolean): Case | null {
  const rnd = prng(seed);
  const raw = randomPortfolio(rnd, instruments, { positions, provisional });
  const s0 = marginAccount(raw, arrays);
  if (s0.mm === 0n) return null;
  // Equity target between 0.2·MM and 0.98·MM (a shortfall of 2 … 80 %); zero-haircut USDC (6
  // decimals on domain 1) moves equity by exactly its amount.
  const wantEquity = (s0.mm * BigInt(20 + Math.floor(rnd() * 79))) / 100n;
  const collateral = raw.collateral.map((c) =>
    c.domain === 1 && c.token === 'USDC' && c.stage === 'final'
      ? { ...c, amount: c.amount + (wantEquity - s0.equity) }
      : c,
  );
  const portfolio: Portfolio = { ...raw, collateral };
  const ids = [...portfolio.options, ...portfolio.perps].map((x) => x.id).sort();
  const closable = new Set(ids.filter(() => rnd() < 0.8));
  const sizes = new Map([...portfolio.options, ...portfolio.perps].map((x) => [x.id, x.sizeE18] as const));
  const instrumentOf = new Map(
    [...portfolio.options, ...portfolio.perps].map((x) => [x.id, x.instrument] as const),
  );
  const liquidityCostE18 = new Map(
    ids.filter(() => rnd() < 0.5).map((id) => [id, BigInt(1 + Math.floor(rnd() * 50)) * 10n ** 14n] as const),
  );
  const bufferE18 = BUFFERS[Math.floor(rnd() * BUFFERS.length)]!;
  return {
    note: `seed ${seed} positions ${positions} provisional ${provisional}`,
    input: {
      portfolio,
      arrays,
      bufferE18,
      closable,
      liquidityCostE18,
      notionalUsd: (id) => {
        const n = sizes.get(id)!;
        const spot = spotOf.get(underlyingOf.get(instrumentOf.get(id)!)!)!;
        return (Number(n < 0n ? -n : n) / 1e18) * spot;
      },
    },
  };
}

function meets(s: MarginSummary, bufferE18: bigint): boolean {
  const extra = bufferE18 * (s.im - s.mm);
  return s.equity >= s.mm + (extra + E18 - 1n) / E18;
}

/** Checks that hold for any plan of the case; returns nothing, throws on failure. */
function checkPlan(c: Case, plan: LiquidationPlan, label: string): void {
  const { input } = c;
  const msg = `${c.note} ${label}`;
  expect(
    plan.after.mm <= plan.before.mm,
    `${msg}: after.mm ${plan.after.mm} > before.mm ${plan.before.mm}`,
  ).toBe(true);
  if (plan.restored)
    expect(meets(plan.after, input.bufferE18), `${msg}: restored but target unmet`).toBe(true);
  else expect(meets(plan.after, input.bufferE18), `${msg}: target met but not restored`).toBe(false);
  // Closes: sorted, positive, ≤ |size|, closable and final only.
  const byId = new Map([...input.portfolio.options, ...input.portfolio.perps].map((x) => [x.id, x] as const));
  const ids = plan.closes.map((x) => x.positionId);
  expect(ids, `${msg}: sorted`).toEqual([...ids].sort());
  for (const cl of plan.closes) {
    const pos = byId.get(cl.positionId)!;
    const abs = pos.sizeE18 < 0n ? -pos.sizeE18 : pos.sizeE18;
    expect(
      input.closable.has(cl.positionId) && pos.stage === 'final',
      `${msg}: ${cl.positionId} closable`,
    ).toBe(true);
    expect(cl.closeSizeE18 > 0n && cl.closeSizeE18 <= abs, `${msg}: ${cl.positionId} size`).toBe(true);
  }
  // The after portfolio: each position shrunk by exactly its close (gone when fully closed), the
  // rest untouched.
  const close = new Map(plan.closes.map((x) => [x.positionId, x.closeSizeE18] as const));
  const afterById = new Map(
    [...plan.afterPortfolio.options, ...plan.afterPortfolio.perps].map((x) => [x.id, x] as const),
  );
  for (const [id, pos] of byId) {
    const cl = close.get(id) ?? 0n;
    const want = pos.sizeE18 < 0n ? pos.sizeE18 + cl : pos.sizeE18 - cl;
    const got = afterById.get(id);
    if (want === 0n) expect(got, `${msg}: ${id} fully closed`).toBeUndefined();
    else expect(got, `${msg}: ${id}`).toEqual({ ...pos, sizeE18: want });
  }
  expect(plan.afterPortfolio.lending, msg).toEqual(input.portfolio.lending);
  // `after` is the kernel's margin of the after portfolio.
  expect(plan.after, `${msg}: after = kernel(afterPortfolio)`).toEqual(
    marginAccount(plan.afterPortfolio, arrays),
  );
  // Closes realised at the mark: equity falls by the liquidity cost only (µUSD rounding aside).
  const drift = plan.after.equity - (plan.before.equity - plan.liquidityCostMicro);
  expect(drift >= -3n && drift <= 3n, `${msg}: equity drift ${drift} µUSD`).toBe(true);
}

const caseArb = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  positions: fc.integer({ min: 1, max: 8 }),
  provisional: fc.boolean(),
});

describe('liquidation planner properties', () => {
  it('plans never raise MM, meet the target when restored, close only what may be closed, are deterministic, and pick the smaller restoring notional', () => {
    let planned = 0;
    let restored = 0;
    let bothRestore = 0;
    fc.assert(
      fc.property(caseArb, ({ seed, positions, provisional }) => {
        const c = makeCase(seed, positions, provisional);
        if (c === null) return;
        planned++;
        const plan = planLiquidation(c.input);
        expect(plan.before.equity < plan.before.mm, `${c.note}: starts below MM`).toBe(true);
        const prop = planProportional(c.input);
        const greedy = planGreedy(c.input);
        checkPlan(c, plan, 'plan');
        checkPlan(c, prop, 'proportional');
        checkPlan(c, greedy, 'greedy');
        if (plan.restored) restored++;
        // Determinism: bit-for-bit the same plan again.
        expect(planLiquidation(c.input), `${c.note}: determinism`).toEqual(plan);
        // The chosen plan is one of the two candidates …
        const chosen = plan.method === 'proportional' ? prop : plan.method === 'greedy' ? greedy : null;
        if (chosen !== null) expect(plan.closes, `${c.note}: chosen = ${plan.method}`).toEqual(chosen.closes);
        // … with the least notional when both restore, and restoring whenever either does.
        if (prop.restored || greedy.restored)
          expect(plan.restored, `${c.note}: a candidate restores`).toBe(true);
        if (prop.restored && greedy.restored) {
          bothRestore++;
          const least = prop.closedNotionalMicro < greedy.closedNotionalMicro ? prop : greedy;
          expect(plan.closedNotionalMicro, `${c.note}: least notional`).toBe(least.closedNotionalMicro);
        }
        // If nothing restores, the chosen plan ends with the higher equity − MM.
        if (!prop.restored && !greedy.restored && chosen !== null) {
          const m = (p: LiquidationPlan): bigint => p.after.equity - p.after.mm;
          const other = chosen === prop ? greedy : prop;
          if (other.method !== 'none') expect(m(chosen) >= m(other), `${c.note}: best margin`).toBe(true);
        }
      }),
      { seed: 20261125, numRuns: 60 },
    );
    // The generator must produce real work, or the properties above prove little.
    expect(planned).toBeGreaterThanOrEqual(50);
    expect(restored).toBeGreaterThanOrEqual(20);
    expect(bothRestore).toBeGreaterThanOrEqual(10);
  });
});
