/**
 * What the agents need from the hub, behind one interface with two implementations:
 * {@link RestHubApi} talks to a running node over HTTP (CometBFT JSON-RPC `broadcast_tx_sync`, REST
 * `/v1/accounts`, `/v1/txs` and the bridge routes), {@link NodeHubApi} reads an in-process
 * `HubNode` (a hub validator's own follower, tests, the bench).
 */

import { getAccount } from '../../chain/accounts.ts';
import { TxResultCodec } from '../../chain/codec/messages.ts';
import { parseBech32 } from '../../chain/crypto.ts';
import { readBridge } from '../../chain/hyperlane/config.ts';
import { STAGE } from '../../chain/hyperlane/constants.ts';
import { outboxCount, outboxMessage, outboxNonceOf } from '../../chain/hyperlane/outbox.ts';
import { getInbound } from '../../chain/hyperlane/records.ts';
import type { HubNode } from '../../chain/node/hubNode.ts';
import { type Hex, hexToBytes, type MultisigConfig } from '../index.ts';
import { AgentError } from './errors.ts';

/** A hub account's number and sequence. */
export interface HubAccount {
  readonly accountNumber: bigint;
  readonly sequence: bigint;
}

/** CheckTx's answer to a broadcast. */
export interface BroadcastResult {
  readonly code: number;
  readonly log: string;
  /** Uppercase hex tx hash. */
  readonly hash: string;
}

/** A committed tx's outcome. */
export interface HubTxOutcome {
  readonly height: bigint;
  readonly code: number;
  readonly log: string;
}

/** Delivery state of an inbound message on the hub. */
export interface HubInboundStatus {
  readonly origin: number;
  readonly leafIndex: number;
  /** 1 provisional, 2 final, 3 expired. */
  readonly stage: number;
  readonly final: boolean;
}

/** One origin of the hub's bridge config, as a relayer needs it. */
export interface HubOriginConfig {
  readonly domain: number;
  readonly merkleTreeHook: Hex;
  readonly fast: MultisigConfig;
  readonly final: MultisigConfig;
}

/** The hub, as agents use it. */
export interface HubApi {
  chainId(): Promise<string>;
  account(address: string): Promise<HubAccount | undefined>;
  broadcastTxSync(tx: Uint8Array): Promise<BroadcastResult>;
  /** Undefined while the tx is not committed. */
  txResult(hash: string): Promise<HubTxOutcome | undefined>;
  /** Undefined when the message was not delivered. */
  inboundStatus(messageId: Hex): Promise<HubInboundStatus | undefined>;
  /**
   * The hub outbox: its count (= tree count = next nonce) and the packed messages of nonces
   * `[from, from + messages.length)` (at most `limit`, possibly fewer).
   */
  outbox(from: number, limit: number): Promise<{ count: number; messages: Uint8Array[] }>;
  /** A message the hub dispatched, by id: its nonce (= leaf index) and bytes; undefined when unknown. */
  outboundMessage(messageId: Hex): Promise<{ nonce: number; message: Uint8Array } | undefined>;
  /** The bridge config's origins (ISMs and tree hooks). */
  origins(): Promise<HubOriginConfig[]>;
}

/** In-process implementation over a {@link HubNode} (its committed state). */
export class NodeHubApi implements HubApi {
  constructor(readonly node: HubNode) {}

  async chainId(): Promise<string> {
    return this.node.config.chainId;
  }

  async account(address: string): Promise<HubAccount | undefined> {
    const a = parseBech32(address);
    const acc = a === undefined ? undefined : getAccount(this.node.store.view(), a);
    return acc === undefined ? undefined : { accountNumber: acc.accountNumber, sequence: acc.sequence };
  }

  async broadcastTxSync(tx: Uint8Array): Promise<BroadcastResult> {
    const r = await this.node.checkTx(tx);
    return { code: r.code, log: r.log, hash: Buffer.from(r.hash).toString('hex').toUpperCase() };
  }

  async txResult(hash: string): Promise<HubTxOutcome | undefined> {
    const t = await this.node.store.getTx(hexToBytes(`0x${hash.toLowerCase()}`, 'hash', 32));
    if (t === undefined) return undefined;
    const r = TxResultCodec.decode(t.resultBytes);
    return { height: t.height, code: r.code, log: r.log };
  }

  async inboundStatus(messageId: Hex): Promise<HubInboundStatus | undefined> {
    const r = getInbound(this.node.store.view(), hexToBytes(messageId, 'messageId', 32));
    return r === undefined
      ? undefined
      : { origin: r.origin, leafIndex: r.leafIndex, stage: r.stage, final: r.stage === STAGE.FINAL };
  }

  async outbox(from: number, limit: number): Promise<{ count: number; messages: Uint8Array[] }> {
    const v = this.node.store.view();
    const count = outboxCount(v);
    const messages: Uint8Array[] = [];
    for (let n = from; n < Math.min(count, from + limit); n++) messages.push(outboxMessage(v, n)!);
    return { count, messages };
  }

  async outboundMessage(messageId: Hex): Promise<{ nonce: number; message: Uint8Array } | undefined> {
    const v = this.node.store.view();
    const nonce = outboxNonceOf(v, hexToBytes(messageId, 'messageId', 32));
    return nonce === undefined ? undefined : { nonce, message: outboxMessage(v, nonce)! };
  }

  async origins(): Promise<HubOriginConfig[]> {
    const b = readBridge(this.node.store.view());
    if (b === undefined) return [];
    return [...b.origins.values()].map((o) => ({
      domain: o.domain,
      merkleTreeHook: o.merkleTreeHook,
      fast: { validators: o.fast.validators, threshold: o.fast.threshold },
      final: { validators: o.final.validators, threshold: o.final.threshold },
    }));
  }
}

/** HTTP implementation against a running hub node. */
export class RestHubApi implements HubApi {
  private jsonRpcId = 0;
  private cachedChainId: string | undefined;

  readonly baseUrl: string;

  /** `baseUrl`: the node's RPC/REST root (one port serves both). */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  private async getJson(path: string): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`);
    } catch (e) {
      throw new AgentError('AGENT_TRANSIENT', `hub ${this.baseUrl} unreachable: ${(e as Error).message}`, {
        field: path,
      });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (res.status >= 500) {
      throw new AgentError('AGENT_TRANSIENT', `hub answered ${res.status} to GET ${path}`, { field: path });
    }
    return { status: res.status, body };
  }

  async chainId(): Promise<string> {
    if (this.cachedChainId === undefined) {
      const r = await this.getJson('/v1/status');
      this.cachedChainId = (r.body as { chain_id: string }).chain_id;
    }
    return this.cachedChainId;
  }

  async account(address: string): Promise<HubAccount | undefined> {
    const r = await this.getJson(`/v1/accounts/${address}`);
    if (r.status === 404) return undefined;
    const b = r.body as { account_number: string; sequence: string };
    return { accountNumber: BigInt(b.account_number), sequence: BigInt(b.sequence) };
  }

  async broadcastTxSync(tx: Uint8Array): Promise<BroadcastResult> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: ++this.jsonRpcId,
          method: 'broadcast_tx_sync',
          params: { tx: Buffer.from(tx).toString('base64') },
        }),
      });
    } catch (e) {
      throw new AgentError('AGENT_TRANSIENT', `hub ${this.baseUrl} unreachable: ${(e as Error).message}`);
    }
    const j = (await res.json()) as {
      result?: { code: number; log: string; hash: string };
      error?: { message: string; data?: string };
    };
    if (j.result === undefined) {
      throw new AgentError(
        'AGENT_TRANSIENT',
        `broadcast_tx_sync failed: ${j.error?.message} ${j.error?.data ?? ''}`,
      );
    }
    return { code: j.result.code, log: j.result.log, hash: j.result.hash.toUpperCase() };
  }

  async txResult(hash: string): Promise<HubTxOutcome | undefined> {
    const r = await this.getJson(`/v1/txs/${hash}`);
    if (r.status === 404) return undefined;
    const b = r.body as { height: string; result: { code: number; log: string } };
    return { height: BigInt(b.height), code: b.result.code, log: b.result.log };
  }

  async inboundStatus(messageId: Hex): Promise<HubInboundStatus | undefined> {
    const path = `/v1/bridge/messages/${messageId}`;
    const r = await this.getJson(path);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new AgentError('AGENT_HUB_API_MISSING', `GET ${path} answered ${r.status}`);
    const b = r.body as {
      direction: string;
      delivered: boolean;
      origin: number;
      leaf_index: number;
      stage: string;
    };
    if (b.direction !== 'inbound' || b.delivered !== true) return undefined;
    const stage =
      b.stage === 'final' ? STAGE.FINAL : b.stage === 'provisional' ? STAGE.PROVISIONAL : STAGE.EXPIRED;
    return { origin: b.origin, leafIndex: b.leaf_index, stage, final: stage === STAGE.FINAL };
  }

  async outbox(from: number, limit: number): Promise<{ count: number; messages: Uint8Array[] }> {
    const path = `/v1/bridge/outbox?from=${from}&limit=${Math.min(100, Math.max(1, limit))}`;
    const r = await this.getJson(path);
    if (r.status !== 200) throw new AgentError('AGENT_HUB_API_MISSING', `GET ${path} answered ${r.status}`);
    const b = r.body as { count: number; messages: { nonce: number; message: string }[] };
    const messages: Uint8Array[] = [];
    for (const m of b.messages) {
      if (m.nonce !== from + messages.length) break;
      messages.push(hexToBytes(m.message, 'message'));
    }
    return { count: b.count, messages };
  }

  async outboundMessage(messageId: Hex): Promise<{ nonce: number; message: Uint8Array } | undefined> {
    const path = `/v1/bridge/messages/${messageId}`;
    const r = await this.getJson(path);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new AgentError('AGENT_HUB_API_MISSING', `GET ${path} answered ${r.status}`);
    const b = r.body as { direction: string; nonce: number; message: string };
    if (b.direction !== 'outbound') return undefined;
    return { nonce: b.nonce, message: hexToBytes(b.message, 'message') };
  }

  async origins(): Promise<HubOriginConfig[]> {
    const r = await this.getJson('/v1/bridge/config');
    if (r.status !== 200)
      throw new AgentError('AGENT_HUB_API_MISSING', `GET /v1/bridge/config answered ${r.status}`);
    const b = r.body as {
      origins: {
        domain: number;
        merkle_tree_hook: string;
        fast_ism: { validators: string[]; threshold: number };
        final_ism: { validators: string[]; threshold: number };
      }[];
    };
    return b.origins.map((o) => ({
      domain: o.domain,
      merkleTreeHook: o.merkle_tree_hook as Hex,
      fast: {
        validators: o.fast_ism.validators.map((v) => v.toLowerCase() as Hex),
        threshold: o.fast_ism.threshold,
      },
      final: {
        validators: o.final_ism.validators.map((v) => v.toLowerCase() as Hex),
        threshold: o.final_ism.threshold,
      },
    }));
  }
}
