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
import type { FieldSpec } from './codec/proto.ts';
import {
  bech32FromBytes,
  bytesEqual,
  cosmosAddressBytes,
  isLowS,
  parseBech32,
  secp,
  sha256,
  toHex,
} from './crypto.ts';
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

// ---------------------------------------------------------------------------------------------
// Fast path. `decodeStrict` decodes with cosmjs-types and re-encodes to compare, which allocates
// an 8 KiB slab per `finish()` and dominated CheckTx. The readers below accept only a subset of
// canonical encodings that re-encode to themselves by construction (fields in ascending order,
// each once, minimal varints, no default values written, ASCII strings); anything else returns
// `undefined` and the caller takes the original path, which then produces the same value or the
// same error. So outputs never depend on which path ran (pinned by test/unit/node/decodeFast.test.ts).
// ---------------------------------------------------------------------------------------------

/** Scratch cursor of the fast readers. */
interface Cur {
  p: number;
}

/**
 * A minimal varint of at most `maxBytes` bytes (≤ 7, so the value stays an exact Number) at
 * `c.p` before `end`; −1 when absent, truncated, non-minimal or longer.
 */
function fastVarint(b: Uint8Array, c: Cur, end: number, maxBytes: number): number {
  let p = c.p;
  let v = 0;
  let mul = 1;
  for (let i = 0; i < maxBytes; i++) {
    if (p >= end) return -1;
    const x = b[p++]!;
    v += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) {
      if (x === 0 && i > 0) return -1;
      c.p = p;
      return v;
    }
    mul *= 128;
  }
  return -1;
}

/** Length prefix of a length-delimited field: the length, or −1 when it overruns `end`. */
function fastLen(b: Uint8Array, c: Cur, end: number): number {
  const n = fastVarint(b, c, end, 4);
  return n < 0 || c.p + n > end ? -1 : n;
}

/** True when b[from, to) is printable-or-control ASCII (UTF-8 of it is itself). */
function isAscii(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i]! > 0x7f) return false;
  return true;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * cosmjs-types' `BinaryWriter.uint64` writes values in [2^31, 2^32) wrongly, so a varint there is
 * "non-canonical" on the original path: the fast path takes cosmjs-encoded uint64s below 2^31 only.
 */
const COSMJS_U64_FAST_MAX = 0x7fffffff;

/** A `google.protobuf.Any` with a non-empty ASCII type URL and a non-empty value, or undefined. */
function fastAny(
  b: Uint8Array,
  from: number,
  to: number,
): { typeUrl: string; value: Uint8Array } | undefined {
  const c: Cur = { p: from };
  if (c.p >= to || b[c.p++] !== 0x0a) return undefined;
  const ul = fastLen(b, c, to);
  if (ul <= 0 || !isAscii(b, c.p, c.p + ul)) return undefined;
  const typeUrl = ascii(b, c.p, c.p + ul);
  c.p += ul;
  if (c.p >= to || b[c.p++] !== 0x12) return undefined;
  const vl = fastLen(b, c, to);
  if (vl <= 0 || c.p + vl !== to) return undefined;
  return { typeUrl, value: b.slice(c.p, to) };
}

/** What the fast path hands to the shared checks of {@link decodeTx}. */
interface FastParts {
  raw: { bodyBytes: Uint8Array; authInfoBytes: Uint8Array; signatures: Uint8Array[] };
  body: {
    messages: { typeUrl: string; value: Uint8Array }[];
    memo: string;
    timeoutHeight: bigint;
    extensionOptions: readonly unknown[];
    nonCriticalExtensionOptions: readonly unknown[];
  };
  authInfo: {
    signerInfos: {
      publicKey: { typeUrl: string; value: Uint8Array };
      modeInfo: { single: { mode: SignMode } };
      sequence: bigint;
    }[];
    fee: { amount: { denom: string; amount: string }[]; gasLimit: bigint };
  };
  pubKey: Uint8Array;
}

const NONE: readonly unknown[] = [];

/**
 * TxRaw, TxBody, AuthInfo and the PubKey of the common shape (one signer, SIGN_MODE_DIRECT, a fee
 * without payer, granter or tip, one 64-byte signature) when the bytes are canonical; undefined
 * otherwise (the original path then decides).
 */
function fastParts(bytes: Uint8Array): FastParts | undefined {
  const n = bytes.length;
  const c: Cur = { p: 0 };
  // TxRaw: 1 body, 2 auth info, 3 signatures (exactly one, 64 bytes).
  if (n === 0 || bytes[c.p++] !== 0x0a) return undefined;
  const bl = fastLen(bytes, c, n);
  if (bl <= 0) return undefined;
  const b0 = c.p;
  c.p += bl;
  if (c.p >= n || bytes[c.p++] !== 0x12) return undefined;
  const al = fastLen(bytes, c, n);
  if (al <= 0) return undefined;
  const a0 = c.p;
  c.p += al;
  if (c.p >= n || bytes[c.p++] !== 0x1a) return undefined;
  if (fastLen(bytes, c, n) !== 64 || c.p + 64 !== n) return undefined;
  const signature = bytes.slice(c.p, n);

  // TxBody: 1 messages (Any, repeated), 2 memo, 3 timeout height; nothing else.
  const b1 = b0 + bl;
  c.p = b0;
  const messages: { typeUrl: string; value: Uint8Array }[] = [];
  while (c.p < b1 && bytes[c.p] === 0x0a) {
    c.p++;
    const ml = fastLen(bytes, c, b1);
    if (ml < 0) return undefined;
    const any = fastAny(bytes, c.p, c.p + ml);
    if (any === undefined) return undefined;
    messages.push(any);
    c.p += ml;
  }
  let memo = '';
  if (c.p < b1 && bytes[c.p] === 0x12) {
    c.p++;
    const l = fastLen(bytes, c, b1);
    if (l <= 0 || !isAscii(bytes, c.p, c.p + l)) return undefined;
    memo = ascii(bytes, c.p, c.p + l);
    c.p += l;
  }
  let timeoutHeight = 0n;
  if (c.p < b1 && bytes[c.p] === 0x18) {
    c.p++;
    const v = fastVarint(bytes, c, b1, 5);
    if (v <= 0 || v > COSMJS_U64_FAST_MAX) return undefined;
    timeoutHeight = BigInt(v);
  }
  if (c.p !== b1 || messages.length === 0) return undefined;

  // AuthInfo: 1 one SignerInfo, 2 fee; no tip.
  const a1 = a0 + al;
  c.p = a0;
  if (bytes[c.p++] !== 0x0a) return undefined;
  const sl = fastLen(bytes, c, a1);
  if (sl <= 0) return undefined;
  const s1 = c.p + sl;
  // SignerInfo: 1 public key (Any), 2 mode info = {single: {mode: DIRECT}}, 3 sequence.
  if (bytes[c.p++] !== 0x0a) return undefined;
  const pl = fastLen(bytes, c, s1);
  if (pl < 0) return undefined;
  const pk = fastAny(bytes, c.p, c.p + pl);
  if (pk === undefined || pk.typeUrl !== PUBKEY_TYPE) return undefined;
  // PubKey: 1 key, 33 bytes.
  const v = pk.value;
  if (v.length !== 35 || v[0] !== 0x0a || v[1] !== 33) return undefined;
  c.p += pl;
  if (
    c.p + 6 > s1 ||
    bytes[c.p] !== 0x12 ||
    bytes[c.p + 1] !== 4 ||
    bytes[c.p + 2] !== 0x0a ||
    bytes[c.p + 3] !== 2 ||
    bytes[c.p + 4] !== 0x08 ||
    bytes[c.p + 5] !== SignMode.SIGN_MODE_DIRECT
  ) {
    return undefined;
  }
  c.p += 6;
  let sequence = 0n;
  if (c.p < s1 && bytes[c.p] === 0x18) {
    c.p++;
    const sv = fastVarint(bytes, c, s1, 5);
    if (sv <= 0 || sv > COSMJS_U64_FAST_MAX) return undefined;
    sequence = BigInt(sv);
  }
  if (c.p !== s1) return undefined;
  // Fee: 1 amount (Coin, repeated: 1 denom, 2 amount, both non-empty), 2 gas limit.
  if (c.p >= a1 || bytes[c.p++] !== 0x12) return undefined;
  const fl = fastLen(bytes, c, a1);
  if (fl < 0 || c.p + fl !== a1) return undefined;
  const amount: { denom: string; amount: string }[] = [];
  while (c.p < a1 && bytes[c.p] === 0x0a) {
    c.p++;
    const cl = fastLen(bytes, c, a1);
    if (cl < 0) return undefined;
    const c1 = c.p + cl;
    if (c.p >= c1 || bytes[c.p++] !== 0x0a) return undefined;
    const dl = fastLen(bytes, c, c1);
    if (dl <= 0 || !isAscii(bytes, c.p, c.p + dl)) return undefined;
    const denom = ascii(bytes, c.p, c.p + dl);
    c.p += dl;
    if (c.p >= c1 || bytes[c.p++] !== 0x12) return undefined;
    const ql = fastLen(bytes, c, c1);
    if (ql <= 0 || c.p + ql !== c1 || !isAscii(bytes, c.p, c1)) return undefined;
    amount.push({ denom, amount: ascii(bytes, c.p, c1) });
    c.p = c1;
  }
  let gasLimit = 0n;
  if (c.p < a1 && bytes[c.p] === 0x10) {
    c.p++;
    const gv = fastVarint(bytes, c, a1, 5);
    if (gv <= 0 || gv > COSMJS_U64_FAST_MAX) return undefined;
    gasLimit = BigInt(gv);
  }
  if (c.p !== a1) return undefined;
  return {
    raw: { bodyBytes: bytes.slice(b0, b1), authInfoBytes: bytes.slice(a0, a1), signatures: [signature] },
    body: { messages, memo, timeoutHeight, extensionOptions: NONE, nonCriticalExtensionOptions: NONE },
    authInfo: {
      signerInfos: [{ publicKey: pk, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence }],
      fee: { amount, gasLimit },
    },
    pubKey: v.slice(2),
  };
}

/** Field tables by field number, per message schema (the schemas are module constants). */
const fieldIndex = new WeakMap<readonly FieldSpec[], Map<number, FieldSpec>>();

function fieldsByNo(fields: readonly FieldSpec[]): Map<number, FieldSpec> {
  let m = fieldIndex.get(fields);
  if (m === undefined) {
    m = new Map(fields.map((f) => [f.no, f]));
    fieldIndex.set(fields, m);
  }
  return m;
}

/**
 * True when b[from, to) — already decoded by the schema's codec — is surely what that codec's
 * `toBytes` writes back (chain/codec/proto.ts: ascending field numbers, defaults omitted except
 * inside repeated fields, minimal varints, uint64 below 2^32 as a uint32 varint). False means
 * "not shown", never "not canonical": the caller then re-encodes and compares.
 */
function isCanonicalOwn(
  b: Uint8Array,
  from: number,
  to: number,
  fields: readonly FieldSpec[],
  depth: number,
): boolean {
  if (depth > 16) return false;
  const byNo = fieldsByNo(fields);
  const c: Cur = { p: from };
  let last = 0;
  while (c.p < to) {
    const tag = fastVarint(b, c, to, 4);
    if (tag < 0) return false;
    const no = tag >>> 3;
    const f = byNo.get(no);
    if (f === undefined || no < last || (no === last && f.repeated !== true)) return false;
    last = no;
    const wire = tag & 7;
    switch (f.kind) {
      case 'string':
      case 'bytes': {
        if (wire !== 2) return false;
        const l = fastLen(b, c, to);
        if (l < 0 || (l === 0 && f.repeated !== true)) return false;
        if (f.kind === 'string' && !isAscii(b, c.p, c.p + l)) return false;
        c.p += l;
        break;
      }
      case 'uint32':
      case 'uint64': {
        if (wire !== 0) return false;
        // uint32: ≤ 4 bytes (< 2^28); uint64: ≤ 7 bytes (< 2^49, exact as a Number).
        const val = fastVarint(b, c, to, f.kind === 'uint32' ? 4 : 7);
        if (val < 0 || (val === 0 && f.repeated !== true)) return false;
        break;
      }
      case 'bool':
        if (wire !== 0 || f.repeated === true || c.p >= to || b[c.p] !== 1) return false;
        c.p++;
        break;
      case 'message': {
        if (wire !== 2) return false;
        const l = fastLen(b, c, to);
        const sub = (f.type as { fields?: readonly FieldSpec[] }).fields;
        if (l < 0 || sub === undefined || !isCanonicalOwn(b, c.p, c.p + l, sub, depth + 1)) return false;
        c.p += l;
        break;
      }
    }
  }
  return c.p === to;
}

/** A message value decoded by its handler's codec when canonical by {@link isCanonicalOwn}, else undefined. */
function fastMsgValue(handler: MsgHandler<object>, value: Uint8Array): object | undefined {
  const fields = (handler.codec as { fields?: readonly FieldSpec[] }).fields;
  if (fields === undefined || !isCanonicalOwn(value, 0, value.length, fields, 0)) return undefined;
  try {
    return handler.codec.decode(value);
  } catch {
    return undefined;
  }
}

/** A signer key's checks and derived addresses, computed once per key. */
interface SignerInfoCache {
  valid: boolean;
  signer: Uint8Array;
  bech32: string;
}

// Bounded memo of (33-byte key → validity, address, bech32): pure functions of the key.
const signerCache = new Map<string, SignerInfoCache>();
const SIGNER_CACHE_MAX = 65_536;

const INVALID_SIGNER: SignerInfoCache = { valid: false, signer: new Uint8Array(0), bech32: '' };

function signerOf(pubKey: Uint8Array): SignerInfoCache {
  if (pubKey.length !== 33) return INVALID_SIGNER;
  const k = toHex(pubKey);
  let e = signerCache.get(k);
  if (e === undefined) {
    const valid = secp.publicKeyVerify(pubKey);
    const signer = valid ? cosmosAddressBytes(pubKey) : new Uint8Array(0);
    e = { valid, signer, bech32: valid ? bech32FromBytes(signer) : '' };
    if (signerCache.size >= SIGNER_CACHE_MAX) signerCache.clear();
    signerCache.set(k, e);
  }
  return e;
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
  /**
   * Try the allocation-free readers for the common canonical shape first (default true). Results
   * and errors are the same either way; false runs the reference path alone (tests compare them).
   */
  fastPath?: boolean;
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
  const useFast = !simulate && opts.fastPath !== false;
  const fast = useFast ? fastParts(bytes) : undefined;
  const raw = fast?.raw ?? decodeStrict('TxRaw', bytes, TxRaw);
  const body = fast?.body ?? decodeStrict('TxBody', raw.bodyBytes, TxBody);
  const authInfo = fast?.authInfo ?? decodeStrict('AuthInfo', raw.authInfoBytes, AuthInfo);

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
    pubKey = fast?.pubKey ?? decodeStrict('PubKey', pk.value, PubKey).key;
  } catch (e) {
    throw new ChainError('TX_PUBKEY', `signer public key is malformed (${(e as Error).message})`);
  }
  const known = signerOf(pubKey);
  if (!known.valid) {
    throw new ChainError('TX_PUBKEY', 'signer public key is not a valid 33-byte compressed secp256k1 point');
  }
  // A copy: the cached bytes are shared by every tx of this key.
  const signer = known.signer.slice();

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
    const value =
      (useFast ? fastMsgValue(handler, any.value) : undefined) ??
      decodeStrict(`message ${i} (${any.typeUrl})`, any.value, {
        decode: (b: Uint8Array) => handler.codec.decode(b),
        encode: (m: object) => ({ finish: () => handler.codec.toBytes(m) }),
      });
    const claimed = handler.signer(value);
    // The canonical spelling of the signer's address needs no parse; any other goes the long way.
    if (useFast && claimed === known.bech32) return { typeUrl: any.typeUrl, value, handler };
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
