import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CommitTx,
  HubStore,
  isStateError,
  KEY_PREFIX,
  type KvStore,
  LevelKv,
  MemoryKv,
  type StateChanges,
  StateError,
  verifyProof,
} from '../../../state/index.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'umg-store-'));
  dirs.push(d);
  return d;
};

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const sha = (x: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(x).digest());
const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function tx(n: number, senders: string[]): CommitTx {
  const txBytes = enc(`tx-${n}`);
  return { hash: sha(txBytes), senders, txBytes, resultBytes: enc(`ok-${n}`) };
}

async function commit(
  s: HubStore,
  height: bigint,
  writes: [Uint8Array, Uint8Array | null][],
  txs: CommitTx[] = [],
  extra: [Uint8Array, Uint8Array][] = [],
): Promise<Uint8Array> {
  const v = s.view();
  for (const [k, val] of writes) {
    if (val === null) v.delete(k);
    else v.set(k, val);
  }
  return s.commitBlock({
    height,
    blockHash: sha(enc(`block-${height}`)),
    blockBytes: enc(`block-${height}`),
    txs,
    changes: v.changes(),
    extra,
  });
}

async function expectStateError(p: Promise<unknown> | (() => unknown), code: string): Promise<StateError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(StateError);
  expect((err as StateError).code).toBe(code);
  return err as StateError;
}

describe.each([
  ['MemoryKv', async (): Promise<KvStore> => new MemoryKv()],
  ['LevelKv', async (): Promise<KvStore> => LevelKv.open(tmp())],
])('HubStore on %s', (_name, makeKv) => {
  it('starts empty at height 0 with the zero root', async () => {
    const s = await HubStore.open(await makeKv());
    expect(s.initialized).toBe(false);
    expect(s.height).toBe(0n);
    expect(s.root).toEqual(new Uint8Array(32));
    expect(await s.rootAt(0n)).toBeUndefined();
    await s.close();
  });

  it('commits blocks, txs, receipts and indexes, and reads them back', async () => {
    const s = await HubStore.open(await makeKv());
    await commit(s, 0n, [[enc('genesis'), b(1)]], [], [[enc('node'), b(0)]]);
    const t1 = tx(1, ['umg1alice']);
    const t2 = tx(2, ['umg1bob', 'umg1alice', 'umg1alice']);
    const root1 = await commit(s, 1n, [[enc('a'), b(1)]], [t1, t2], [[enc('node'), b(1)]]);
    expect(s.height).toBe(1n);
    expect(s.root).toEqual(root1);
    expect(await s.getBlock(1n)).toEqual(enc('block-1'));
    expect(await s.getBlock(2n)).toBeUndefined();
    expect(await s.getBlockHeightByHash(sha(enc('block-1')))).toBe(1n);
    expect(await s.getBlockHeightByHash(sha(enc('nope')))).toBeUndefined();
    const got = await s.getTx(t2.hash);
    expect(got).toEqual({
      hash: t2.hash,
      height: 1n,
      index: 1,
      txBytes: t2.txBytes,
      resultBytes: t2.resultBytes,
    });
    expect(await s.getTx(sha(enc('missing')))).toBeUndefined();
    expect(await s.getExtra(enc('node'))).toEqual(b(1));
    expect(await s.getExtra(enc('other'))).toBeUndefined();
    // A sender listed twice in one tx is indexed once.
    const alice = await s.txsBySender('umg1alice', { page: 1, perPage: 10, order: 'asc' });
    expect(alice.total).toBe(2);
    expect(alice.txs.map((t) => t.index)).toEqual([0, 1]);
    await s.close();
  });

  it('paginates a sender’s txs oldest or newest first with the total count', async () => {
    const s = await HubStore.open(await makeKv());
    let n = 0;
    for (let h = 0n; h < 5n; h++) {
      const txs = [tx(n++, ['umg1x']), tx(n++, ['umg1y']), tx(n++, ['umg1x'])];
      await commit(s, h, [[enc(`k${h}`), b(Number(h))]], txs);
    }
    const all = await s.txsBySender('umg1x', { page: 1, perPage: 100, order: 'asc' });
    expect(all.total).toBe(10);
    const order = all.txs.map((t) => `${t.height}:${t.index}`);
    expect(order).toEqual(['0:0', '0:2', '1:0', '1:2', '2:0', '2:2', '3:0', '3:2', '4:0', '4:2']);
    const p2 = await s.txsBySender('umg1x', { page: 2, perPage: 3, order: 'desc' });
    expect(p2.total).toBe(10);
    expect(p2.txs.map((t) => `${t.height}:${t.index}`)).toEqual(['3:0', '2:2', '2:0']);
    const last = await s.txsBySender('umg1x', { page: 4, perPage: 3, order: 'asc' });
    expect(last.txs.map((t) => `${t.height}:${t.index}`)).toEqual(['4:2']);
    expect((await s.txsBySender('umg1x', { page: 5, perPage: 3, order: 'asc' })).txs).toEqual([]);
    // A sender whose name is a prefix of another's does not see the other's txs.
    expect((await s.txsBySender('umg1', { page: 1, perPage: 10, order: 'asc' })).total).toBe(0);
    for (const bad of [
      { page: 0, perPage: 1 },
      { page: 1, perPage: 0 },
      { page: 1, perPage: 1001 },
      { page: 1.5, perPage: 1 },
    ]) {
      await expectStateError(s.txsBySender('umg1x', { ...bad, order: 'asc' }), 'STATE_BAD_ARGUMENT');
    }
    await s.close();
  });

  it('serves historical values, roots and proofs for every height', async () => {
    const s = await HubStore.open(await makeKv());
    const history: Map<string, Uint8Array>[] = [];
    const model = new Map<string, Uint8Array>();
    for (let h = 0n; h < 6n; h++) {
      const writes: [Uint8Array, Uint8Array | null][] = [
        [enc('counter'), b(Number(h))],
        [enc(`k${h}`), b(Number(h), 1)],
      ];
      if (h >= 2n) writes.push([enc(`k${h - 2n}`), null]);
      await commit(s, h, writes);
      for (const [k, v] of writes) {
        if (v === null) model.delete(hex(k));
        else model.set(hex(k), v);
      }
      history.push(new Map(model));
    }
    for (let h = 0; h < 6; h++) {
      const root = (await s.rootAt(BigInt(h)))!;
      for (const name of ['counter', 'k0', 'k3', 'k5', 'never']) {
        const key = enc(name);
        const expected = history[h]!.get(hex(key));
        expect(await s.getAt(key, BigInt(h)), `${name} at ${h}`).toEqual(expected);
        const p = await s.proof(key, BigInt(h));
        expect(p.value).toEqual(expected);
        expect(p.root).toEqual(root);
        expect(verifyProof(root, key, expected, p.proof), `${name} at ${h}`).toBe(true);
      }
    }
    const cur = await s.proof(enc('counter'));
    expect(cur.height).toBe(5n);
    expect(verifyProof(s.root, enc('counter'), b(5), cur.proof)).toBe(true);
    await expectStateError(s.getAt(enc('counter'), 6n), 'STATE_HEIGHT_RANGE');
    await expectStateError(s.proof(enc('counter'), -1n), 'STATE_HEIGHT_RANGE');
    expect(await s.rootAt(6n)).toBeUndefined();
    await s.close();
  });

  it('refuses out-of-sequence heights, a wrong root and bad change keys, leaving state unchanged', async () => {
    const s = await HubStore.open(await makeKv());
    await commit(s, 3n, [[b(1), b(1)]]);
    const root = s.root;
    await expectStateError(commit(s, 5n, [[b(2), b(2)]]), 'STATE_HEIGHT_SEQUENCE');
    await expectStateError(commit(s, 3n, [[b(2), b(2)]]), 'STATE_HEIGHT_SEQUENCE');
    const v = s.view();
    v.set(b(2), b(2));
    await expectStateError(
      s.commitBlock({
        height: 4n,
        blockHash: b(4),
        blockBytes: b(),
        txs: [],
        changes: v.changes(),
        root: new Uint8Array(32),
      }),
      'STATE_ROOT_MISMATCH',
    );
    const badKeys: StateChanges = new Map([['0A', b(1)]]);
    await expectStateError(
      s.commitBlock({ height: 4n, blockHash: b(4), blockBytes: b(), txs: [], changes: badKeys }),
      'STATE_BAD_HEX',
    );
    expect(s.root).toEqual(root);
    expect(s.height).toBe(3n);
    expect(s.get(b(2))).toBeUndefined();
    // The view is still usable and the same changes commit at the right height.
    const r = s.computeRoot(v.changes());
    expect(
      await s.commitBlock({
        height: 4n,
        blockHash: b(4),
        blockBytes: b(),
        txs: [],
        changes: v.changes(),
        root: r,
      }),
    ).toEqual(r);
    expect(s.get(b(2))).toEqual(b(2));
    await s.close();
  });

  it('computeRoot predicts commitBlock’s root without changing the store', async () => {
    const s = await HubStore.open(await makeKv());
    await commit(s, 0n, [[b(1), b(1)]]);
    const v = s.view();
    v.set(b(2), b(2));
    v.delete(b(1));
    const changes = v.changes();
    const predicted = s.computeRoot(changes);
    expect(s.root).not.toEqual(predicted);
    expect(s.get(b(1))).toEqual(b(1));
    // A second, different computation discards the first; commit still gives the right root.
    const other = s.view();
    other.set(b(9), b(9));
    s.computeRoot(other.changes());
    expect(await s.commitBlock({ height: 1n, blockHash: b(1), blockBytes: b(), txs: [], changes })).toEqual(
      predicted,
    );
    await s.close();
  });

  it('an empty value and an empty key are state like any other', async () => {
    const s = await HubStore.open(await makeKv());
    await commit(s, 0n, [
      [b(), b(1)],
      [b(1), b()],
    ]);
    expect(s.get(b())).toEqual(b(1));
    expect(s.get(b(1))).toEqual(b());
    const p = await s.proof(b(1));
    expect(p.value).toEqual(b());
    expect(verifyProof(s.root, b(1), b(), p.proof)).toBe(true);
    expect(verifyProof(s.root, b(1), undefined, p.proof)).toBe(false);
    expect((await s.verify()).ok).toBe(true);
    await s.close();
  });

  it('a changes map altered after computeRoot is recomputed at commit, not served stale', async () => {
    const s = await HubStore.open(await makeKv());
    await commit(s, 0n, [[b(1), b(1)]]);
    const changes = new Map<string, Uint8Array | null>([['02', b(2)]]);
    const before = s.computeRoot(changes);
    changes.set('03', b(3));
    const root = await s.commitBlock({ height: 1n, blockHash: b(1), blockBytes: b(), txs: [], changes });
    expect(root).not.toEqual(before);
    expect(s.get(b(3))).toEqual(b(3));
    expect((await s.verify()).ok).toBe(true);
    await s.close();
  });

  it('verify() recomputes the root from stored values alone', async () => {
    const s = await HubStore.open(await makeKv());
    for (let h = 0n; h < 4n; h++)
      await commit(s, h, [
        [enc(`k${h}`), b(1)],
        [enc('x'), b(Number(h))],
      ]);
    const r = await s.verify();
    expect(r).toMatchObject({ ok: true, height: 3n, keys: 5 });
    expect(r.computedRoot).toEqual(s.root);
    await s.close();
  });
});

describe('recovery', () => {
  it('reopening a LevelDB store yields the same height, root, state and historical reads', async () => {
    const dir = tmp();
    const s = await HubStore.open(await LevelKv.open(dir));
    for (let h = 0n; h < 8n; h++) {
      await commit(s, h, [
        [enc(`k${h % 3n}`), b(Number(h))],
        [enc(`n${h}`), enc('v'.repeat(Number(h)))],
        ...(h > 4n ? ([[enc(`n${h - 4n}`), null]] as [Uint8Array, null][]) : []),
      ]);
    }
    const before = {
      height: s.height,
      root: s.root,
      entries: [...s.view().entries(b())],
      hash: s.lastBlockHash,
    };
    const oldProof = await s.proof(enc('n2'), 3n);
    await s.close();
    const r = await HubStore.open(await LevelKv.open(dir));
    expect(r.height).toBe(before.height);
    expect(r.root).toEqual(before.root);
    expect(r.lastBlockHash).toEqual(before.hash);
    expect([...r.view().entries(b())]).toEqual(before.entries);
    const again = await r.proof(enc('n2'), 3n);
    expect(again).toEqual(oldProof);
    expect((await r.verify()).ok).toBe(true);
    // And it continues from there.
    await commit(r, 8n, [[enc('after'), b(1)]]);
    expect(r.height).toBe(8n);
    await r.close();
  });

  it('a batch that never reaches the store leaves the previous block; the store must be reopened', async () => {
    let crash = false;
    const kv = new MemoryKv({
      faults: (p) => {
        if (crash && p === 'beforeWrite') throw new Error('power cut');
      },
    });
    const s = await HubStore.open(kv);
    await commit(s, 0n, [[b(1), b(1)]], [tx(0, ['umg1a'])]);
    const root0 = s.root;
    crash = true;
    const err = await expectStateError(
      commit(s, 1n, [[b(2), b(2)]], [tx(1, ['umg1a'])]),
      'STATE_STORE_BROKEN',
    );
    expect(err.message).toContain('power cut');
    // Memory did not move, and further use asks for a reopen.
    expect(s.root).toEqual(root0);
    expect(() => s.view()).toThrow(expect.objectContaining({ code: 'STATE_STORE_BROKEN' }));
    crash = false;
    const r = await HubStore.open(kv);
    expect(r.height).toBe(0n);
    expect(r.root).toEqual(root0);
    expect(r.get(b(2))).toBeUndefined();
    expect(await r.getTx(tx(1, []).hash)).toBeUndefined();
    expect((await r.txsBySender('umg1a', { page: 1, perPage: 10, order: 'asc' })).total).toBe(1);
    expect(await r.getBlock(1n)).toBeUndefined();
    await commit(r, 1n, [[b(2), b(2)]]);
    expect(r.get(b(2))).toEqual(b(2));
  });

  it('a write that fails after reaching disk is visible on reopen (the batch is the commit point)', async () => {
    let crashAfter = false;
    const kv = new MemoryKv({
      faults: (p) => {
        if (crashAfter && p === 'afterWrite') throw new Error('killed after fsync');
      },
    });
    const s = await HubStore.open(kv);
    await commit(s, 0n, [[b(1), b(1)]]);
    crashAfter = true;
    await expectStateError(commit(s, 1n, [[b(2), b(2)]]), 'STATE_STORE_BROKEN');
    crashAfter = false;
    const r = await HubStore.open(kv);
    expect(r.height).toBe(1n);
    expect(r.get(b(2))).toEqual(b(2));
  });

  it('detects a store without meta but with records, and a tampered tree record', async () => {
    const kv = new MemoryKv();
    await kv.write([{ type: 'put', key: b(KEY_PREFIX.STATE, 1), value: b(1) }]);
    await expectStateError(HubStore.open(kv), 'STATE_CORRUPT');

    const kv2 = new MemoryKv();
    const s = await HubStore.open(kv2);
    await commit(s, 0n, [
      [b(1), b(1)],
      [b(2), b(2)],
      [b(3), b(3)],
    ]);
    // Flip one byte of the last record of the first tree chunk (height 0, chunk 0).
    const key = Uint8Array.of(KEY_PREFIX.TREE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const chunk = (await kv2.get(key))!.slice();
    chunk[chunk.length - 1]! ^= 1;
    await kv2.write([{ type: 'put', key, value: chunk }]);
    const err = await expectStateError(HubStore.open(kv2), 'STATE_CORRUPT');
    expect(isStateError(err)).toBe(true);
  });

  it('verify() reports a stored value that no longer matches the root', async () => {
    const kv = new MemoryKv();
    const s = await HubStore.open(kv);
    await commit(s, 0n, [
      [b(1), b(1)],
      [b(2), b(2)],
    ]);
    await kv.write([{ type: 'put', key: b(KEY_PREFIX.STATE, 2), value: b(3) }]);
    const r = await s.verify();
    expect(r.ok).toBe(false);
    expect(r.computedRoot).not.toEqual(r.storedRoot);
  });
});

describe('tree snapshot at close', () => {
  // A key-value store that survives close(), to reopen the same memory store.
  const reopenable = (kv: MemoryKv): KvStore => ({
    get: (k) => kv.get(k),
    getMany: (k) => kv.getMany(k),
    write: (ops, o) => kv.write(ops, o),
    iterate: (o) => kv.iterate(o),
    close: async () => {},
  });

  it('a clean close lets the next open load the snapshot; later commits and historical reads agree with a walk', async () => {
    const mem = new MemoryKv();
    const kv = reopenable(mem);
    let s = await HubStore.open(kv);
    expect(s.treeSource).toBe('empty');
    const model = new Map<string, Uint8Array>();
    let h = 0n;
    const step = async (n: number) => {
      for (let i = 0; i < n; i++, h++) {
        const writes: [Uint8Array, Uint8Array | null][] = [];
        for (let j = 0; j < 20; j++) {
          const k = enc(`k${(Number(h) * 7 + j * 13) % 50}`);
          const v = (Number(h) + j) % 5 === 0 ? null : b(Number(h), j);
          writes.push([k, v]);
          if (v === null) model.delete(hex(k));
          else model.set(hex(k), v);
        }
        await commit(s, h, writes);
      }
    };
    await step(5);
    const walkedRoot = s.root;
    await s.close();
    s = await HubStore.open(kv);
    expect(s.treeSource).toBe('snapshot');
    expect(s.root).toEqual(walkedRoot);
    await step(5);
    // No close (a crash): the next open loads the older snapshot and replays the 5 blocks since.
    s = await HubStore.open(kv);
    expect(s.treeSource).toBe('snapshot');
    expect(s.replayedBlocks).toBe(5);
    expect(s.height).toBe(h - 1n);
    expect(s.root).toEqual((await HubStore.open(kv, { useSnapshot: false })).root);
    expect((await s.verify()).ok).toBe(true);
    for (const [k, v] of model) {
      const p = await s.proof(Buffer.from(k, 'hex'));
      expect(verifyProof(s.root, Buffer.from(k, 'hex'), v, p.proof)).toBe(true);
    }
    for (let x = 0n; x < h; x++) {
      const p = await s.proof(enc('k3'), x);
      expect(verifyProof((await s.rootAt(x))!, enc('k3'), p.value, p.proof)).toBe(true);
    }
    await step(2);
    expect((await s.verify()).ok).toBe(true);
  });

  it('a tampered snapshot is ignored and the tree walked instead', async () => {
    const mem = new MemoryKv();
    const kv = reopenable(mem);
    const s = await HubStore.open(kv);
    await commit(s, 0n, [
      [b(1), b(1)],
      [b(2), b(2)],
      [b(3), b(3)],
    ]);
    const root = s.root;
    await s.close();
    const part = Uint8Array.of(KEY_PREFIX.TREE_SNAPSHOT, 0, 0, 0, 0, 0);
    const bytes = (await mem.get(part))!.slice();
    bytes[5]! ^= 1; // inside the root's hash
    await mem.write([{ type: 'put', key: part, value: bytes }]);
    const r = await HubStore.open(kv);
    expect(r.treeSource).toBe('walk');
    expect(r.root).toEqual(root);
  });
});

describe('periodic snapshots and replay after a crash', () => {
  const reopenable = (kv: MemoryKv): KvStore => ({
    get: (k) => kv.get(k),
    getMany: (k) => kv.getMany(k),
    write: (ops, o) => kv.write(ops, o),
    iterate: (o) => kv.iterate(o),
    close: async () => {},
  });
  async function clone(kv: MemoryKv): Promise<MemoryKv> {
    const c = new MemoryKv();
    const ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = [];
    for await (const [key, value] of kv.iterate()) ops.push({ type: 'put', key, value });
    await c.write(ops);
    return c;
  }
  const writes = (h: number): [Uint8Array, Uint8Array | null][] =>
    Array.from({ length: 12 }, (_, j) => {
      const k = enc(`k${(h * 5 + j * 7) % 40}`);
      return [k, (h + j) % 4 === 0 ? null : b(h, j)] as [Uint8Array, Uint8Array | null];
    });

  it('a replayed tree places every new node where a walked tree does (byte-identical later blocks)', async () => {
    const mem = new MemoryKv();
    const s = await HubStore.open(reopenable(mem), { snapshotEveryBlocks: 4 });
    for (let h = 0; h < 11; h++) await commit(s, BigInt(h), writes(h));
    await s.snapshotIdle();
    expect(s.snapshotError).toBeUndefined();
    // Crash (no close), then open twice: from the snapshot (taken at 3, then 7) + replay of 8..10,
    // and by walking.
    const twin = await clone(mem);
    const a = await HubStore.open(reopenable(mem), { snapshotEveryBlocks: 0 });
    const w = await HubStore.open(reopenable(twin), { useSnapshot: false, snapshotEveryBlocks: 0 });
    expect(a.treeSource).toBe('snapshot');
    expect(a.replayedBlocks).toBe(3);
    expect(w.treeSource).toBe('walk');
    expect(a.root).toEqual(w.root);
    for (let h = 11; h < 16; h++) {
      expect(await commit(a, BigInt(h), writes(h))).toEqual(await commit(w, BigInt(h), writes(h)));
    }
    const chunks = async (kv: MemoryKv) => {
      const out: string[] = [];
      for await (const [k, v] of kv.iterate({ gte: b(KEY_PREFIX.TREE), lt: b(KEY_PREFIX.TREE + 1) })) {
        out.push(`${hex(k)}=${hex(v)}`);
      }
      return out;
    };
    expect(await chunks(mem)).toEqual(await chunks(twin));
    expect((await a.verify()).ok).toBe(true);
  });

  it('a tampered block change record makes open fall back to the walk', async () => {
    const mem = new MemoryKv();
    const s = await HubStore.open(reopenable(mem), { snapshotEveryBlocks: 0 });
    for (let h = 0; h < 4; h++) await commit(s, BigInt(h), writes(h));
    await s.close(); // snapshot at 3
    const t = await HubStore.open(reopenable(mem), { snapshotEveryBlocks: 0, snapshotOnClose: false });
    expect(t.treeSource).toBe('snapshot');
    for (let h = 4; h < 6; h++) await commit(t, BigInt(h), writes(h));
    const key5 = Uint8Array.of(KEY_PREFIX.BLOCK_CHANGES, 0, 0, 0, 0, 0, 0, 0, 5);
    const rec5 = (await mem.get(key5))!.slice();
    rec5[rec5.length - 1]! ^= 1;
    await mem.write([{ type: 'put', key: key5, value: rec5 }]);
    const r = await HubStore.open(reopenable(mem), { snapshotEveryBlocks: 0 });
    expect(r.treeSource).toBe('walk');
    expect(r.root).toEqual(t.root);
  });
});
