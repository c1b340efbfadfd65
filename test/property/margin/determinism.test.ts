/**
 * Property 5 (determinism): two worlds fed the same block sequence end in identical states. The
 * second world is built from a genesis made afresh (new objects, same content) and keeps its own
 * margin cache, which it drops at a random block (a node restart: the cache is derived state,
 * rebuilt from the committed state on the next block). Every block's net changes, receipts and
 * end-block events must be identical, and so must the whole committed state at the end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarginCache } from '../../../chain/margin/cache.ts';
import { runArb } from './arbitraries.ts';
import { expectSameOutcome } from './checks.ts';
import { Driver, harnessGenesis, Replica } from './harness.ts';

describe('unified margin determinism (fast-check)', () => {
  it('two worlds fed the same blocks (one restarting its cache) write identical changes every block', () => {
    fc.assert(
      fc.property(runArb(25), fc.nat(30), (blocks, restartAt) => {
        const first = harnessGenesis();
        const d = new Driver(first.genesis, first.config);
        const twin = new Replica(harnessGenesis().genesis, new MarginCache());
        blocks.forEach((b, i) => {
          const s = d.step(b);
          if (i === restartAt % blocks.length) twin.cache!.reset();
          expectSameOutcome(twin.apply(s.block), s.outcome, `block ${i + 1}`);
        });
        expect(twin.dump(), 'final state').toEqual(d.primary.dump());
      }),
      { seed: 0x5eed05, numRuns: 50, endOnFailure: false },
    );
  });
});
