/**
 * The business half of a delivered message: DEPOSIT credits the ledger, POSITION and ACK are
 * recorded (their margin effects arrive with the unified-margin issue). Nothing here throws for
 * bad input: a body that cannot be applied is an expected outcome, recorded as the message's
 * `result` with an event, and the delivery stands (DESIGN "Hyperlane, both ways"). Also the
 * provisional → final transition MsgConfirmFinality drives.
 */
import {
  ACK_STATUS,
  type AckPayload,
  BridgeError,
  bytesToHex,
  type DepositPayload,
  decodeInboundPayload,
  hexToBytes,
  type InboundPayload,
  PAYLOAD_KIND,
  POSITION_SIDE,
  type PositionPayload,
} from '../../bridge/index.ts';
import type { StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { bech32FromBytes, bytesEqual, toChecksumAddress } from '../crypto.ts';
import {
  accountHolder,
  addBalance,
  collateralDenom,
  evmHolder,
  HOLDER,
  moveStage,
  STAGE,
} from '../ledger/index.ts';
import { listingOf, readMarginConfig } from '../margin/config.ts';
import {
  applyFinalAck,
  applyFinalRealisedPnl,
  fitsProvisionalCap,
  queuePending,
  recordDepositCredit,
  recordDepositFinal,
  unqueuePending,
} from '../margin/flows.ts';
import { deleteClose, getClose, getOpenInterest, setOpenInterest } from '../margin/records.ts';
import type { InboundMessage, PositionRecord, PositionReport, Settlement } from './codec.ts';
import type { OriginRuntime } from './config.ts';
import { readBridge } from './config.ts';
import { RESULT, SETTLEMENT_STATUS } from './constants.ts';
import { markHeld, resolveDepositor } from './holds.ts';
import { heldPendingKey } from './keys.ts';
import { dispatchSettlement, nextSettlementId } from './outbox.ts';
import { getPosition, getSettlement, setPosition, setSettlement } from './records.ts';

/** What a body application needs besides state. */
export interface InboundContext {
  height: bigint;
  /** Block time, unix ms. */
  timeMs: bigint;
  origin: OriginRuntime;
  events: Event[];
}

const holderText = (holder: Uint8Array) =>
  holder[0] === HOLDER.ACCOUNT ? bech32FromBytes(holder.subarray(1)) : toChecksumAddress(holder.subarray(1));

/**
 * Applies a delivered message's body to state and fills `rec.kind`, `rec.result`,
 * `rec.resultDetail` and the credit fields. `rec.stage` must be set already.
 */
export function applyInboundBody(state: StateView, ctx: InboundContext, rec: InboundMessage): void {
  let payload: InboundPayload;
  try {
    payload = decodeInboundPayload(rec.body);
  } catch (e) {
    if (!(e instanceof BridgeError)) throw e;
    rec.kind = rec.body[0] ?? 0;
    rec.result = RESULT.PAYLOAD_INVALID;
    rec.resultDetail = e.message;
    return;
  }
  rec.kind = PAYLOAD_KIND[payload.kind];
  const fromVault = bytesEqual(rec.sender, ctx.origin.vault);
  switch (payload.kind) {
    case 'DEPOSIT':
      if (fromVault) applyDeposit(state, ctx, rec, payload);
      else notFromSender(rec, 'DEPOSIT', 'adapter');
      return;
    case 'POSITION':
      if (fromVault) notFromSender(rec, 'POSITION', 'vault');
      else applyPosition(state, ctx, rec, payload);
      return;
    case 'ACK':
      applyAck(state, ctx, rec, payload);
      return;
  }
}

function notFromSender(rec: InboundMessage, kind: string, who: string): void {
  rec.result = RESULT.KIND_NOT_FROM_SENDER;
  rec.resultDetail = `${kind} from the enrolled ${who}, which never sends it`;
}

function refundUnknownToken(
  state: StateView,
  ctx: InboundContext,
  rec: InboundMessage,
  p: DepositPayload,
): void {
  if (p.amount === 0n || rec.settlementId.length > 0) return;
  const sid = nextSettlementId(state);
  const d = dispatchSettlement(state, ctx.height, {
    destination: ctx.origin.domain,
    recipient: ctx.origin.vault,
    payload: {
      kind: 'RELEASE',
      settlementId: bytesToHex(sid),
      token: p.token,
      recipient: p.depositor,
      amount: p.amount,
      toMarket: false,
    },
    cause: rec.messageId,
  });
  rec.settlementId = sid;
  ctx.events.push(d.event);
}

function applyDeposit(state: StateView, ctx: InboundContext, rec: InboundMessage, p: DepositPayload): void {
  const token = ctx.origin.tokens.get(p.token);
  if (token === undefined) {
    rec.result = RESULT.DEPOSIT_TOKEN_UNKNOWN;
    rec.resultDetail = `token ${p.token} is not in origin ${ctx.origin.domain}'s registry; refunded by a RELEASE once final`;
    // A refund is a withdrawal: only from a final deposit (a provisional one may be reorged away).
    if (rec.stage === STAGE.FINAL) refundUnknownToken(state, ctx, rec, p);
    return;
  }
  const depositor = hexToBytes(p.depositor, 'depositor', 20);
  const account = resolveDepositor(state, depositor, ctx.events);
  const holder = account !== undefined ? accountHolder(account) : evmHolder(depositor);
  if (
    rec.stage === STAGE.PROVISIONAL &&
    !fitsProvisionalCap(state, ctx.origin.domain, token.token, p.amount)
  ) {
    // Over the domain's provisional cap: nothing counts until the final tier attests it.
    rec.result = RESULT.DEPOSIT_AWAITING_FINAL;
    rec.resultDetail = `provisional credit from domain ${ctx.origin.domain} is at its cap; credited when final`;
    queuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId, ctx.origin.domain);
    return;
  }
  addBalance(state, holder, ctx.origin.domain, token.token, rec.stage, p.amount);
  recordDepositCredit(state, ctx.origin.domain, token.token, rec.stage, p.amount);
  if (rec.stage === STAGE.PROVISIONAL)
    queuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId, ctx.origin.domain);
  if (account === undefined) {
    markHeld(state, depositor);
    if (rec.stage === STAGE.PROVISIONAL)
      state.set(heldPendingKey(depositor, rec.messageId), new Uint8Array(0));
  }
  rec.result = account !== undefined ? RESULT.DEPOSIT_CREDITED : RESULT.DEPOSIT_HELD;
  rec.holder = holder;
  rec.token = token.token;
  rec.amount = p.amount.toString();
  ctx.events.push({
    type: 'hyperlane.deposit',
    attributes: [
      { key: 'message_id', value: bytesToHex(rec.messageId) },
      { key: 'holder', value: holderText(holder) },
      { key: 'denom', value: collateralDenom(ctx.origin.domain, token.token, rec.stage) },
      { key: 'amount', value: p.amount.toString() },
    ],
  });
}

function reportOf(p: PositionPayload, rec: InboundMessage, stage: number, height: bigint): PositionReport {
  return {
    messageId: rec.messageId,
    sequence: p.sequence,
    size: p.size.toString(),
    side: POSITION_SIDE[p.side],
    entryPrice: p.entryPrice.toString(),
    fundingIndex: p.fundingIndex.toString(),
    realisedPnl: p.realisedPnl.toString(),
    stage,
    height,
  };
}

function applyPosition(state: StateView, ctx: InboundContext, rec: InboundMessage, p: PositionPayload): void {
  const owner = hexToBytes(p.owner, 'owner', 20);
  const instrumentId = hexToBytes(p.instrumentId, 'instrumentId', 32);
  const pos: PositionRecord = getPosition(state, ctx.origin.domain, owner, instrumentId) ?? {
    domain: ctx.origin.domain,
    owner,
    instrumentId,
    latest: undefined,
    latestFinal: undefined,
    realisedPnlProvisional: '0',
    realisedPnlFinal: '0',
    reports: 0n,
  };
  const report = reportOf(p, rec, rec.stage, ctx.height);
  const prevLatest = pos.latest;
  // Every report's realised P&L is money that moved on the origin (gains were paid into the vault
  // in the reporting tx), so it counts even when the report's position state is stale.
  if (rec.stage === STAGE.FINAL)
    pos.realisedPnlFinal = (BigInt(pos.realisedPnlFinal) + p.realisedPnl).toString();
  else pos.realisedPnlProvisional = (BigInt(pos.realisedPnlProvisional) + p.realisedPnl).toString();
  const newer = pos.latest === undefined || p.sequence > pos.latest.sequence;
  if (newer) pos.latest = report;
  if (rec.stage === STAGE.FINAL && (pos.latestFinal === undefined || p.sequence > pos.latestFinal.sequence)) {
    pos.latestFinal = report;
  }
  pos.reports += 1n;
  setPosition(state, pos);
  if (newer) updateOpenInterest(state, ctx.origin.domain, instrumentId, prevLatest, report);
  if (rec.stage === STAGE.FINAL) realise(state, ctx, owner, instrumentId, p.realisedPnl, rec.messageId);
  else queuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId, ctx.origin.domain);
  rec.result = newer ? RESULT.POSITION_RECORDED : RESULT.POSITION_STALE;
  if (!newer)
    rec.resultDetail = `sequence ${p.sequence} is not above the latest applied ${pos.latest!.sequence}`;
  ctx.events.push({
    type: 'hyperlane.position',
    attributes: [
      { key: 'message_id', value: bytesToHex(rec.messageId) },
      { key: 'owner', value: toChecksumAddress(owner) },
      { key: 'instrument_id', value: p.instrumentId },
      { key: 'sequence', value: p.sequence.toString() },
      { key: 'size', value: p.size.toString() },
      { key: 'side', value: p.side },
      { key: 'realised_pnl', value: p.realisedPnl.toString() },
      { key: 'applied', value: String(newer) },
    ],
  });
}

function applyAck(state: StateView, ctx: InboundContext, rec: InboundMessage, p: AckPayload): void {
  const sid = hexToBytes(p.settlementId, 'settlementId', 32);
  rec.settlementId = sid;
  const s = getSettlement(state, sid);
  if (s === undefined) {
    rec.result = RESULT.ACK_UNKNOWN_SETTLEMENT;
    rec.resultDetail = `settlement ${p.settlementId} was never dispatched by the hub`;
  } else if (s.destination !== ctx.origin.domain || !bytesEqual(s.recipient, rec.sender)) {
    rec.result = RESULT.ACK_WRONG_SOURCE;
    rec.resultDetail = `settlement ${p.settlementId} went to ${s.destination}/${bytesToHex(s.recipient)}, the ACK came from ${ctx.origin.domain}/${bytesToHex(rec.sender)}`;
  } else if (s.ackStatus !== 0) {
    rec.result = RESULT.ACK_DUPLICATE;
    rec.resultDetail = `settlement ${p.settlementId} was acknowledged already by ${bytesToHex(s.ackMessageId)}`;
  } else {
    s.ackStatus = ACK_STATUS[p.status];
    s.ackStage = rec.stage;
    s.ackMessageId = rec.messageId;
    s.ackDetail = hexToBytes(p.detail, 'detail');
    s.ackedHeight = ctx.height;
    s.status = p.status === 'CANCELLED' ? SETTLEMENT_STATUS.CANCELLED : SETTLEMENT_STATUS.ACKNOWLEDGED;
    setSettlement(state, s);
    rec.result = RESULT.ACK_RECORDED;
    if (rec.stage === STAGE.FINAL) ackFinal(state, ctx, s);
    else queuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId, ctx.origin.domain);
  }
  ctx.events.push({
    type: 'hyperlane.ack',
    attributes: [
      { key: 'message_id', value: bytesToHex(rec.messageId) },
      { key: 'settlement_id', value: p.settlementId },
      { key: 'status', value: p.status },
      { key: 'result', value: String(rec.result) },
    ],
  });
}

/**
 * Makes a delivered provisional message final: moves its credit from the provisional to the final
 * stage where it now is (following a hold that moved to an account), marks its POSITION report or
 * ACK final, and dispatches the refund an unknown-token deposit waited for. `rec` is updated in
 * place (stage, finalized height); the caller writes it.
 */
export function finalizeInbound(state: StateView, ctx: InboundContext, rec: InboundMessage): void {
  if (rec.stage === STAGE.EXPIRED || rec.result === RESULT.DEPOSIT_AWAITING_FINAL) {
    if (rec.stage !== STAGE.EXPIRED)
      unqueuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId);
    // Reverted at its timeout; the same id attested final now: apply it afresh, as final.
    rec.stage = STAGE.FINAL;
    rec.finalizedHeight = ctx.height;
    rec.holder = new Uint8Array(0);
    rec.token = new Uint8Array(0);
    rec.amount = '';
    applyInboundBody(state, ctx, rec);
    ctx.events.push({
      type: 'hyperlane.finalized',
      attributes: [
        { key: 'message_id', value: bytesToHex(rec.messageId) },
        { key: 'after_expiry', value: 'true' },
      ],
    });
    return;
  }
  rec.stage = STAGE.FINAL;
  rec.finalizedHeight = ctx.height;
  if (rec.kind === PAYLOAD_KIND.DEPOSIT && rec.amount !== '') {
    let holder = rec.holder;
    if (holder[0] === HOLDER.EVM_HOLD) {
      const evm = holder.subarray(1);
      const account = resolveDepositor(state, evm, ctx.events);
      if (account !== undefined) holder = accountHolder(account);
      else state.delete(heldPendingKey(evm, rec.messageId));
      rec.holder = holder;
    }
    const amount = BigInt(rec.amount);
    moveStage(state, holder, rec.origin, rec.token, STAGE.PROVISIONAL, STAGE.FINAL, amount);
    recordDepositFinal(state, rec.origin, rec.token, amount);
    unqueuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId);
    ctx.events.push({
      type: 'hyperlane.finalized',
      attributes: [
        { key: 'message_id', value: bytesToHex(rec.messageId) },
        { key: 'holder', value: holderText(holder) },
        { key: 'denom', value: collateralDenom(rec.origin, rec.token, STAGE.FINAL) },
        { key: 'amount', value: rec.amount },
      ],
    });
    return;
  }
  if (rec.result === RESULT.DEPOSIT_TOKEN_UNKNOWN) {
    const p = decodeInboundPayload(rec.body) as DepositPayload;
    refundUnknownToken(state, ctx, rec, p);
  } else if (
    rec.kind === PAYLOAD_KIND.POSITION &&
    rec.result !== RESULT.PAYLOAD_INVALID &&
    rec.result !== RESULT.KIND_NOT_FROM_SENDER
  ) {
    const p = decodeInboundPayload(rec.body) as PositionPayload;
    const owner = hexToBytes(p.owner, 'owner', 20);
    const instrumentId = hexToBytes(p.instrumentId, 'instrumentId', 32);
    const pos = getPosition(state, rec.origin, owner, instrumentId);
    if (pos !== undefined) {
      pos.realisedPnlProvisional = (BigInt(pos.realisedPnlProvisional) - p.realisedPnl).toString();
      pos.realisedPnlFinal = (BigInt(pos.realisedPnlFinal) + p.realisedPnl).toString();
      if (pos.latest !== undefined && bytesEqual(pos.latest.messageId, rec.messageId))
        pos.latest.stage = STAGE.FINAL;
      if (pos.latestFinal === undefined || p.sequence > pos.latestFinal.sequence) {
        pos.latestFinal = reportOf(p, rec, STAGE.FINAL, rec.deliveredHeight);
      }
      setPosition(state, pos);
      realise(state, ctx, owner, instrumentId, p.realisedPnl, rec.messageId);
    }
    unqueuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId);
  } else if (rec.kind === PAYLOAD_KIND.ACK && rec.result === RESULT.ACK_RECORDED) {
    const s = getSettlement(state, rec.settlementId);
    if (s !== undefined && bytesEqual(s.ackMessageId, rec.messageId)) {
      s.ackStage = STAGE.FINAL;
      setSettlement(state, s);
      ackFinal(state, ctx, s);
    }
    unqueuePending(state, rec.deliveredTimeMs + ctx.origin.timeoutMs, rec.messageId);
  }
  ctx.events.push({
    type: 'hyperlane.finalized',
    attributes: [{ key: 'message_id', value: bytesToHex(rec.messageId) }],
  });
}

/** Open interest Σ|size| per (domain, instrument), moved by the change of the latest report. */
function updateOpenInterest(
  state: StateView,
  domain: number,
  instrumentId: Uint8Array,
  prev: PositionReport | undefined,
  next: PositionReport,
): void {
  const before = prev === undefined ? 0n : BigInt(prev.size);
  const after = BigInt(next.size);
  if (before === after) return;
  const oi = getOpenInterest(state, domain, instrumentId) + after - before;
  setOpenInterest(state, domain, instrumentId, oi < 0n ? 0n : oi);
}

/**
 * Final realised P&L of a report: credited or debited to the owner's account (or its EVM hold),
 * a loss paid from the vault to the listed market by a RELEASE (chain/margin/flows.ts). Without a
 * margin config (a bridge-only chain) realised P&L is only recorded on the position.
 */
function realise(
  state: StateView,
  ctx: InboundContext,
  owner: Uint8Array,
  instrumentId: Uint8Array,
  pnl: bigint,
  cause: Uint8Array,
): void {
  if (pnl === 0n) return;
  const config = readMarginConfig(state);
  const bridge = readBridge(state);
  if (config === undefined || bridge === undefined) return;
  const listing = listingOf(config, ctx.origin.domain, bytesToHex(instrumentId));
  if (listing === undefined) return;
  const account = resolveDepositor(state, owner, ctx.events);
  const holder = account !== undefined ? accountHolder(account) : evmHolder(owner);
  if (account === undefined) markHeld(state, owner);
  ctx.events.push(
    ...applyFinalRealisedPnl(
      state,
      { height: ctx.height, timeMs: ctx.timeMs, bridge },
      holder,
      ctx.origin.domain,
      hexToBytes(listing.settlementToken, 'settlementToken', 20),
      hexToBytes(listing.market, 'market', 20),
      pnl,
      cause,
    ),
  );
}

/** A settlement's ACK is final: money effects (releases) and the end of a close in flight. */
function ackFinal(state: StateView, ctx: InboundContext, s: Settlement): void {
  const bridge = readBridge(state);
  if (bridge === undefined) return;
  ctx.events.push(...applyFinalAck(state, { height: ctx.height, timeMs: ctx.timeMs, bridge }, s));
  const close = getClose(state, s.settlementId);
  if (close !== undefined) deleteClose(state, close);
}
