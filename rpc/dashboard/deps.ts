/** What the dashboard reads of the chain (one place, so the dependency direction stays visible). */
export {
  ACK_STATUS,
  decodeAppPayload,
  decodeMessage,
  messageIdBytes,
  PAYLOAD_KIND,
} from '../../bridge/index.ts';
export {
  bech32FromBytes,
  decodeAmount,
  getAccount,
  getFeeBalance,
  getOriginState,
  getSettlement,
  HL,
  HOLDER,
  InboundMessageCodec,
  linkedEvmAddresses,
  outboxCount,
  outboxMessage,
  PREFIX,
  RESULT,
  readBridge,
  readParams,
  SETTLEMENT_STATUS,
  STAGE,
  toChecksumAddress,
  toHex,
} from '../../chain/index.ts';
export type { HubNode } from '../../chain/node/hubNode.ts';
export { allPrices } from '../../chain/oracle/state.ts';
export type { StateReader } from '../../state/types.ts';
