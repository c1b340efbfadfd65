/**
 * The message registry: type URL → codec, signer and apply function. Each message's rules live
 * in its own `apply*.ts` file.
 */
import type { StateReader, StateView } from '../state/types.ts';
import { getEvmLink } from './accounts.ts';
import { applyLinkEvmAddress } from './auth/applyLinkEvmAddress.ts';
import { applyUpdateParams } from './auth/applyUpdateParams.ts';
import type { Event } from './codec/messages.ts';
import { MsgLinkEvmAddressCodec, MsgUpdateParamsCodec, TYPE_URL } from './codec/messages.ts';
import type { MessageCodec } from './codec/proto.ts';
import { applyOracleUpdate, applyUpdateOracleConfig } from './oracle/apply.ts';
import { MsgOracleUpdateCodec, MsgUpdateOracleConfigCodec } from './oracle/codec.ts';

/** Type URLs of the oracle messages. */
export const ORACLE_TYPE_URL = {
  MsgOracleUpdate: '/unimargin.v1.MsgOracleUpdate',
  MsgUpdateOracleConfig: '/unimargin.v1.MsgUpdateOracleConfig',
} as const;

import { fromHex } from './crypto.ts';
import { applyConfirmFinality, checkConfirmFinalityTx } from './hyperlane/applyConfirmFinality.ts';
import { applyProcessMessage, checkProcessMessageTx } from './hyperlane/applyProcessMessage.ts';
import { applySubmitReorgEvidence } from './hyperlane/applySubmitReorgEvidence.ts';
import {
  BRIDGE_TYPE_URL,
  MsgConfirmFinalityCodec,
  MsgProcessMessageCodec,
  MsgSubmitReorgEvidenceCodec,
} from './hyperlane/codec.ts';
import { moveHeldCollateral } from './hyperlane/holds.ts';
import type { MarginCache } from './margin/cache.ts';

/** What a message handler sees besides state. */
export interface MsgContext {
  chainId: string;
  height: bigint;
  /** Block time, unix ms. */
  timeMs: bigint;
  /** The genesis authority (bech32). */
  authority: string;
  /** The 20-byte address of the tx signer. */
  signer: Uint8Array;
  /** The node's margin cache (chain/margin), synced at the previous end-block; absent in CheckTx tools. */
  margin?: MarginCache;
}

/** A handler's success: events and the response message bytes (for TxMsgData). */
export interface MsgResult {
  events: Event[];
  response: Uint8Array;
}

/** One message type. `apply` throws {@link ChainError} on invalid input. */
export interface MsgHandler<T extends object> {
  typeUrl: string;
  codec: MessageCodec<T>;
  /** The bech32 address that must sign. */
  signer(msg: T): string;
  apply(state: StateView, msg: T, ctx: MsgContext): MsgResult;
  /**
   * Optional CheckTx hook: the message's own checks against committed state (cheap ones first),
   * throwing ChainError, so junk never reaches a block. Never writes; `apply` re-checks everything.
   */
  check?(state: StateReader, msg: T, ctx: MsgContext): void;
}

const handlers = new Map<string, MsgHandler<object>>();
function register<T extends object>(h: MsgHandler<T>): void {
  handlers.set(h.typeUrl, h as unknown as MsgHandler<object>);
}

register({
  typeUrl: TYPE_URL.MsgLinkEvmAddress,
  codec: MsgLinkEvmAddressCodec,
  signer: (m) => m.signer,
  // After a link, collateral held under that EVM address moves to the account (chain/hyperlane/holds.ts).
  apply: (state, msg, ctx) => {
    const r = applyLinkEvmAddress(state, msg, ctx);
    const evm = fromHex(msg.evmAddress)!;
    const account = getEvmLink(state, evm);
    if (account !== undefined) r.events.push(...moveHeldCollateral(state, evm, account));
    return r;
  },
});
register({
  typeUrl: TYPE_URL.MsgUpdateParams,
  codec: MsgUpdateParamsCodec,
  signer: (m) => m.authority,
  apply: applyUpdateParams,
});

register({
  typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
  codec: MsgProcessMessageCodec,
  signer: (m) => m.relayer,
  apply: applyProcessMessage,
  check: checkProcessMessageTx,
});
register({
  typeUrl: BRIDGE_TYPE_URL.MsgConfirmFinality,
  codec: MsgConfirmFinalityCodec,
  signer: (m) => m.relayer,
  apply: applyConfirmFinality,
  check: checkConfirmFinalityTx,
});
register({
  typeUrl: BRIDGE_TYPE_URL.MsgSubmitReorgEvidence,
  codec: MsgSubmitReorgEvidenceCodec,
  signer: (m) => m.submitter,
  apply: applySubmitReorgEvidence,
});

register({
  typeUrl: ORACLE_TYPE_URL.MsgOracleUpdate,
  codec: MsgOracleUpdateCodec,
  signer: (m) => m.submitter,
  apply: applyOracleUpdate,
});
register({
  typeUrl: ORACLE_TYPE_URL.MsgUpdateOracleConfig,
  codec: MsgUpdateOracleConfigCodec,
  signer: (m) => m.authority,
  apply: applyUpdateOracleConfig,
});

import {
  applyCancelSecurityChange,
  applyProposeSecurityChange,
  GOVERNANCE_TYPE_URL,
} from './governance/apply.ts';
import { MsgCancelSecurityChangeCodec, MsgProposeSecurityChangeCodec } from './governance/codec.ts';

register({
  typeUrl: GOVERNANCE_TYPE_URL.MsgProposeSecurityChange,
  codec: MsgProposeSecurityChangeCodec,
  signer: (m) => m.authority,
  apply: applyProposeSecurityChange,
});
register({
  typeUrl: GOVERNANCE_TYPE_URL.MsgCancelSecurityChange,
  codec: MsgCancelSecurityChangeCodec,
  signer: (m) => m.authority,
  apply: applyCancelSecurityChange,
});

/** The handler of a type URL, or undefined when the hub does not know it. */
export function handlerFor(typeUrl: string): MsgHandler<object> | undefined {
  return handlers.get(typeUrl);
}

/** Every registered type URL with its codec (for clients' registries). */
export function registeredTypes(): [string, MessageCodec<object>][] {
  return [...handlers.values()].map((h) => [h.typeUrl, h.codec]);
}

import { applyRequestAllowance } from './margin/allowance.ts';
import {
  MARGIN_TYPE_URL,
  MsgCancelSettlementCodec,
  MsgLiquidateCodec,
  MsgRequestAllowanceCodec,
  MsgWithdrawCodec,
} from './margin/codec.ts';
import { applyLiquidate } from './margin/liquidate.ts';
import { applyCancelSettlement, applyWithdraw } from './margin/withdraw.ts';

register({
  typeUrl: MARGIN_TYPE_URL.MsgWithdraw,
  codec: MsgWithdrawCodec,
  signer: (m) => m.sender,
  apply: applyWithdraw,
});
register({
  typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
  codec: MsgRequestAllowanceCodec,
  signer: (m) => m.sender,
  apply: applyRequestAllowance,
});
register({
  typeUrl: MARGIN_TYPE_URL.MsgLiquidate,
  codec: MsgLiquidateCodec,
  signer: (m) => m.keeper,
  apply: applyLiquidate,
});
register({
  typeUrl: MARGIN_TYPE_URL.MsgCancelSettlement,
  codec: MsgCancelSettlementCodec,
  signer: (m) => m.sender,
  apply: applyCancelSettlement,
});
