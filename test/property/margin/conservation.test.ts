/**
 * Property 1 (issue 5 acceptance, "conservation after every block"): random block sequences of
 * deposits, confirmations, position reports, oracle moves and crashes, withdrawals (some invalid),
 * ACKs (executed, failed, cancelled, fast or final, repeated, from the wrong sender), links,
 * allowances, keeper liquidations, cancels and time jumps past every timeout. After every block:
 *
 * - every `conservation(state)` line balances (imbalance 0);
 * - the hub's view of each vault (final inflow − outflow) is ≥ 0, and ≤ what the vault holds on
 *   the simulated chain plus the releases it executed whose final ACK the hub has not seen yet
 *   (the model in harness.ts: deposits and realised gains paid in, executed releases paid out);
 * - no ledger balance is negative unless its holder traded (a realised loss or a liquidation
 *   penalty may leave a debt), withdrew, or is linked to an address that traded; the insurance
 *   fund never is.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { runArb } from './arbitraries.ts';
import { driveChecked, expectConserved } from './checks.ts';

describe('unified margin conservation (fast-check)', () => {
  it('holds after every block of random deposits, reports, prices, withdrawals, ACKs, links and time jumps', () => {
    fc.assert(
      fc.property(runArb(30), (blocks) => {
        driveChecked(blocks, expectConserved);
      }),
      { seed: 0x5eed01, numRuns: 60, endOnFailure: false },
    );
  });
});
