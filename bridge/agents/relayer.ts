/**
 * The relayer agent: delivers Hyperlane messages EVM → hub (`MsgProcessMessage` with MessageId
 * metadata from the origin's fast validators, then `MsgConfirmFinality` in batches from its final
 * validators) and hub → EVM (the hub outbox, hub validator checkpoints, `Mailbox.process` on the
 * destination). Permissionless: security comes from the signatures, so a racing relayer or a user
 * relaying its own message is normal.
 *
 * Delivery is at least once per message and the destinations are idempotent (replay sets), so the
 * relayer may resend freely. Each lane keeps a cursor — the lowest leaf index not yet *settled*
 * (delivered by us, found delivered by someone else, not for us, or failed permanently) — written
 * atomically; on restart everything at or above it is re-checked against the destination before
 * any resend. A delivery refused because another relayer was first is a success, never a stall.
 * Retryable failures wait on a growing schedule (`retry.ts`); a failure that cannot heal, or a
 * retryable one past `maxAttempts`, is recorded as permanent, listed over REST, and settles.
 */
import type { Logger } from 'pino';
import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { HUB_DOMAIN, HUB_TREE_HOOK, MAX_FINALITY_PROOFS, TIER } from '../../chain/hyperlane/constants.ts';
import {
  addressToBytes32,
  bytes32ToAddress,
  bytesToHex,
  decodeMessage,
  encodeMerkleRootMultisigMetadata,
  encodeMessageIdMultisigMetadata,
  type Hex,
  hexToBytes,
  IncrementalMerkleTree,
  messageId,
  normalizeBytes32,
} from '../index.ts';
import type { AgentChain } from './chainMetadata.ts';
import { AgentError, isAgentError } from './errors.ts';
import { MAILBOX_ABI, MULTISIG_ISM_ABI } from './evmAbi.ts';
import { fetchDispatches, fetchInsertedLeaves, signingBlock } from './evmOrigin.ts';
import type { HubApi } from './hubApi.ts';
import { confirmFinalityAny, type HubSigner, processMessageAny, signHubTx } from './hubTx.ts';
import { MetricsRegistry } from './metrics.ts';
import type { FailureKind, FailureRecord } from './relayerStore.ts';
import { RelayerStore } from './relayerStore.ts';
import { validatorSetFromAnnouncements } from './relayOne.ts';
import { type RetrySchedule, retryDelayMs } from './retry.ts';
import { gatherQuorum, latestQuorum, type ValidatorSet } from './signatures.ts';

/** One EVM chain the relayer serves (as an origin toward the hub and as a destination). */
export interface EvmRoute {
  readonly chain: AgentChain;
  readonly client: PublicClient;
  /** Sends `Mailbox.process` on this chain (hub → EVM); without it the chain is origin-only. */
  readonly wallet?: WalletClient<Transport, Chain, Account>;
  /** Fast validators of this origin; default: the hub's fast ISM, locations from ValidatorAnnounce. */
  readonly fast?: ValidatorSet;
  /** Final validators of this origin; default: the hub's final ISM, locations from ValidatorAnnounce. */
  readonly final?: ValidatorSet;
}

/** Options of {@link Relayer}. */
export interface RelayerOpts {
  readonly hub: HubApi;
  /** The hub account that signs MsgProcessMessage / MsgConfirmFinality. */
  readonly hubSigner: HubSigner;
  /** Where the hub validators' checkpoints are (validator address → `file://` location), for hub → EVM. */
  readonly hubValidatorLocations?: ReadonlyMap<string, string>;
  readonly evm: readonly EvmRoute[];
  /** Directory of `relayer-state.json`. */
  readonly dataDir: string;
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
  /** Pause between ticks (default 200 ms). */
  readonly pollMs?: number;
  /** Wait before looking again for signatures not written yet (default 250 ms). */
  readonly awaitSignaturesMs?: number;
  readonly retry?: RetrySchedule;
  /** Retryable failures before a message is given up on (default 12). */
  readonly maxAttempts?: number;
  /** MsgProcessMessage per hub tx (default 32, at most 64). */
  readonly batchSize?: number;
  /** Proofs per MsgConfirmFinality (default 40; the 64 KiB tx limit allows about 55). */
  readonly finalityBatch?: number;
  /** Which work to do (default all). */
  readonly lanes?: { readonly toHub?: boolean; readonly fromHub?: boolean; readonly finality?: boolean };
  /** Gas limit per `Mailbox.process` (default 1 000 000). */
  readonly processGas?: bigint;
  /** Clock (ms) for schedules; tests may inject. */
  readonly now?: () => number;
}

/** A message waiting to be settled. */
interface Pending {
  readonly index: number;
  readonly id: Hex;
  readonly message: Uint8Array;
  readonly destination: number;
  attempts: number;
  nextAt: number;
  /** Ask the destination whether it was delivered before resending (restart, failed batch). */
  recheck: boolean;
  lastError?: string;
}

/** Settled outcome of one message (for tests and metrics). */
export type SettleOutcome = 'delivered' | 'delivered_elsewhere' | 'not_for_us' | 'failed';

/** Hub error codes after which a resend can never succeed. */
const PERMANENT_HUB_CODES = new Set([
  'HUB_WRONG_DESTINATION',
  'HUB_ORIGIN_UNKNOWN',
  'HUB_SENDER_NOT_ENROLLED',
  'HUB_RECIPIENT_UNKNOWN',
  'HUB_TIER_INVALID',
  'HUB_BRIDGE_NOT_CONFIGURED',
  'BRIDGE_MESSAGE_TOO_SHORT',
  'BRIDGE_MESSAGE_TOO_LONG',
  'BRIDGE_MESSAGE_VERSION',
  'BRIDGE_ISM_TREE_HOOK_UNPINNED',
]);

/** Parses a hub log `CODE: message i: …` into the code and the message index. */
export function parseHubLog(log: string): { code: string; msgIndex: number | undefined } {
  const code = /^([A-Z][A-Z0-9_]+):/.exec(log)?.[1] ?? 'UNKNOWN';
  const m = /message (\d+):/.exec(log);
  return { code, msgIndex: m === null ? undefined : Number(m[1]) };
}

/** A revert's reason text, from a viem error. */
function revertReason(e: unknown): string {
  if (e instanceof BaseError) {
    const rev = e.walk((x) => x instanceof ContractFunctionRevertedError);
    if (rev instanceof ContractFunctionRevertedError) return rev.reason ?? rev.shortMessage;
    return e.shortMessage;
  }
  return (e as Error).message;
}

/** Raw txs per JSON-RPC batch to an EVM node (anvil 1.7.1 lost one of 200 in one batch). */
const EVM_RAW_BATCH = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Shared lane bookkeeping: pending messages above the cursor, settled ones, the cursor. */
class Lane {
  readonly pending = new Map<number, Pending>();
  readonly settled = new Set<number>();
  /** Highest leaf index seen + 1. */
  known = 0;

  constructor(
    readonly key: string,
    readonly origin: number,
    readonly store: RelayerStore,
  ) {}

  get next(): number {
    return this.store.cursor(this.key).next;
  }

  settle(index: number): void {
    this.pending.delete(index);
    this.settled.add(index);
    let n = this.next;
    while (this.settled.has(n)) {
      this.settled.delete(n);
      n++;
    }
    this.store.advance(this.key, 'next', n);
  }
}

/** An EVM origin lane: its leaves (the whole tree, for finality proofs) and hub-bound messages. */
class EvmLane extends Lane {
  readonly tree = new IncrementalMerkleTree();
  scannedTo: bigint;
  /** Hub-bound messages by leaf index. */
  readonly hubBound = new Map<number, { id: Hex; message: Uint8Array }>();
  /** Dispatched messages by id, waiting for their leaf. */
  readonly byId = new Map<Hex, Uint8Array>();
  fast: ValidatorSet | undefined;
  final: ValidatorSet | undefined;
  merkleTreeHook: Hex;

  constructor(
    readonly route: EvmRoute,
    store: RelayerStore,
  ) {
    super(`evm:${route.chain.metadata.domainId}`, route.chain.metadata.domainId, store);
    this.scannedTo = BigInt(route.chain.addresses.deployedAtBlock ?? 0) - 1n;
    this.merkleTreeHook = addressToBytes32(route.chain.addresses.merkleTreeHook as Hex);
    this.fast = route.fast;
    this.final = route.final;
  }
}

/** The relayer. */
export class Relayer {
  readonly store: RelayerStore;
  readonly metrics: MetricsRegistry;
  private readonly evmLanes: EvmLane[];
  private readonly hubLane: Lane;
  private readonly hubTree = new IncrementalMerkleTree();
  private readonly byDomain = new Map<number, EvmRoute>();
  private readonly now: () => number;
  private chainId: string | undefined;
  private sequence: bigint | undefined;
  private accountNumber: bigint | undefined;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private readonly ismCache = new Map<string, { validators: Hex[]; threshold: number; moduleType: number }>();
  private readonly evmNonce = new Map<number, number>();
  private readonly m: {
    delivered: (l: Record<string, string | number>, by?: number) => void;
    elsewhere: (l: Record<string, string | number>, by?: number) => void;
    failed: (l: Record<string, string | number>, by?: number) => void;
    retries: (l: Record<string, string | number>, by?: number) => void;
    txs: (l: Record<string, string | number>, by?: number) => void;
    finalized: (l: Record<string, string | number>, by?: number) => void;
    cursor: (l: Record<string, string | number>, v: number) => void;
    pending: (l: Record<string, string | number>, v: number) => void;
  };
  /** Settlements by message id (tests read it). */
  readonly outcomes = new Map<Hex, SettleOutcome>();

  constructor(readonly opts: RelayerOpts) {
    this.store = new RelayerStore(opts.dataDir);
    this.metrics = opts.metrics ?? new MetricsRegistry();
    this.now = opts.now ?? Date.now;
    for (const r of opts.evm) this.byDomain.set(r.chain.metadata.domainId, r);
    this.evmLanes = opts.evm.map((r) => new EvmLane(r, this.store));
    this.hubLane = new Lane('hub', HUB_DOMAIN, this.store);
    const mr = this.metrics;
    this.m = {
      delivered: mr.counter(
        'relayer_messages_delivered_total',
        'Messages this relayer delivered, by origin and destination',
      ),
      elsewhere: mr.counter(
        'relayer_messages_delivered_elsewhere_total',
        'Messages found delivered by someone else (a racing relayer or a user)',
      ),
      failed: mr.counter(
        'relayer_messages_failed_total',
        'Messages given up on (listed at /failures), by kind',
      ),
      retries: mr.counter('relayer_retries_total', 'Retryable delivery failures, by origin and reason'),
      txs: mr.counter('relayer_txs_sent_total', 'Transactions sent, by chain'),
      finalized: mr.counter('relayer_finality_proofs_total', 'Leaves proved final to the hub, by origin'),
      cursor: mr.gauge('relayer_cursor', 'Lowest unsettled leaf index, by origin'),
      pending: mr.gauge('relayer_pending_messages', 'Messages awaiting delivery, by origin'),
    };
  }

  /** Permanent failures recorded (what `/failures` serves). */
  get failures(): readonly FailureRecord[] {
    return this.store.failures;
  }

  /** Per-lane cursors and pending counts. */
  status(): { lane: string; next: number; finalNext: number; pending: number; known: number }[] {
    return [...this.evmLanes, this.hubLane].map((l) => ({
      lane: l.key,
      next: l.next,
      finalNext: this.store.cursor(l.key).finalNext,
      pending: l.pending.size,
      known: l.known,
    }));
  }

  private settle(lane: Lane, p: Pending, outcome: SettleOutcome): void {
    lane.settle(p.index);
    this.outcomes.set(p.id, outcome);
    const labels = { origin: lane.origin, destination: p.destination };
    if (outcome === 'delivered') this.m.delivered(labels);
    if (outcome === 'delivered_elsewhere') this.m.elsewhere(labels);
  }

  private failPermanently(lane: Lane, p: Pending, kind: FailureKind, detail: string): void {
    this.store.fail({
      lane: lane.key,
      origin: lane.origin,
      destination: p.destination,
      index: p.index,
      messageId: p.id,
      kind,
      detail: detail.slice(0, 500),
      attempts: p.attempts,
      atMs: this.now(),
    });
    this.m.failed({ origin: lane.origin, kind });
    this.opts.logger?.error(
      { lane: lane.key, index: p.index, id: p.id, kind, detail },
      'message failed permanently',
    );
    this.settle(lane, p, 'failed');
  }

  private retryLater(lane: Lane, p: Pending, reason: string): void {
    p.attempts++;
    p.lastError = reason;
    this.m.retries({ origin: lane.origin, reason: reason.split(':')[0]!.slice(0, 40) });
    if (p.attempts >= (this.opts.maxAttempts ?? 12)) {
      this.failPermanently(lane, p, 'attempts_exhausted', reason);
      return;
    }
    p.nextAt = this.now() + retryDelayMs(p.attempts, this.opts.retry);
  }

  // ---- EVM → hub ---------------------------------------------------------------------------

  private async resolveSets(lane: EvmLane): Promise<void> {
    if (lane.fast !== undefined && (lane.final !== undefined || this.opts.lanes?.finality === false)) return;
    const cfg = (await this.opts.hub.origins()).find((o) => o.domain === lane.origin);
    if (cfg === undefined) return;
    lane.merkleTreeHook = normalizeBytes32(cfg.merkleTreeHook);
    const va = lane.route.chain.addresses.validatorAnnounce as Address | undefined;
    if (va === undefined) return;
    // Re-resolved each tick until a quorum of validators has announced a location.
    if (lane.fast === undefined) {
      const set = await validatorSetFromAnnouncements(lane.route.client, va, cfg.fast);
      if (set.locations.size >= set.threshold) lane.fast = set;
    }
    if (lane.final === undefined) {
      const set = await validatorSetFromAnnouncements(lane.route.client, va, cfg.final);
      if (set.locations.size >= set.threshold) lane.final = set;
    }
  }

  /** Indexes new leaves and hub-bound dispatches of an origin up to its signing depth. */
  private async indexEvm(lane: EvmLane): Promise<void> {
    const md = lane.route.chain.metadata;
    const depth = md.blocks?.reorgPeriod ?? 0;
    const to = await signingBlock(lane.route.client, depth);
    if (to === undefined || to <= lane.scannedTo) return;
    const from = lane.scannedTo + 1n;
    const addr = lane.route.chain.addresses;
    const [leaves, dispatches] = await Promise.all([
      fetchInsertedLeaves(lane.route.client, addr.merkleTreeHook as Address, from, to),
      fetchDispatches(lane.route.client, addr.mailbox as Address, from, to, HUB_DOMAIN),
    ]);
    for (const d of dispatches) lane.byId.set(d.id, hexToBytes(d.message, 'message'));
    leaves.sort((a, b) => a.index - b.index);
    for (const l of leaves) {
      if (l.index !== lane.tree.count) {
        if (l.index < lane.tree.count) continue;
        throw new AgentError(
          'AGENT_ORIGIN_INCONSISTENT',
          `origin ${lane.origin}: leaf ${l.index} arrived but the tree holds ${lane.tree.count}`,
          { domain: lane.origin, index: l.index },
        );
      }
      lane.tree.insert(l.messageId);
      const message = lane.byId.get(l.messageId);
      if (message !== undefined) {
        lane.byId.delete(l.messageId);
        lane.hubBound.set(l.index, { id: l.messageId, message });
      }
    }
    lane.scannedTo = to;
    const start = lane.known;
    lane.known = lane.tree.count;
    for (let i = Math.max(start, lane.next); i < lane.known; i++) {
      if (lane.pending.has(i)) continue;
      const hb = lane.hubBound.get(i);
      if (hb === undefined) {
        lane.settle(i);
        continue;
      }
      lane.pending.set(i, {
        index: i,
        id: hb.id,
        message: hb.message,
        destination: HUB_DOMAIN,
        attempts: 0,
        nextAt: 0,
        // Below what this process has seen delivered: maybe delivered before a restart.
        recheck: true,
      });
    }
  }

  private async hubAccount(): Promise<void> {
    const a = await this.opts.hub.account(this.opts.hubSigner.address);
    if (a === undefined) {
      throw new AgentError(
        'AGENT_CONFIG_INVALID',
        `relayer account ${this.opts.hubSigner.address} does not exist on the hub; fund it first`,
        { field: 'hubSigner' },
      );
    }
    this.accountNumber = a.accountNumber;
    this.sequence = a.sequence;
  }

  /** Signs and broadcasts one hub tx; re-reads the sequence once on a sequence mismatch. */
  private async sendHubTx(
    msgs: ReturnType<typeof processMessageAny>[],
  ): Promise<{ code: number; log: string; hash: string }> {
    this.chainId ??= await this.opts.hub.chainId();
    if (this.sequence === undefined) await this.hubAccount();
    for (let attempt = 0; ; attempt++) {
      const bytes = msgs.reduce((s, m) => s + m.value.length, 0);
      const gasLimit = BigInt(40_000 + 12 * (bytes + 400) + 15_000 * msgs.length);
      const tx = signHubTx({
        signer: this.opts.hubSigner,
        chainId: this.chainId,
        accountNumber: this.accountNumber!,
        sequence: this.sequence!,
        msgs,
        gasLimit,
      });
      const r = await this.opts.hub.broadcastTxSync(tx);
      this.m.txs({ chain: 'hub', code: r.code });
      if (r.code === 0) {
        this.sequence = this.sequence! + 1n;
        return r;
      }
      if (parseHubLog(r.log).code === 'TX_SEQUENCE' && attempt === 0) {
        await this.hubAccount();
        continue;
      }
      return r;
    }
  }

  private async awaitHubTx(
    hash: string,
    timeoutMs = 30_000,
  ): Promise<{ code: number; log: string } | undefined> {
    const end = this.now() + timeoutMs;
    while (this.now() < end) {
      const r = await this.opts.hub.txResult(hash);
      if (r !== undefined) return r;
      await sleep(50);
    }
    return undefined;
  }

  /** Classifies a hub refusal of one message. */
  private onHubRefusal(lane: Lane, p: Pending, log: string): void {
    const { code } = parseHubLog(log);
    if (code === 'HUB_MESSAGE_REPLAYED') this.settle(lane, p, 'delivered_elsewhere');
    else if (PERMANENT_HUB_CODES.has(code)) this.failPermanently(lane, p, 'rejected', log);
    else this.retryLater(lane, p, log);
  }

  private async deliverToHub(lane: EvmLane): Promise<void> {
    const now = this.now();
    const due = [...lane.pending.values()].filter((p) => p.nextAt <= now).sort((a, b) => a.index - b.index);
    if (due.length === 0) return;
    if (lane.fast === undefined) return;
    const ready: { p: Pending; metadata: Uint8Array }[] = [];
    await Promise.all(
      due
        .filter((p) => p.recheck)
        .map(async (p) => {
          const st = await this.opts.hub.inboundStatus(p.id);
          p.recheck = false;
          if (st !== undefined) this.settle(lane, p, 'delivered_elsewhere');
        }),
    );
    for (const p of due) {
      if (!lane.pending.has(p.index)) continue;
      try {
        const q = gatherQuorum(lane.fast, lane.origin, lane.merkleTreeHook, p.index, p.id);
        const metadata = encodeMessageIdMultisigMetadata({
          merkleTreeHook: q.checkpoint.merkleTreeHook,
          root: q.checkpoint.root,
          index: q.checkpoint.index,
          signatures: q.signatures,
        });
        ready.push({ p, metadata });
      } catch (e) {
        if (!isAgentError(e, 'AGENT_SIGNATURES_BELOW_THRESHOLD')) throw e;
        // Validators sign at depth: not an error, look again soon.
        p.nextAt = now + (this.opts.awaitSignaturesMs ?? 250);
      }
    }
    const size = Math.min(64, this.opts.batchSize ?? 32);
    const inflight: { hash: string; items: typeof ready }[] = [];
    for (let k = 0; k < ready.length; k += size) {
      const items = ready.slice(k, k + size);
      const msgs = items.map((it) =>
        processMessageAny({
          relayer: this.opts.hubSigner.address,
          metadata: it.metadata,
          message: it.p.message,
          tier: TIER.FAST,
        }),
      );
      const r = await this.sendHubTx(msgs);
      if (r.code === 0) {
        inflight.push({ hash: r.hash, items });
        continue;
      }
      this.onBatchFailure(lane, items, r.log);
    }
    for (const f of inflight) {
      const r = await this.awaitHubTx(f.hash);
      if (r === undefined) {
        for (const it of f.items) {
          it.p.recheck = true;
          this.retryLater(lane, it.p, 'AGENT_TRANSIENT: tx not committed in time');
        }
      } else if (r.code === 0) {
        for (const it of f.items) this.settle(lane, it.p, 'delivered');
      } else {
        // The whole tx reverted: one message failed; the others are resent at once.
        this.onBatchFailure(lane, f.items, r.log);
      }
    }
  }

  private onBatchFailure(lane: Lane, items: readonly { p: Pending }[], log: string): void {
    const { msgIndex } = parseHubLog(log);
    if (msgIndex !== undefined && items[msgIndex] !== undefined) {
      this.onHubRefusal(lane, items[msgIndex]!.p, log);
      items.forEach((it, i) => {
        if (i !== msgIndex) it.p.nextAt = 0;
      });
    } else if (items.length === 1) {
      this.onHubRefusal(lane, items[0]!.p, log);
    } else {
      // Cannot tell which message: re-check each against the hub and resend.
      for (const it of items) {
        it.p.recheck = true;
        it.p.nextAt = 0;
      }
    }
  }

  /** Sends MsgConfirmFinality for hub-bound leaves covered by the latest final quorum. */
  private async confirmFinality(lane: EvmLane): Promise<void> {
    if (lane.final === undefined) return;
    const cur = this.store.cursor(lane.key);
    // Only leaves this relayer has indexed can be proved.
    const q = latestQuorum(lane.final, lane.origin, lane.merkleTreeHook, cur.finalNext);
    if (q === undefined || q.checkpoint.index >= lane.tree.count) return;
    const count = q.checkpoint.index + 1;
    if (lane.tree.rootAt(count) !== q.checkpoint.root) {
      throw new AgentError(
        'AGENT_ORIGIN_INCONSISTENT',
        `origin ${lane.origin}: final checkpoint ${q.checkpoint.index} root ${q.checkpoint.root} differs from the indexed tree`,
        { domain: lane.origin, index: q.checkpoint.index },
      );
    }
    const leaves: number[] = [];
    for (let i = cur.finalNext; i < count; i++) if (lane.hubBound.has(i)) leaves.push(i);
    const per = Math.min(MAX_FINALITY_PROOFS, this.opts.finalityBatch ?? 40);
    for (let k = 0; k < Math.max(1, leaves.length); k += per) {
      const chunk = leaves.slice(k, k + per);
      if (chunk.length === 0) break;
      const any = confirmFinalityAny({
        relayer: this.opts.hubSigner.address,
        origin: lane.origin,
        root: hexToBytes(q.checkpoint.root, 'root', 32),
        index: q.checkpoint.index,
        messageId: hexToBytes(q.checkpoint.messageId, 'messageId', 32),
        signatures: q.signatures,
        proofs: chunk.map((i) => {
          const proof = lane.tree.proof(i, count);
          const flat = new Uint8Array(32 * proof.length);
          proof.forEach((w, j) => {
            flat.set(hexToBytes(w, 'proof', 32), 32 * j);
          });
          return { messageId: hexToBytes(lane.tree.leaf(i)!, 'leaf', 32), leafIndex: i, proof: flat };
        }),
      });
      const r = await this.sendHubTx([any]);
      const done = r.code === 0 ? await this.awaitHubTx(r.hash) : r;
      if (done === undefined || done.code !== 0) {
        this.opts.logger?.warn(
          { origin: lane.origin, log: done?.log },
          'MsgConfirmFinality refused; retrying later',
        );
        this.m.retries({ origin: lane.origin, reason: parseHubLog(done?.log ?? 'TIMEOUT:').code });
        return;
      }
      this.m.finalized({ origin: lane.origin }, chunk.length);
    }
    this.store.advance(lane.key, 'finalNext', count);
  }

  // ---- hub → EVM ---------------------------------------------------------------------------

  private async indexHub(): Promise<void> {
    const lane = this.hubLane;
    for (;;) {
      const from = this.hubTree.count;
      const page = await this.opts.hub.outbox(from, 100);
      for (const message of page.messages) {
        const n = this.hubTree.count;
        const id = messageId(message);
        this.hubTree.insert(id);
        if (n < lane.next || lane.pending.has(n)) continue;
        let destination = -1;
        try {
          destination = decodeMessage(message).destination;
        } catch {
          // Recorded as malformed when its turn comes.
        }
        lane.pending.set(n, { index: n, id, message, destination, attempts: 0, nextAt: 0, recheck: true });
      }
      if (page.messages.length === 0 || this.hubTree.count >= page.count) break;
    }
    lane.known = this.hubTree.count;
  }

  private async ismOf(route: EvmRoute, recipient: Address, message: Uint8Array) {
    const key = `${route.chain.metadata.domainId}/${recipient}`;
    let c = this.ismCache.get(key);
    if (c === undefined) {
      const mailbox = route.chain.addresses.mailbox as Address;
      const ism = await route.client.readContract({
        address: mailbox,
        abi: MAILBOX_ABI,
        functionName: 'recipientIsm',
        args: [recipient],
      });
      const [validators, threshold] = await route.client.readContract({
        address: ism,
        abi: MULTISIG_ISM_ABI,
        functionName: 'validatorsAndThreshold',
        args: [bytesToHex(message)],
      });
      const moduleType = await route.client.readContract({
        address: ism,
        abi: MULTISIG_ISM_ABI,
        functionName: 'moduleType',
      });
      c = { validators: validators.map((v) => v.toLowerCase() as Hex), threshold, moduleType };
      this.ismCache.set(key, c);
    }
    return c;
  }

  private hubMetadata(
    p: Pending,
    ism: { validators: Hex[]; threshold: number; moduleType: number },
  ): Uint8Array {
    const set: ValidatorSet = {
      validators: ism.validators,
      threshold: ism.threshold,
      locations: this.opts.hubValidatorLocations ?? new Map(),
    };
    if (ism.moduleType === 4) {
      const q = latestQuorum(set, HUB_DOMAIN, HUB_TREE_HOOK, p.index);
      if (q === undefined || q.checkpoint.index >= this.hubTree.count) {
        throw new AgentError(
          'AGENT_SIGNATURES_BELOW_THRESHOLD',
          `no hub quorum at or after leaf ${p.index}`,
          {
            index: p.index,
          },
        );
      }
      return encodeMerkleRootMultisigMetadata({
        merkleTreeHook: HUB_TREE_HOOK,
        messageIndex: p.index,
        signedMessageId: q.checkpoint.messageId,
        proof: this.hubTree.proof(p.index, q.checkpoint.index + 1),
        signedIndex: q.checkpoint.index,
        signatures: q.signatures,
      });
    }
    const q = gatherQuorum(set, HUB_DOMAIN, HUB_TREE_HOOK, p.index, p.id);
    return encodeMessageIdMultisigMetadata({
      merkleTreeHook: HUB_TREE_HOOK,
      root: q.checkpoint.root,
      index: p.index,
      signatures: q.signatures,
    });
  }

  private async deliverFromHub(): Promise<void> {
    const lane = this.hubLane;
    const now = this.now();
    const due = [...lane.pending.values()].filter((p) => p.nextAt <= now).sort((a, b) => a.index - b.index);
    const byChain = new Map<number, { p: Pending; metadata: Uint8Array; route: EvmRoute }[]>();
    // Re-checks against the destination first, all at once (restart, failed sends).
    await Promise.all(
      due.map(async (p) => {
        const route = this.byDomain.get(p.destination);
        if (!p.recheck || route === undefined) return;
        try {
          const done = await route.client.readContract({
            address: route.chain.addresses.mailbox as Address,
            abi: MAILBOX_ABI,
            functionName: 'delivered',
            args: [p.id],
          });
          p.recheck = false;
          if (done) this.settle(lane, p, 'delivered_elsewhere');
        } catch (e) {
          this.retryLater(lane, p, `AGENT_TRANSIENT: ${(e as Error).message.slice(0, 200)}`);
        }
      }),
    );
    for (const p of due) {
      if (!lane.pending.has(p.index) || p.nextAt > now) continue;
      const route = this.byDomain.get(p.destination);
      if (p.destination < 0) {
        this.failPermanently(lane, p, 'malformed', 'message does not decode');
        continue;
      }
      if (route?.wallet === undefined) {
        this.failPermanently(
          lane,
          p,
          'unknown_destination',
          `no chain with a sender key is configured for domain ${p.destination}`,
        );
        continue;
      }
      try {
        const recipient = bytes32ToAddress(p.message.subarray(45, 77)) as Address;
        const ism = await this.ismOf(route, recipient, p.message);
        const metadata = this.hubMetadata(p, ism);
        let list = byChain.get(p.destination);
        if (list === undefined) {
          list = [];
          byChain.set(p.destination, list);
        }
        list.push({ p, metadata, route });
      } catch (e) {
        if (isAgentError(e, 'AGENT_SIGNATURES_BELOW_THRESHOLD')) {
          p.nextAt = now + (this.opts.awaitSignaturesMs ?? 250);
          continue;
        }
        this.retryLater(lane, p, `AGENT_TRANSIENT: ${(e as Error).message.slice(0, 200)}`);
      }
    }
    await Promise.all([...byChain.values()].map((items) => this.processOnEvm(items)));
  }

  /** Simulates, sends (pipelined nonces) and awaits `Mailbox.process` for messages to one chain. */
  private async processOnEvm(items: { p: Pending; metadata: Uint8Array; route: EvmRoute }[]): Promise<void> {
    const lane = this.hubLane;
    const route = items[0]!.route;
    const wallet = route.wallet!;
    const mailbox = route.chain.addresses.mailbox as Address;
    const domain = route.chain.metadata.domainId;
    // A first attempt is sent straight away (a revert is caught from its receipt and the message
    // re-checked); a retry is simulated first, so a revert tells why without spending gas.
    const ok: typeof items = items.filter((it) => it.p.attempts === 0);
    await Promise.all(
      items
        .filter((it) => it.p.attempts > 0)
        .map(async (it) => {
          try {
            await route.client.simulateContract({
              account: wallet.account,
              address: mailbox,
              abi: MAILBOX_ABI,
              functionName: 'process',
              args: [bytesToHex(it.metadata), bytesToHex(it.p.message)],
            });
            ok.push(it);
          } catch (e) {
            this.onEvmRevert(it.p, revertReason(e));
          }
        }),
    );
    if (ok.length === 0) return;
    ok.sort((a, b) => a.p.index - b.p.index);
    let nonce =
      this.evmNonce.get(domain) ??
      (await route.client.getTransactionCount({ address: wallet.account.address, blockTag: 'pending' }));
    const sent: { it: (typeof items)[number]; hash: Hex }[] = [];
    // Fees once per batch: with gas, nonce and fees given, each send is one signed raw tx, no lookups.
    const fees = await route.client.estimateFeesPerGas();
    const gas = this.opts.processGas ?? 1_000_000n;
    const account = wallet.account;
    if (account.type === 'local') {
      // A local key signs every tx here and they go out in JSON-RPC batches of raw txs (one round
      // trip per batch, as the baseline does), in nonce order.
      const chainId = Number(route.chain.metadata.chainId);
      const raws = await Promise.all(
        ok.map((it, k) =>
          account.signTransaction({
            type: 'eip1559',
            chainId,
            nonce: nonce + k,
            to: mailbox,
            gas,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
            data: encodeFunctionData({
              abi: MAILBOX_ABI,
              functionName: 'process',
              args: [bytesToHex(it.metadata), bytesToHex(it.p.message)],
            }),
          }),
        ),
      );
      const url = route.chain.metadata.rpcUrls[0]!.http;
      let failed = false;
      for (let k = 0; k < ok.length; k += EVM_RAW_BATCH) {
        const chunk = ok.slice(k, k + EVM_RAW_BATCH);
        let answers: { id: number; result?: Hex; error?: { message?: string } }[] = [];
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(
              chunk.map((_, j) => ({
                jsonrpc: '2.0',
                id: k + j,
                method: 'eth_sendRawTransaction',
                params: [raws[k + j]],
              })),
            ),
          });
          answers = (await res.json()) as typeof answers;
        } catch (e) {
          answers = chunk.map((_, j) => ({ id: k + j, error: { message: (e as Error).message } }));
        }
        const byId = new Map(answers.map((a) => [a.id, a]));
        chunk.forEach((it, j) => {
          const a = byId.get(k + j);
          if (a?.result !== undefined) {
            sent.push({ it, hash: a.result });
            this.m.txs({ chain: domain, code: 0 });
          } else {
            failed = true;
            it.p.recheck = true;
            this.retryLater(lane, it.p, `AGENT_TRANSIENT: ${a?.error?.message ?? 'no answer'}`.slice(0, 200));
          }
        });
      }
      if (failed) await this.refreshNonce(route, domain);
      else this.evmNonce.set(domain, nonce + ok.length);
      await this.awaitEvm(sent, route, mailbox);
      return;
    }
    for (const it of ok) {
      try {
        const hash = await wallet.writeContract({
          address: mailbox,
          abi: MAILBOX_ABI,
          functionName: 'process',
          args: [bytesToHex(it.metadata), bytesToHex(it.p.message)],
          gas,
          nonce,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        });
        nonce++;
        sent.push({ it, hash });
        this.m.txs({ chain: domain, code: 0 });
      } catch (e) {
        // A nonce race or a node hiccup: re-read the nonce next time.
        this.evmNonce.delete(domain);
        this.retryLater(lane, it.p, `AGENT_TRANSIENT: ${revertReason(e).slice(0, 200)}`);
        it.p.recheck = true;
        await this.refreshNonce(route, domain);
        return this.awaitEvm(sent, route, mailbox);
      }
    }
    this.evmNonce.set(domain, nonce);
    await this.awaitEvm(sent, route, mailbox);
  }

  private async refreshNonce(route: EvmRoute, domain: number): Promise<void> {
    this.evmNonce.set(
      domain,
      await route.client.getTransactionCount({ address: route.wallet!.account.address, blockTag: 'pending' }),
    );
  }

  private async awaitEvm(
    sent: { it: { p: Pending }; hash: Hex }[],
    route: EvmRoute,
    mailbox: Address,
  ): Promise<void> {
    const lane = this.hubLane;
    // Sends from one account are mined in nonce order: wait for the last, then read them all.
    const lastHash = sent[sent.length - 1]?.hash;
    if (lastHash !== undefined) {
      await route.client
        .waitForTransactionReceipt({ hash: lastHash, pollingInterval: 50, timeout: 60_000 })
        .catch(() => undefined);
    }
    await Promise.all(
      sent.map(async ({ it, hash }) => {
        try {
          const r = await route.client.waitForTransactionReceipt({
            hash,
            pollingInterval: 50,
            timeout: 60_000,
          });
          if (r.status === 'success') {
            this.settle(lane, it.p, 'delivered');
            return;
          }
          const done = await route.client.readContract({
            address: mailbox,
            abi: MAILBOX_ABI,
            functionName: 'delivered',
            args: [it.p.id],
          });
          if (done) this.settle(lane, it.p, 'delivered_elsewhere');
          else this.retryLater(lane, it.p, `process reverted in ${hash}`);
        } catch (e) {
          it.p.recheck = true;
          this.retryLater(lane, it.p, `AGENT_TRANSIENT: ${(e as Error).message.slice(0, 200)}`);
        }
      }),
    );
  }

  /** Classifies a simulated `Mailbox.process` revert. */
  private onEvmRevert(p: Pending, reason: string): void {
    const lane = this.hubLane;
    if (/already delivered/i.test(reason)) this.settle(lane, p, 'delivered_elsewhere');
    else if (/bad version|unexpected destination/i.test(reason))
      this.failPermanently(lane, p, 'rejected', reason);
    else if (/ISM|threshold|signature|ECDSA|verif/i.test(reason)) this.retryLater(lane, p, `ISM: ${reason}`);
    else {
      // The recipient reverts: paused vault, say. Retried on the schedule, then listed.
      p.attempts++;
      p.lastError = reason;
      this.m.retries({ origin: lane.origin, reason: 'recipient' });
      if (p.attempts >= (this.opts.maxAttempts ?? 12))
        this.failPermanently(lane, p, 'recipient_reverts', reason);
      else p.nextAt = this.now() + retryDelayMs(p.attempts, this.opts.retry);
    }
  }

  // ---- loop --------------------------------------------------------------------------------

  /** One pass over every lane. Errors of one lane do not stop the others. */
  async tick(): Promise<void> {
    const lanes = this.opts.lanes ?? {};
    const work: Promise<void>[] = [];
    if (lanes.toHub !== false || lanes.finality !== false) {
      for (const lane of this.evmLanes) {
        work.push(
          (async () => {
            await this.resolveSets(lane);
            await this.indexEvm(lane);
            if (lanes.toHub !== false) await this.deliverToHub(lane);
            if (lanes.finality !== false) await this.confirmFinality(lane);
          })().catch((e) => this.laneError(lane, e)),
        );
      }
    }
    if (lanes.fromHub !== false) {
      work.push(
        (async () => {
          await this.indexHub();
          await this.deliverFromHub();
        })().catch((e) => this.laneError(this.hubLane, e)),
      );
    }
    await Promise.all(work);
    for (const l of [...this.evmLanes, this.hubLane]) {
      this.m.cursor({ origin: l.origin }, l.next);
      this.m.pending({ origin: l.origin }, l.pending.size);
    }
    this.store.flush();
  }

  private laneError(lane: Lane, e: unknown): void {
    this.m.retries({ origin: lane.origin, reason: 'lane' });
    this.opts.logger?.warn(
      { lane: lane.key, err: (e as Error).message },
      'relayer lane pass failed; retrying',
    );
    if (!(e instanceof Error)) throw e;
  }

  /** True when nothing is pending on any lane (tests wait for it). */
  get idle(): boolean {
    return [...this.evmLanes, this.hubLane].every((l) => l.pending.size === 0);
  }

  /** Runs ticks every `pollMs` until {@link stop}. */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.tick();
        if (!this.running) break;
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.opts.pollMs ?? 200);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    })();
  }

  /** Stops after the current tick and flushes the store. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.store.flush();
  }
}
