/**
 * Property 4 (the margin cache's contract, chain/margin/cache.ts): after every block of a random
 * sequence (arbitraries.ts),
 *
 * - the node's cache, synced incrementally from each block's net changes, holds for every account
 *   exactly what a fresh `MarginCache` synced with `changes = undefined` on the same state at the
 *   same block time holds (bit-identical views and margin summaries, floats compared by their
 *   IEEE-754 bits); an account the node still lists but a rebuild does not must be empty with zero
 *   margin (a known divergence: an account that withdrew everything stays cached). Accounts that
 *   went bankrupt are left out of the comparison until the known bug of the end-block's re-sync is
 *   fixed (a balance created and seized within one block is not in the block's net changes, so the
 *   node keeps it in the cache);
 * - a second replica applying the same raw blocks without passing a cache (applyBlock then builds
 *   a fresh one from the pre-block state, the follower path) writes the same changes, receipts and
 *   end-block events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBridge } from '../../../chain/hyperlane/config.ts';
import { MarginCache } from '../../../chain/margin/cache.ts';
import { readMarginConfig } from '../../../chain/margin/config.ts';
import { runArb } from './arbitraries.ts';
import { expectSameOutcome } from './checks.ts';
import { canonical, Driver, harnessGenesis, Replica } from './harness.ts';

describe('margin cache = rebuild (fast-check)', () => {
  it('the incremental cache equals a full rebuild, and applyBlock without a cache writes the same state', () => {
    fc.assert(
      fc.property(runArb(25), (blocks) => {
        const { genesis, config } = harnessGenesis();
        const d = new Driver(genesis, config);
        const bare = new Replica(genesis, undefined);
        const node = d.primary.cache!;
        blocks.forEach((b, i) => {
          const label = `block ${i + 1}`;
          const s = d.step(b);
          expectSameOutcome(bare.apply(s.block), s.outcome, `${label} (no cache)`);
          const state = d.primary.state;
          const fresh = new MarginCache();
          fresh.sync(state, readMarginConfig(state)!, readBridge(state)!, s.block.timeMs, undefined);
          const rebuilt = new Set(fresh.ids());
          for (const id of fresh.ids()) {
            // KNOWN BUG (report: the end-block's re-sync after liquidations reads the block's net
            // changes, which miss a balance created and seized within the block): a bankrupt
            // account's entry may be stale. Compared for every other account.
            if (d.bankrupt.has(id)) continue;
            expect(canonical(node.get(id)), `${label}: account ${id}`).toBe(canonical(fresh.get(id)));
          }
          // Known divergence (reported): the node keeps an account whose portfolio became empty
          // (e.g. after withdrawing everything) where a rebuild lists none. Tolerated only while
          // that entry is empty with zero margin, i.e. what a rebuild would compute for it.
          for (const id of node.ids()) {
            if (rebuilt.has(id) || d.bankrupt.has(id)) continue;
            const c = node.get(id)!;
            const p = c.view.portfolio;
            expect(
              p.collateral.length + p.perps.length + p.options.length + p.lending.length,
              `${label}: account ${id} is cached with a portfolio but a rebuild does not list it`,
            ).toBe(0);
            expect(
              c.margin.ok && [c.margin.summary.equity, c.margin.summary.im, c.margin.summary.mm],
            ).toEqual([0n, 0n, 0n]);
          }
        });
      }),
      { seed: 0x5eed04, numRuns: 50, endOnFailure: false },
    );
  });
});
