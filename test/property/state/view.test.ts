import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubStore, MemoryKv } from '../../../state/index.ts';

// Model: the view as a plain Map copied at every checkpoint (a stack of snapshots).
type Op =
  | { t: 'set'; k: number[]; v: number[] }
  | { t: 'del'; k: number[] }
  | { t: 'cp' }
  | { t: 'commit' }
  | { t: 'revert' }
  | { t: 'entries'; p: number[] };

const arbKey = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 });
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('set' as const),
      k: arbKey,
      v: fc.array(fc.nat(255), { maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), k: arbKey }) },
  { weight: 2, arbitrary: fc.constant({ t: 'cp' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'commit' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'revert' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('entries' as const),
      p: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    }),
  },
);
const hex = (k: number[]): string => Buffer.from(k).toString('hex');

describe('OverlayView against a snapshot-stack model', () => {
  it('reads, entries and net changes agree after any op sequence; the committed root follows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(arbKey, fc.array(fc.nat(255), { maxLength: 3 })), { maxLength: 10 }),
        fc.array(arbOp, { maxLength: 60 }),
        async (initial, ops) => {
          const store = await HubStore.open(new MemoryKv());
          const v0 = store.view();
          const committed = new Map<string, number[]>();
          for (const [k, v] of initial) {
            v0.set(Uint8Array.from(k), Uint8Array.from(v));
            committed.set(hex(k), v);
          }
          await store.commitBlock({
            height: 0n,
            blockHash: Uint8Array.of(0),
            blockBytes: Uint8Array.of(),
            txs: [],
            changes: v0.changes(),
          });
          const view = store.view();
          let cur = new Map(committed);
          const stack: Map<string, number[]>[] = [];
          for (const op of ops) {
            if (op.t === 'set') {
              view.set(Uint8Array.from(op.k), Uint8Array.from(op.v));
              cur.set(hex(op.k), op.v);
            } else if (op.t === 'del') {
              view.delete(Uint8Array.from(op.k));
              cur.delete(hex(op.k));
            } else if (op.t === 'cp') {
              view.checkpoint();
              stack.push(new Map(cur));
            } else if (op.t === 'commit') {
              if (stack.length === 0) continue;
              view.commit();
              stack.pop();
            } else if (op.t === 'revert') {
              if (stack.length === 0) continue;
              view.revert();
              cur = stack.pop()!;
            } else {
              const want = [...cur]
                .filter(([k]) => k.startsWith(hex(op.p)))
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                .map(([k, v]) => [k, v]);
              const got = [...view.entries(Uint8Array.from(op.p))].map(([k, v]) => [hex([...k]), [...v]]);
              expect(got).toEqual(want);
            }
            for (const k of ['00', '01', '0203', '030303']) {
              const g = view.get(Buffer.from(k, 'hex'));
              expect(g === undefined ? undefined : [...g]).toEqual(cur.get(k));
            }
          }
          while (stack.length > 0) {
            view.commit();
            stack.pop();
          }
          const changes = view.changes();
          // Net changes: exactly the keys whose value differs from the committed state.
          const keys = new Set([...committed.keys(), ...cur.keys()]);
          const want = [...keys]
            .filter((k) => JSON.stringify(committed.get(k)) !== JSON.stringify(cur.get(k)))
            .sort()
            .map((k) => [k, cur.has(k) ? cur.get(k)! : null]);
          expect([...changes].map(([k, v]) => [k, v === null ? null : [...v]])).toEqual(want);
          await store.commitBlock({
            height: 1n,
            blockHash: Uint8Array.of(1),
            blockBytes: Uint8Array.of(),
            txs: [],
            changes,
          });
          expect([...store.view().entries(new Uint8Array())].map(([k, v]) => [hex([...k]), [...v]])).toEqual(
            [...cur].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          );
          expect((await store.verify()).ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
