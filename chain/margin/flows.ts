/**
 * Money that crosses a vault, as the hub sees it: deposits credited (provisional, then final),
 * realised P&L of mirrored positions, releases (withdrawals and loss payments to markets) from
 * dispatch to their final ACK, re-dispatch on expiry and CANCEL. Every movement keeps the
 * conservation identity of {@link FlowRecord} (codec.ts) per (domain, token):
 *
 *     Σ ledger balances (all holders, all stages) + inFlight = inflow + provisionalInflow − outflow
 *
 * Called by chain/hyperlane/inbound.ts (deliveries and finality), the margin messages and
 * end-block. Pure.
 */
import { ACK_STATUS, bytesToHex, hexToBytes, PAYLOAD_KIND } from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { bech32FromBytes, bytesEqual, toChecksumAddress } from '../crypto.ts';
import type { Settlement } from '../hyperlane/codec.ts';
import type { BridgeRuntime } from '../hyperlane/config.ts';
import { dispatchMessage, dispatchSettlement, nextSettlementId } from '../hyperlane/outbox.ts';
import { getSettlement, setSettlement } from '../hyperlane/records.ts';
import { PREFIX } from '../keys.ts';
import {
  accountHolder,
  addBalance,
  balancesOf,
  HOLDER,
  insuranceHolder,
  type LedgerEntry,
  STAGE,
} from '../ledger/index.ts';
import { FlowRecordCodec, WITHDRAWAL_STATUS, type WithdrawalRecord } from './codec.ts';
import { domainParamsOf, readMarginConfig } from './config.ts';
import { flowPrefix, flowPrefixOf, pendingKey, settlementDeadlineKey } from './keys.ts';
import { assetValueE18 } from './portfolio.ts';
import { addFlow, getFlow, getWithdrawal, setWithdrawal } from './records.ts';

/** Default re-dispatch delay when no margin config is present (ms). */
const DEFAULT_SETTLEMENT_EXPIRY_MS = 600_000n;
/** A failed loss payment is re-sent at most this many times, then parked in the insurance fund. */
const MAX_MARKET_DISPATCHES = 3;

const addr20 = (word32: Uint8Array) => (word32.length === 32 ? word32.subarray(12) : word32);

// ---- deposits ----

/** A deposit credited at `stage`: the vault received it (final) or may have (provisional). */
export function recordDepositCredit(
  state: StateView,
  domain: number,
  token: Uint8Array,
  stage: number,
  amount: bigint,
): void {
  if (stage === STAGE.FINAL) addFlow(state, domain, token, { inflow: amount });
  else addFlow(state, domain, token, { provisionalInflow: amount });
}

/**
 * Whether a provisional credit of `amount` fits under its domain's provisional cap: the domain's
 * outstanding provisional deposits (all tokens, at oracle prices) plus this one, in µUSD. Without
 * a margin config there is no cap.
 */
export function fitsProvisionalCap(
  state: StateReader,
  domain: number,
  token: Uint8Array,
  amount: bigint,
): boolean {
  const config = readMarginConfig(state);
  if (config === undefined) return true;
  const cap = domainParamsOf(config, domain)?.provisionalCapMicro;
  if (cap === undefined) return true;
  let outstanding = assetValueE18(state, config, domain, bytesToHex(token), amount) ?? 0n;
  for (const [k, v] of state.entries(flowPrefixOf(domain))) {
    const f = FlowRecordCodec.decode(v);
    const t = bytesToHex(k.slice(6, 26));
    outstanding += assetValueE18(state, config, domain, t, BigInt(f.provisionalInflow)) ?? 0n;
  }
  return outstanding <= cap * 10n ** 12n;
}

/** A provisional deposit became final. */
export function recordDepositFinal(
  state: StateView,
  domain: number,
  token: Uint8Array,
  amount: bigint,
): void {
  addFlow(state, domain, token, { provisionalInflow: -amount, inflow: amount });
}

/** A provisional deposit was reverted (expired or reorged out). */
export function recordDepositReverted(
  state: StateView,
  domain: number,
  token: Uint8Array,
  amount: bigint,
): void {
  addFlow(state, domain, token, { provisionalInflow: -amount });
}

/** Queues a provisional item for expiry at `deadlineMs` (removed when it becomes final). */
export function queuePending(
  state: StateView,
  deadlineMs: bigint,
  messageId: Uint8Array,
  origin: number,
): void {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, origin);
  state.set(pendingKey(deadlineMs, messageId), v);
}
export function unqueuePending(state: StateView, deadlineMs: bigint, messageId: Uint8Array): void {
  state.delete(pendingKey(deadlineMs, messageId));
}

// ---- releases ----

/** What a release needs. */
export interface ReleaseInput {
  domain: number;
  /** bytes32 or 20-byte vault of the destination. */
  vault: Uint8Array;
  token: Uint8Array;
  recipient: Uint8Array;
  amount: bigint;
  toMarket: boolean;
  /** The account debited ('' = none: a loss payment whose debit happened with the report). */
  account: Uint8Array;
  cause?: Uint8Array;
}

function settlementExpiry(state: StateReader): bigint {
  return readMarginConfig(state)?.settlementExpiryMs ?? DEFAULT_SETTLEMENT_EXPIRY_MS;
}

/**
 * Dispatches a RELEASE from the domain's vault and records it in flight (the debit, if any, is the
 * caller's). Returns the settlement id and the dispatch event.
 */
export function dispatchRelease(
  state: StateView,
  height: bigint,
  timeMs: bigint,
  r: ReleaseInput,
): { settlementId: Uint8Array; messageId: string; event: Event } {
  const sid = nextSettlementId(state);
  const vault32 = r.vault.length === 32 ? r.vault : concat32(r.vault);
  const d = dispatchSettlement(state, height, {
    destination: r.domain,
    recipient: vault32,
    payload: {
      kind: 'RELEASE',
      settlementId: bytesToHex(sid),
      token: bytesToHex(r.token),
      recipient: bytesToHex(r.recipient),
      amount: r.amount,
      toMarket: r.toMarket,
    },
    ...(r.cause !== undefined ? { cause: r.cause } : {}),
  });
  addFlow(state, r.domain, r.token, { inFlight: r.amount });
  const w: WithdrawalRecord = {
    settlementId: sid,
    account: r.account,
    domain: r.domain,
    token: r.token,
    amount: r.amount.toString(),
    recipient: r.recipient,
    status: WITHDRAWAL_STATUS.IN_FLIGHT,
    height,
    toMarket: r.toMarket,
    dispatches: 1,
    cancelId: new Uint8Array(0),
  };
  setWithdrawal(state, w);
  state.set(settlementDeadlineKey(timeMs + settlementExpiry(state), sid), new Uint8Array(0));
  return { settlementId: sid, messageId: d.messageId, event: d.event };
}

function concat32(a20: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(a20, 12);
  return out;
}

/**
 * Re-sends an unacknowledged settlement's message under the same settlement id (a new Hyperlane
 * message; the destination executes an id at most once). Returns the event, or undefined when the
 * settlement is terminal already.
 */
export function redispatchSettlement(
  state: StateView,
  height: bigint,
  timeMs: bigint,
  sid: Uint8Array,
): Event | undefined {
  const s = getSettlement(state, sid);
  if (s === undefined || s.ackStatus !== 0) return undefined;
  const w = getWithdrawal(state, sid);
  // The original body is stored with the outbound message.
  const original = outboundBody(state, s);
  if (original === undefined) return undefined;
  const d = dispatchMessage(state, { destination: s.destination, recipient: s.recipient, body: original });
  s.messageId = hexToBytes(d.messageId, 'messageId', 32);
  s.nonce = d.nonce;
  s.dispatchedHeight = height;
  setSettlement(state, s);
  if (w !== undefined) {
    w.dispatches += 1;
    setWithdrawal(state, w);
  }
  state.set(settlementDeadlineKey(timeMs + settlementExpiry(state), sid), new Uint8Array(0));
  d.event.attributes.push(
    { key: 'settlement_id', value: bytesToHex(sid) },
    { key: 'redispatch', value: 'true' },
  );
  return d.event;
}

function outboundBody(state: StateReader, s: Settlement): Uint8Array | undefined {
  const nonceKey = Uint8Array.of(PREFIX.hyperlane, 0x08, 0, 0, 0, 0);
  new DataView(nonceKey.buffer).setUint32(2, s.nonce);
  const msg = state.get(nonceKey);
  // Packed message: version(1) nonce(4) origin(4) sender(32) destination(4) recipient(32) body.
  return msg === undefined ? undefined : msg.slice(77);
}

/**
 * A settlement's ACK became final (or arrived final): apply its money effect once. RELEASE
 * executed → outflow; failed or cancelled → the debited account gets the amount back (a loss
 * payment to a market is re-sent instead, and after {@link MAX_MARKET_DISPATCHES} parked in the
 * insurance fund). Returns events.
 */
export function applyFinalAck(
  state: StateView,
  ctx: { height: bigint; timeMs: bigint; bridge: BridgeRuntime },
  s: Settlement,
): Event[] {
  const events: Event[] = [];
  if (s.kind !== PAYLOAD_KIND.RELEASE) return events;
  const w = getWithdrawal(state, s.settlementId);
  if (w === undefined || w.status !== WITHDRAWAL_STATUS.IN_FLIGHT) return events;
  const amount = BigInt(w.amount);
  addFlow(state, w.domain, w.token, { inFlight: -amount });
  let outcome: string;
  if (s.ackStatus === ACK_STATUS.EXECUTED) {
    addFlow(state, w.domain, w.token, { outflow: amount });
    w.status = WITHDRAWAL_STATUS.EXECUTED;
    outcome = 'executed';
  } else if (!w.toMarket) {
    addBalance(state, accountHolder(w.account), w.domain, w.token, STAGE.FINAL, amount);
    w.status = WITHDRAWAL_STATUS.RESTORED;
    outcome = s.ackStatus === ACK_STATUS.CANCELLED ? 'cancelled_restored' : 'failed_restored';
  } else {
    w.status = WITHDRAWAL_STATUS.RESTORED;
    const origin = ctx.bridge.origins.get(w.domain);
    if (w.dispatches < MAX_MARKET_DISPATCHES && origin !== undefined) {
      const again = dispatchRelease(state, ctx.height, ctx.timeMs, {
        domain: w.domain,
        vault: origin.vault,
        token: w.token,
        recipient: w.recipient,
        amount,
        toMarket: true,
        account: new Uint8Array(0),
        cause: s.settlementId,
      });
      const nw = getWithdrawal(state, again.settlementId)!;
      nw.dispatches = w.dispatches + 1;
      setWithdrawal(state, nw);
      events.push(again.event);
      outcome = 'market_resent';
    } else {
      addBalance(state, insuranceHolder(), w.domain, w.token, STAGE.FINAL, amount);
      outcome = 'market_parked_in_insurance';
    }
  }
  setWithdrawal(state, w);
  events.push({
    type: 'margin.release_final',
    attributes: [
      { key: 'settlement_id', value: bytesToHex(s.settlementId) },
      { key: 'domain', value: String(w.domain) },
      { key: 'token', value: toChecksumAddress(w.token) },
      { key: 'amount', value: w.amount },
      { key: 'outcome', value: outcome },
      { key: 'account', value: w.account.length === 20 ? bech32FromBytes(w.account) : '' },
    ],
  });
  return events;
}

// ---- realised P&L ----

/**
 * Applies the final realised P&L of a position report of `holder` (an account or an EVM hold):
 * a gain is credited (the market paid the vault in the reporting tx); a loss is debited and paid
 * from the vault to the market by a RELEASE. Returns events.
 */
export function applyFinalRealisedPnl(
  state: StateView,
  ctx: { height: bigint; timeMs: bigint; bridge: BridgeRuntime },
  holder: Uint8Array,
  domain: number,
  token: Uint8Array,
  market: Uint8Array,
  pnl: bigint,
  cause: Uint8Array,
): Event[] {
  if (pnl === 0n) return [];
  addBalance(state, holder, domain, token, STAGE.FINAL, pnl);
  if (pnl > 0n) {
    addFlow(state, domain, token, { inflow: pnl });
    return [pnlEvent(holder, domain, token, pnl, '')];
  }
  const origin = ctx.bridge.origins.get(domain);
  if (origin === undefined) return [];
  const r = dispatchRelease(state, ctx.height, ctx.timeMs, {
    domain,
    vault: origin.vault,
    token,
    recipient: addr20(market),
    amount: -pnl,
    toMarket: true,
    account: new Uint8Array(0),
    cause,
  });
  return [r.event, pnlEvent(holder, domain, token, pnl, bytesToHex(r.settlementId))];
}

function pnlEvent(holder: Uint8Array, domain: number, token: Uint8Array, pnl: bigint, sid: string): Event {
  return {
    type: 'margin.realised_pnl',
    attributes: [
      {
        key: 'holder',
        value:
          holder[0] === HOLDER.ACCOUNT
            ? bech32FromBytes(holder.subarray(1))
            : toChecksumAddress(holder.subarray(1)),
      },
      { key: 'domain', value: String(domain) },
      { key: 'token', value: toChecksumAddress(token) },
      { key: 'amount', value: pnl.toString() },
      { key: 'release_settlement_id', value: sid },
    ],
  };
}

// ---- the invariant ----

/** One (domain, token) line of the conservation check. */
export interface ConservationLine {
  domain: number;
  token: string;
  /** Σ of every ledger balance (all holders, all stages). */
  balances: bigint;
  insurance: bigint;
  inFlight: bigint;
  inflow: bigint;
  provisionalInflow: bigint;
  outflow: bigint;
  /** balances + inFlight − (inflow + provisionalInflow − outflow): must be 0. */
  imbalance: bigint;
  /** inflow − outflow: what the vault holds once every release in flight is acknowledged (final view). */
  vaultView: bigint;
  /** inflow − outflow − inFlight: what the vault must hold at any moment (a release may execute before its ACK). */
  vaultFloor: bigint;
}

/** The conservation identity per (domain, token) over the whole state (tests, scenarios, queries). */
export function conservation(state: StateReader): ConservationLine[] {
  const sums = new Map<string, { domain: number; token: Uint8Array; bal: bigint; ins: bigint }>();
  const key = (d: number, t: Uint8Array) => `${d}/${bytesToHex(t)}`;
  const visit = (e: LedgerEntry) => {
    const k = key(e.domain, e.token);
    let s = sums.get(k);
    if (s === undefined) {
      s = { domain: e.domain, token: e.token, bal: 0n, ins: 0n };
      sums.set(k, s);
    }
    s.bal += e.amount;
    if (e.holder[0] === HOLDER.INSURANCE) s.ins += e.amount;
  };
  for (const [k, v] of state.entries(Uint8Array.of(PREFIX.ledger))) {
    const holder = k.slice(1, 22);
    for (const e of balancesOfKey(k, v, holder)) visit(e);
  }
  for (const [k, v] of state.entries(flowPrefix())) {
    const dv = new DataView(k.buffer, k.byteOffset, k.byteLength);
    const domain = dv.getUint32(2);
    const token = k.slice(6, 26);
    const kk = key(domain, token);
    if (!sums.has(kk)) sums.set(kk, { domain, token, bal: 0n, ins: 0n });
    void v;
  }
  const out: ConservationLine[] = [];
  for (const k of [...sums.keys()].sort()) {
    const s = sums.get(k)!;
    const f = getFlow(state, s.domain, s.token);
    const inflow = BigInt(f.inflow);
    const prov = BigInt(f.provisionalInflow);
    const outflow = BigInt(f.outflow);
    const inFlight = BigInt(f.inFlight);
    out.push({
      domain: s.domain,
      token: bytesToHex(s.token),
      balances: s.bal,
      insurance: s.ins,
      inFlight,
      inflow,
      provisionalInflow: prov,
      outflow,
      imbalance: s.bal + inFlight - (inflow + prov - outflow),
      vaultView: inflow - outflow,
      vaultFloor: inflow - outflow - inFlight,
    });
  }
  return out;
}

function balancesOfKey(k: Uint8Array, v: Uint8Array, holder: Uint8Array): LedgerEntry[] {
  // One key → one entry; reuse the ledger's parser through balancesOf on a one-entry reader.
  const reader: StateReader = {
    get: () => undefined,
    entries: function* () {
      yield [k, v];
    },
  };
  return balancesOf(reader, holder);
}

export { FlowRecordCodec };
export const sameAccount = (a: Uint8Array, b: Uint8Array) => bytesEqual(a, b);
