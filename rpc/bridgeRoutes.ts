/**
 * REST under `/v1/bridge` for relayers, validators and dashboards: the hub outbox, its checkpoints
 * and proofs, inbound message status, collateral balances by stage, origins, settlements, positions
 * and reorg evidence. Reads the latest committed state; never writes. JSON: integers that may exceed
 * 2^53 and all amounts are decimal strings, u32 values (domains, nonces, indexes) are numbers, bytes
 * are lowercase 0x hex. Errors: `{"error":{"code":"NOT_FOUND"|"BAD_REQUEST","message":"…"}}`.
 * The shapes are documented in chain/hyperlane/README.md "REST".
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  ACK_STATUS,
  decodeAppPayload,
  decodeMessage,
  messageIdBytes,
  PAYLOAD_KIND,
  POSITION_SIDE,
} from '../bridge/index.ts';
import {
  accountHolder,
  balancesOf,
  bech32FromBytes,
  bridgeConfigToJson,
  collateralDenom,
  evmHolder,
  getFinalAttestation,
  getInbound,
  getOriginState,
  getSettlement,
  HOLDER,
  HUB_DOMAIN,
  HUB_RECIPIENT,
  HUB_SENDER,
  HUB_TREE_HOOK,
  type HubCheckpoint,
  type InboundMessage,
  latestOutboundCheckpoint,
  outboundCheckpointAt,
  outboundProof,
  outboxCount,
  outboxMessage,
  outboxNonceOf,
  PositionRecordCodec,
  type PositionReport,
  parseBech32,
  positionPrefix,
  RESULT,
  ReorgEvidenceCodec,
  readBridge,
  reorgPrefix,
  SETTLEMENT_STATUS,
  type Settlement,
  STAGE,
  toChecksumAddress,
  toHex,
} from '../chain/index.ts';
import { fromHex, type HubNode } from './deps.ts';

/** Limits of the bridge routes. */
export const BRIDGE_REST_LIMITS = { maxOutboxPage: 100 } as const;

const hex = (b: Uint8Array) => `0x${toHex(b)}`;
const notFound = (reply: FastifyReply, message: string) =>
  reply.status(404).send({ error: { code: 'NOT_FOUND', message } });
const badRequest = (reply: FastifyReply, message: string) =>
  reply.status(400).send({ error: { code: 'BAD_REQUEST', message } });

function nameOf<T extends Record<string, number>>(table: T, n: number): string {
  for (const [k, v] of Object.entries(table)) if (v === n) return k.toLowerCase();
  return n === 0 ? 'none' : `unknown(${n})`;
}
const stageName = (s: number) => nameOf(STAGE, s);
const kindName = (k: number) => nameOf(PAYLOAD_KIND, k);

function parseU32(s: string | undefined, what: string): number | string | undefined {
  if (s === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(s) || Number(s) > 0xffffffff)
    return `${what} ${JSON.stringify(s.slice(0, 20))} is not a u32`;
  return Number(s);
}
function parseWord(s: string, what: string, bytes: number): Uint8Array | string {
  const b = s.startsWith('0x') ? fromHex(s) : undefined;
  return b !== undefined && b.length === bytes ? b : `${what} must be 0x hex of ${bytes} bytes`;
}

/** A hub checkpoint in Hyperlane's checkpoint JSON shape (`value` of `{index}_with_id.json`, unsigned). */
function checkpointJson(c: HubCheckpoint) {
  return {
    value: {
      checkpoint: {
        merkle_tree_hook_address: c.merkleTreeHook,
        mailbox_domain: c.origin,
        root: c.root,
        index: c.index,
      },
      message_id: c.messageId,
    },
  };
}

function outboxEntry(nonce: number, message: Uint8Array) {
  const m = decodeMessage(message);
  let kind: string | undefined;
  let settlementId: string | undefined;
  try {
    const p = decodeAppPayload(m.body, { direction: 'outbound' });
    kind = p.kind.toLowerCase();
    settlementId = 'settlementId' in p ? p.settlementId : undefined;
  } catch {
    // A body the hub dispatched is always an outbound payload; show the raw message otherwise.
  }
  return {
    nonce,
    index: nonce,
    message_id: hex(messageIdBytes(message)),
    destination: m.destination,
    recipient: m.recipient,
    ...(kind !== undefined ? { kind } : {}),
    ...(settlementId !== undefined ? { settlement_id: settlementId } : {}),
    message: hex(message),
  };
}

function holderJson(holder: Uint8Array): { holder: string; holder_kind: 'account' | 'evm_hold' } | undefined {
  if (holder.length !== 21) return undefined;
  return holder[0] === HOLDER.ACCOUNT
    ? { holder: bech32FromBytes(holder.subarray(1)), holder_kind: 'account' }
    : { holder: toChecksumAddress(holder.subarray(1)), holder_kind: 'evm_hold' };
}

function inboundJson(r: InboundMessage) {
  const resultName = nameOf(RESULT, r.result);
  return {
    direction: 'inbound',
    message_id: hex(r.messageId),
    delivered: true,
    origin: r.origin,
    nonce: r.nonce,
    sender: hex(r.sender),
    kind: kindName(r.kind),
    stage: stageName(r.stage),
    tier: r.tier === 2 ? 'final' : 'fast',
    leaf_index: r.leafIndex,
    result: resultName,
    result_code: r.result,
    result_detail: r.resultDetail,
    relayer: r.relayer,
    delivered_height: r.deliveredHeight.toString(),
    delivered_time_ms: r.deliveredTimeMs.toString(),
    finalized_height: r.finalizedHeight === 0n ? null : r.finalizedHeight.toString(),
    ...(r.amount !== ''
      ? {
          credit: {
            ...holderJson(r.holder),
            domain: r.origin,
            token: hex(r.token),
            amount: r.amount,
            denom: collateralDenom(r.origin, r.token, r.stage),
          },
        }
      : {}),
    ...(r.settlementId.length > 0 ? { settlement_id: hex(r.settlementId) } : {}),
    body: hex(r.body),
  };
}

function settlementJson(s: Settlement) {
  return {
    settlement_id: hex(s.settlementId),
    kind: kindName(s.kind),
    destination: s.destination,
    recipient: hex(s.recipient),
    message_id: hex(s.messageId),
    nonce: s.nonce,
    status: nameOf(SETTLEMENT_STATUS, s.status),
    ack_status: nameOf(ACK_STATUS, s.ackStatus),
    ack_stage: stageName(s.ackStage),
    ack_message_id: s.ackMessageId.length > 0 ? hex(s.ackMessageId) : null,
    ack_detail: hex(s.ackDetail),
    dispatched_height: s.dispatchedHeight.toString(),
    acked_height: s.ackedHeight === 0n ? null : s.ackedHeight.toString(),
    cause: s.cause.length > 0 ? hex(s.cause) : null,
  };
}

function reportJson(r: PositionReport | undefined) {
  if (r === undefined) return null;
  return {
    message_id: hex(r.messageId),
    sequence: r.sequence.toString(),
    size: r.size,
    side: nameOf(POSITION_SIDE, r.side),
    entry_price: r.entryPrice,
    funding_index: r.fundingIndex,
    realised_pnl: r.realisedPnl,
    stage: stageName(r.stage),
    height: r.height.toString(),
  };
}

/** Registers the `/v1/bridge/*` routes. */
export function registerBridgeRoutes(app: FastifyInstance, node: HubNode): void {
  const view = () => node.store.view();
  const height = () => node.height.toString();

  app.get('/v1/bridge/config', async (_req, reply) => {
    const b = readBridge(view());
    if (b === undefined) return notFound(reply, 'this chain has no bridge section in its genesis');
    return {
      ...bridgeConfigToJson(b.config),
      hub_domain: HUB_DOMAIN,
      hub_sender: HUB_SENDER,
      hub_recipient: HUB_RECIPIENT,
      hub_tree_hook: HUB_TREE_HOOK,
    };
  });

  app.get<{ Querystring: { from?: string; limit?: string } }>('/v1/bridge/outbox', async (req, reply) => {
    const from = parseU32(req.query.from, 'from') ?? 0;
    const limit = parseU32(req.query.limit, 'limit') ?? BRIDGE_REST_LIMITS.maxOutboxPage;
    if (typeof from === 'string') return badRequest(reply, from);
    if (typeof limit === 'string') return badRequest(reply, limit);
    if (limit < 1 || limit > BRIDGE_REST_LIMITS.maxOutboxPage) {
      return badRequest(reply, `limit ${limit} is outside 1..${BRIDGE_REST_LIMITS.maxOutboxPage}`);
    }
    const v = view();
    const count = outboxCount(v);
    const end = Math.min(count, from + limit);
    const messages = [];
    for (let n = from; n < end; n++) messages.push(outboxEntry(n, outboxMessage(v, n)!));
    return { count, from, messages, next: end < count ? end : null, height: height() };
  });

  app.get('/v1/bridge/checkpoints/latest', async (_req, reply) => {
    const c = latestOutboundCheckpoint(view(), HUB_TREE_HOOK);
    if (c === undefined) return notFound(reply, 'the hub has dispatched no message yet');
    return { ...checkpointJson(c), height: height() };
  });

  app.get<{ Params: { index: string } }>('/v1/bridge/checkpoints/:index', async (req, reply) => {
    const i = parseU32(req.params.index, 'index');
    if (typeof i !== 'number') return badRequest(reply, i ?? 'index is missing');
    const c = outboundCheckpointAt(view(), i, HUB_TREE_HOOK);
    if (c === undefined)
      return notFound(reply, `no hub checkpoint at index ${i}; count is ${outboxCount(view())}`);
    return { ...checkpointJson(c), height: height() };
  });

  app.get<{ Params: { leaf: string }; Querystring: { checkpoint?: string } }>(
    '/v1/bridge/proof/:leaf',
    async (req, reply) => {
      const leaf = parseU32(req.params.leaf, 'leaf');
      const at = parseU32(req.query.checkpoint, 'checkpoint');
      if (typeof leaf !== 'number') return badRequest(reply, leaf ?? 'leaf is missing');
      if (typeof at === 'string') return badRequest(reply, at);
      const v = view();
      const index = at ?? outboxCount(v) - 1;
      const proof = outboundProof(v, leaf, index);
      if (proof === undefined) {
        return notFound(reply, `no proof of leaf ${leaf} at checkpoint ${index}; count is ${outboxCount(v)}`);
      }
      const c = outboundCheckpointAt(v, index, HUB_TREE_HOOK)!;
      const leafCp = outboundCheckpointAt(v, leaf, HUB_TREE_HOOK)!;
      return {
        leaf_index: leaf,
        message_id: leafCp.messageId,
        checkpoint_index: index,
        root: c.root,
        proof,
        height: height(),
      };
    },
  );

  app.get<{ Params: { id: string } }>('/v1/bridge/messages/:id', async (req, reply) => {
    const id = parseWord(req.params.id, 'message id', 32);
    if (typeof id === 'string') return badRequest(reply, id);
    const v = view();
    const r = getInbound(v, id);
    if (r !== undefined) return { ...inboundJson(r), height: height() };
    const nonce = outboxNonceOf(v, id);
    if (nonce !== undefined) {
      return { direction: 'outbound', ...outboxEntry(nonce, outboxMessage(v, nonce)!), height: height() };
    }
    const a = getFinalAttestation(v, id);
    if (a !== undefined) {
      return {
        direction: 'inbound',
        message_id: hex(id),
        delivered: false,
        final_attested: { origin: a.origin, leaf_index: a.leafIndex, checkpoint_index: a.checkpointIndex },
        height: height(),
      };
    }
    return notFound(reply, `message ${hex(id)} is neither delivered to nor dispatched by the hub`);
  });

  app.get<{ Params: { owner: string }; Querystring: { domain?: string; token?: string; stage?: string } }>(
    '/v1/bridge/balances/:owner',
    async (req, reply) => {
      const o = req.params.owner;
      const account = parseBech32(o);
      const evm = account === undefined ? parseWord(o, 'owner', 20) : undefined;
      if (typeof evm === 'string')
        return badRequest(reply, 'owner must be a umg bech32 account or a 0x EVM address');
      const holder = account !== undefined ? accountHolder(account) : evmHolder(evm!);
      const domain = parseU32(req.query.domain, 'domain');
      if (typeof domain === 'string') return badRequest(reply, domain);
      const token = req.query.token === undefined ? undefined : parseWord(req.query.token, 'token', 20);
      if (typeof token === 'string') return badRequest(reply, token);
      const stage = req.query.stage;
      if (stage !== undefined && stage !== 'provisional' && stage !== 'final') {
        return badRequest(reply, 'stage must be provisional or final');
      }
      const v = view();
      const bridge = readBridge(v);
      const balances = balancesOf(v, holder)
        .filter(
          (e) =>
            (domain === undefined || e.domain === domain) &&
            (token === undefined || toHex(e.token) === toHex(token)) &&
            (stage === undefined || stageName(e.stage) === stage),
        )
        .map((e) => ({
          domain: e.domain,
          token: hex(e.token),
          symbol: bridge?.origins.get(e.domain)?.tokens.get(hex(e.token))?.symbol ?? null,
          stage: stageName(e.stage),
          denom: collateralDenom(e.domain, e.token, e.stage),
          amount: e.amount.toString(),
        }));
      return { owner: o, ...holderJson(holder), balances, height: height() };
    },
  );

  app.get('/v1/bridge/origins', async (_req, reply) => {
    const v = view();
    const b = readBridge(v);
    if (b === undefined) return notFound(reply, 'this chain has no bridge section in its genesis');
    return {
      origins: b.knownOrigins.map((d) => {
        const s = getOriginState(v, d);
        return {
          domain: d,
          name: b.origins.get(d)!.name,
          delivered: s.delivered.toString(),
          finalized: s.finalized.toString(),
          final_checkpoint: s.hasFinalCheckpoint
            ? {
                index: s.finalIndex,
                root: hex(s.finalRoot),
                height: s.finalHeight.toString(),
                time_ms: s.finalTimeMs.toString(),
              }
            : null,
          reorg_severity: s.reorgSeverity,
          reorg_height: s.reorgHeight === 0n ? null : s.reorgHeight.toString(),
        };
      }),
      height: height(),
    };
  });

  app.get<{ Params: { id: string } }>('/v1/bridge/settlements/:id', async (req, reply) => {
    const id = parseWord(req.params.id, 'settlement id', 32);
    if (typeof id === 'string') return badRequest(reply, id);
    const s = getSettlement(view(), id);
    if (s === undefined) return notFound(reply, `settlement ${hex(id)} not found`);
    return { ...settlementJson(s), height: height() };
  });

  app.get<{ Params: { owner: string } }>('/v1/bridge/positions/:owner', async (req, reply) => {
    const owner = parseWord(req.params.owner, 'owner', 20);
    if (typeof owner === 'string') return badRequest(reply, owner);
    const v = view();
    const b = readBridge(v);
    const positions = [];
    for (const d of b?.knownOrigins ?? []) {
      for (const [, raw] of v.entries(positionPrefix(d, owner))) {
        const p = PositionRecordCodec.decode(raw);
        positions.push({
          domain: p.domain,
          owner: toChecksumAddress(p.owner),
          instrument_id: hex(p.instrumentId),
          latest: reportJson(p.latest),
          latest_final: reportJson(p.latestFinal),
          realised_pnl_provisional: p.realisedPnlProvisional,
          realised_pnl_final: p.realisedPnlFinal,
          reports: p.reports.toString(),
        });
      }
    }
    return { owner: toChecksumAddress(owner), positions, height: height() };
  });

  app.get<{ Querystring: { origin?: string } }>('/v1/bridge/reorgs', async (req, reply) => {
    const origin = parseU32(req.query.origin, 'origin');
    if (typeof origin === 'string') return badRequest(reply, origin);
    const evidence = [];
    for (const [, raw] of view().entries(reorgPrefix(origin))) {
      const e = ReorgEvidenceCodec.decode(raw);
      evidence.push({
        origin: e.origin,
        index: e.index,
        root_a: hex(e.rootA),
        root_b: hex(e.rootB),
        severity: e.severity,
        tier_a: e.tierA,
        tier_b: e.tierB,
        signers_a: e.signersA.map(hex),
        signers_b: e.signersB.map(hex),
        submitter: e.submitter,
        height: e.height.toString(),
      });
    }
    return { evidence, height: height() };
  });
}
