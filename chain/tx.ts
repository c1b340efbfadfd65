/**
 * Cosmos SDK transactions (TxRaw, SIGN_MODE_DIRECT, one secp256k1 signer): decoding with the
 * stateless checks, deterministic gas, and signature verification over the SignDoc.
 *
 * Port of the checks the Cosmos SDK ante handler makes (x/auth/ante): decode strictly and
 * canonically (re-encoding must give the same bytes, so extra or reordered fields are refused),
 * one signer whose pubkey is a 33-byte `/cosmos.crypto.secp256k1.PubKey`, SIGN_MODE_DIRECT,
 * every message's signer equal to that pubkey's address, gas limit ≥ the deterministic gas, fee
 * ≥ the min gas price; then (with state) the account, sequence and signature with low s.
 */
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { AuthInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import type { Params } from './codec/messages.ts';
import { bytesEqual, cosmosAddressBytes, isLowS, parseBech32, secp, sha256 } from './crypto.ts';
import { ChainError } from './errors.ts';
import { handlerFor, type MsgHandler } from './msgs.ts';

/** A decoded message with its handler. */
export interface DecodedMsg {
  typeUrl: string;
  value: object;
  handler: MsgHandler<object>;
}

/** A transaction after decoding and the stateless checks. */
export interface DecodedTx {
  /** The TxRaw bytes as received. */
  bytes: Uint8Array;
  /** sha256(bytes): the CometBFT tx hash. */
  hash: Uint8Array;
  bodyBytes: Uint8Array;
  authInfoBytes: Uint8Array;
  /** 64-byte compact signature (r‖s); empty in simulation. */
  signature: Uint8Array;
  msgs: DecodedMsg[];
  memo: string;
  timeoutHeight: bigint;
  /** 33-byte compressed secp256k1 public key of the one signer. */
  pubKey: Uint8Array;
  /** 20-byte account address of that key. */
  signer: Uint8Array;
  sequence: bigint;
  gasLimit: bigint;
  /** Fee offered in the params' fee denom, atomic units. */
  fee: bigint;
  /** Deterministic gas this tx consumes (see {@link txGas}). */
  gasUsed: bigint;
}

const PUBKEY_TYPE = '/cosmos.crypto.secp256k1.PubKey';

function decodeStrict<T>(
  what: string,
  bytes: Uint8Array,
  codec: { decode(b: Uint8Array): T; encode(m: T): { finish(): Uint8Array } },
): T {
  let msg: T;
  try {
    msg = codec.decode(bytes);
  } catch (e) {
    throw new ChainError('TX_DECODE', `${what} is not valid protobuf (${(e as Error).message})`);
  }
  let again: Uint8Array;
  try {
    again = codec.encode(msg).finish();
  } catch (e) {
    throw new ChainError('TX_DECODE', `${what} holds out-of-range values (${(e as Error).message})`);
  }
  if (!bytesEqual(again, bytes)) {
    throw new ChainError(
      'TX_NON_CANONICAL',
      `${what} is not in canonical encoding (unknown, repeated or reordered fields)`,
    );
  }
  return msg;
}

/**
 * Deterministic gas of a tx: gasPerTx + gasPerByte × bytes + gasPerSignature × signatures +
 * gasPerMsg × messages. `byteLength` is the signed TxRaw's length (simulation adds the 64
 * signature bytes the unsigned tx lacks).
 */
export function txGas(params: Params, byteLength: number, signatures: number, msgs: number): bigint {
  return (
    params.gasPerTx +
    params.gasPerByte * BigInt(byteLength) +
    params.gasPerSignature * BigInt(signatures) +
    params.gasPerMsg * BigInt(msgs)
  );
}

/** The minimum fee for a gas limit: ceil(gasLimit × minGasPricePerKgas / 1000), in the protocol's favour. */
export function minFee(params: Params, gasLimit: bigint): bigint {
  return (gasLimit * params.minGasPricePerKgas + 999n) / 1000n;
}

export interface DecodeTxOpts {
  /** Simulation: an empty signature and SIGN_MODE_UNSPECIFIED are accepted and gas/fee are not enforced. */
  simulate?: boolean;
}

/**
 * Decodes a TxRaw and runs every check that needs no state. Throws {@link ChainError} with a
 * `TX_*` code naming the field.
 */
export function decodeTx(bytes: Uint8Array, params: Params, opts: DecodeTxOpts = {}): DecodedTx {
  const simulate = opts.simulate === true;
  if (BigInt(bytes.length) > params.maxTxBytes) {
    throw new ChainError('TX_TOO_LARGE', `tx is ${bytes.length} bytes; the limit is ${params.maxTxBytes}`, {
      bytes: bytes.length,
      limit: params.maxTxBytes,
    });
  }
  const raw = decodeStrict('TxRaw', bytes, TxRaw);
  const body = decodeStrict('TxBody', raw.bodyBytes, TxBody);
  const authInfo = decodeStrict('AuthInfo', raw.authInfoBytes, AuthInfo);

  if (body.messages.length === 0) throw new ChainError('TX_NO_MESSAGES', 'tx carries no messages');
  if (BigInt(body.messages.length) > params.maxMsgsPerTx) {
    throw new ChainError(
      'TX_TOO_LARGE',
      `tx carries ${body.messages.length} messages; the limit is ${params.maxMsgsPerTx}`,
    );
  }
  if (BigInt(body.memo.length) > params.maxMemoChars) {
    throw new ChainError(
      'TX_MEMO_TOO_LONG',
      `memo is ${body.memo.length} chars; the limit is ${params.maxMemoChars}`,
    );
  }
  if (body.extensionOptions.length > 0 || body.nonCriticalExtensionOptions.length > 0) {
    throw new ChainError('TX_UNKNOWN_MESSAGE', 'tx extension options are not supported');
  }
  if (authInfo.signerInfos.length !== 1 || raw.signatures.length !== 1) {
    throw new ChainError(
      'TX_SIGNATURE',
      `exactly one signer and one signature expected; got ${authInfo.signerInfos.length} signer infos and ${raw.signatures.length} signatures`,
    );
  }
  const signerInfo = authInfo.signerInfos[0]!;
  const signature = raw.signatures[0]!;
  const mode = signerInfo.modeInfo?.single?.mode;
  if (!simulate && mode !== SignMode.SIGN_MODE_DIRECT) {
    throw new ChainError(
      'TX_SIGN_MODE',
      `sign mode ${String(mode)} is not supported; use SIGN_MODE_DIRECT (1)`,
    );
  }
  if (!simulate && signature.length !== 64) {
    throw new ChainError('TX_SIGNATURE', `signature is ${signature.length} bytes; 64 (r‖s) expected`);
  }
  const pk = signerInfo.publicKey;
  if (pk === undefined || pk.typeUrl !== PUBKEY_TYPE) {
    throw new ChainError(
      'TX_PUBKEY',
      `signer public key must be ${PUBKEY_TYPE}; got ${pk?.typeUrl ?? 'none'}`,
    );
  }
  let pubKey: Uint8Array;
  try {
    pubKey = decodeStrict('PubKey', pk.value, PubKey).key;
  } catch (e) {
    throw new ChainError('TX_PUBKEY', `signer public key is malformed (${(e as Error).message})`);
  }
  if (pubKey.length !== 33 || !secp.publicKeyVerify(pubKey)) {
    throw new ChainError('TX_PUBKEY', 'signer public key is not a valid 33-byte compressed secp256k1 point');
  }
  const signer = cosmosAddressBytes(pubKey);

  const msgs: DecodedMsg[] = body.messages.map((any, i) => {
    const handler = handlerFor(any.typeUrl);
    if (handler === undefined) {
      throw new ChainError(
        'TX_UNKNOWN_MESSAGE',
        `message ${i} has unknown type ${JSON.stringify(any.typeUrl)}`,
        {
          index: i,
        },
      );
    }
    const value = decodeStrict(`message ${i} (${any.typeUrl})`, any.value, {
      decode: (b: Uint8Array) => handler.codec.decode(b),
      encode: (m: object) => ({ finish: () => handler.codec.toBytes(m) }),
    });
    const claimed = handler.signer(value);
    const claimedBytes = parseBech32(claimed);
    if (claimedBytes === undefined) {
      throw new ChainError(
        'TX_SIGNER_MISMATCH',
        `message ${i} signer ${JSON.stringify(claimed)} is not a umg address`,
      );
    }
    if (!bytesEqual(claimedBytes, signer)) {
      throw new ChainError('TX_SIGNER_MISMATCH', `message ${i} signer ${claimed} is not the tx signer`, {
        index: i,
      });
    }
    return { typeUrl: any.typeUrl, value, handler };
  });

  const fee = authInfo.fee;
  const gasLimit = fee?.gasLimit ?? 0n;
  let offered = 0n;
  for (const coin of fee?.amount ?? []) {
    if (!/^[0-9]{1,78}$/.test(coin.amount)) {
      throw new ChainError(
        'TX_INSUFFICIENT_FEE',
        `fee amount ${JSON.stringify(coin.amount)} is not a decimal integer`,
      );
    }
    if (coin.denom !== params.feeDenom) {
      if (BigInt(coin.amount) === 0n) continue;
      throw new ChainError(
        'TX_INSUFFICIENT_FEE',
        `fee denom ${coin.denom} is not accepted; pay in ${params.feeDenom}`,
      );
    }
    offered += BigInt(coin.amount);
  }
  const signedLength = simulate && signature.length === 0 ? bytes.length + 66 : bytes.length;
  const gasUsed = txGas(params, signedLength, 1, msgs.length);
  if (!simulate) {
    if (gasLimit < gasUsed) {
      throw new ChainError('TX_GAS_LIMIT', `gas limit ${gasLimit} is below the ${gasUsed} this tx uses`, {
        gasLimit,
        gasUsed,
      });
    }
    if (gasLimit > params.blockGasLimit) {
      throw new ChainError(
        'TX_GAS_LIMIT',
        `gas limit ${gasLimit} exceeds the block gas limit ${params.blockGasLimit}`,
      );
    }
    const need = minFee(params, gasLimit);
    if (offered < need) {
      throw new ChainError(
        'TX_INSUFFICIENT_FEE',
        `fee ${offered}${params.feeDenom} is below the minimum ${need}${params.feeDenom}`,
        {
          offered,
          need,
        },
      );
    }
  }
  return {
    bytes,
    hash: sha256(bytes),
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    signature,
    msgs,
    memo: body.memo,
    timeoutHeight: body.timeoutHeight,
    pubKey,
    signer,
    sequence: signerInfo.sequence,
    gasLimit,
    fee: offered,
    gasUsed,
  };
}

/** sha256 of the SIGN_MODE_DIRECT sign bytes: SignDoc{bodyBytes, authInfoBytes, chainId, accountNumber}. */
export function signDocDigest(tx: DecodedTx, chainId: string, accountNumber: bigint): Uint8Array {
  const doc = SignDoc.encode({
    bodyBytes: tx.bodyBytes,
    authInfoBytes: tx.authInfoBytes,
    chainId,
    accountNumber,
  }).finish();
  return sha256(doc);
}

/**
 * Verifies the tx signature for (chainId, accountNumber). Throws `TX_HIGH_S` for a high-s
 * signature (malleable; refused even when valid) and `TX_SIGNATURE` when it does not verify —
 * which is also what a wrong chain id or account number produces, since both are signed.
 */
export function verifyTxSignature(tx: DecodedTx, chainId: string, accountNumber: bigint): void {
  if (!isLowS(tx.signature)) {
    throw new ChainError('TX_HIGH_S', 'signature has a high s value; normalise it to low s (BIP-62)');
  }
  let ok = false;
  try {
    ok = secp.ecdsaVerify(tx.signature, signDocDigest(tx, chainId, accountNumber), tx.pubKey);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ChainError(
      'TX_SIGNATURE',
      `signature does not verify for chain id ${chainId} and account number ${accountNumber}; check the chain id, account number and signing key`,
      { chainId, accountNumber },
    );
  }
}
