/** Codecs of `chain/proto/unimargin/v1/oracle.proto` (the .proto is the spec). */
import { defineMessage } from '../codec/proto.ts';

export interface OracleObservation {
  feed: string;
  value: string;
  confidence: string;
  timestampMs: bigint;
  signature: Uint8Array;
}
export const OracleObservationCodec = defineMessage<OracleObservation>('unimargin.v1.OracleObservation', [
  { no: 1, name: 'feed', kind: 'string' },
  { no: 2, name: 'value', kind: 'string' },
  { no: 3, name: 'confidence', kind: 'string' },
  { no: 4, name: 'timestampMs', kind: 'uint64' },
  { no: 5, name: 'signature', kind: 'bytes' },
]);

export interface MsgOracleUpdate {
  submitter: string;
  observations: OracleObservation[];
}
export const MsgOracleUpdateCodec = defineMessage<MsgOracleUpdate>('unimargin.v1.MsgOracleUpdate', [
  { no: 1, name: 'submitter', kind: 'string' },
  { no: 2, name: 'observations', kind: 'message', type: OracleObservationCodec, repeated: true },
]);
export const MsgOracleUpdateResponseCodec = defineMessage<Record<string, never>>(
  'unimargin.v1.MsgOracleUpdateResponse',
  [],
);

export interface OracleConfig {
  signers: Uint8Array[];
  minObservations: number;
  superMajority: number;
  windowMs: bigint;
  maxJumpPpm: bigint;
  staleWithdrawalsMs: bigint;
  staleLiquidationsMs: bigint;
  liquidationGraceMs: bigint;
}
export const OracleConfigCodec = defineMessage<OracleConfig>('unimargin.v1.OracleConfig', [
  { no: 1, name: 'signers', kind: 'bytes', repeated: true },
  { no: 2, name: 'minObservations', kind: 'uint32' },
  { no: 3, name: 'superMajority', kind: 'uint32' },
  { no: 4, name: 'windowMs', kind: 'uint64' },
  { no: 5, name: 'maxJumpPpm', kind: 'uint64' },
  { no: 6, name: 'staleWithdrawalsMs', kind: 'uint64' },
  { no: 7, name: 'staleLiquidationsMs', kind: 'uint64' },
  { no: 8, name: 'liquidationGraceMs', kind: 'uint64' },
]);

export interface MsgUpdateOracleConfig {
  authority: string;
  config: OracleConfig | undefined;
}
export const MsgUpdateOracleConfigCodec = defineMessage<MsgUpdateOracleConfig>(
  'unimargin.v1.MsgUpdateOracleConfig',
  [
    { no: 1, name: 'authority', kind: 'string' },
    { no: 2, name: 'config', kind: 'message', type: OracleConfigCodec },
  ],
);
export const MsgUpdateOracleConfigResponseCodec = defineMessage<Record<string, never>>(
  'unimargin.v1.MsgUpdateOracleConfigResponse',
  [],
);

export interface OraclePrice {
  value: string;
  confidence: string;
  timestampMs: bigint;
  height: bigint;
  observations: number;
}
export const OraclePriceCodec = defineMessage<OraclePrice>('unimargin.v1.OraclePrice', [
  { no: 1, name: 'value', kind: 'string' },
  { no: 2, name: 'confidence', kind: 'string' },
  { no: 3, name: 'timestampMs', kind: 'uint64' },
  { no: 4, name: 'height', kind: 'uint64' },
  { no: 5, name: 'observations', kind: 'uint32' },
]);
