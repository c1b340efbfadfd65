/**
 * Property 3 (issue 5 acceptance, "no sequence lets remote unrealised gains leave a vault"): a
 * trader deposits D USDC on origin A (final), opens a perp of random size and side on origin B,
 * realises a random loss L on B (final: B's balance goes to −L, paid to B's market), and the
 * oracle moves so that the position gains G ≥ 2·D (up to ≈ 40·D). Then:
 *
 * - the independent check (independent.ts) sees the gain in the equity with positions (≥ D − L + G
 *   less 1 USD) while the equity for withdrawals is exactly D − L: the gain counts for nothing;
 * - withdrawing all of D is refused with MARGIN_IM_UNMET, whatever G;
 * - with IM the kernel's requirement, D − L − IM + 1 USDC is refused and D − L − IM − 1 USDC
 *   (when positive) is paid: withdrawals are allowed exactly while IM holds without the gain;
 * - after the price moves 20 % further the same way (the gain and IM both grow), one more USDC is
 *   refused, and the independent check agrees that IM is not met by the cash;
 * - the total that left is at most D − L, and conservation holds after every block.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectConserved } from './checks.ts';
import { addressOf, type BlockSpec, Driver, E6, harnessGenesis, USERS } from './harness.ts';
import { independentMargin } from './independent.ts';

const USER = 0;
const usdc = (n: bigint) => n * E6;
const withdrawA = (amount: bigint): BlockSpec => ({
  actions: [{ k: 'withdraw', user: USER, dom: 0, tok: 0, amount: { kind: 'exact', amount } }],
  advanceMs: 0,
});

describe('remote unrealised gains never leave a vault (fast-check)', () => {
  it('a trader whose only equity beyond deposits is unrealised gain withdraws at most D − L − IM', () => {
    let paid = 0;
    fc.assert(
      fc.property(
        fc.record({
          deposit: fc.integer({ min: 1_000, max: 50_000 }),
          lossPermille: fc.integer({ min: 0, max: 250 }),
          short: fc.boolean(),
          // Price after the move, % of 3000: up for a long, down for a short.
          upPct: fc.constantFrom(400, 700, 1000),
          downPct: fc.constantFrom(10, 20),
          // Size as permille of the largest the deposit keeps above MM (≈ 17 % of notional at 3000).
          sizePermille: fc.integer({ min: 600, max: 1000 }),
        }),
        (p) => {
          const { genesis, config } = harnessGenesis();
          const d = new Driver(genesis, config);
          const D = BigInt(p.deposit);
          const L = (D * BigInt(p.lossPermille)) / 1000n;
          const movePct = p.short ? p.downPct - 100 : p.upPct - 100;
          // Gain per ETH after the move (USD); the size in tenths of ETH (one tenth is closed at
          // the loss), small enough that the account is not liquidated at 3000.
          const perEth = p.short
            ? (3000n * BigInt(100 - p.downPct)) / 100n
            : (3000n * BigInt(p.upPct - 100)) / 100n;
          const tenths = (BigInt(p.sizePermille) * 95n * (D - L) * 10n) / (1000n * 100n * 510n);
          fc.pre(tenths >= 2n);
          const G = ((tenths - 1n) * perEth) / 10n;
          fc.pre(G >= 2n * D);
          const step = (b: BlockSpec, label: string) => {
            const s = d.step(b);
            expectConserved(d, label);
            const liq = s.outcome.endEvents.filter((e) => e.type === 'margin.liquidation');
            expect(liq, `${label}: the scenario keeps the account above MM`).toEqual([]);
            return s;
          };
          step(
            {
              actions: [
                { k: 'oracle', movePct: 0 },
                {
                  k: 'deposit',
                  owner: USER,
                  dom: 0,
                  tok: 0,
                  units: Number(D * 10n),
                  tier: 'final',
                  hold: false,
                },
              ],
              advanceMs: 0,
            },
            'deposit',
          );
          const open = {
            k: 'position',
            owner: USER,
            dom: 1,
            tier: 'final',
            hold: false,
            short: p.short,
          } as const;
          step({ actions: [{ ...open, op: 'open', size: Number(tenths), pnl: 0 }], advanceMs: 0 }, 'open');
          step({ actions: [{ ...open, op: 'reduce', size: 1, pnl: -Number(L) }], advanceMs: 0 }, 'loss');
          step({ actions: [{ k: 'oracle', movePct }], advanceMs: 0 }, 'price move');

          const margin = () =>
            independentMargin(
              d.primary.state,
              d.primary.cache!.kernel!.arrays!,
              addressOf(USERS[USER]),
              d.timeMs,
            );
          const m = margin();
          expect(m.equity, 'equity for withdrawals = D − L (no unrealised gain)').toBe(usdc(D - L));
          expect(
            m.all.equity >= usdc(D - L + G) - usdc(1n),
            `equity with positions ${m.all.equity} shows the gain ${G}`,
          ).toBe(true);
          expect(m.reserved).toBe(0n);

          let out = 0n;
          const all = step(withdrawA(usdc(D)), 'withdraw all');
          expect(all.withdrawals[0]!.log).toMatch(/^MARGIN_IM_UNMET/);
          const free = m.equity - m.all.im;
          const over = step(withdrawA(free + usdc(1n)), 'withdraw above the edge');
          expect(over.withdrawals[0]!.ok, `free ${free} + 1 USDC: ${over.withdrawals[0]!.log}`).toBe(false);
          if (free > usdc(1n)) {
            const under = step(withdrawA(free - usdc(1n)), 'withdraw below the edge');
            expect(under.withdrawals[0]!.ok, `free ${free} − 1 USDC: ${under.withdrawals[0]!.log}`).toBe(
              true,
            );
            out += free - usdc(1n);
            paid++;
          }
          step({ actions: [{ k: 'oracle', movePct: p.short ? -20 : 20 }], advanceMs: 0 }, 'further move');
          const m2 = margin();
          const more = step(withdrawA(usdc(1n)), 'one more USDC');
          if (m2.cashOnly.equity - usdc(1n) < m2.all.im) {
            expect(more.withdrawals[0]!.log).toMatch(/^MARGIN_IM_UNMET/);
          } else {
            // A short's IM shrinks with the price: the move may free margin; then it is paid.
            expect(more.withdrawals[0]!.ok, more.withdrawals[0]!.log).toBe(true);
            out += usdc(1n);
          }
          expect(out <= usdc(D - L), `withdrawn ${out} ≤ D − L ${usdc(D - L)}`).toBe(true);
        },
      ),
      { seed: 0x5eed03, numRuns: 60, endOnFailure: false },
    );
    expect(paid, 'runs where a withdrawal below the edge was paid').toBeGreaterThan(10);
  });
});
