/**
 * fast-check generators of unified-margin block sequences for the property tests: a setup block
 * (an oracle update and a few final deposits), then blocks of random actions — deposits (fast or
 * final, several tokens and domains, linked or unlinked depositors, some held back and relayed
 * late), confirmations of random subsets, position reports (open, increase, reduce, flip, close,
 * with random realised P&L, fast or final), oracle moves including crashes, withdrawals (random
 * fractions of the balance, some invalid), ACKs (executed, failed, cancelled, fast or final,
 * repeated, from the wrong sender), links of new EVM addresses, allowances, keeper liquidations,
 * cancels — and time jumps past the origins' timeouts, the stall halt and the settlement expiry.
 */
import fc from 'fast-check';
import type { Action, BlockSpec } from './harness.ts';

const tier = fc.constantFrom('fast' as const, 'final' as const);
const held = fc.constantFrom(false, false, false, false, true);

/** Options of the generators. */
export interface ArbOpts {
  /** Concentrate on traders 0 and 1 and extra address 4 (more withdrawals against open positions). */
  readonly focus?: boolean;
}

// Mostly the traders' own addresses (0–3), sometimes an unlinked one (4, 5).
const ownerOf = (o: ArbOpts) =>
  o.focus ? fc.constantFrom(0, 1, 0, 1, 4) : fc.constantFrom(0, 1, 2, 3, 0, 1, 2, 3, 4, 5);
const userOf = (o: ArbOpts) => (o.focus ? fc.nat(1) : fc.nat(3));

const deposit = (tiers: fc.Arbitrary<'fast' | 'final'>, o: ArbOpts) =>
  fc.record({
    k: fc.constant('deposit' as const),
    owner: ownerOf(o),
    dom: fc.nat(1),
    tok: fc.constantFrom(0, 0, 0, 1, 2),
    // Tenths of a USDC (WETH: the same USD value at ≈ 3000).
    units: fc.constantFrom(5, 500, 10_000, 50_000, 100_000, 300_000),
    tier: tiers,
    hold: fc.constant(false),
  });

/** One random action. */
export const actionArb = (o: ArbOpts = {}): fc.Arbitrary<Action> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: deposit(tier, o).chain((d) => held.map((hold) => ({ ...d, hold }))),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        k: fc.constant('position' as const),
        owner: ownerOf(o),
        dom: fc.nat(1),
        op: fc.constantFrom(
          'open' as const,
          'increase' as const,
          'reduce' as const,
          'flip' as const,
          'close' as const,
        ),
        size: fc.constantFrom(1, 5, 10, 30, 100, 200),
        short: fc.boolean(),
        pnl: fc.oneof(fc.constant(0), fc.integer({ min: -3000, max: 3000 })),
        tier,
        hold: held,
      }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('relay' as const), pick: fc.nat(1000), tier }) },
    {
      weight: 3,
      arbitrary: fc.record({ k: fc.constant('confirm' as const), dom: fc.nat(1), mask: fc.nat(255) }),
    },
    {
      weight: o.focus ? 6 : 3,
      arbitrary: fc.record({
        k: fc.constant('oracle' as const),
        movePct: fc.constantFrom(0, 0, 1, -1, 3, -3, 10, -10, 25, -25, -40, 60, -60, -80),
      }),
    },
    {
      weight: o.focus ? 8 : 4,
      arbitrary: fc.record({
        k: fc.constant('withdraw' as const),
        user: userOf(o),
        dom: fc.nat(1),
        tok: fc.constantFrom(0, 0, 0, 1, 2),
        amount: fc.oneof(
          {
            weight: 8,
            arbitrary: fc.record({
              kind: fc.constant('frac' as const),
              ppm: fc.constantFrom(10_000, 300_000, 700_000, 900_000, 1_000_000, 1_000_000, 1_010_000),
            }),
          },
          {
            weight: o.focus ? 8 : 2,
            arbitrary: fc.record({
              kind: fc.constant('free' as const),
              ppm: fc.constantFrom(500_000, 900_000, 990_000, 1_000_000, 1_000_000, 1_001_000, 1_100_000),
            }),
          },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('zero' as const) }) },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('badRecipient' as const) }) },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('badDomain' as const) }) },
        ),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant('ack' as const),
        pick: fc.nat(1000),
        status: fc.constantFrom(
          'EXECUTED' as const,
          'EXECUTED' as const,
          'EXECUTED' as const,
          'FAILED' as const,
          'CANCELLED' as const,
        ),
        tier,
        wrong: fc.constantFrom(
          'none' as const,
          'none' as const,
          'none' as const,
          'none' as const,
          'none' as const,
          'kind' as const,
          'origin' as const,
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant('link' as const), user: userOf(o), extra: fc.nat(1) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('allowance' as const),
        user: userOf(o),
        dom: fc.nat(1),
        owner: ownerOf(o),
        usd: fc.constantFrom(0, 100, 1000, 10_000, 100_000),
      }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('liquidate' as const), target: fc.nat(3) }) },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant('cancel' as const), user: userOf(o), pick: fc.nat(100) }),
    },
  );

/** Block-time jumps (ms beyond the usual 1 s): past the stall halt (60 s), B's and A's timeouts
 * (120 s, 180 s), liquidation staleness (300 s) and the settlement expiry (600 s). */
const advance = fc.constantFrom(
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  20_000,
  65_000,
  125_000,
  190_000,
  400_000,
  700_000,
);

/** One block of random actions. */
export const blockArb = (o: ArbOpts = {}): fc.Arbitrary<BlockSpec> =>
  fc.record({
    actions: fc.array(actionArb(o), { minLength: 0, maxLength: 5, size: 'max' }),
    advanceMs: advance,
  });

/** A whole run: the setup block (oracle; final USDC deposits of every trader on both origins, some
 * empty) then `1..maxBlocks` random blocks. */
export function runArb(maxBlocks = 30, o: ArbOpts = {}): fc.Arbitrary<BlockSpec[]> {
  const amounts = fc.array(fc.constantFrom(0, 10_000, 50_000, 100_000, 300_000), {
    minLength: 8,
    maxLength: 8,
  });
  return fc
    .tuple(amounts, fc.array(blockArb(o), { minLength: 1, maxLength: maxBlocks, size: 'max' }))
    .map(([units, blocks]) => {
      const deposits: Action[] = [];
      units.forEach((u, i) => {
        if (u > 0)
          deposits.push({
            k: 'deposit',
            owner: i % 4,
            dom: i >> 2,
            tok: 0,
            units: u,
            tier: 'final',
            hold: false,
          });
      });
      return [{ actions: [{ k: 'oracle' as const, movePct: 0 }, ...deposits], advanceMs: 0 }, ...blocks];
    });
}
