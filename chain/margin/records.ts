/** Reads and writes of the margin tables (keys.ts) through their codecs (codec.ts). */
import type { StateReader, StateView } from '../../state/types.ts';
import {
  type AllowanceRecord,
  AllowanceRecordCodec,
  type CloseRecord,
  CloseRecordCodec,
  type DomainStatus,
  DomainStatusCodec,
  type FlowRecord,
  FlowRecordCodec,
  type WithdrawalRecord,
  WithdrawalRecordCodec,
} from './codec.ts';
import {
  allowanceKey,
  allowancePrefix,
  badDebtKey,
  closeByPositionKey,
  closeKey,
  domainStatusKey,
  flowKey,
  openInterestKey,
  withdrawalKey,
} from './keys.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function getAllowance(
  s: StateReader,
  account: Uint8Array,
  domain: number,
  owner: Uint8Array,
): AllowanceRecord | undefined {
  const v = s.get(allowanceKey(account, domain, owner));
  return v === undefined ? undefined : AllowanceRecordCodec.decode(v);
}
export function setAllowance(s: StateView, r: AllowanceRecord): void {
  s.set(allowanceKey(r.account, r.domain, r.owner), AllowanceRecordCodec.toBytes(r));
}
/** Every allowance of an account, by (domain, owner). */
export function allowancesOf(s: StateReader, account: Uint8Array): AllowanceRecord[] {
  const out: AllowanceRecord[] = [];
  for (const [, v] of s.entries(allowancePrefix(account))) out.push(AllowanceRecordCodec.decode(v));
  return out;
}

export function getWithdrawal(s: StateReader, sid: Uint8Array): WithdrawalRecord | undefined {
  const v = s.get(withdrawalKey(sid));
  return v === undefined ? undefined : WithdrawalRecordCodec.decode(v);
}
export function setWithdrawal(s: StateView, r: WithdrawalRecord): void {
  s.set(withdrawalKey(r.settlementId), WithdrawalRecordCodec.toBytes(r));
}

const ZERO_FLOW: FlowRecord = { inflow: '0', outflow: '0', inFlight: '0', provisionalInflow: '0' };
export function getFlow(s: StateReader, domain: number, token: Uint8Array): FlowRecord {
  const v = s.get(flowKey(domain, token));
  return v === undefined ? { ...ZERO_FLOW } : FlowRecordCodec.decode(v);
}
/** Adds signed deltas to the flow record of (domain, token). */
export function addFlow(
  s: StateView,
  domain: number,
  token: Uint8Array,
  d: { inflow?: bigint; outflow?: bigint; inFlight?: bigint; provisionalInflow?: bigint },
): void {
  const f = getFlow(s, domain, token);
  const next: FlowRecord = {
    inflow: (BigInt(f.inflow) + (d.inflow ?? 0n)).toString(),
    outflow: (BigInt(f.outflow) + (d.outflow ?? 0n)).toString(),
    inFlight: (BigInt(f.inFlight) + (d.inFlight ?? 0n)).toString(),
    provisionalInflow: (BigInt(f.provisionalInflow) + (d.provisionalInflow ?? 0n)).toString(),
  };
  s.set(flowKey(domain, token), FlowRecordCodec.toBytes(next));
}

export function getClose(s: StateReader, sid: Uint8Array): CloseRecord | undefined {
  const v = s.get(closeKey(sid));
  return v === undefined ? undefined : CloseRecordCodec.decode(v);
}
export function setClose(s: StateView, r: CloseRecord): void {
  s.set(closeKey(r.settlementId), CloseRecordCodec.toBytes(r));
  s.set(closeByPositionKey(r.domain, r.owner, r.instrumentId), r.settlementId);
}
export function deleteClose(s: StateView, r: CloseRecord): void {
  s.delete(closeKey(r.settlementId));
  const k = closeByPositionKey(r.domain, r.owner, r.instrumentId);
  const cur = s.get(k);
  if (
    cur !== undefined &&
    cur.length === r.settlementId.length &&
    cur.every((b, i) => b === r.settlementId[i])
  )
    s.delete(k);
}
/** The settlement id of the close in flight on a position, or undefined. */
export function closeInFlight(
  s: StateReader,
  domain: number,
  owner: Uint8Array,
  instrument: Uint8Array,
): Uint8Array | undefined {
  return s.get(closeByPositionKey(domain, owner, instrument));
}

export function getDomainStatus(s: StateReader, domain: number): DomainStatus {
  const v = s.get(domainStatusKey(domain));
  return v === undefined
    ? { domain, breakerUntilMs: 0n, haltedByEvidence: false, haltedByStall: false, haltedSinceMs: 0n }
    : DomainStatusCodec.decode(v);
}
export function setDomainStatus(s: StateView, d: DomainStatus): void {
  s.set(domainStatusKey(d.domain), DomainStatusCodec.toBytes(d));
}
/** True when the domain is halted (no credit, no withdrawals, no hedge relief). */
export const isHalted = (d: DomainStatus) => d.haltedByEvidence || d.haltedByStall;

const readInt = (v: Uint8Array | undefined) => (v === undefined ? 0n : BigInt(dec.decode(v)));
const writeInt = (s: StateView, k: Uint8Array, n: bigint) => {
  if (n === 0n) s.delete(k);
  else s.set(k, enc.encode(n.toString()));
};

export const getBadDebt = (s: StateReader, domain: number, token: Uint8Array) =>
  readInt(s.get(badDebtKey(domain, token)));
export const setBadDebt = (s: StateView, domain: number, token: Uint8Array, n: bigint) =>
  writeInt(s, badDebtKey(domain, token), n);
export const getOpenInterest = (s: StateReader, domain: number, instrument: Uint8Array) =>
  readInt(s.get(openInterestKey(domain, instrument)));
export const setOpenInterest = (s: StateView, domain: number, instrument: Uint8Array, n: bigint) =>
  writeInt(s, openInterestKey(domain, instrument), n);
