import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SORTED_CHUNK_MAX, SortedKeys } from '../../../state/sortedKeys.ts';

// Model: a plain sorted array. Keys are short hex strings so collisions and prefixes are common.
const arbHexKey = fc.uint8Array({ minLength: 0, maxLength: 3 }).map((b) => Buffer.from(b).toString('hex'));

describe('SortedKeys against a sorted-array model', () => {
  it('insert, delete, has and every range scan agree with the model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), arbHexKey), { maxLength: 400 }),
        arbHexKey,
        arbHexKey,
        (ops, a, b) => {
          const s = new SortedKeys();
          const model = new Set<string>();
          for (const [ins, k] of ops) {
            if (ins) expect(s.insert(k)).toBe(!model.has(k));
            else expect(s.delete(k)).toBe(model.has(k));
            if (ins) model.add(k);
            else model.delete(k);
          }
          const sorted = [...model].sort();
          expect(s.size).toBe(sorted.length);
          expect([...s.ascending()]).toEqual(sorted);
          expect([...s.descending()]).toEqual([...sorted].reverse());
          const [lo, hi] = a < b ? [a, b] : [b, a];
          expect([...s.ascending(lo, hi)]).toEqual(sorted.filter((k) => k >= lo && k < hi));
          expect([...s.descending(hi, lo)]).toEqual(sorted.filter((k) => k >= lo && k < hi).reverse());
          expect([...s.ascending(lo)]).toEqual(sorted.filter((k) => k >= lo));
          expect([...s.descending(hi)]).toEqual(sorted.filter((k) => k < hi).reverse());
          for (const k of [a, b]) expect(s.has(k)).toBe(model.has(k));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('splits chunks and stays ordered across many inserts and deletes', () => {
    const s = new SortedKeys();
    const n = SORTED_CHUNK_MAX * 5;
    const keys = Array.from({ length: n }, (_, i) => ((i * 7919) % n).toString(16).padStart(6, '0'));
    for (const k of keys) s.insert(k);
    for (const k of keys.slice(0, n / 2)) s.delete(k);
    const expected = keys.slice(n / 2).sort();
    expect([...s.ascending()]).toEqual(expected);
    expect([...s.descending()]).toEqual([...expected].reverse());
    const built = SortedKeys.fromSorted(expected);
    expect([...built.ascending(expected[100], expected[2000])]).toEqual(expected.slice(100, 2000));
  });
});
