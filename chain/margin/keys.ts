/**
 * State keys of the unified-margin tables: `PREFIX.margin` (chain/keys.ts), one sub-table byte
 * ({@link MG}), then the sub-table's key. Append-only, pinned by test/unit/margin/keys.test.ts.
 * Integers are big-endian so prefix scans run in numeric order.
 */
import { concatBytes, PREFIX, u64be } from '../keys.ts';

/** Sub-table bytes under `PREFIX.margin`. Append only; never reuse or renumber. */
export const MG = {
  /** → MarginConfig (canonical JSON) */
  config: 0x01,
  /** account (20) ‖ domain (u32) ‖ owner (20) → AllowanceRecord */
  allowance: 0x02,
  /** domain (u32) ‖ owner (20) → u64: last ALLOWANCE sequence sent to that owner on that domain */
  allowanceSeq: 0x03,
  /** settlement id (32) → WithdrawalRecord */
  withdrawal: 0x04,
  /** domain (u32) ‖ token (20) → FlowRecord: the hub's view of the vault */
  flow: 0x05,
  /** domain (u32) ‖ token (20) → ReleaseWindow: releases in the current hour */
  releaseWindow: 0x06,
  /** deadline ms (u64) ‖ message id (32) → origin (u32): provisional items waiting for the final tier */
  pending: 0x07,
  /** settlement id (32) → CloseRecord: a CLOSE_POSITION in flight */
  close: 0x08,
  /** domain (u32) ‖ owner (20) ‖ instrument (32) → settlement id: the close in flight on a position */
  closeByPosition: 0x09,
  /** domain (u32) → DomainStatus: breaker and halt */
  domainStatus: 0x0a,
  /** domain (u32) ‖ token (20) → unpaid bad debt (signed decimal text) */
  badDebt: 0x0b,
  /** height (u64) ‖ account (20) → LiquidationRecord */
  liquidation: 0x0c,
  /** domain (u32) ‖ instrument (32) → open interest Σ|size| (decimal text, E18) */
  openInterest: 0x0d,
  /** deadline ms (u64) ‖ settlement id (32) → empty: dispatched settlements to re-dispatch if unacknowledged */
  settlementDeadline: 0x0e,
  /** → u64: block time (ms) of the oracle snapshot the kernel's risk arrays are built at */
  snapshotTime: 0x0f,
  /** → OracleGate: liquidations paused by stale prices and when they resume */
  oracleGate: 0x10,
} as const;

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};
const tbl = (sub: number, ...parts: Uint8Array[]) => concatBytes(Uint8Array.of(PREFIX.margin, sub), ...parts);

export const marginConfigKey = () => tbl(MG.config);
export const allowanceKey = (account: Uint8Array, domain: number, owner: Uint8Array) =>
  tbl(MG.allowance, account, u32(domain), owner);
export const allowancePrefix = (account: Uint8Array) => tbl(MG.allowance, account);
export const allowanceSeqKey = (domain: number, owner: Uint8Array) =>
  tbl(MG.allowanceSeq, u32(domain), owner);
export const withdrawalKey = (sid: Uint8Array) => tbl(MG.withdrawal, sid);
export const withdrawalPrefix = () => tbl(MG.withdrawal);
export const flowKey = (domain: number, token: Uint8Array) => tbl(MG.flow, u32(domain), token);
export const flowPrefix = () => tbl(MG.flow);
export const flowPrefixOf = (domain: number) => tbl(MG.flow, u32(domain));
export const releaseWindowKey = (domain: number, token: Uint8Array) =>
  tbl(MG.releaseWindow, u32(domain), token);
export const pendingKey = (deadlineMs: bigint, messageId: Uint8Array) =>
  tbl(MG.pending, u64be(deadlineMs), messageId);
export const pendingPrefix = () => tbl(MG.pending);
export const closeKey = (sid: Uint8Array) => tbl(MG.close, sid);
export const closePrefix = () => tbl(MG.close);
export const closeByPositionKey = (domain: number, owner: Uint8Array, instrument: Uint8Array) =>
  tbl(MG.closeByPosition, u32(domain), owner, instrument);
export const domainStatusKey = (domain: number) => tbl(MG.domainStatus, u32(domain));
export const badDebtKey = (domain: number, token: Uint8Array) => tbl(MG.badDebt, u32(domain), token);
export const badDebtPrefix = () => tbl(MG.badDebt);
export const liquidationKey = (height: bigint, account: Uint8Array) =>
  tbl(MG.liquidation, u64be(height), account);
export const liquidationPrefix = () => tbl(MG.liquidation);
export const openInterestKey = (domain: number, instrument: Uint8Array) =>
  tbl(MG.openInterest, u32(domain), instrument);
export const settlementDeadlineKey = (deadlineMs: bigint, sid: Uint8Array) =>
  tbl(MG.settlementDeadline, u64be(deadlineMs), sid);
export const settlementDeadlinePrefix = () => tbl(MG.settlementDeadline);
export const snapshotTimeKey = () => tbl(MG.snapshotTime);
export const oracleGateKey = () => tbl(MG.oracleGate);
