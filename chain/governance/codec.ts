/**
 * Codecs of `chain/proto/unimargin/v1/governance.proto` (the .proto is the spec;
 * test/unit/governance/proto.test.ts checks these tables against it through protobufjs).
 */
import { defineMessage } from '../codec/proto.ts';
import { type BridgeConfig, BridgeConfigCodec } from '../hyperlane/codec.ts';
import { type OracleConfig, OracleConfigCodec } from '../oracle/codec.ts';

/** The governance singleton: the timelock of security-relevant changes, in blocks. */
export interface GovernanceConfig {
  /** Blocks between a proposal and its activation (1..{@link MAX_TIMELOCK_BLOCKS}). */
  paramsTimelockBlocks: bigint;
}
/** Codec of `unimargin.v1.GovernanceConfig`. */
export const GovernanceConfigCodec = defineMessage<GovernanceConfig>('unimargin.v1.GovernanceConfig', [
  { no: 1, name: 'paramsTimelockBlocks', kind: 'uint64' },
]);

/** `MsgProposeSecurityChange`: exactly one of the three configs is set. Signer: `authority`. */
export interface MsgProposeSecurityChange {
  authority: string;
  bridgeConfig: BridgeConfig | undefined;
  oracleConfig: OracleConfig | undefined;
  governanceConfig: GovernanceConfig | undefined;
}
/** Codec of `unimargin.v1.MsgProposeSecurityChange`. */
export const MsgProposeSecurityChangeCodec = defineMessage<MsgProposeSecurityChange>(
  'unimargin.v1.MsgProposeSecurityChange',
  [
    { no: 1, name: 'authority', kind: 'string' },
    { no: 2, name: 'bridgeConfig', kind: 'message', type: BridgeConfigCodec },
    { no: 3, name: 'oracleConfig', kind: 'message', type: OracleConfigCodec },
    { no: 4, name: 'governanceConfig', kind: 'message', type: GovernanceConfigCodec },
  ],
);

/** The id given to the queued change and the height at whose end-block it takes effect. */
export interface MsgProposeSecurityChangeResponse {
  id: bigint;
  activationHeight: bigint;
}
/** Codec of `unimargin.v1.MsgProposeSecurityChangeResponse`. */
export const MsgProposeSecurityChangeResponseCodec = defineMessage<MsgProposeSecurityChangeResponse>(
  'unimargin.v1.MsgProposeSecurityChangeResponse',
  [
    { no: 1, name: 'id', kind: 'uint64' },
    { no: 2, name: 'activationHeight', kind: 'uint64' },
  ],
);

/** `MsgCancelSecurityChange`: drops pending change `id`. Signer: `authority`. */
export interface MsgCancelSecurityChange {
  authority: string;
  id: bigint;
}
/** Codec of `unimargin.v1.MsgCancelSecurityChange`. */
export const MsgCancelSecurityChangeCodec = defineMessage<MsgCancelSecurityChange>(
  'unimargin.v1.MsgCancelSecurityChange',
  [
    { no: 1, name: 'authority', kind: 'string' },
    { no: 2, name: 'id', kind: 'uint64' },
  ],
);
/** Codec of the empty `unimargin.v1.MsgCancelSecurityChangeResponse`. */
export const MsgCancelSecurityChangeResponseCodec = defineMessage<Record<string, never>>(
  'unimargin.v1.MsgCancelSecurityChangeResponse',
  [],
);

/** What a change replaces (the `kind` field). */
export const CHANGE_KIND = { BRIDGE: 1, ORACLE: 2, GOVERNANCE: 3 } as const;
/** A change's lifecycle (the `status` field). */
export const CHANGE_STATUS = { PENDING: 1, ACTIVATED: 2, CANCELLED: 3, FAILED: 4 } as const;

/** A queued change as stored (see governance.proto for the fields). */
export interface SecurityChange {
  id: bigint;
  /** {@link CHANGE_KIND}. */
  kind: number;
  /** Canonical bytes of the config of that kind (empty in a closed record). */
  config: Uint8Array;
  /** sha256 of `config`. */
  configHash: Uint8Array;
  proposedHeight: bigint;
  activationHeight: bigint;
  /** {@link CHANGE_STATUS}. */
  status: number;
  /** Height of activation, cancellation or failure; 0 while pending. */
  closedHeight: bigint;
  /** Why a FAILED change failed; empty otherwise. */
  detail: string;
}
/** Codec of `unimargin.v1.SecurityChange`. */
export const SecurityChangeCodec = defineMessage<SecurityChange>('unimargin.v1.SecurityChange', [
  { no: 1, name: 'id', kind: 'uint64' },
  { no: 2, name: 'kind', kind: 'uint32' },
  { no: 3, name: 'config', kind: 'bytes' },
  { no: 4, name: 'configHash', kind: 'bytes' },
  { no: 5, name: 'proposedHeight', kind: 'uint64' },
  { no: 6, name: 'activationHeight', kind: 'uint64' },
  { no: 7, name: 'status', kind: 'uint32' },
  { no: 8, name: 'closedHeight', kind: 'uint64' },
  { no: 9, name: 'detail', kind: 'string' },
]);
