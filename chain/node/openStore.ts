/**
 * Opening the node's LevelDB store, and the offline checks built on it: `unimargin verify` and a
 * replay of every stored block from genesis into a fresh memory store (crash-safety tests).
 */

import { join } from 'node:path';
import { HubStore, LevelKv, MemoryKv } from '../../state/index.ts';
import { blockHash } from '../block.ts';
import { BlockCodec, type Genesis, TxResultCodec } from '../codec/messages.ts';
import { bech32FromBytes, bytesEqual, toHex } from '../crypto.ts';
import { initChain } from '../genesis.ts';
import { MarginCache } from '../margin/cache.ts';
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
 * Replays a node's stored blocks from genesis into its own memory store, incrementally: each
 * {@link Replayer.catchUp} applies the blocks stored since the last call, checking every header's
 * app hash, every receipt and tx location, and the root (every height or the last), and that the
 * blocks replayed before are still stored unchanged (block hash at the last replayed height).
 */
export class Replayer {
  readonly txHashes = new Set<string>();
  readonly duplicateTxs: string[] = [];
  private lastHash: Uint8Array | undefined;
  /** The margin cache kept across replayed blocks (as a node keeps it). */
  private readonly margin = new MarginCache();

  private constructor(
    private readonly fresh: HubStore,
    private readonly config: { chainId: string; authority: string },
  ) {}

  static async create(genesis: Genesis): Promise<Replayer> {
    const fresh = await HubStore.open(new MemoryKv());
    const v = fresh.view();
    initChain(v, genesis);
    await fresh.commitBlock({
      height: 0n,
      blockHash: new Uint8Array(32),
      blockBytes: new Uint8Array(0),
      txs: [],
      changes: v.changes(),
    });
    return new Replayer(fresh, { chainId: genesis.chainId, authority: genesis.authority });
  }

  get height(): bigint {
    return this.fresh.height;
  }

  async catchUp(stored: HubStore, opts: { verifyEveryHeight: boolean }): Promise<ReplayReport> {
    const done = (ok: boolean, message: string): ReplayReport => ({
      ok,
      message,
      height: stored.height,
      root: stored.root,
      txHashes: this.txHashes,
      duplicateTxs: this.duplicateTxs,
    });
    const from = this.fresh.height;
    if (stored.height < from) return done(false, `store went back from height ${from} to ${stored.height}`);
    if (from === 0n) {
      const r0 = await stored.rootAt(0n);
      if (r0 === undefined || !bytesEqual(r0, this.fresh.root)) return done(false, 'genesis root differs');
    } else {
      const again = await stored.getBlock(from);
      const hdr = again === undefined ? undefined : BlockCodec.decode(again).header;
      if (hdr === undefined || this.lastHash === undefined || !bytesEqual(blockHash(hdr), this.lastHash)) {
        return done(false, `block ${from} changed after it was committed`);
      }
    }
    for (let h = from + 1n; h <= stored.height; h++) {
      const bytes = await stored.getBlock(h);
      if (bytes === undefined)
        return done(false, `block ${h} missing below committed height ${stored.height}`);
      const block = BlockCodec.decode(bytes);
      const hdr = block.header!;
      if (!bytesEqual(hdr.appHash, this.fresh.root))
        return done(false, `header ${h} app hash ≠ replayed root after ${h - 1n}`);
      const view = this.fresh.view();
      const r = applyBlock(view, { height: h, timeMs: hdr.timeMs, txs: block.txs }, this.config, {
        margin: this.margin,
      });
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
        if (this.txHashes.has(hex)) this.duplicateTxs.push(hex);
        this.txHashes.add(hex);
        const st = await stored.getTx(t.hash);
        if (st === undefined || st.height !== h || st.index !== i)
          return done(false, `tx ${hex} not indexed at (${h}, ${i})`);
        if (!bytesEqual(st.resultBytes, t.resultBytes))
          return done(false, `tx ${hex} receipt differs on replay`);
      }
      await this.fresh.commitBlock({
        height: h,
        blockHash: new Uint8Array(32),
        blockBytes: bytes,
        txs,
        changes: view.changes(),
      });
      this.lastHash = blockHash(hdr);
      if (opts.verifyEveryHeight || h === stored.height) {
        const want = await stored.rootAt(h);
        if (want === undefined || !bytesEqual(want, this.fresh.root))
          return done(false, `root at ${h} differs from a replay from genesis`);
      }
    }
    return done(true, `replayed blocks ${from + 1n}..${stored.height}`);
  }

  async close(): Promise<void> {
    await this.fresh.close();
  }
}

/**
 * Replays every block stored under `dataDir` (home/data; genesis read from home/config) from
 * genesis into a fresh memory store (see {@link Replayer}).
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
  const r = await Replayer.create(genesis);
  try {
    return await r.catchUp(stored, opts);
  } finally {
    await r.close();
  }
}
