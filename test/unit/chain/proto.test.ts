/**
 * The hand-declared codecs against the committed .proto files, through protobufjs (an independent
 * protobuf implementation): same fields, and byte-identical encodings of random messages.
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { MessageCodec } from '../../../chain/index.ts';
import {
  AccountCodec,
  BlockCodec,
  GenesisCodec,
  HeaderCodec,
  MsgLinkEvmAddressCodec,
  MsgUpdateParamsCodec,
  ParamsCodec,
  ProtoDecodeError,
  TxResultCodec,
} from '../../../chain/index.ts';
import {
  MsgOracleUpdateCodec,
  MsgUpdateOracleConfigCodec,
  OracleConfigCodec,
  OracleObservationCodec,
  OraclePriceCodec,
} from '../../../chain/oracle/index.ts';

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => new URL(`../../../chain/proto/${target}`, import.meta.url).pathname;
root.loadSync(
  [
    'unimargin/v1/tx.proto',
    'unimargin/v1/types.proto',
    'unimargin/v1/params.proto',
    'unimargin/v1/oracle.proto',
  ],
  {
    keepCase: false,
  },
);

const codecs: MessageCodec<object>[] = [
  ParamsCodec,
  MsgLinkEvmAddressCodec,
  MsgUpdateParamsCodec,
  HeaderCodec,
  BlockCodec,
  AccountCodec,
  TxResultCodec,
  GenesisCodec,
  OracleObservationCodec,
  MsgOracleUpdateCodec,
  OracleConfigCodec,
  MsgUpdateOracleConfigCodec,
  OraclePriceCodec,
] as unknown as MessageCodec<object>[];

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function arbFor(codec: MessageCodec<object>, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of codec.fields) {
    let a: fc.Arbitrary<unknown>;
    switch (f.kind) {
      case 'string':
        a = fc.string({ maxLength: 12 });
        break;
      case 'bytes':
        a = fc.uint8Array({ maxLength: 40 });
        break;
      case 'uint64':
        // Boundaries included: cosmjs-types' writer mis-encodes [2^31, 2^32).
        a = fc.oneof(
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          fc.constantFrom(
            0n,
            127n,
            128n,
            (1n << 31n) - 1n,
            1n << 31n,
            3_000_000_000n,
            (1n << 32n) - 1n,
            1n << 32n,
            (1n << 63n) + (1n << 31n),
            (1n << 64n) - 1n,
          ),
        );
        break;
      case 'uint32':
        a = fc.oneof(
          fc.integer({ min: 0, max: 0xffffffff }),
          fc.constantFrom(0x7fffffff, 0x80000000, 0xffffffff),
        );
        break;
      case 'bool':
        a = fc.boolean();
        break;
      case 'message':
        a = depth > 2 ? fc.constant(undefined) : arbFor(f.type as MessageCodec<object>, depth + 1);
        break;
    }
    rec[f.name] = f.repeated
      ? fc.array(
          f.kind === 'message'
            ? (arbFor(f.type as MessageCodec<object>, depth + 1) as fc.Arbitrary<unknown>)
            : a,
          { maxLength: 3 },
        )
      : a;
  }
  return fc.record(rec);
}

// protobufjs writes any field that is set, defaults included; proto3's canonical form omits
// defaults, so they are left unset here.
const isDefault = (v: unknown) =>
  v === '' ||
  v === 0 ||
  v === 0n ||
  v === false ||
  (v instanceof Uint8Array && v.length === 0) ||
  v === undefined;

function toPbjs(codec: MessageCodec<object>, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of codec.fields) {
    const v = obj[f.name];
    if (!f.repeated && isDefault(v)) continue;
    const conv = (x: unknown): unknown =>
      f.kind === 'uint64'
        ? (protobuf.util.Long as unknown as { fromString(s: string, u: boolean): unknown }).fromString(
            (x as bigint).toString(),
            true,
          )
        : f.kind === 'message'
          ? x === undefined
            ? undefined
            : toPbjs(f.type as MessageCodec<object>, x as Record<string, unknown>)
          : x;
    out[f.name] = f.repeated ? (v as unknown[]).map(conv) : conv(v);
  }
  return out;
}

describe('proto codecs match the .proto spec', () => {
  for (const codec of codecs) {
    const t = root.lookupType(codec.typeName);
    it(`${codec.typeName}: same field numbers, names and kinds`, () => {
      const spec = t.fieldsArray
        .map((f) => [f.id, camel(f.name), f.repeated, f.resolvedType ? 'message' : f.type])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
      const ours = codec.fields
        .map((f) => [f.no, f.name, f.repeated === true, f.kind])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
      expect(ours).toEqual(spec);
    });
    it(`${codec.typeName}: byte-identical to protobufjs on random messages`, () => {
      fc.assert(
        fc.property(arbFor(codec), (obj) => {
          const ours = codec.toBytes(codec.fromPartial(obj));
          const theirs = t.encode(t.fromObject(toPbjs(codec, obj))).finish();
          expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
          expect(codec.toBytes(codec.decode(ours))).toEqual(ours);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('decoding refuses unknown fields, wrong wire types and truncation with ProtoDecodeError', () => {
    const good = ParamsCodec.toBytes({ ...ParamsCodec.fromPartial({}), feeDenom: 'uumg', gasPerTx: 5n });
    const unknownField = new Uint8Array([...good, (15 << 3) | 0, 1]);
    const wrongWire = new Uint8Array([(1 << 3) | 0, 5]);
    const truncated = good.subarray(0, good.length - 1);
    for (const [name, bytes] of [
      ['unknown field', unknownField],
      ['wrong wire type', wrongWire],
      ['truncated', truncated],
    ] as const) {
      expect(() => ParamsCodec.decode(bytes), name).toThrow(ProtoDecodeError);
    }
  });
});
