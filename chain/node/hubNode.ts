/**
 * HubNode: the impure shell around the pure STF — mempool with worker-thread signature checks, a
 * solo sequencer that signs and commits a block every `blockTimeMs`, or a follower that replays a
 * sequencer's blocks and checks every signature and root. One LevelDB batch per block.
 */
import { createHash, createPublicKey, sign as edSign, verify as edVerify } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { primeRecovery } from '../../bridge/index.ts';
import type { HubStore as NodeStore, StateReader } from '../../state/index.ts';
import { getAccount } from '../accounts.ts';
import { blockHash, dataHash, resultsHash } from '../block.ts';
import {
  type Block,
  BlockCodec,
  type Genesis,
  type Header,
  type Params,
  type TxResult,
  TxResultCodec,
} from '../codec/messages.ts';
import { bech32FromBytes, bytesEqual, fromHex, isLowS, toHex } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import { genesisHash, initChain } from '../genesis.ts';
import { deliveryRecoveries, type PendingRecovery } from '../hyperlane/applyProcessMessage.ts';
import { BRIDGE_TYPE_URL, type MsgProcessMessage } from '../hyperlane/codec.ts';
import { concatBytes, paramsKey } from '../keys.ts';
import { MarginCache } from '../margin/cache.ts';
import { readParams } from '../params.ts';
import { applyBlock, type ChainConfig, stfVersionAt } from '../stf/applyBlock.ts';
import { anteCheck } from '../stf/applyTx.ts';
import { type DecodedTx, decodeTx, signDocDigest } from '../tx.ts';
import { encodeMany } from './encodeMany.ts';
import type { SequencerKey } from './home.ts';
import { DEFAULT_MEMPOOL_OPTS, Mempool, type MempoolOpts } from './mempool.ts';
import { SIGN_DOC_FAST_MAX_ACCOUNT, SigPool, signDocBytes } from './sigPool.ts';

/** Node records kept beside state in the block batch. */
const NODE_LAST = new TextEncoder().encode('node/last');

interface LastBlock {
  height: bigint;
  hash: Uint8Array;
  resultsHash: Uint8Array;
  timeMs: bigint;
}

function encodeLast(l: LastBlock): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      height: l.height.toString(),
      hash: toHex(l.hash),
      resultsHash: toHex(l.resultsHash),
      timeMs: l.timeMs.toString(),
    }),
  );
}
function decodeLast(b: Uint8Array): LastBlock {
  const j = JSON.parse(new TextDecoder().decode(b)) as Record<string, string>;
  return {
    height: BigInt(j.height!),
    hash: fromHex(j.hash!)!,
    resultsHash: fromHex(j.resultsHash!)!,
    timeMs: BigInt(j.timeMs!),
  };
}

/** A follower's named stop reasons. */
export type FollowErrorCode =
  | 'FOLLOW_BAD_SIGNATURE'
  | 'FOLLOW_APP_HASH_MISMATCH'
  | 'FOLLOW_RESULTS_HASH_MISMATCH'
  | 'FOLLOW_DATA_HASH_MISMATCH'
  | 'FOLLOW_LAST_BLOCK_HASH_MISMATCH'
  | 'FOLLOW_HEADER_INVALID'
  | 'FOLLOW_INVALID_BLOCK'
  | 'FOLLOW_BLOCK_TIME'
  | 'FOLLOW_GENESIS_MISMATCH';

export class FollowError extends Error {
  constructor(
    readonly code: FollowErrorCode,
    message: string,
    readonly height: bigint,
  ) {
    super(`${code} at height ${height}: ${message}`);
    this.name = 'FollowError';
  }
}

export interface HubNodeOpts {
  genesis: Genesis;
  store: NodeStore;
  logger: Logger;
  /** The sequencer's key; absent on a follower. */
  sequencerKey?: SequencerKey;
  /** Sequencer RPC base URL to follow. */
  follow?: string;
  blockTimeMs?: number;
  sigThreads?: number;
  mempool?: MempoolOpts;
  maxTxsPerBlock?: number;
  /** How far a block's time may run ahead of the follower's clock. */
  clockToleranceMs?: number;
  /** Test hook: called at named points of the block commit (crash-safety tests kill the process here). */
  fault?: (point: 'afterApply' | 'afterRoot' | 'afterCommit') => void;
}

/** A committed block as listeners see it. */
export interface CommittedBlock {
  block: Block;
  header: Header;
  hash: Uint8Array;
  results: TxResult[];
  txHashes: Uint8Array[];
  root: Uint8Array;
}

/** broadcast_tx_sync's answer. */
export interface CheckTxResult {
  code: number;
  codespace: string;
  log: string;
  hash: Uint8Array;
}

export class HubNode extends EventEmitter {
  readonly genesis: Genesis;
  readonly config: ChainConfig;
  readonly store: NodeStore;
  readonly mempool: Mempool;
  readonly genesisHash: Uint8Array;
  private readonly log: Logger;
  private readonly sigs: SigPool;
  /** Txs admitted by CheckTx with the params bytes they were decoded under. */
  private readonly prechecked = new Map<Uint8Array, { tx: DecodedTx; params: Uint8Array }>();
  /** Derived margin cache (chain/margin): built from state on the first block, then kept in line. */
  private readonly marginCache = new MarginCache();
  /**
   * Per account (hex): the sequence after its txs reaped into the block being committed — those
   * are neither in the mempool nor in committed state until the commit lands.
   */
  private readonly inflight = new Map<string, bigint>();
  /** Per account (hex): the admission in progress, so an account's txs are admitted in order. */
  private readonly admitting = new Map<string, Promise<CheckTxResult>>();
  private last: LastBlock;
  /** The committed params, decoded once per committed height (CheckTx needs them per tx). */
  private paramsCache: { height: bigint; bytes: Uint8Array; params: Params } | undefined;
  /** bech32 of signer addresses (hex → umg1…) for the sender index; bounded. */
  private readonly bech32Cache = new Map<string, string>();
  private readonly chainIdBytes: Uint8Array;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private producing: Promise<void> = Promise.resolve();
  /** Set when a follower stopped on a check. */
  followError: FollowError | undefined;
  readonly startedAtMs = Date.now();
  readonly metrics = {
    txsCommitted: 0,
    blocksCommitted: 0,
    checkTxRejected: 0,
    lastCommitMs: 0,
    lastRootMs: 0,
  };

  private constructor(
    private readonly opts: HubNodeOpts,
    last: LastBlock,
  ) {
    super();
    this.genesis = opts.genesis;
    this.config = { chainId: opts.genesis.chainId, authority: opts.genesis.authority };
    this.store = opts.store;
    this.log = opts.logger;
    this.mempool = new Mempool(opts.mempool ?? DEFAULT_MEMPOOL_OPTS);
    this.sigs = new SigPool(opts.sigThreads !== undefined ? { threads: opts.sigThreads } : {});
    this.genesisHash = genesisHash(opts.genesis);
    this.chainIdBytes = new TextEncoder().encode(opts.genesis.chainId);
    this.last = last;
  }

  /** Opens the node: applies genesis on an empty store, else resumes at the last committed height. */
  static async open(opts: HubNodeOpts): Promise<HubNode> {
    const { store, genesis } = opts;
    if (
      opts.sequencerKey !== undefined &&
      !bytesEqual(opts.sequencerKey.publicKey, genesis.sequencerPubKey)
    ) {
      throw new Error('the sequencer key does not match genesis.sequencer_pub_key');
    }
    let last: LastBlock;
    const rawLast = await store.getExtra(NODE_LAST);
    if (rawLast === undefined) {
      if (store.height !== 0n) throw new Error(`store at height ${store.height} lacks its node record`);
      const view = store.view();
      initChain(view, genesis);
      last = {
        height: 0n,
        hash: new Uint8Array(32),
        resultsHash: new Uint8Array(0),
        timeMs: genesis.genesisTimeMs,
      };
      await store.commitBlock({
        height: 0n,
        blockHash: new Uint8Array(32),
        blockBytes: new Uint8Array(0),
        txs: [],
        changes: view.changes(),
        extra: [[NODE_LAST, encodeLast(last)]],
      });
    } else {
      last = decodeLast(rawLast);
      if (last.height !== store.height)
        throw new Error(`node record at ${last.height} but store at ${store.height}`);
      const gh = store.view().get(concatBytes(Uint8Array.of(0x06), new TextEncoder().encode('genesisHash')));
      if (gh === undefined || !bytesEqual(gh, genesisHash(genesis))) {
        throw new Error('the data directory belongs to another genesis (genesis hash differs)');
      }
    }
    return new HubNode(opts, last);
  }

  get height(): bigint {
    return this.last.height;
  }
  get lastBlockHash(): Uint8Array {
    return this.last.hash;
  }
  get lastBlockTimeMs(): bigint {
    return this.last.timeMs;
  }
  get isSequencer(): boolean {
    return this.opts.sequencerKey !== undefined && this.opts.follow === undefined;
  }
  /**
   * The node's margin cache (read-only use: queries read its kernel's risk arrays and cached
   * margins; only applyBlock mutates it). Synced at each end-block; rebuilt from state on the
   * first block after start.
   */
  get margin(): MarginCache {
    return this.marginCache;
  }

  /** Starts producing (sequencer) or following. */
  start(): void {
    this.running = true;
    if (this.opts.follow !== undefined) {
      this.producing = this.followLoop(this.opts.follow);
      return;
    }
    if (this.opts.sequencerKey === undefined) throw new Error('no sequencer key and no --follow URL');
    const tick = () => {
      if (!this.running) return;
      this.producing = this.produceBlock()
        .then(() => undefined)
        .catch((e) => {
          this.log.fatal({ err: e }, 'block production failed; halting');
          this.running = false;
          this.emit('halt', e);
        })
        .finally(() => {
          if (this.running) this.timer = setTimeout(tick, this.opts.blockTimeMs ?? 500);
        });
    };
    this.timer = setTimeout(tick, this.opts.blockTimeMs ?? 500);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.producing;
    await this.sigs.close();
  }

  /**
   * CheckTx + admission (broadcast_tx_sync): decode and stateless checks, capacity, stateful ante
   * with the account's next pending sequence, the signature on a worker thread. Never throws for
   * bad input: the result carries the code.
   */
  async checkTx(bytes: Uint8Array): Promise<CheckTxResult> {
    let tx: DecodedTx;
    let committed: { bytes: Uint8Array; params: Params };
    try {
      if (this.opts.follow !== undefined) {
        throw new ChainError('MEMPOOL_FULL', 'this node is a follower; broadcast to the sequencer');
      }
      committed = this.committedParams();
      tx = decodeTx(bytes, committed.params);
      this.mempool.checkCapacity(tx);
    } catch (e) {
      return this.rejected(e, new Uint8Array(createHash('sha256').update(bytes).digest()));
    }
    const hash = tx.hash;
    const paramsBytes = committed.bytes;
    // Admission is serial per account (its sequence order) and concurrent across accounts, so
    // signature checks of different accounts overlap on the worker threads.
    const acctHex = toHex(tx.signer);
    const previous = this.admitting.get(acctHex) ?? Promise.resolve();
    const mine = previous.then(() => this.admit(tx, bytes, paramsBytes, acctHex, hash));
    this.admitting.set(acctHex, mine);
    try {
      return await mine;
    } finally {
      if (this.admitting.get(acctHex) === mine) this.admitting.delete(acctHex);
    }
  }

  /**
   * The committed params with their bytes (the key `prechecked` entries are matched on), decoded
   * again only when a commit changed the bytes.
   */
  private committedParams(view: StateReader = this.store.view()): { bytes: Uint8Array; params: Params } {
    const c = this.paramsCache;
    if (c !== undefined && c.height === this.store.height) return c;
    const bytes = view.get(paramsKey())!;
    const params = c !== undefined && bytesEqual(c.bytes, bytes) ? c.params : readParams(view);
    this.paramsCache = { height: this.store.height, bytes, params };
    return this.paramsCache;
  }

  private rejected(e: unknown, hash: Uint8Array): CheckTxResult {
    if (!(e instanceof ChainError)) throw e;
    this.metrics.checkTxRejected++;
    return { code: e.abciCode, codespace: e.codespace, log: e.message, hash };
  }

  private async admit(
    tx: DecodedTx,
    bytes: Uint8Array,
    paramsBytes: Uint8Array,
    acctHex: string,
    hash: Uint8Array,
  ): Promise<CheckTxResult> {
    try {
      const view = this.store.view();
      const params = this.committedParams(view).params;
      const account = getAccount(view, tx.signer);
      const expected = account === undefined ? 0n : this.nextSequence(acctHex, account.sequence);
      anteCheck(view, tx, this.config, { height: this.height + 1n, timeMs: BigInt(Date.now()) }, params, {
        expectedSequence: expected,
        signatureVerified: true,
      });
      const heightBefore = this.store.height;
      // The tx signature and the deliveries' ISM recoveries run on the workers meanwhile; the
      // recoveries are handed to bridge/core so the check hooks below find them done.
      await Promise.all([
        this.verifySignature(tx, account!.accountNumber),
        this.prefetchRecoveries(view, tx),
      ]);
      // Re-check after the await: a block may have committed meanwhile (then re-read the account).
      this.mempool.checkCapacity(tx);
      const current =
        this.store.height === heightBefore
          ? account!
          : (getAccount(this.store.view(), tx.signer) ?? account!);
      const base = this.nextSequence(acctHex, current.sequence);
      if (tx.sequence !== base) {
        throw new ChainError(
          'TX_SEQUENCE',
          `account sequence mismatch, expected ${base}, got ${tx.sequence}: incorrect account sequence`,
        );
      }
      // Messages' own CheckTx hooks (e.g. Hyperlane delivery: version, destination, replay, then the ISM).
      const msgCtx = {
        chainId: this.config.chainId,
        height: this.height + 1n,
        timeMs: BigInt(Date.now()),
        authority: this.config.authority,
        signer: tx.signer,
      };
      const committed = this.store.view();
      for (const m of tx.msgs) m.handler.check?.(committed, m.value, msgCtx);
      this.prechecked.set(bytes, { tx, params: paramsBytes });
      this.mempool.add(tx);
      return { code: 0, codespace: '', log: '', hash };
    } catch (e) {
      return this.rejected(e, hash);
    }
  }

  /**
   * The sequence a new tx of the account must carry: after its committed txs, those in the block
   * being committed, and those in the mempool. `max` makes it right on either side of the commit.
   */
  private nextSequence(accountHex: string, committed: bigint): bigint {
    const afterInflight = this.inflight.get(accountHex) ?? 0n;
    const base = committed > afterInflight ? committed : afterInflight;
    return base + BigInt(this.mempool.pendingCount(accountHex));
  }

  /**
   * Computes on the worker threads the signature recoveries the tx's Hyperlane delivery checks
   * will make (chain/hyperlane `deliveryRecoveries`) and primes bridge/core with the results. A
   * hint only: a check whose recovery is not primed computes it itself.
   */
  private async prefetchRecoveries(view: StateReader, tx: DecodedTx): Promise<void> {
    let pending: Promise<void>[] | undefined;
    for (const m of tx.msgs) {
      if (m.typeUrl !== BRIDGE_TYPE_URL.MsgProcessMessage) continue;
      let recoveries: PendingRecovery[];
      try {
        recoveries = deliveryRecoveries(view, m.value as MsgProcessMessage);
      } catch {
        continue; // the check hook reports whatever is wrong
      }
      for (const r of recoveries) {
        pending ??= [];
        pending.push(
          this.sigs.recover(r.digest, r.signature).then((pub) => primeRecovery(r.digest, r.signature, pub)),
        );
      }
    }
    if (pending !== undefined) await Promise.all(pending);
  }

  private async verifySignature(tx: DecodedTx, accountNumber: bigint): Promise<void> {
    if (!isLowS(tx.signature))
      throw new ChainError('TX_HIGH_S', 'signature has a high s value; normalise it to low s (BIP-62)');
    // The SignDoc is hashed on the worker; account numbers past the fast encoder's range are
    // hashed here by the reference encoder.
    const ok =
      accountNumber <= SIGN_DOC_FAST_MAX_ACCOUNT
        ? await this.sigs.verifyDoc(
            signDocBytes(tx.bodyBytes, tx.authInfoBytes, this.chainIdBytes, accountNumber),
            tx.signature,
            tx.pubKey,
          )
        : await this.sigs.verify(
            signDocDigest(tx, this.config.chainId, accountNumber),
            tx.signature,
            tx.pubKey,
          );
    if (!ok) {
      throw new ChainError(
        'TX_SIGNATURE',
        `signature does not verify for chain id ${this.config.chainId} and account number ${accountNumber}; check the chain id, account number and signing key`,
      );
    }
  }

  /** One sequencer block: reap, apply, sign, commit atomically, notify. */
  async produceBlock(): Promise<CommittedBlock> {
    const key = this.opts.sequencerKey!;
    const height = this.last.height + 1n;
    const now = BigInt(Date.now());
    const timeMs = now > this.last.timeMs ? now : this.last.timeMs + 1n;
    const paramsBytes = this.store.view().get(paramsKey())!;
    const params = readParams(this.store.view());
    let txs = this.mempool.reap(this.opts.maxTxsPerBlock ?? 10_000, params.blockGasLimit);
    for (const t of txs) {
      const a = toHex(t.signer);
      if ((this.inflight.get(a) ?? 0n) < t.sequence + 1n) this.inflight.set(a, t.sequence + 1n);
    }
    // Reuse CheckTx's decoding and signature check for txs admitted under the block's params.
    const prechecked = new Map<Uint8Array, DecodedTx>();
    for (const t of txs) {
      const p = this.prechecked.get(t.bytes);
      if (p !== undefined && bytesEqual(p.params, paramsBytes)) prechecked.set(t.bytes, p.tx);
    }
    let view = this.store.view();
    let r = applyBlock(view, { height, timeMs, txs: txs.map((t) => t.bytes) }, this.config, {
      prechecked,
      margin: this.marginCache,
    });
    while (!r.ok) {
      // A tx admitted earlier became inapplicable (should not happen; recheck keeps the pool
      // consistent). Drop it and everything of its account after it, then retry.
      const badIndex = r.txIndex;
      const bad = txs[badIndex]!;
      this.log.warn({ code: r.error.code, tx: toHex(bad.hash) }, 'dropping a tx that no longer applies');
      txs = txs.filter((t, i) => i < badIndex || !bytesEqual(t.signer, bad.signer));
      view = this.store.view();
      r = applyBlock(view, { height, timeMs, txs: txs.map((t) => t.bytes) }, this.config, {
        prechecked,
        margin: this.marginCache,
      });
    }
    const header: Header = {
      chainId: this.config.chainId,
      height,
      timeMs,
      lastBlockHash: this.last.hash,
      appHash: this.store.root,
      lastResultsHash: this.last.resultsHash,
      dataHash: dataHash(txs.map((t) => t.bytes)),
      proposerPubKey: key.publicKey,
      stfVersion: stfVersionAt(height),
      numTxs: txs.length,
    };
    const hash = blockHash(header);
    const signature = new Uint8Array(edSign(null, hash, key.privateKey));
    const block: Block = { header, txs: txs.map((t) => t.bytes), signature };
    const committed = await this.commit(block, hash, view, r.results, txs);
    for (const [bytes] of prechecked) this.prechecked.delete(bytes);
    return committed;
  }

  private async commit(
    block: Block,
    hash: Uint8Array,
    view: ReturnType<NodeStore['view']>,
    results: TxResult[],
    txs: DecodedTx[],
  ): Promise<CommittedBlock> {
    const header = block.header!;
    this.opts.fault?.('afterApply');
    const last: LastBlock = {
      height: header.height,
      hash,
      resultsHash: resultsHash(results),
      timeMs: header.timeMs,
    };
    const t0 = performance.now();
    const resultBytes = encodeMany(TxResultCodec, results);
    const root = await this.store.commitBlock({
      height: header.height,
      blockHash: hash,
      blockBytes: BlockCodec.toBytes(block),
      txs: txs.map((t, i) => ({
        hash: t.hash,
        senders: [this.bech32Of(t.signer)],
        txBytes: t.bytes,
        resultBytes: resultBytes[i]!,
      })),
      changes: view.changes(),
      extra: [[NODE_LAST, encodeLast(last)]],
    });
    // The committed state now holds these txs' sequences.
    this.inflight.clear();
    this.metrics.lastCommitMs = performance.now() - t0;
    this.opts.fault?.('afterCommit');
    this.last = last;
    this.metrics.blocksCommitted++;
    this.metrics.txsCommitted += txs.length;
    const committedView = this.store.view();
    for (const dropped of this.mempool.recheck(
      (acct) => getAccount(committedView, fromHex(acct)!)?.sequence,
    )) {
      this.prechecked.delete(dropped.bytes);
    }
    const out: CommittedBlock = { block, header, hash, results, txHashes: txs.map((t) => t.hash), root };
    this.emit('block', out);
    return out;
  }

  private bech32Of(address: Uint8Array): string {
    const k = toHex(address);
    let b = this.bech32Cache.get(k);
    if (b === undefined) {
      b = bech32FromBytes(address);
      if (this.bech32Cache.size >= 100_000) this.bech32Cache.clear();
      this.bech32Cache.set(k, b);
    }
    return b;
  }

  /** Checks a sequencer block against local state and applies it (follower). Throws FollowError. */
  async applyRemoteBlock(bytes: Uint8Array): Promise<CommittedBlock> {
    const expectHeight = this.last.height + 1n;
    let block: Block;
    try {
      block = BlockCodec.decode(bytes);
    } catch (e) {
      throw new FollowError(
        'FOLLOW_HEADER_INVALID',
        `block bytes do not decode (${(e as Error).message})`,
        expectHeight,
      );
    }
    const h = block.header;
    if (h === undefined) throw new FollowError('FOLLOW_HEADER_INVALID', 'block has no header', expectHeight);
    if (h.height !== expectHeight) {
      throw new FollowError(
        'FOLLOW_HEADER_INVALID',
        `header height ${h.height}, expected ${expectHeight}`,
        expectHeight,
      );
    }
    if (h.chainId !== this.config.chainId) {
      throw new FollowError(
        'FOLLOW_GENESIS_MISMATCH',
        `chain id ${h.chainId}, expected ${this.config.chainId}`,
        h.height,
      );
    }
    const hash = blockHash(h);
    const pub = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(this.genesis.sequencerPubKey).toString('base64url') },
      format: 'jwk',
    });
    if (
      !bytesEqual(h.proposerPubKey, this.genesis.sequencerPubKey) ||
      !edVerify(null, hash, pub, block.signature)
    ) {
      throw new FollowError(
        'FOLLOW_BAD_SIGNATURE',
        'the sequencer signature over the header does not verify',
        h.height,
      );
    }
    if (!bytesEqual(h.lastBlockHash, this.last.hash)) {
      throw new FollowError(
        'FOLLOW_LAST_BLOCK_HASH_MISMATCH',
        `last block hash ${toHex(h.lastBlockHash)} ≠ ${toHex(this.last.hash)}`,
        h.height,
      );
    }
    if (!bytesEqual(h.appHash, this.store.root)) {
      throw new FollowError(
        'FOLLOW_APP_HASH_MISMATCH',
        `app hash ${toHex(h.appHash)} ≠ local root ${toHex(this.store.root)}`,
        h.height,
      );
    }
    if (!bytesEqual(h.lastResultsHash, this.last.resultsHash)) {
      throw new FollowError(
        'FOLLOW_RESULTS_HASH_MISMATCH',
        `results hash ${toHex(h.lastResultsHash)} ≠ local ${toHex(this.last.resultsHash)}`,
        h.height,
      );
    }
    if (!bytesEqual(h.dataHash, dataHash(block.txs)) || h.numTxs !== block.txs.length) {
      throw new FollowError(
        'FOLLOW_DATA_HASH_MISMATCH',
        'the txs do not match the header data hash',
        h.height,
      );
    }
    if (h.stfVersion !== stfVersionAt(h.height)) {
      throw new FollowError(
        'FOLLOW_HEADER_INVALID',
        `stf version ${h.stfVersion}, expected ${stfVersionAt(h.height)}`,
        h.height,
      );
    }
    const tolerance = BigInt(this.opts.clockToleranceMs ?? 10_000);
    if (h.timeMs <= this.last.timeMs || h.timeMs > BigInt(Date.now()) + tolerance) {
      throw new FollowError(
        'FOLLOW_BLOCK_TIME',
        `block time ${h.timeMs} is not after ${this.last.timeMs} or is ahead of the local clock by more than ${tolerance} ms`,
        h.height,
      );
    }
    const before = this.store.view();
    const heightBefore = this.store.height;
    const params = readParams(before);
    // Decode once and check the tx signatures on the worker threads, all at once; the STF then
    // skips both for these txs (`prechecked`) and does everything else. A tx that does not decode,
    // whose account is not in committed state yet, or whose signature fails here is left to the
    // STF, which decides the block exactly as without this step.
    const decoded = block.txs.map((b) => {
      try {
        return decodeTx(b, params);
      } catch {
        return undefined;
      }
    });
    const prechecked = new Map<Uint8Array, DecodedTx>();
    await Promise.all(
      decoded.map(async (tx, i) => {
        if (tx === undefined) return;
        const account = getAccount(before, tx.signer);
        if (account === undefined) return;
        try {
          await this.verifySignature(tx, account.accountNumber);
        } catch {
          return;
        }
        prechecked.set(block.txs[i]!, tx);
      }),
    );
    // (Nothing else commits on a follower; should something have, trust none of it.)
    if (this.store.height !== heightBefore) prechecked.clear();
    const view = this.store.view();
    const r = applyBlock(view, { height: h.height, timeMs: h.timeMs, txs: block.txs }, this.config, {
      prechecked,
      margin: this.marginCache,
    });
    if (!r.ok) {
      throw new FollowError(
        'FOLLOW_INVALID_BLOCK',
        `tx ${r.txIndex} must not be in a block: ${r.error.message}`,
        h.height,
      );
    }
    // Every tx applied, so every tx decoded.
    return this.commit(block, hash, view, r.results, decoded as DecodedTx[]);
  }

  private async followLoop(url: string): Promise<void> {
    const base = url.replace(/\/$/, '');
    while (this.running) {
      const next = this.last.height + 1n;
      let bytes: Uint8Array | undefined;
      try {
        const res = await fetch(`${base}/v1/blocks/${next}/raw`);
        if (res.status === 200) {
          const j = (await res.json()) as { block: string };
          bytes = new Uint8Array(Buffer.from(j.block, 'base64'));
        }
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'follow: sequencer unreachable; retrying');
      }
      if (bytes === undefined) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        await this.applyRemoteBlock(bytes);
      } catch (e) {
        if (e instanceof FollowError) {
          this.followError = e;
          this.running = false;
          this.log.fatal({ code: e.code, height: e.height.toString() }, e.message);
          this.emit('halt', e);
          return;
        }
        throw e;
      }
    }
  }
}
