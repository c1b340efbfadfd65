/**
 * Codecs of the messages declared in `chain/proto/unimargin/v1/*.proto`, one field table each.
 * The tables mirror the `.proto` files field for field (pinned by test/unit/chain/proto.test.ts).
 */
import { type BridgeConfig, BridgeConfigCodec } from '../hyperlane/codec.ts';
import { type OracleConfig, OracleConfigCodec } from '../oracle/codec.ts';
import { defineMessage } from './proto.ts';

/** Params (params.proto). Gas in gas units, fees in atomic units of `feeDenom`. */
export interface Params {
  feeDenom: string;
  minGasPricePerKgas: bigint;
  blockGasLimit: bigint;
  maxTxBytes: bigint;
  gasPerTx: bigint;
  gasPerByte: bigint;
  gasPerSignature: bigint;
  gasPerMsg: bigint;
  maxMemoChars: bigint;
  maxLinkValidityMs: bigint;
  maxMsgsPerTx: bigint;
}
export const ParamsCodec = defineMessage<Params>('unimargin.v1.Params', [
  { no: 1, name: 'feeDenom', kind: 'string' },
  { no: 2, name: 'minGasPricePerKgas', kind: 'uint64' },
  { no: 3, name: 'blockGasLimit', kind: 'uint64' },
  { no: 4, name: 'maxTxBytes', kind: 'uint64' },
  { no: 5, name: 'gasPerTx', kind: 'uint64' },
  { no: 6, name: 'gasPerByte', kind: 'uint64' },
  { no: 7, name: 'gasPerSignature', kind: 'uint64' },
  { no: 8, name: 'gasPerMsg', kind: 'uint64' },
  { no: 9, name: 'maxMemoChars', kind: 'uint64' },
  { no: 10, name: 'maxLinkValidityMs', kind: 'uint64' },
  { no: 11, name: 'maxMsgsPerTx', kind: 'uint64' },
]);

export interface MsgLinkEvmAddress {
  signer: string;
  evmAddress: string;
  nonce: bigint;
  expiryMs: bigint;
  signature: Uint8Array;
}
export const MsgLinkEvmAddressCodec = defineMessage<MsgLinkEvmAddress>('unimargin.v1.MsgLinkEvmAddress', [
  { no: 1, name: 'signer', kind: 'string' },
  { no: 2, name: 'evmAddress', kind: 'string' },
  { no: 3, name: 'nonce', kind: 'uint64' },
  { no: 4, name: 'expiryMs', kind: 'uint64' },
  { no: 5, name: 'signature', kind: 'bytes' },
]);

export interface MsgUpdateParams {
  authority: string;
  params: Params | undefined;
}
export const MsgUpdateParamsCodec = defineMessage<MsgUpdateParams>('unimargin.v1.MsgUpdateParams', [
  { no: 1, name: 'authority', kind: 'string' },
  { no: 2, name: 'params', kind: 'message', type: ParamsCodec },
]);

/** An empty response message (…Response {}). */
export type Empty = Record<string, never>;
export const MsgLinkEvmAddressResponseCodec = defineMessage<Empty>(
  'unimargin.v1.MsgLinkEvmAddressResponse',
  [],
);
export const MsgUpdateParamsResponseCodec = defineMessage<Empty>('unimargin.v1.MsgUpdateParamsResponse', []);

export interface Header {
  chainId: string;
  height: bigint;
  timeMs: bigint;
  lastBlockHash: Uint8Array;
  appHash: Uint8Array;
  lastResultsHash: Uint8Array;
  dataHash: Uint8Array;
  proposerPubKey: Uint8Array;
  stfVersion: number;
  numTxs: number;
}
export const HeaderCodec = defineMessage<Header>('unimargin.v1.Header', [
  { no: 1, name: 'chainId', kind: 'string' },
  { no: 2, name: 'height', kind: 'uint64' },
  { no: 3, name: 'timeMs', kind: 'uint64' },
  { no: 4, name: 'lastBlockHash', kind: 'bytes' },
  { no: 5, name: 'appHash', kind: 'bytes' },
  { no: 6, name: 'lastResultsHash', kind: 'bytes' },
  { no: 7, name: 'dataHash', kind: 'bytes' },
  { no: 8, name: 'proposerPubKey', kind: 'bytes' },
  { no: 9, name: 'stfVersion', kind: 'uint32' },
  { no: 10, name: 'numTxs', kind: 'uint32' },
]);

export interface Block {
  header: Header | undefined;
  txs: Uint8Array[];
  signature: Uint8Array;
}
export const BlockCodec = defineMessage<Block>('unimargin.v1.Block', [
  { no: 1, name: 'header', kind: 'message', type: HeaderCodec },
  { no: 2, name: 'txs', kind: 'bytes', repeated: true },
  { no: 3, name: 'signature', kind: 'bytes' },
]);

export interface Account {
  address: Uint8Array;
  accountNumber: bigint;
  pubKey: Uint8Array;
  sequence: bigint;
  linkNonce: bigint;
}
export const AccountCodec = defineMessage<Account>('unimargin.v1.Account', [
  { no: 1, name: 'address', kind: 'bytes' },
  { no: 2, name: 'accountNumber', kind: 'uint64' },
  { no: 3, name: 'pubKey', kind: 'bytes' },
  { no: 4, name: 'sequence', kind: 'uint64' },
  { no: 5, name: 'linkNonce', kind: 'uint64' },
]);

export interface EventAttribute {
  key: string;
  value: string;
}
export const EventAttributeCodec = defineMessage<EventAttribute>('unimargin.v1.EventAttribute', [
  { no: 1, name: 'key', kind: 'string' },
  { no: 2, name: 'value', kind: 'string' },
]);
export interface Event {
  type: string;
  attributes: EventAttribute[];
}
export const EventCodec = defineMessage<Event>('unimargin.v1.Event', [
  { no: 1, name: 'type', kind: 'string' },
  { no: 2, name: 'attributes', kind: 'message', type: EventAttributeCodec, repeated: true },
]);

export interface TxResult {
  code: number;
  codespace: string;
  log: string;
  gasWanted: bigint;
  gasUsed: bigint;
  data: Uint8Array;
  events: Event[];
}
export const TxResultCodec = defineMessage<TxResult>('unimargin.v1.TxResult', [
  { no: 1, name: 'code', kind: 'uint32' },
  { no: 2, name: 'codespace', kind: 'string' },
  { no: 3, name: 'log', kind: 'string' },
  { no: 4, name: 'gasWanted', kind: 'uint64' },
  { no: 5, name: 'gasUsed', kind: 'uint64' },
  { no: 6, name: 'data', kind: 'bytes' },
  { no: 7, name: 'events', kind: 'message', type: EventCodec, repeated: true },
]);
export interface ResultForHash {
  code: number;
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
}
export const ResultForHashCodec = defineMessage<ResultForHash>('unimargin.v1.ResultForHash', [
  { no: 1, name: 'code', kind: 'uint32' },
  { no: 2, name: 'data', kind: 'bytes' },
  { no: 3, name: 'gasWanted', kind: 'uint64' },
  { no: 4, name: 'gasUsed', kind: 'uint64' },
]);

export interface GenesisAccount {
  address: string;
  pubKey: Uint8Array;
  feeBalance: string;
}
export const GenesisAccountCodec = defineMessage<GenesisAccount>('unimargin.v1.GenesisAccount', [
  { no: 1, name: 'address', kind: 'string' },
  { no: 2, name: 'pubKey', kind: 'bytes' },
  { no: 3, name: 'feeBalance', kind: 'string' },
]);
export interface Genesis {
  chainId: string;
  genesisTimeMs: bigint;
  authority: string;
  sequencerPubKey: Uint8Array;
  params: Params | undefined;
  accounts: GenesisAccount[];
  /** The bridge section (chain/hyperlane/config.ts); absent on a chain without Hyperlane. */
  bridge?: BridgeConfig | undefined;
  /** The unified-margin section as canonical JSON (chain/margin/config.ts); '' without one. */
  marginJson?: string | undefined;
  /** The oracle committee (chain/oracle); absent: set later by MsgUpdateOracleConfig. */
  oracle?: OracleConfig | undefined;
}
export const GenesisCodec = defineMessage<Genesis>('unimargin.v1.Genesis', [
  { no: 1, name: 'chainId', kind: 'string' },
  { no: 2, name: 'genesisTimeMs', kind: 'uint64' },
  { no: 3, name: 'authority', kind: 'string' },
  { no: 4, name: 'sequencerPubKey', kind: 'bytes' },
  { no: 5, name: 'params', kind: 'message', type: ParamsCodec },
  { no: 6, name: 'accounts', kind: 'message', type: GenesisAccountCodec, repeated: true },
  { no: 7, name: 'bridge', kind: 'message', type: BridgeConfigCodec },
  { no: 8, name: 'marginJson', kind: 'string' },
  { no: 9, name: 'oracle', kind: 'message', type: OracleConfigCodec },
]);

/** Type URLs of the hub's transaction messages. */
export const TYPE_URL = {
  MsgLinkEvmAddress: '/unimargin.v1.MsgLinkEvmAddress',
  MsgUpdateParams: '/unimargin.v1.MsgUpdateParams',
} as const;
