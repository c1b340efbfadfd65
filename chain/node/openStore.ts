/**
 * Opening the node's LevelDB store, and the offline checks built on it: `unimargin verify` and a
 * replay of every stored block from genesis into a fresh memory store (crash-safety tests).
 */

import { join } from 'node:path';
import { HubStore, LevelKv, MemoryKv } from '../../state/index.ts';
import { BlockCodec, type Genesis, TxResultCodec } from '../codec/messages.ts';
import { bech32FromBytes, bytesEqual, toHex } from '../crypto.ts';
import { initChain } from '../genesis.ts';
import { readParams } from '../params.ts';
import { applyBlock } from '../stf/applyBlock.ts';
import { decodeTx } from '../tx.ts';
import { loadGenesis } from './home.ts';

export interface OpenStoreOpts {
  /** Crash-injection hook at the LevelDB batch (beforeWrite / afterWrite). */
  fault?: (point: string) => void;
}

/** Opens (creating if needed) the LevelDB store under `dataDir` and recovers the last committed block. */
export async function openNodeStore(dataDir: string, opts: OpenStoreOpts = {}): Promise<HubStore> {
  const kv = await LevelKv.open(dataDir, opts.fault ? { faults: opts.fault } : {});
  return HubStore.open(kv);
}

/** `unimargin verify`: the committed root against a root recomputed from the stored values. */
export async function verifyStoredRoot(dataDir: string) {
  const store = await openNodeStore(dataDir);
  try {
    const r = await store.verify();
    return { ok: r.ok, height: r.height, keys: r.keys, committed: r.storedRoot, recomputed: r.computedRoot };
  } finally {
    await store.close();
  }
}

export interface ReplayReport {
  ok: boolean;
  message: string;
  height: bigint;
  root: Uint8Array;
  txHashes: Set<string>;
  duplicateTxs: string[];
}

/**
 * Replays every block stored under `dataDir` (home/data; genesis read from home/config) from
 * genesis into a fresh memory store, comparing the root (every height, or only the last), each
 * receipt and each tx's location with what the node stored.
 */
export async function replayFromGenesis(
  dataDir: string,
  opts: { verifyEveryHeight: boolean },
): Promise<ReplayReport> {
  const genesis = loadGenesis(join(dataDir, '..', 'config', 'genesis.json'));
  const stored = await openNodeStore(dataDir);
  try {
    return await replayStore(stored, genesis, opts);
  } finally {
    await stored.close();
  }
}

/** {@link replayFromGenesis} on an open store (left open). */
export async function replayStore(
  stored: HubStore,
  genesis: Genesis,
  opts: { verifyEveryHeight: boolean },
): Promise<ReplayReport> {
  const fresh = await HubStore.open(new MemoryKv());
  const config = { chainId: genesis.chainId, authority: genesis.authority };
  const txHashes = new Set<string>();
  const duplicateTxs: string[] = [];
  const done = (ok: boolean, message: string): ReplayReport => ({
    ok,
    message,
    height: stored.height,
    root: stored.root,
    txHashes,
    duplicateTxs,
  });
  try {
    const v = fresh.view();
    initChain(v, genesis);
    await fresh.commitBlock({
      height: 0n,
      blockHash: new Uint8Array(32),
      blockBytes: new Uint8Array(0),
      txs: [],
      changes: v.changes(),
    });
    const r0 = await stored.rootAt(0n);
    if (r0 === undefined || !bytesEqual(r0, fresh.root)) return done(false, 'genesis root differs');
    for (let h = 1n; h <= stored.height; h++) {
      const bytes = await stored.getBlock(h);
      if (bytes === undefined)
        return done(false, `block ${h} missing below committed height ${stored.height}`);
      const block = BlockCodec.decode(bytes);
      const hdr = block.header!;
      if (!bytesEqual(hdr.appHash, fresh.root))
        return done(false, `header ${h} app hash ≠ replayed root after ${h - 1n}`);
      const view = fresh.view();
      const r = applyBlock(view, { height: h, timeMs: hdr.timeMs, txs: block.txs }, config);
      if (!r.ok) return done(false, `block ${h} does not replay: ${r.error.message}`);
      const params = readParams(view);
      const txs = block.txs.map((t, i) => {
        const d = decodeTx(t, params);
        return {
          hash: d.hash,
          senders: [bech32FromBytes(d.signer)],
          txBytes: t,
          resultBytes: TxResultCodec.toBytes(r.results[i]!),
        };
      });
      for (const [i, t] of txs.entries()) {
        const hex = toHex(t.hash);
        if (txHashes.has(hex)) duplicateTxs.push(hex);
        txHashes.add(hex);
        const st = await stored.getTx(t.hash);
        if (st === undefined || st.height !== h || st.index !== i)
          return done(false, `tx ${hex} not indexed at (${h}, ${i})`);
        if (!bytesEqual(st.resultBytes, t.resultBytes))
          return done(false, `tx ${hex} receipt differs on replay`);
      }
      await fresh.commitBlock({
        height: h,
        blockHash: new Uint8Array(32),
        blockBytes: bytes,
        txs,
        changes: view.changes(),
      });
      if (opts.verifyEveryHeight || h === stored.height) {
        const want = await stored.rootAt(h);
        if (want === undefined || !bytesEqual(want, fresh.root))
          return done(false, `root at ${h} differs from a replay from genesis`);
      }
    }
    return done(true, `replayed ${stored.height} blocks`);
  } finally {
    await fresh.close();
  }
}
