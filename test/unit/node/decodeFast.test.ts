/**
 * decodeTx's fast readers against its reference path (`fastPath: false`: decode with cosmjs-types
 * and the hub codecs, re-encode, compare). For valid txs of every registered message type built
 * from random field values, and for structure-aware mutations of them, both paths must give the
 * same DecodedTx or the same ChainError (code and message). The reference path is the pre-existing
 * code, so this pins "outputs unchanged".
 */

import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { AuthInfo, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { Any } from 'cosmjs-types/google/protobuf/any';
import fc from 'fast-check';
import secp from 'secp256k1';
import { describe, expect, it } from 'vitest';
import {
  bech32FromPubKey,
  ChainError,
  DEFAULT_PARAMS,
  type DecodedTx,
  decodeTx,
  type MessageCodec,
  registeredTypes,
} from '../../../chain/index.ts';
import { devnetPrivateKey } from '../../../chain/node/home.ts';
import { linkMsg, signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const KEY = devnetPrivateKey(3);
const SIGNER = bech32FromPubKey(secp.publicKeyCreate(KEY, true));
const PARAMS = { ...DEFAULT_PARAMS, maxTxBytes: 1_000_000n };

type Outcome = { ok: true; tx: DecodedTx } | { ok: false; code: string; message: string };

function outcome(bytes: Uint8Array, fastPath: boolean): Outcome {
  try {
    return { ok: true, tx: decodeTx(bytes, PARAMS, { fastPath }) };
  } catch (e) {
    if (!(e instanceof ChainError)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

function expectSame(bytes: Uint8Array, label: string): Outcome {
  const fast = outcome(bytes, true);
  const ref = outcome(bytes, false);
  expect(fast, label).toEqual(ref);
  return ref;
}

/** Random field values for a hub message schema (strings may be non-ASCII; uint64 over the full range). */
function valueArb(codec: MessageCodec<object>, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of codec.fields) {
    let one: fc.Arbitrary<unknown>;
    switch (f.kind) {
      case 'string':
        // The signer field is the tx signer most of the time so decoding gets past the signer check.
        one = fc.oneof(
          { weight: 3, arbitrary: fc.constant(SIGNER) },
          { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
          { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
        );
        break;
      case 'bytes':
        one = fc.uint8Array({ maxLength: 40 });
        break;
      case 'uint64':
        one = fc.oneof(
          fc.bigInt({ min: 0n, max: 300n }),
          fc.bigInt({ min: 0n, max: (1n << 33n) - 1n }),
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          fc.constantFrom(
            0n,
            (1n << 31n) - 1n,
            1n << 31n,
            (1n << 32n) - 1n,
            1n << 32n,
            1n << 49n,
            (1n << 64n) - 1n,
          ),
        );
        break;
      case 'uint32':
        one = fc.oneof(fc.nat({ max: 300 }), fc.constantFrom(0, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1));
        break;
      case 'bool':
        one = fc.boolean();
        break;
      case 'message':
        one =
          depth >= 2 ? fc.constant(undefined) : fc.option(valueArb(f.type, depth + 1), { nil: undefined });
        break;
    }
    if (f.repeated === true) {
      rec[f.name] = fc.array(
        f.kind === 'message' ? (depth >= 2 ? fc.constant({}) : valueArb(f.type, depth + 1)) : one,
        { maxLength: 3 },
      );
    } else rec[f.name] = one;
  }
  return fc.record(rec) as fc.Arbitrary<Record<string, unknown>>;
}

const types = registeredTypes();

function tx(msgs: Any[], opts: { sequence?: bigint; gasLimit?: bigint; memo?: string } = {}): Uint8Array {
  return signTx({
    privKey: KEY,
    accountNumber: 3n,
    sequence: opts.sequence ?? 0n,
    chainId: CHAIN,
    msgs,
    gasLimit: opts.gasLimit ?? 5_000_000n,
    ...(opts.memo !== undefined ? { memo: opts.memo } : {}),
  });
}

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length > 0) out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}

/** Minimal varint of `n`, or padded with `pad` extra continuation bytes (non-minimal). */
function varint(n: bigint, pad = 0): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  for (let i = 0; i < pad; i++) {
    out[out.length - 1]! |= 0x80;
    out.push(0);
  }
  return out;
}
const ld = (no: number, payload: number[] | Uint8Array): number[] => [
  (no << 3) | 2,
  ...varint(BigInt(payload.length)),
  ...payload,
];
const vf = (no: number, n: bigint, pad = 0): number[] => [no << 3, ...varint(n, pad)];

/** A random field stream for a schema: known and unknown fields, any order, odd varints. */
function streamArb(codec: MessageCodec<object>, depth = 0): fc.Arbitrary<number[]> {
  const field: fc.Arbitrary<number[]> = fc
    .oneof(
      { weight: 8, arbitrary: fc.constantFrom(...codec.fields) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    )
    .chain((f) => {
      const pad = fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.nat({ max: 2 }) },
      );
      const big = fc.oneof(
        fc.bigInt({ min: 0n, max: 300n }),
        fc.bigInt({ min: 0n, max: (1n << 36n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 70n) - 1n }),
        fc.constantFrom(
          0n,
          1n,
          (1n << 28n) - 1n,
          1n << 28n,
          1n << 31n,
          (1n << 32n) - 1n,
          1n << 32n,
          1n << 49n,
          (1n << 64n) - 1n,
          1n << 64n,
        ),
      );
      if (f === undefined) return fc.tuple(fc.integer({ min: 1, max: 40 }), big).map(([no, n]) => vf(no, n));
      if (f.kind === 'uint64' || f.kind === 'uint32' || f.kind === 'bool')
        return fc.tuple(big, pad).map(([n, p]) => vf(f.no, n, p));
      if (f.kind === 'message') {
        const inner = depth >= 2 ? fc.constant<number[]>([]) : streamArb(f.type, depth + 1);
        return inner.map((b) => ld(f.no, b));
      }
      return fc
        .oneof(
          fc.uint8Array({ maxLength: 24 }),
          fc.string({ maxLength: 12 }).map((x) => new TextEncoder().encode(x)),
        )
        .map((b) => ld(f.no, b));
    });
  return fc.array(field, { maxLength: 6 }).chain((fs) =>
    fc.boolean().map((sorted) => {
      const list = sorted ? [...fs].sort((a, b) => a[0]! - b[0]!) : fs;
      return list.flat();
    }),
  );
}

describe('decodeTx fast path', () => {
  it('takes the fast path for a CosmJS-shaped tx and gives the reference result', () => {
    const msg = linkMsg({
      privKey: KEY,
      evmPrivKey: devnetPrivateKey(40),
      chainId: CHAIN,
      nonce: 7n,
      expiryMs: 1_900_000_000_000n,
    });
    const bytes = tx([msg], { sequence: 12n, memo: 'hello' });
    const r = expectSame(bytes, 'link tx');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.tx.sequence).toBe(12n);
      expect(r.tx.memo).toBe('hello');
      expect(r.tx.msgs).toHaveLength(1);
    }
  });

  it('agrees on every registered message type with random field values', () => {
    for (const [typeUrl, codec] of types) {
      fc.assert(
        fc.property(
          valueArb(codec),
          fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }),
          fc.string({ maxLength: 8 }),
          (v, seq, memo) => {
            const value = codec.toBytes(codec.fromPartial(v));
            const bytes = tx([Any.fromPartial({ typeUrl, value })], { sequence: seq, memo });
            expectSame(
              bytes,
              `${typeUrl} ${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))}`,
            );
          },
        ),
        { numRuns: 60 },
      );
    }
  });

  it('agrees on random field streams of every registered message type', () => {
    for (const [typeUrl, codec] of types) {
      fc.assert(
        fc.property(streamArb(codec), (stream) => {
          const bytes = tx([Any.fromPartial({ typeUrl, value: new Uint8Array(stream) })]);
          expectSame(bytes, `${typeUrl} ${stream.join(',')}`);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('agrees on hand-built tx envelopes with exact varints (sequence, gas, timeout around 2^31 and 2^32)', () => {
    const link = linkMsg({
      privKey: KEY,
      evmPrivKey: devnetPrivateKey(42),
      chainId: CHAIN,
      nonce: 1n,
      expiryMs: 1_900_000_000_000n,
    });
    const pub = secp.publicKeyCreate(KEY, true);
    const pkAny = [
      ...ld(1, new TextEncoder().encode('/cosmos.crypto.secp256k1.PubKey')),
      ...ld(2, ld(1, pub)),
    ];
    const sig = new Uint8Array(64).fill(7);
    const values = [0n, 1n, 300n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, 1n << 40n];
    for (const seq of values) {
      for (const gas of values) {
        for (const timeout of [0n, 5n, 1n << 31n, 1n << 33n]) {
          const body = [
            ...ld(1, [...ld(1, new TextEncoder().encode(link.typeUrl)), ...ld(2, link.value)]),
            ...(timeout === 0n ? [] : vf(3, timeout)),
          ];
          const signerInfo = [...ld(1, pkAny), ...ld(2, ld(1, [0x08, 1])), ...(seq === 0n ? [] : vf(3, seq))];
          const fee = gas === 0n ? [] : vf(2, gas);
          const auth = [...ld(1, signerInfo), ...ld(2, fee)];
          const bytes = new Uint8Array([...ld(1, body), ...ld(2, auth), ...ld(3, sig)]);
          expectSame(bytes, `seq ${seq} gas ${gas} timeout ${timeout}`);
        }
      }
    }
  });

  it('agrees on mutated txs (bit flips in each part, truncation, extra fields, odd shapes)', () => {
    const link = linkMsg({
      privKey: KEY,
      evmPrivKey: devnetPrivateKey(41),
      chainId: CHAIN,
      nonce: 3n,
      expiryMs: 1_900_000_000_000n,
    });
    const base = tx([link, link], { sequence: 5n, memo: 'm' });
    const raw = TxRaw.decode(base);
    const body = TxBody.decode(raw.bodyBytes);
    const auth = AuthInfo.decode(raw.authInfoBytes);
    const pub = secp.publicKeyCreate(KEY, true);
    // Loose shapes on purpose (absent fields included): cosmjs-types' fromPartial fills them in.
    const withAuth = (a: Record<string, unknown>) =>
      TxRaw.encode({
        ...raw,
        authInfoBytes: AuthInfo.encode(AuthInfo.fromPartial({ ...auth, ...a })).finish(),
      }).finish();
    const withBody = (b: Record<string, unknown>) =>
      TxRaw.encode({
        ...raw,
        bodyBytes: TxBody.encode(TxBody.fromPartial({ ...body, ...b })).finish(),
      }).finish();
    const signerInfo = auth.signerInfos[0]!;
    // Shapes the fast readers leave to the reference path (each must still agree).
    const shapes: [string, Uint8Array][] = [
      [
        'two signatures',
        TxRaw.encode({ ...raw, signatures: [raw.signatures[0]!, raw.signatures[0]!] }).finish(),
      ],
      ['no signature', TxRaw.encode({ ...raw, signatures: [] }).finish()],
      ['empty signature', TxRaw.encode({ ...raw, signatures: [new Uint8Array(0)] }).finish()],
      ['no messages', withBody({ messages: [] })],
      ['unicode memo', withBody({ memo: 'héllo ✓' })],
      ['timeout height 2^31', withBody({ timeoutHeight: 1n << 31n })],
      ['timeout height 2^40', withBody({ timeoutHeight: 1n << 40n })],
      ['timeout height 9', withBody({ timeoutHeight: 9n })],
      ['unordered', withBody({ unordered: true })],
      ['extension option', withBody({ extensionOptions: [link] })],
      ['sequence 2^31', withAuth({ signerInfos: [{ ...signerInfo, sequence: 1n << 31n }] })],
      ['sequence 2^32 + 5', withAuth({ signerInfos: [{ ...signerInfo, sequence: (1n << 32n) + 5n }] })],
      ['gas 2^31 + 1', withAuth({ fee: { ...auth.fee!, gasLimit: (1n << 31n) + 1n } })],
      ['gas 0', withAuth({ fee: { ...auth.fee!, gasLimit: 0n } })],
      ['no fee', withAuth({ fee: undefined })],
      ['fee coin', withAuth({ fee: { ...auth.fee!, amount: [{ denom: 'uusdc', amount: '12' }] } })],
      ['fee coin, other denom 0', withAuth({ fee: { ...auth.fee!, amount: [{ denom: 'x', amount: '0' }] } })],
      [
        'fee coin, empty amount',
        withAuth({ fee: { ...auth.fee!, amount: [{ denom: 'uusdc', amount: '' }] } }),
      ],
      ['fee payer', withAuth({ fee: { ...auth.fee!, payer: SIGNER } })],
      ['tip', withAuth({ tip: { amount: [], tipper: SIGNER } })],
      ['two signer infos', withAuth({ signerInfos: [signerInfo, signerInfo] })],
      [
        'sign mode textual',
        withAuth({
          signerInfos: [{ ...signerInfo, modeInfo: { single: { mode: SignMode.SIGN_MODE_TEXTUAL } } }],
        }),
      ],
      ['no mode info', withAuth({ signerInfos: [{ ...signerInfo, modeInfo: undefined }] })],
      ['no public key', withAuth({ signerInfos: [{ ...signerInfo, publicKey: undefined }] })],
      [
        'uncompressed key',
        withAuth({
          signerInfos: [
            {
              ...signerInfo,
              publicKey: Any.fromPartial({
                typeUrl: '/cosmos.crypto.secp256k1.PubKey',
                value: PubKey.encode({ key: secp.publicKeyConvert(pub, false) }).finish(),
              }),
            },
          ],
        }),
      ],
      [
        'key not on the curve',
        withAuth({
          signerInfos: [
            {
              ...signerInfo,
              publicKey: Any.fromPartial({
                typeUrl: '/cosmos.crypto.secp256k1.PubKey',
                value: PubKey.encode({ key: new Uint8Array(33).fill(2) }).finish(),
              }),
            },
          ],
        }),
      ],
      [
        'uppercase signer',
        tx([Any.fromPartial({ ...link, value: relinkSigner(link.value, SIGNER.toUpperCase()) })]),
      ],
    ];
    for (const [label, bytes] of shapes) expectSame(bytes, label);

    fc.assert(
      fc.property(
        fc.constantFrom('raw', 'body', 'auth', 'msg', 'pubkey'),
        fc.nat(),
        fc.nat({ max: 3 }),
        (where, bit, flips) => {
          let b: Uint8Array;
          if (where === 'raw') {
            b = base;
            for (let i = 0; i <= flips; i++) b = flip(b, bit * (i + 1));
          } else if (where === 'body') {
            b = TxRaw.encode({ ...raw, bodyBytes: flip(raw.bodyBytes, bit) }).finish();
          } else if (where === 'auth') {
            b = TxRaw.encode({ ...raw, authInfoBytes: flip(raw.authInfoBytes, bit) }).finish();
          } else if (where === 'pubkey') {
            b = withAuth({
              signerInfos: [
                {
                  ...signerInfo,
                  publicKey: { ...signerInfo.publicKey!, value: flip(signerInfo.publicKey!.value, bit) },
                },
              ],
            });
          } else {
            b = withBody({ messages: [Any.fromPartial({ ...link, value: flip(link.value, bit) }), link] });
          }
          expectSame(b, `${where} bit ${bit}`);
        },
      ),
      { numRuns: 1500 },
    );
    // A byte below 0x80 that ends a varint (a tag, a length or a value), padded to a non-minimal
    // varint of the same number: the reference path calls that non-canonical.
    fc.assert(
      fc.property(fc.constantFrom('raw', 'body', 'auth', 'msg'), fc.nat(), (where, at) => {
        const part =
          where === 'raw'
            ? base
            : where === 'body'
              ? raw.bodyBytes
              : where === 'auth'
                ? raw.authInfoBytes
                : link.value;
        const i = at % part.length;
        if (part[i]! >= 0x80) return;
        const padded = new Uint8Array([...part.subarray(0, i), part[i]! | 0x80, 0, ...part.subarray(i + 1)]);
        const b =
          where === 'raw'
            ? padded
            : where === 'body'
              ? TxRaw.encode({ ...raw, bodyBytes: padded }).finish()
              : where === 'auth'
                ? TxRaw.encode({ ...raw, authInfoBytes: padded }).finish()
                : withBody({ messages: [Any.fromPartial({ ...link, value: padded }), link] });
        expectSame(b, `${where} padded at ${i}`);
      }),
      { numRuns: 800 },
    );
    fc.assert(
      fc.property(
        fc.nat({ max: base.length }),
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        (cut, extra) => {
          expectSame(base.subarray(0, cut), `cut ${cut}`);
          expectSame(
            new Uint8Array([...base.subarray(0, cut), ...extra, ...base.subarray(cut)]),
            `insert at ${cut}`,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** The MsgLinkEvmAddress bytes with field 1 (signer) replaced by `signer`. */
function relinkSigner(value: Uint8Array, signer: string): Uint8Array {
  const [, codec] = types.find(([u]) => u.endsWith('MsgLinkEvmAddress'))!;
  const v = codec.decode(value) as Record<string, unknown>;
  return codec.toBytes({ ...v, signer } as object);
}
