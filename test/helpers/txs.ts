/**
 * Builds signed Cosmos txs directly (cosmjs-types encoders + native secp256k1), independent of
 * the CosmJS signing client — fast enough for property tests and load generation.
 */
import { createHash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3';
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { AuthInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { Any } from 'cosmjs-types/google/protobuf/any';
import secp from 'secp256k1';
import {
  bech32FromPubKey,
  evmAddressBytes,
  linkEvmAddressText,
  MsgLinkEvmAddressCodec,
  TYPE_URL,
  toChecksumAddress,
} from '../../chain/index.ts';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

export interface TxSpec {
  privKey: Uint8Array;
  accountNumber: bigint;
  sequence: bigint;
  chainId: string;
  msgs: Any[];
  gasLimit?: bigint;
  memo?: string;
}

/** Signed TxRaw bytes (SIGN_MODE_DIRECT, low-s as libsecp256k1 produces). */
export function signTx(spec: TxSpec): Uint8Array {
  const pub = secp.publicKeyCreate(spec.privKey, true);
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({ messages: spec.msgs, memo: spec.memo ?? '' }),
  ).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: Any.fromPartial({
            typeUrl: '/cosmos.crypto.secp256k1.PubKey',
            value: PubKey.encode({ key: pub }).finish(),
          }),
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: spec.sequence,
        },
      ],
      fee: { amount: [], gasLimit: spec.gasLimit ?? 300_000n },
    }),
  ).finish();
  const doc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: spec.chainId,
    accountNumber: spec.accountNumber,
  }).finish();
  const { signature } = secp.ecdsaSign(sha256(doc), spec.privKey);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
}

/** EIP-191 personal_sign with native secp256k1: r‖s‖v (v = 27 + recid). */
export function personalSign(privKey: Uint8Array, text: string): Uint8Array {
  const msg = new TextEncoder().encode(text);
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${msg.length}`);
  const digest = keccak_256(new Uint8Array([...prefix, ...msg]));
  const { signature, recid } = secp.ecdsaSign(digest, privKey);
  return new Uint8Array([...signature, 27 + recid]);
}

/** A MsgLinkEvmAddress Any linking `evmPrivKey`'s address to the account of `privKey`. */
export function linkMsg(opts: {
  privKey: Uint8Array;
  evmPrivKey: Uint8Array;
  chainId: string;
  nonce: bigint;
  expiryMs: bigint;
  badSignature?: boolean;
}): Any {
  const account = bech32FromPubKey(secp.publicKeyCreate(opts.privKey, true));
  const evm = toChecksumAddress(evmAddressBytes(secp.publicKeyCreate(opts.evmPrivKey, true)));
  const text = linkEvmAddressText(opts.chainId, account, evm, opts.nonce, opts.expiryMs);
  const signature = personalSign(opts.evmPrivKey, opts.badSignature ? `${text}!` : text);
  return Any.fromPartial({
    typeUrl: TYPE_URL.MsgLinkEvmAddress,
    value: MsgLinkEvmAddressCodec.toBytes({
      signer: account,
      evmAddress: evm,
      nonce: opts.nonce,
      expiryMs: opts.expiryMs,
      signature,
    }),
  });
}
