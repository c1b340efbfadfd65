/**
 * Codecs of `chain/proto/unimargin/v1/bridge.proto`, one field table each (the `.proto` file is the
 * spec; test/unit/hyperlane/proto.test.ts checks byte-identity against protobufjs). Bytes32 words
 * and EVM addresses are raw bytes; uint256/int256 values are decimal strings.
 */
import { defineMessage } from '../codec/proto.ts';

/** A static multisig ISM (bridge.proto `MultisigIsm`). `moduleType` uses Hyperlane's numbers. */
export interface MultisigIsmRecord {
  /** 4 MERKLE_ROOT_MULTISIG, 5 MESSAGE_ID_MULTISIG (Hyperlane `IInterchainSecurityModule.Types`). */
  moduleType: number;
  /** 20-byte validator addresses, in the order signatures must follow. */
  validators: Uint8Array[];
  threshold: number;
}
export const MultisigIsmCodec = defineMessage<MultisigIsmRecord>('unimargin.v1.MultisigIsm', [
  { no: 1, name: 'moduleType', kind: 'uint32' },
  { no: 2, name: 'validators', kind: 'bytes', repeated: true },
  { no: 3, name: 'threshold', kind: 'uint32' },
]);

/** A collateral token of one origin. */
export interface BridgeToken {
  /** 20-byte ERC20 address. */
  token: Uint8Array;
  decimals: number;
  symbol: string;
}
export const BridgeTokenCodec = defineMessage<BridgeToken>('unimargin.v1.BridgeToken', [
  { no: 1, name: 'token', kind: 'bytes' },
  { no: 2, name: 'decimals', kind: 'uint32' },
  { no: 3, name: 'symbol', kind: 'string' },
]);

/** One origin chain's bridge config. */
export interface BridgeOrigin {
  domain: number;
  name: string;
  fastIsm: MultisigIsmRecord | undefined;
  finalIsm: MultisigIsmRecord | undefined;
  /** bytes32. */
  merkleTreeHook: Uint8Array;
  /** bytes32 enrolled MarginVault. */
  vault: Uint8Array;
  /** bytes32 enrolled PositionAdapter. */
  adapter: Uint8Array;
  expectedFinalityMs: bigint;
  timeoutMs: bigint;
  tokens: BridgeToken[];
}
export const BridgeOriginCodec = defineMessage<BridgeOrigin>('unimargin.v1.BridgeOrigin', [
  { no: 1, name: 'domain', kind: 'uint32' },
  { no: 2, name: 'name', kind: 'string' },
  { no: 3, name: 'fastIsm', kind: 'message', type: MultisigIsmCodec },
  { no: 4, name: 'finalIsm', kind: 'message', type: MultisigIsmCodec },
  { no: 5, name: 'merkleTreeHook', kind: 'bytes' },
  { no: 6, name: 'vault', kind: 'bytes' },
  { no: 7, name: 'adapter', kind: 'bytes' },
  { no: 8, name: 'expectedFinalityMs', kind: 'uint64' },
  { no: 9, name: 'timeoutMs', kind: 'uint64' },
  { no: 10, name: 'tokens', kind: 'message', type: BridgeTokenCodec, repeated: true },
]);

/** The bridge section of genesis (and the state singleton). */
export interface BridgeConfig {
  hubDomain: number;
  origins: BridgeOrigin[];
}
export const BridgeConfigCodec = defineMessage<BridgeConfig>('unimargin.v1.BridgeConfig', [
  { no: 1, name: 'hubDomain', kind: 'uint32' },
  { no: 2, name: 'origins', kind: 'message', type: BridgeOriginCodec, repeated: true },
]);

/** MsgProcessMessage: deliver one Hyperlane message (see bridge.proto). */
export interface MsgProcessMessage {
  relayer: string;
  metadata: Uint8Array;
  message: Uint8Array;
  /** 0 AUTO, 1 FAST, 2 FINAL. */
  tier: number;
}
export const MsgProcessMessageCodec = defineMessage<MsgProcessMessage>('unimargin.v1.MsgProcessMessage', [
  { no: 1, name: 'relayer', kind: 'string' },
  { no: 2, name: 'metadata', kind: 'bytes' },
  { no: 3, name: 'message', kind: 'bytes' },
  { no: 4, name: 'tier', kind: 'uint32' },
]);
export interface MsgProcessMessageResponse {
  messageId: Uint8Array;
  stage: number;
  result: number;
}
export const MsgProcessMessageResponseCodec = defineMessage<MsgProcessMessageResponse>(
  'unimargin.v1.MsgProcessMessageResponse',
  [
    { no: 1, name: 'messageId', kind: 'bytes' },
    { no: 2, name: 'stage', kind: 'uint32' },
    { no: 3, name: 'result', kind: 'uint32' },
  ],
);

/** A merkle proof of one leaf (flat 1024-byte proof, leaf level first). */
export interface LeafProof {
  messageId: Uint8Array;
  leafIndex: number;
  proof: Uint8Array;
}
export const LeafProofCodec = defineMessage<LeafProof>('unimargin.v1.LeafProof', [
  { no: 1, name: 'messageId', kind: 'bytes' },
  { no: 2, name: 'leafIndex', kind: 'uint32' },
  { no: 3, name: 'proof', kind: 'bytes' },
]);

/** MsgConfirmFinality: a final-tier checkpoint and proofs of earlier leaves. */
export interface MsgConfirmFinality {
  relayer: string;
  origin: number;
  root: Uint8Array;
  index: number;
  messageId: Uint8Array;
  signatures: Uint8Array[];
  proofs: LeafProof[];
}
export const MsgConfirmFinalityCodec = defineMessage<MsgConfirmFinality>('unimargin.v1.MsgConfirmFinality', [
  { no: 1, name: 'relayer', kind: 'string' },
  { no: 2, name: 'origin', kind: 'uint32' },
  { no: 3, name: 'root', kind: 'bytes' },
  { no: 4, name: 'index', kind: 'uint32' },
  { no: 5, name: 'messageId', kind: 'bytes' },
  { no: 6, name: 'signatures', kind: 'bytes', repeated: true },
  { no: 7, name: 'proofs', kind: 'message', type: LeafProofCodec, repeated: true },
]);
export interface MsgConfirmFinalityResponse {
  finalized: number;
  alreadyFinal: number;
  attested: number;
}
export const MsgConfirmFinalityResponseCodec = defineMessage<MsgConfirmFinalityResponse>(
  'unimargin.v1.MsgConfirmFinalityResponse',
  [
    { no: 1, name: 'finalized', kind: 'uint32' },
    { no: 2, name: 'alreadyFinal', kind: 'uint32' },
    { no: 3, name: 'attested', kind: 'uint32' },
  ],
);

/** One side of reorg evidence. */
export interface SignedCheckpoint {
  root: Uint8Array;
  messageId: Uint8Array;
  signatures: Uint8Array[];
}
export const SignedCheckpointCodec = defineMessage<SignedCheckpoint>('unimargin.v1.SignedCheckpoint', [
  { no: 1, name: 'root', kind: 'bytes' },
  { no: 2, name: 'messageId', kind: 'bytes' },
  { no: 3, name: 'signatures', kind: 'bytes', repeated: true },
]);

/** MsgSubmitReorgEvidence: two checkpoints for one (origin, index) with different roots. */
export interface MsgSubmitReorgEvidence {
  submitter: string;
  origin: number;
  index: number;
  first: SignedCheckpoint | undefined;
  second: SignedCheckpoint | undefined;
}
export const MsgSubmitReorgEvidenceCodec = defineMessage<MsgSubmitReorgEvidence>(
  'unimargin.v1.MsgSubmitReorgEvidence',
  [
    { no: 1, name: 'submitter', kind: 'string' },
    { no: 2, name: 'origin', kind: 'uint32' },
    { no: 3, name: 'index', kind: 'uint32' },
    { no: 4, name: 'first', kind: 'message', type: SignedCheckpointCodec },
    { no: 5, name: 'second', kind: 'message', type: SignedCheckpointCodec },
  ],
);
export interface MsgSubmitReorgEvidenceResponse {
  severity: number;
}
export const MsgSubmitReorgEvidenceResponseCodec = defineMessage<MsgSubmitReorgEvidenceResponse>(
  'unimargin.v1.MsgSubmitReorgEvidenceResponse',
  [{ no: 1, name: 'severity', kind: 'uint32' }],
);

/** A delivered inbound message (the replay-set entry) and its business outcome. */
export interface InboundMessage {
  messageId: Uint8Array;
  origin: number;
  nonce: number;
  sender: Uint8Array;
  kind: number;
  stage: number;
  tier: number;
  leafIndex: number;
  result: number;
  resultDetail: string;
  relayer: string;
  deliveredHeight: bigint;
  deliveredTimeMs: bigint;
  finalizedHeight: bigint;
  /** Holder tag ‖ 20 bytes, for a credited DEPOSIT (kept current when a hold moves to an account). */
  holder: Uint8Array;
  token: Uint8Array;
  /** Decimal atomic units credited ('' when nothing was credited). */
  amount: string;
  body: Uint8Array;
  settlementId: Uint8Array;
}
export const InboundMessageCodec = defineMessage<InboundMessage>('unimargin.v1.InboundMessage', [
  { no: 1, name: 'messageId', kind: 'bytes' },
  { no: 2, name: 'origin', kind: 'uint32' },
  { no: 3, name: 'nonce', kind: 'uint32' },
  { no: 4, name: 'sender', kind: 'bytes' },
  { no: 5, name: 'kind', kind: 'uint32' },
  { no: 6, name: 'stage', kind: 'uint32' },
  { no: 7, name: 'tier', kind: 'uint32' },
  { no: 8, name: 'leafIndex', kind: 'uint32' },
  { no: 9, name: 'result', kind: 'uint32' },
  { no: 10, name: 'resultDetail', kind: 'string' },
  { no: 11, name: 'relayer', kind: 'string' },
  { no: 12, name: 'deliveredHeight', kind: 'uint64' },
  { no: 13, name: 'deliveredTimeMs', kind: 'uint64' },
  { no: 14, name: 'finalizedHeight', kind: 'uint64' },
  { no: 15, name: 'holder', kind: 'bytes' },
  { no: 16, name: 'token', kind: 'bytes' },
  { no: 17, name: 'amount', kind: 'string' },
  { no: 18, name: 'body', kind: 'bytes' },
  { no: 19, name: 'settlementId', kind: 'bytes' },
]);

/** A final attestation of a message id that arrived before the message. */
export interface FinalAttestation {
  origin: number;
  leafIndex: number;
  checkpointIndex: number;
  height: bigint;
}
export const FinalAttestationCodec = defineMessage<FinalAttestation>('unimargin.v1.FinalAttestation', [
  { no: 1, name: 'origin', kind: 'uint32' },
  { no: 2, name: 'leafIndex', kind: 'uint32' },
  { no: 3, name: 'checkpointIndex', kind: 'uint32' },
  { no: 4, name: 'height', kind: 'uint64' },
]);

/** Per-origin progress: deliveries, the final tier's high-water mark, reorg flags. */
export interface OriginState {
  domain: number;
  delivered: bigint;
  finalized: bigint;
  hasFinalCheckpoint: boolean;
  finalIndex: number;
  finalRoot: Uint8Array;
  finalHeight: bigint;
  finalTimeMs: bigint;
  reorgSeverity: number;
  reorgHeight: bigint;
}
export const OriginStateCodec = defineMessage<OriginState>('unimargin.v1.OriginState', [
  { no: 1, name: 'domain', kind: 'uint32' },
  { no: 2, name: 'delivered', kind: 'uint64' },
  { no: 3, name: 'finalized', kind: 'uint64' },
  { no: 4, name: 'hasFinalCheckpoint', kind: 'bool' },
  { no: 5, name: 'finalIndex', kind: 'uint32' },
  { no: 6, name: 'finalRoot', kind: 'bytes' },
  { no: 7, name: 'finalHeight', kind: 'uint64' },
  { no: 8, name: 'finalTimeMs', kind: 'uint64' },
  { no: 9, name: 'reorgSeverity', kind: 'uint32' },
  { no: 10, name: 'reorgHeight', kind: 'uint64' },
]);

/** One applied POSITION report. */
export interface PositionReport {
  messageId: Uint8Array;
  sequence: bigint;
  size: string;
  side: number;
  entryPrice: string;
  fundingIndex: string;
  realisedPnl: string;
  stage: number;
  height: bigint;
}
export const PositionReportCodec = defineMessage<PositionReport>('unimargin.v1.PositionReport', [
  { no: 1, name: 'messageId', kind: 'bytes' },
  { no: 2, name: 'sequence', kind: 'uint64' },
  { no: 3, name: 'size', kind: 'string' },
  { no: 4, name: 'side', kind: 'uint32' },
  { no: 5, name: 'entryPrice', kind: 'string' },
  { no: 6, name: 'fundingIndex', kind: 'string' },
  { no: 7, name: 'realisedPnl', kind: 'string' },
  { no: 8, name: 'stage', kind: 'uint32' },
  { no: 9, name: 'height', kind: 'uint64' },
]);

/** The hub's mirror of one remote position. */
export interface PositionRecord {
  domain: number;
  owner: Uint8Array;
  instrumentId: Uint8Array;
  latest: PositionReport | undefined;
  latestFinal: PositionReport | undefined;
  realisedPnlProvisional: string;
  realisedPnlFinal: string;
  reports: bigint;
}
export const PositionRecordCodec = defineMessage<PositionRecord>('unimargin.v1.PositionRecord', [
  { no: 1, name: 'domain', kind: 'uint32' },
  { no: 2, name: 'owner', kind: 'bytes' },
  { no: 3, name: 'instrumentId', kind: 'bytes' },
  { no: 4, name: 'latest', kind: 'message', type: PositionReportCodec },
  { no: 5, name: 'latestFinal', kind: 'message', type: PositionReportCodec },
  { no: 6, name: 'realisedPnlProvisional', kind: 'string' },
  { no: 7, name: 'realisedPnlFinal', kind: 'string' },
  { no: 8, name: 'reports', kind: 'uint64' },
]);

/** One outbound settlement and its acknowledgement. */
export interface Settlement {
  settlementId: Uint8Array;
  kind: number;
  destination: number;
  recipient: Uint8Array;
  messageId: Uint8Array;
  nonce: number;
  status: number;
  ackStatus: number;
  ackStage: number;
  ackMessageId: Uint8Array;
  ackDetail: Uint8Array;
  dispatchedHeight: bigint;
  ackedHeight: bigint;
  cause: Uint8Array;
}
export const SettlementCodec = defineMessage<Settlement>('unimargin.v1.Settlement', [
  { no: 1, name: 'settlementId', kind: 'bytes' },
  { no: 2, name: 'kind', kind: 'uint32' },
  { no: 3, name: 'destination', kind: 'uint32' },
  { no: 4, name: 'recipient', kind: 'bytes' },
  { no: 5, name: 'messageId', kind: 'bytes' },
  { no: 6, name: 'nonce', kind: 'uint32' },
  { no: 7, name: 'status', kind: 'uint32' },
  { no: 8, name: 'ackStatus', kind: 'uint32' },
  { no: 9, name: 'ackStage', kind: 'uint32' },
  { no: 10, name: 'ackMessageId', kind: 'bytes' },
  { no: 11, name: 'ackDetail', kind: 'bytes' },
  { no: 12, name: 'dispatchedHeight', kind: 'uint64' },
  { no: 13, name: 'ackedHeight', kind: 'uint64' },
  { no: 14, name: 'cause', kind: 'bytes' },
]);

/** Recorded reorg evidence. */
export interface ReorgEvidence {
  origin: number;
  index: number;
  rootA: Uint8Array;
  rootB: Uint8Array;
  severity: number;
  tierA: number;
  tierB: number;
  signersA: Uint8Array[];
  signersB: Uint8Array[];
  submitter: string;
  height: bigint;
}
export const ReorgEvidenceCodec = defineMessage<ReorgEvidence>('unimargin.v1.ReorgEvidence', [
  { no: 1, name: 'origin', kind: 'uint32' },
  { no: 2, name: 'index', kind: 'uint32' },
  { no: 3, name: 'rootA', kind: 'bytes' },
  { no: 4, name: 'rootB', kind: 'bytes' },
  { no: 5, name: 'severity', kind: 'uint32' },
  { no: 6, name: 'tierA', kind: 'uint32' },
  { no: 7, name: 'tierB', kind: 'uint32' },
  { no: 8, name: 'signersA', kind: 'bytes', repeated: true },
  { no: 9, name: 'signersB', kind: 'bytes', repeated: true },
  { no: 10, name: 'submitter', kind: 'string' },
  { no: 11, name: 'height', kind: 'uint64' },
]);

/** Type URLs of the bridge's transaction messages. */
export const BRIDGE_TYPE_URL = {
  MsgProcessMessage: '/unimargin.v1.MsgProcessMessage',
  MsgConfirmFinality: '/unimargin.v1.MsgConfirmFinality',
  MsgSubmitReorgEvidence: '/unimargin.v1.MsgSubmitReorgEvidence',
} as const;
