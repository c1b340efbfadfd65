import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStateError, type KvFaultPoint, type KvStore, LevelKv, MemoryKv } from '../../../state/index.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'umg-kv-'));
  dirs.push(d);
  return d;
}

type Factory = (faults?: (p: KvFaultPoint) => void) => Promise<KvStore>;
const factories: [string, Factory][] = [
  ['MemoryKv', async (faults) => new MemoryKv(faults !== undefined ? { faults } : {})],
  ['LevelKv', async (faults) => LevelKv.open(tmp(), faults !== undefined ? { faults } : {})],
];

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

async function collect(it: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const [k] of it) out.push([...k]);
  return out;
}

describe.each(factories)('%s implements KvStore', (_name, make) => {
  it('gets, getMany and absent keys', async () => {
    const kv = await make();
    await kv.write([
      { type: 'put', key: b(1), value: b(10) },
      { type: 'put', key: b(2), value: b(20, 21) },
    ]);
    expect(await kv.get(b(1))).toEqual(b(10));
    expect(await kv.get(b(3))).toBeUndefined();
    expect(await kv.getMany([b(2), b(3), b(1)])).toEqual([b(20, 21), undefined, b(10)]);
    expect(await kv.getMany([])).toEqual([]);
    await kv.close();
  });

  it('stores an empty value as present (not absent)', async () => {
    const kv = await make();
    await kv.write([{ type: 'put', key: b(4), value: b() }]);
    expect(await kv.get(b(4))).toEqual(b());
    expect(await kv.getMany([b(4)])).toEqual([b()]);
    expect(await collect(kv.iterate())).toEqual([[4]]);
    await kv.close();
  });

  it('applies a batch in order: a later op on the same key wins', async () => {
    const kv = await make();
    await kv.write([
      { type: 'put', key: b(5), value: b(1) },
      { type: 'del', key: b(5) },
      { type: 'put', key: b(6), value: b(1) },
      { type: 'put', key: b(6), value: b(2) },
      { type: 'del', key: b(7) },
    ]);
    expect(await kv.get(b(5))).toBeUndefined();
    expect(await kv.get(b(6))).toEqual(b(2));
    await kv.close();
  });

  it('does not alias the caller’s arrays', async () => {
    const kv = await make();
    const v = b(1, 2, 3);
    const k = b(9);
    await kv.write([{ type: 'put', key: k, value: v }]);
    v[0] = 99;
    k[0] = 8;
    expect(await kv.get(b(9))).toEqual(b(1, 2, 3));
    await kv.close();
  });

  it('iterates in unsigned byte order with every bound, reverse and limit', async () => {
    const kv = await make();
    const keys = [b(0), b(0, 0), b(0, 255), b(1), b(1, 0), b(127), b(128), b(255), b(255, 255)];
    await kv.write(keys.map((key, i) => ({ type: 'put' as const, key, value: b(i) })));
    const all = keys.map((k) => [...k]);
    expect(await collect(kv.iterate())).toEqual(all);
    expect(await collect(kv.iterate({ reverse: true }))).toEqual([...all].reverse());
    expect(await collect(kv.iterate({ gte: b(1), lt: b(128) }))).toEqual([[1], [1, 0], [127]]);
    expect(await collect(kv.iterate({ gt: b(1), lte: b(128) }))).toEqual([[1, 0], [127], [128]]);
    expect(await collect(kv.iterate({ gte: b(0, 0), lte: b(1), reverse: true }))).toEqual([
      [1],
      [0, 255],
      [0, 0],
    ]);
    expect(await collect(kv.iterate({ gt: b(0), lt: b(1), reverse: true }))).toEqual([
      [0, 255],
      [0, 0],
    ]);
    expect(await collect(kv.iterate({ limit: 2 }))).toEqual([[0], [0, 0]]);
    expect(await collect(kv.iterate({ limit: 2, reverse: true, lt: b(255) }))).toEqual([[128], [127]]);
    expect(await collect(kv.iterate({ limit: 0 }))).toEqual([]);
    expect(await collect(kv.iterate({ gte: b(200), lt: b(201) }))).toEqual([]);
    await kv.close();
  });

  it('iteration is a snapshot: writes during iteration are not seen', async () => {
    const kv = await make();
    await kv.write([1, 2, 3].map((i) => ({ type: 'put' as const, key: b(i), value: b(i) })));
    const seen: number[] = [];
    for await (const [k] of kv.iterate()) {
      seen.push(k[0]!);
      if (k[0] === 1)
        await kv.write([
          { type: 'put', key: b(2, 5), value: b(0) },
          { type: 'del', key: b(3) },
        ]);
    }
    expect(seen).toEqual([1, 2, 3]);
    await kv.close();
  });

  it('calls the fault hook around a write; a throw before the write leaves the store unchanged', async () => {
    const points: KvFaultPoint[] = [];
    let failBefore = false;
    const kv = await make((p) => {
      points.push(p);
      if (failBefore && p === 'beforeWrite') throw new Error('injected crash');
    });
    await kv.write([{ type: 'put', key: b(1), value: b(1) }], { sync: true });
    expect(points).toEqual(['beforeWrite', 'afterWrite']);
    failBefore = true;
    await expect(
      kv.write([
        { type: 'put', key: b(1), value: b(2) },
        { type: 'put', key: b(2), value: b(2) },
      ]),
    ).rejects.toThrow('injected crash');
    expect(await kv.get(b(1))).toEqual(b(1));
    expect(await kv.get(b(2))).toBeUndefined();
    await kv.close();
  });

  it('refuses calls after close with STATE_CLOSED', async () => {
    const kv = await make();
    await kv.close();
    await expect(kv.get(b(1))).rejects.toSatisfy((e: unknown) => isStateError(e, 'STATE_CLOSED'));
  });
});

describe('LevelKv durability', () => {
  it('keeps synced writes across close and reopen', async () => {
    const dir = tmp();
    const a = await LevelKv.open(dir);
    await a.write([{ type: 'put', key: b(1, 2), value: b(3) }], { sync: true });
    await a.close();
    const c = await LevelKv.open(dir);
    expect(await c.get(b(1, 2))).toEqual(b(3));
    expect(await collect(c.iterate())).toEqual([[1, 2]]);
    await c.close();
  });
});
