import { describe, expect, it } from 'vitest';
import { HubStore, isStateError, MemoryKv, type StateView } from '../../../state/index.ts';

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const keysOf = (v: StateView, prefix: Uint8Array): number[][] => [...v.entries(prefix)].map(([k]) => [...k]);

async function storeWith(entries: [Uint8Array, Uint8Array][]): Promise<HubStore> {
  const s = await HubStore.open(new MemoryKv());
  const v = s.view();
  for (const [k, val] of entries) v.set(k, val);
  await s.commitBlock({ height: 0n, blockHash: b(0), blockBytes: b(), txs: [], changes: v.changes() });
  return s;
}

describe('OverlayView', () => {
  it('reads through to committed state and shadows it with writes and deletions', async () => {
    const s = await storeWith([
      [b(1), b(10)],
      [b(2), b(20)],
    ]);
    const v = s.view();
    expect(v.get(b(1))).toEqual(b(10));
    v.set(b(1), b(11));
    v.delete(b(2));
    v.set(b(3), b(30));
    expect(v.get(b(1))).toEqual(b(11));
    expect(v.get(b(2))).toBeUndefined();
    expect(v.get(b(3))).toEqual(b(30));
    // The committed state and other views are untouched.
    expect(s.get(b(1))).toEqual(b(10));
    expect(s.view().get(b(2))).toEqual(b(20));
  });

  it('nested checkpoints: revert restores the level, commit folds it into the one below', async () => {
    const s = await storeWith([[b(1), b(1)]]);
    const v = s.view();
    v.checkpoint();
    v.set(b(1), b(2));
    v.checkpoint();
    v.set(b(1), b(3));
    v.set(b(4), b(4));
    v.delete(b(1));
    v.revert();
    expect(v.get(b(1))).toEqual(b(2));
    expect(v.get(b(4))).toBeUndefined();
    v.checkpoint();
    v.set(b(5), b(5));
    v.commit();
    expect(v.get(b(5))).toEqual(b(5));
    // Reverting the outer level undoes what the inner commit folded into it.
    v.revert();
    expect(v.get(b(1))).toEqual(b(1));
    expect(v.get(b(5))).toBeUndefined();
    expect([...v.changes()]).toEqual([]);
  });

  it('commit and revert without a checkpoint, and changes() with one open, are STATE_VIEW_CHECKPOINT', async () => {
    const s = await storeWith([]);
    const v = s.view();
    for (const f of [() => v.commit(), () => v.revert()]) {
      expect(f).toThrow(expect.objectContaining({ code: 'STATE_VIEW_CHECKPOINT' }));
    }
    v.checkpoint();
    expect(() => v.changes()).toThrow(expect.objectContaining({ code: 'STATE_VIEW_CHECKPOINT' }));
  });

  it('entries(prefix) merges writes into committed keys in unsigned byte order', async () => {
    const s = await storeWith([
      [b(7), b(0)],
      [b(7, 0), b(0)],
      [b(7, 5), b(0)],
      [b(7, 255), b(0)],
      [b(8), b(0)],
      [b(6, 255), b(0)],
    ]);
    const v = s.view();
    v.set(b(7, 128), b(1));
    v.delete(b(7, 5));
    v.set(b(7, 0, 0), b(1));
    v.set(b(7, 0), b(2));
    expect(keysOf(v, b(7))).toEqual([[7], [7, 0], [7, 0, 0], [7, 128], [7, 255]]);
    expect([...v.entries(b(7, 0))].map(([, val]) => [...val])).toEqual([[2], [1]]);
    expect(keysOf(v, b())).toEqual([[6, 255], [7], [7, 0], [7, 0, 0], [7, 128], [7, 255], [8]]);
    expect(keysOf(v, b(9))).toEqual([]);
    // Reverting a checkpoint removes its keys from entries again.
    v.checkpoint();
    v.set(b(7, 1), b(1));
    expect(keysOf(v, b(7, 1))).toEqual([[7, 1]]);
    v.revert();
    expect(keysOf(v, b(7, 1))).toEqual([]);
  });

  it('changes() is sorted, net of no-op writes, and copies values at set time', async () => {
    const s = await storeWith([
      [b(1), b(1)],
      [b(2), b(2)],
    ]);
    const v = s.view();
    const val = b(9);
    v.set(b(3), val);
    val[0] = 0;
    v.set(b(1), b(1)); // same as committed
    v.delete(b(5)); // absent
    v.delete(b(2));
    v.set(b(0, 1), b(7));
    expect([...v.changes()].map(([k, x]) => [k, x === null ? null : [...x]])).toEqual([
      ['0001', [7]],
      ['02', null],
      ['03', [9]],
    ]);
  });

  it('a view is stale after the store commits: STATE_VIEW_STALE', async () => {
    const s = await storeWith([]);
    const old = s.view();
    const v = s.view();
    v.set(b(1), b(1));
    await s.commitBlock({ height: 1n, blockHash: b(1), blockBytes: b(), txs: [], changes: v.changes() });
    let err: unknown;
    try {
      old.get(b(1));
    } catch (e) {
      err = e;
    }
    expect(isStateError(err, 'STATE_VIEW_STALE')).toBe(true);
    expect(s.view().get(b(1))).toEqual(b(1));
  });
});
