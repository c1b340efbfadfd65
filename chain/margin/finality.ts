/**
 * Finality housekeeping of the end-block (DESIGN "Finality"):
 *
 * - a provisional item not final within its origin's timeout becomes `expired` and is reverted
 *   (a deposit's provisional credit removed, a POSITION report undone back to the last final one,
 *   an ACK forgotten); if the same id is later attested final it is applied then (inbound.ts);
 * - reorg evidence recorded in this block: FAST (both sides meet the fast threshold) reverts the
 *   origin's provisional items at or after the index and trips its breaker; SIGNER (one signer
 *   equivocated) only trips the breaker; FINAL (the final tier conflicts) halts the domain;
 * - a domain whose oldest provisional item has waited longer than `haltAfterMs` for the final tier
 *   is halted until the final tier catches up (a stalled origin pauses itself, nothing else);
 * - a dispatched settlement with no ACK by its deadline is re-dispatched under the same id.
 */
import {
  bytesToHex,
  decodeInboundPayload,
  hexToBytes,
  PAYLOAD_KIND,
  type PositionPayload,
} from '../../bridge/index.ts';
import type { StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { type InboundMessage, ReorgEvidenceCodec } from '../hyperlane/codec.ts';
import type { BridgeRuntime } from '../hyperlane/config.ts';
import { REORG_SEVERITY, RESULT } from '../hyperlane/constants.ts';
import { heldPendingKey } from '../hyperlane/keys.ts';
import {
  getInbound,
  getPosition,
  getSettlement,
  setInbound,
  setPosition,
  setSettlement,
} from '../hyperlane/records.ts';
import { PREFIX } from '../keys.ts';
import { addBalance, HOLDER, STAGE } from '../ledger/index.ts';
import { domainParamsOf, type MarginConfig } from './config.ts';
import { recordDepositReverted, redispatchSettlement } from './flows.ts';
import { pendingPrefix, settlementDeadlinePrefix } from './keys.ts';
import { getDomainStatus, getOpenInterest, setDomainStatus, setOpenInterest } from './records.ts';

const u64 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 8).getBigUint64(0);

/** Reverts one provisional inbound message (expiry or reorg) and marks it expired. */
export function revertProvisional(state: StateView, rec: InboundMessage, reason: 'expired' | 'reorg'): Event {
  if (rec.kind === PAYLOAD_KIND.DEPOSIT && rec.amount !== '') {
    const amount = BigInt(rec.amount);
    addBalance(state, rec.holder, rec.origin, rec.token, STAGE.PROVISIONAL, -amount);
    recordDepositReverted(state, rec.origin, rec.token, amount);
    if (rec.holder[0] === HOLDER.EVM_HOLD)
      state.delete(heldPendingKey(rec.holder.subarray(1), rec.messageId));
  } else if (
    rec.kind === PAYLOAD_KIND.POSITION &&
    (rec.result === RESULT.POSITION_RECORDED || rec.result === RESULT.POSITION_STALE)
  ) {
    const p = decodeInboundPayload(rec.body) as PositionPayload;
    const owner = hexToBytes(p.owner, 'owner', 20);
    const instrument = hexToBytes(p.instrumentId, 'instrumentId', 32);
    const pos = getPosition(state, rec.origin, owner, instrument);
    if (pos !== undefined) {
      pos.realisedPnlProvisional = (BigInt(pos.realisedPnlProvisional) - p.realisedPnl).toString();
      const wasLatest = pos.latest !== undefined && bytesEqual(pos.latest.messageId, rec.messageId);
      if (wasLatest) {
        const before = BigInt(pos.latest!.size);
        pos.latest = pos.latestFinal;
        const after = pos.latest === undefined ? 0n : BigInt(pos.latest.size);
        const oi = getOpenInterest(state, rec.origin, instrument) + after - before;
        setOpenInterest(state, rec.origin, instrument, oi < 0n ? 0n : oi);
      }
      setPosition(state, pos);
    }
  } else if (rec.kind === PAYLOAD_KIND.ACK && rec.result === RESULT.ACK_RECORDED) {
    const s = getSettlement(state, rec.settlementId);
    if (s !== undefined && bytesEqual(s.ackMessageId, rec.messageId)) {
      s.ackStatus = 0;
      s.ackStage = 0;
      s.ackMessageId = new Uint8Array(0);
      s.ackDetail = new Uint8Array(0);
      s.ackedHeight = 0n;
      s.status = 2; // DISPATCHED again: the ACK that answered it may never have happened
      setSettlement(state, s);
    }
  }
  rec.stage = STAGE.EXPIRED;
  setInbound(state, rec);
  return {
    type: 'margin.provisional_reverted',
    attributes: [
      { key: 'message_id', value: bytesToHex(rec.messageId) },
      { key: 'origin', value: String(rec.origin) },
      { key: 'kind', value: String(rec.kind) },
      { key: 'reason', value: reason },
    ],
  };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Pending entries (deadline, message id, origin) in deadline order. */
function* pendingEntries(
  state: StateView,
): Generator<{ key: Uint8Array; deadline: bigint; id: Uint8Array; origin: number }> {
  const pre = pendingPrefix();
  for (const [k, v] of state.entries(pre)) {
    yield {
      key: k,
      deadline: u64(k, pre.length),
      id: k.slice(pre.length + 8),
      origin: new DataView(v.buffer, v.byteOffset, 4).getUint32(0),
    };
  }
}

/** Expires provisional items past their deadline. */
export function expireProvisional(state: StateView, timeMs: bigint, events: Event[]): void {
  const due: { key: Uint8Array; id: Uint8Array }[] = [];
  for (const e of pendingEntries(state)) {
    if (e.deadline > timeMs) break;
    due.push(e);
  }
  for (const e of due) {
    state.delete(e.key);
    const rec = getInbound(state, e.id);
    if (rec === undefined || rec.stage !== STAGE.PROVISIONAL) continue;
    events.push(revertProvisional(state, rec, 'expired'));
  }
}

/** Applies reorg evidence recorded in this block (keys under the hyperlane reorg table in `changes`). */
export function applyReorgEvidence(
  state: StateView,
  config: MarginConfig,
  changes: ReadonlyMap<string, Uint8Array | null>,
  timeMs: bigint,
  events: Event[],
): void {
  const prefix = `${PREFIX.hyperlane.toString(16).padStart(2, '0')}0c`;
  for (const [k, v] of changes) {
    if (!k.startsWith(prefix) || v === null) continue;
    const ev = ReorgEvidenceCodec.decode(v);
    const st = getDomainStatus(state, ev.origin);
    const breakerMs = domainParamsOf(config, ev.origin)?.breakerMs ?? 3_600_000n;
    if (ev.severity === REORG_SEVERITY.FINAL) {
      if (!st.haltedByEvidence) st.haltedSinceMs = st.haltedSinceMs === 0n ? timeMs : st.haltedSinceMs;
      st.haltedByEvidence = true;
    }
    if (ev.severity >= REORG_SEVERITY.SIGNER && st.breakerUntilMs < timeMs + breakerMs)
      st.breakerUntilMs = timeMs + breakerMs;
    setDomainStatus(state, st);
    if (ev.severity === REORG_SEVERITY.FAST || ev.severity === REORG_SEVERITY.FINAL) {
      const victims: InboundMessage[] = [];
      for (const e of pendingEntries(state)) {
        if (e.origin !== ev.origin) continue;
        const rec = getInbound(state, e.id);
        if (rec !== undefined && rec.stage === STAGE.PROVISIONAL && rec.leafIndex >= ev.index) {
          victims.push(rec);
          state.delete(e.key);
        }
      }
      for (const rec of victims) events.push(revertProvisional(state, rec, 'reorg'));
    }
    events.push({
      type: 'margin.reorg_effect',
      attributes: [
        { key: 'origin', value: String(ev.origin) },
        { key: 'index', value: String(ev.index) },
        { key: 'severity', value: String(ev.severity) },
        { key: 'breaker_until_ms', value: st.breakerUntilMs.toString() },
        { key: 'halted', value: String(st.haltedByEvidence) },
      ],
    });
  }
}

/** Recomputes stall halts: a domain halts while its oldest provisional item waits > haltAfterMs. */
export function updateStallHalts(
  state: StateView,
  config: MarginConfig,
  bridge: BridgeRuntime,
  timeMs: bigint,
  events: Event[],
): void {
  const oldest = new Map<number, bigint>();
  for (const e of pendingEntries(state)) {
    if (oldest.has(e.origin)) continue;
    const timeout = bridge.origins.get(e.origin)?.timeoutMs ?? 0n;
    oldest.set(e.origin, e.deadline - timeout);
  }
  for (const d of config.domains) {
    const st = getDomainStatus(state, d.domain);
    const since = oldest.get(d.domain);
    const stalled = since !== undefined && timeMs - since > d.haltAfterMs;
    if (stalled === st.haltedByStall) continue;
    st.haltedByStall = stalled;
    if (stalled && !st.haltedByEvidence) st.haltedSinceMs = timeMs;
    if (!stalled && !st.haltedByEvidence) st.haltedSinceMs = 0n;
    setDomainStatus(state, st);
    events.push({
      type: stalled ? 'margin.domain_halted' : 'margin.domain_resumed',
      attributes: [
        { key: 'domain', value: String(d.domain) },
        { key: 'reason', value: 'final tier stalled' },
      ],
    });
  }
}

/** Re-dispatches settlements whose ACK deadline passed. */
export function redispatchExpired(state: StateView, height: bigint, timeMs: bigint, events: Event[]): void {
  const pre = settlementDeadlinePrefix();
  const due: { key: Uint8Array; sid: Uint8Array }[] = [];
  for (const [k] of state.entries(pre)) {
    if (u64(k, pre.length) > timeMs) break;
    due.push({ key: k, sid: k.slice(pre.length + 8) });
  }
  for (const d of due) {
    state.delete(d.key);
    const ev = redispatchSettlement(state, height, timeMs, d.sid);
    if (ev !== undefined) events.push(ev);
  }
}
