/**
 * Signing hub transactions for the relayer: Cosmos `TxRaw`, SIGN_MODE_DIRECT, one secp256k1 signer
 * (cosmjs-types encoders, native libsecp256k1, low-s as it produces), carrying the bridge messages
 * `MsgProcessMessage` and `MsgConfirmFinality` (codecs from `chain/hyperlane`).
 */
import { createHash } from 'node:crypto';
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { AuthInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { Any } from 'cosmjs-types/google/protobuf/any';
import secp from 'secp256k1';
import { bech32FromPubKey } from '../../chain/crypto.ts';
import {
  BRIDGE_TYPE_URL,
  type MsgConfirmFinality,
  MsgConfirmFinalityCodec,
  type MsgProcessMessage,
  MsgProcessMessageCodec,
} from '../../chain/hyperlane/codec.ts';
import { type Hex, hexToBytes } from '../index.ts';

/** A hub signer: key, its compressed public key and bech32 address. */
export interface HubSigner {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: string;
}

/** The hub signer of a 32-byte secp256k1 key (the same key as an anvil account links automatically). */
export function hubSignerOf(privateKey: Hex | Uint8Array): HubSigner {
  const pk = typeof privateKey === 'string' ? hexToBytes(privateKey, 'privateKey', 32) : privateKey;
  const publicKey = secp.publicKeyCreate(pk, true);
  return { privateKey: pk, publicKey, address: bech32FromPubKey(publicKey) };
}

/** An `Any` for a MsgProcessMessage. */
export function processMessageAny(m: MsgProcessMessage): Any {
  return Any.fromPartial({
    typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
    value: MsgProcessMessageCodec.toBytes(m),
  });
}

/** An `Any` for a MsgConfirmFinality. */
export function confirmFinalityAny(m: MsgConfirmFinality): Any {
  return Any.fromPartial({
    typeUrl: BRIDGE_TYPE_URL.MsgConfirmFinality,
    value: MsgConfirmFinalityCodec.toBytes(m),
  });
}

/** What {@link signHubTx} signs. */
export interface HubTxSpec {
  readonly signer: HubSigner;
  readonly chainId: string;
  readonly accountNumber: bigint;
  readonly sequence: bigint;
  readonly msgs: readonly Any[];
  readonly gasLimit: bigint;
  /** Fee in the fee denom's atomic units (0 on the devnet). */
  readonly fee?: bigint;
  readonly feeDenom?: string;
  readonly memo?: string;
}

/** Signed TxRaw bytes. */
export function signHubTx(spec: HubTxSpec): Uint8Array {
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({ messages: [...spec.msgs], memo: spec.memo ?? '' }),
  ).finish();
  const fee = spec.fee ?? 0n;
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: Any.fromPartial({
            typeUrl: '/cosmos.crypto.secp256k1.PubKey',
            value: PubKey.encode({ key: spec.signer.publicKey }).finish(),
          }),
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: spec.sequence,
        },
      ],
      fee: {
        amount: fee === 0n ? [] : [{ denom: spec.feeDenom ?? 'uumg', amount: fee.toString() }],
        gasLimit: spec.gasLimit,
      },
    }),
  ).finish();
  const doc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: spec.chainId,
    accountNumber: spec.accountNumber,
  }).finish();
  const digest = new Uint8Array(createHash('sha256').update(doc).digest());
  const { signature } = secp.ecdsaSign(digest, spec.signer.privateKey);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
}

/** sha256 of tx bytes, uppercase hex (CometBFT's tx hash form). */
export function hubTxHash(tx: Uint8Array): string {
  return createHash('sha256').update(tx).digest('hex').toUpperCase();
}
