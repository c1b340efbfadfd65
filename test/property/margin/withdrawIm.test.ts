/**
 * Property 2 (issue 5 acceptance, "no sequence of messages lets a withdrawal leave IM unmet"):
 * random block sequences concentrated on two traders and one extra address (arbitraries.ts,
 * `focus`), withdrawals placed last in their block. The margin end-block is wrapped so that, right
 * after the block's txs and before anything of the end-block runs, every account that sent a
 * withdrawal in the block is evaluated by the independent check (independent.ts) under the risk
 * arrays the STF used for the block (the cache's, from the block's start). After the block, for
 * every withdrawal that succeeded: equity for withdrawals (provisional collateral and unrealised
 * gains left out) ≥ IM + reserved allowance. And the converse, where it can be stated exactly (a
 * USDC withdrawal: at par, no haircut): a withdrawal refused with MARGIN_IM_UNMET asked for more
 * than the independent free margin (± 2 µUSD of rounding). Withdrawal amounts are drawn partly as
 * fractions (50 %–110 %) of that free margin, so both sides of the edge are hit; the run ends by
 * asserting that enough withdrawals, with open positions, passed and were refused.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { bytesToHex } from '../../../bridge/index.ts';
import type * as EndBlock from '../../../chain/margin/endBlock.ts';
import type { StateView } from '../../../state/types.ts';
import { runArb } from './arbitraries.ts';
import { expectConserved } from './checks.ts';
import { addressOf, Driver, harnessGenesis, SETTLEMENT_TOKEN, type Step, USERS } from './harness.ts';
import { type IndependentMargin, independentMargin } from './independent.ts';

const hook = vi.hoisted(() => ({
  before: undefined as undefined | ((state: StateView, ctx: EndBlock.MarginEndBlockContext) => void),
}));

vi.mock('../../../chain/margin/endBlock.ts', async (importOriginal) => {
  const real = await importOriginal<typeof EndBlock>();
  return {
    ...real,
    applyMarginEndBlock: (state: StateView, ctx: EndBlock.MarginEndBlockContext) => {
      hook.before?.(state, ctx);
      real.applyMarginEndBlock(state, ctx);
    },
  };
});

const addressOfUser = (u: number) => addressOf(USERS[u]!);
/** True when the same account has a successful withdrawal after `w` in the block. */
const laterSuccess = (ws: Step['withdrawals'], w: Step['withdrawals'][number]) =>
  ws.slice(ws.indexOf(w) + 1).some((x) => x.ok && x.account === w.account);

describe('withdrawals never leave IM unmet (fast-check)', () => {
  it('after every successful MsgWithdraw, independent equity for withdrawals ≥ IM + reserved allowance', () => {
    let checked = 0;
    let withPositions = 0;
    let refusedForIm = 0;
    let refusedChecked = 0;
    fc.assert(
      fc.property(runArb(30, { focus: true }), (blocks) => {
        const { genesis, config } = harnessGenesis();
        const d = new Driver(genesis, config);
        blocks.forEach((b, i) => {
          const label = `block ${i + 1}`;
          const withdrawers = new Set(
            b.actions.filter((a) => a.k === 'withdraw').map((a) => (a.k === 'withdraw' ? a.user % 4 : 0)),
          );
          const seen = new Map<string, IndependentMargin | string>();
          hook.before = (state, ctx) => {
            const arrays = ctx.cache.kernel?.arrays ?? null;
            for (const u of withdrawers) {
              const id = Buffer.from(addressOfUser(u)).toString('hex');
              seen.set(
                id,
                arrays === null
                  ? 'no arrays'
                  : independentMargin(state, arrays, addressOfUser(u), ctx.timeMs),
              );
            }
          };
          let step: ReturnType<Driver['step']>;
          try {
            step = d.step(b);
          } finally {
            hook.before = undefined;
          }
          for (const w of step.withdrawals) {
            if (!w.ok) {
              if (!w.log.startsWith('MARGIN_IM_UNMET')) continue;
              refusedForIm++;
              // The other direction, for USDC (at par, no haircut: 1 atomic unit = 1 µUSD of
              // equity): a refusal means the amount exceeded the free margin. Nothing moved for
              // that account after the refusal, so the state at the end of the txs is the one
              // the STF saw (up to its own later withdrawals in the block, which only lower it).
              const m = seen.get(w.account);
              const usdc = bytesToHex(w.msg.token) === SETTLEMENT_TOKEN[w.msg.domain];
              if (typeof m === 'object' && usdc && !laterSuccess(step.withdrawals, w)) {
                const free = m.equity - m.imEff;
                expect(
                  BigInt(w.msg.amount) > free - 2n,
                  `${label}: ${w.account}'s withdrawal of ${w.msg.amount} refused for IM though free margin is ${free} µUSD`,
                ).toBe(true);
                refusedChecked++;
              }
              continue;
            }
            const m = seen.get(w.account);
            expect(typeof m, `${label}: ${w.account} withdrew with no risk arrays (${String(m)})`).toBe(
              'object',
            );
            const r = m as IndependentMargin;
            checked++;
            if (r.portfolio.perps.length > 0) withPositions++;
            expect(
              r.equity >= r.imEff,
              `${label}: after ${w.account}'s withdrawal equity for withdrawals ${r.equity} µUSD < IM ${r.all.im} + reserved ${r.reserved} µUSD (equity with positions ${r.all.equity}, cash alone ${r.cashOnly.equity})`,
            ).toBe(true);
          }
          expectConserved(d, label);
        });
      }),
      { seed: 0x5eed02, numRuns: 60, endOnFailure: false },
    );
    // The property is not vacuous: withdrawals against open positions passed and others were refused for IM.
    expect(checked, 'successful withdrawals checked').toBeGreaterThan(100);
    expect(withPositions, 'successful withdrawals with open positions').toBeGreaterThan(20);
    expect(refusedForIm, 'withdrawals refused for IM').toBeGreaterThan(10);
    expect(refusedChecked, 'USDC refusals checked against the free margin').toBeGreaterThan(10);
  });
});
