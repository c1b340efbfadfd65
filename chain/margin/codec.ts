/**
 * Codecs of `chain/proto/unimargin/v1/margin.proto` (the spec; test/unit/margin/proto.test.ts checks
 * byte-identity against protobufjs). Amounts are signed decimal strings (atomic units or µUSD as
 * each field says); addresses are raw 20 bytes, ids raw 32 bytes.
 */
import { defineMessage } from '../codec/proto.ts';

/** The allowance reserved for one (account, domain, owner) and last sent as ALLOWANCE. */
export interface AllowanceRecord {
  account: Uint8Array;
  domain: number;
  owner: Uint8Array;
  /** Reserved amount, µUSD (what the adapter may let the owner's standalone margin reach). */
  amountMicro: string;
  /** Sequence of the ALLOWANCE that carried it. */
  sequence: bigint;
  /** Unix seconds after which the adapter treats it as 0. */
  expirySec: bigint;
  settlementId: Uint8Array;
  height: bigint;
}
export const AllowanceRecordCodec = defineMessage<AllowanceRecord>('unimargin.v1.AllowanceRecord', [
  { no: 1, name: 'account', kind: 'bytes' },
  { no: 2, name: 'domain', kind: 'uint32' },
  { no: 3, name: 'owner', kind: 'bytes' },
  { no: 4, name: 'amountMicro', kind: 'string' },
  { no: 5, name: 'sequence', kind: 'uint64' },
  { no: 6, name: 'expirySec', kind: 'uint64' },
  { no: 7, name: 'settlementId', kind: 'bytes' },
  { no: 8, name: 'height', kind: 'uint64' },
]);

/** Withdrawal lifecycle (DESIGN "Settlement lifecycle": freeze → RELEASE → final ACK). */
export const WITHDRAWAL_STATUS = {
  /** Frozen on the hub, RELEASE dispatched, no final ACK yet. */
  IN_FLIGHT: 1,
  /** Final ACK(executed): the tokens left the vault. */
  EXECUTED: 2,
  /** Final ACK(failed) or ACK(cancelled): the amount is back in the account. */
  RESTORED: 3,
} as const;

/** One withdrawal (also used for loss payments to a market: `account` empty, `toMarket`). */
export interface WithdrawalRecord {
  settlementId: Uint8Array;
  /** The account debited (empty for a loss payment, whose debit happened at the POSITION report). */
  account: Uint8Array;
  domain: number;
  token: Uint8Array;
  /** Atomic units. */
  amount: string;
  recipient: Uint8Array;
  status: number;
  height: bigint;
  toMarket: boolean;
  /** Times the RELEASE was dispatched (1 + re-dispatches after expiry). */
  dispatches: number;
  /** CANCEL sent for it (settlement id of the CANCEL), empty when none. */
  cancelId: Uint8Array;
}
export const WithdrawalRecordCodec = defineMessage<WithdrawalRecord>('unimargin.v1.WithdrawalRecord', [
  { no: 1, name: 'settlementId', kind: 'bytes' },
  { no: 2, name: 'account', kind: 'bytes' },
  { no: 3, name: 'domain', kind: 'uint32' },
  { no: 4, name: 'token', kind: 'bytes' },
  { no: 5, name: 'amount', kind: 'string' },
  { no: 6, name: 'recipient', kind: 'bytes' },
  { no: 7, name: 'status', kind: 'uint32' },
  { no: 8, name: 'height', kind: 'uint64' },
  { no: 9, name: 'toMarket', kind: 'bool' },
  { no: 10, name: 'dispatches', kind: 'uint32' },
  { no: 11, name: 'cancelId', kind: 'bytes' },
]);

/**
 * The hub's view of one vault (domain, token), atomic units: `inflow` = deposits credited (final
 * only) + realised gains credited; `provisionalInflow` = provisional deposits not final yet;
 * `outflow` = releases executed (final ACK); `inFlight` = releases dispatched, not terminal yet.
 * Conservation: Σ ledger balances (accounts, holds, insurance; all stages) + inFlight =
 * inflow + provisionalInflow − outflow, and inflow − outflow ≤ the vault's on-chain balance.
 */
export interface FlowRecord {
  /** Final deposits credited + realised gains credited (final). */
  inflow: string;
  /** Releases executed (final ACK). */
  outflow: string;
  /** Releases dispatched, not terminal yet. */
  inFlight: string;
  /** Provisional deposits credited, not final yet (the vault may never hold them). */
  provisionalInflow: string;
}
export const FlowRecordCodec = defineMessage<FlowRecord>('unimargin.v1.FlowRecord', [
  { no: 1, name: 'inflow', kind: 'string' },
  { no: 2, name: 'outflow', kind: 'string' },
  { no: 3, name: 'inFlight', kind: 'string' },
  { no: 4, name: 'provisionalInflow', kind: 'string' },
]);

/** Releases of one (domain, token) in the hour `hour` (= floor(block time ms / 3 600 000)). */
export interface ReleaseWindow {
  hour: bigint;
  amount: string;
}
export const ReleaseWindowCodec = defineMessage<ReleaseWindow>('unimargin.v1.ReleaseWindow', [
  { no: 1, name: 'hour', kind: 'uint64' },
  { no: 2, name: 'amount', kind: 'string' },
]);

/** A CLOSE_POSITION in flight (liquidation). */
export interface CloseRecord {
  settlementId: Uint8Array;
  account: Uint8Array;
  domain: number;
  owner: Uint8Array;
  instrumentId: Uint8Array;
  /** E18 base units to close. */
  size: string;
  priceLimit: string;
  height: bigint;
  timeMs: bigint;
  /** Keeper who triggered it (bech32), '' for the automatic path. */
  keeper: string;
}
export const CloseRecordCodec = defineMessage<CloseRecord>('unimargin.v1.CloseRecord', [
  { no: 1, name: 'settlementId', kind: 'bytes' },
  { no: 2, name: 'account', kind: 'bytes' },
  { no: 3, name: 'domain', kind: 'uint32' },
  { no: 4, name: 'owner', kind: 'bytes' },
  { no: 5, name: 'instrumentId', kind: 'bytes' },
  { no: 6, name: 'size', kind: 'string' },
  { no: 7, name: 'priceLimit', kind: 'string' },
  { no: 8, name: 'height', kind: 'uint64' },
  { no: 9, name: 'timeMs', kind: 'uint64' },
  { no: 10, name: 'keeper', kind: 'string' },
]);

/** Breaker and halt of one domain. */
export interface DomainStatus {
  domain: number;
  /** Provisional items of the domain count nothing until this block time (ms). */
  breakerUntilMs: bigint;
  /** Halted by final-tier reorg evidence (stays until governance re-enrols the domain). */
  haltedByEvidence: boolean;
  /** Halted because a provisional item waited longer than haltAfterMs (recomputed each block). */
  haltedByStall: boolean;
  /** Block time the current halt began, 0 when not halted. */
  haltedSinceMs: bigint;
}
export const DomainStatusCodec = defineMessage<DomainStatus>('unimargin.v1.DomainStatus', [
  { no: 1, name: 'domain', kind: 'uint32' },
  { no: 2, name: 'breakerUntilMs', kind: 'uint64' },
  { no: 3, name: 'haltedByEvidence', kind: 'bool' },
  { no: 4, name: 'haltedByStall', kind: 'bool' },
  { no: 5, name: 'haltedSinceMs', kind: 'uint64' },
]);

/** One liquidation step of one account in one block. */
export interface LiquidationRecord {
  account: Uint8Array;
  height: bigint;
  /** 'proportional' | 'greedy' | 'collateral' | 'bad_debt'. */
  method: string;
  equityMicro: string;
  mmMicro: string;
  imMicro: string;
  closedNotionalMicro: string;
  penaltyMicro: string;
  keeper: string;
  keeperShareMicro: string;
  /** Settlement ids of the CLOSE_POSITIONs dispatched. */
  closes: Uint8Array[];
  badDebtMicro: string;
}
export const LiquidationRecordCodec = defineMessage<LiquidationRecord>('unimargin.v1.LiquidationRecord', [
  { no: 1, name: 'account', kind: 'bytes' },
  { no: 2, name: 'height', kind: 'uint64' },
  { no: 3, name: 'method', kind: 'string' },
  { no: 4, name: 'equityMicro', kind: 'string' },
  { no: 5, name: 'mmMicro', kind: 'string' },
  { no: 6, name: 'imMicro', kind: 'string' },
  { no: 7, name: 'closedNotionalMicro', kind: 'string' },
  { no: 8, name: 'penaltyMicro', kind: 'string' },
  { no: 9, name: 'keeper', kind: 'string' },
  { no: 10, name: 'keeperShareMicro', kind: 'string' },
  { no: 11, name: 'closes', kind: 'bytes', repeated: true },
  { no: 12, name: 'badDebtMicro', kind: 'string' },
]);

// ---- transactions ----

/** MsgWithdraw: release `amount` of `token` from `domain`'s vault to `recipient`. */
export interface MsgWithdraw {
  sender: string;
  domain: number;
  /** 20-byte ERC20 address on that domain. */
  token: Uint8Array;
  /** Atomic units, decimal. */
  amount: string;
  /** 20-byte EVM recipient. */
  recipient: Uint8Array;
}
export const MsgWithdrawCodec = defineMessage<MsgWithdraw>('unimargin.v1.MsgWithdraw', [
  { no: 1, name: 'sender', kind: 'string' },
  { no: 2, name: 'domain', kind: 'uint32' },
  { no: 3, name: 'token', kind: 'bytes' },
  { no: 4, name: 'amount', kind: 'string' },
  { no: 5, name: 'recipient', kind: 'bytes' },
]);
export interface MsgWithdrawResponse {
  settlementId: Uint8Array;
  messageId: Uint8Array;
}
export const MsgWithdrawResponseCodec = defineMessage<MsgWithdrawResponse>(
  'unimargin.v1.MsgWithdrawResponse',
  [
    { no: 1, name: 'settlementId', kind: 'bytes' },
    { no: 2, name: 'messageId', kind: 'bytes' },
  ],
);

/** MsgRequestAllowance: reserve `amount_micro` of free margin for `owner` on `domain` (sets, not adds). */
export interface MsgRequestAllowance {
  sender: string;
  domain: number;
  /** 20-byte EVM owner linked to the sender's account. */
  owner: Uint8Array;
  /** µUSD, decimal. */
  amountMicro: string;
}
export const MsgRequestAllowanceCodec = defineMessage<MsgRequestAllowance>(
  'unimargin.v1.MsgRequestAllowance',
  [
    { no: 1, name: 'sender', kind: 'string' },
    { no: 2, name: 'domain', kind: 'uint32' },
    { no: 3, name: 'owner', kind: 'bytes' },
    { no: 4, name: 'amountMicro', kind: 'string' },
  ],
);
export interface MsgRequestAllowanceResponse {
  settlementId: Uint8Array;
  sequence: bigint;
}
export const MsgRequestAllowanceResponseCodec = defineMessage<MsgRequestAllowanceResponse>(
  'unimargin.v1.MsgRequestAllowanceResponse',
  [
    { no: 1, name: 'settlementId', kind: 'bytes' },
    { no: 2, name: 'sequence', kind: 'uint64' },
  ],
);

/** MsgLiquidate: a keeper liquidates an account below MM (shares the penalty). */
export interface MsgLiquidate {
  keeper: string;
  /** bech32 account to liquidate. */
  account: string;
}
export const MsgLiquidateCodec = defineMessage<MsgLiquidate>('unimargin.v1.MsgLiquidate', [
  { no: 1, name: 'keeper', kind: 'string' },
  { no: 2, name: 'account', kind: 'string' },
]);
export interface MsgLiquidateResponse {
  penaltyMicro: string;
  keeperShareMicro: string;
}
export const MsgLiquidateResponseCodec = defineMessage<MsgLiquidateResponse>(
  'unimargin.v1.MsgLiquidateResponse',
  [
    { no: 1, name: 'penaltyMicro', kind: 'string' },
    { no: 2, name: 'keeperShareMicro', kind: 'string' },
  ],
);

/** MsgCancelSettlement: send CANCEL for a withdrawal stuck on its destination (its owner, or anyone after expiry). */
export interface MsgCancelSettlement {
  sender: string;
  settlementId: Uint8Array;
}
export const MsgCancelSettlementCodec = defineMessage<MsgCancelSettlement>(
  'unimargin.v1.MsgCancelSettlement',
  [
    { no: 1, name: 'sender', kind: 'string' },
    { no: 2, name: 'settlementId', kind: 'bytes' },
  ],
);
export interface MsgCancelSettlementResponse {
  cancelSettlementId: Uint8Array;
}
export const MsgCancelSettlementResponseCodec = defineMessage<MsgCancelSettlementResponse>(
  'unimargin.v1.MsgCancelSettlementResponse',
  [{ no: 1, name: 'cancelSettlementId', kind: 'bytes' }],
);

/** Type URLs of the margin transaction messages. */
export const MARGIN_TYPE_URL = {
  MsgWithdraw: '/unimargin.v1.MsgWithdraw',
  MsgRequestAllowance: '/unimargin.v1.MsgRequestAllowance',
  MsgLiquidate: '/unimargin.v1.MsgLiquidate',
  MsgCancelSettlement: '/unimargin.v1.MsgCancelSettlement',
} as const;
