/**
 * The governance codecs (chain/governance/codec.ts) against the committed governance.proto, through
 * protobufjs (an independent protobuf implementation): every message declared once, the same field
 * numbers, names, kinds and nested types, and byte-identical encodings of random messages (nested
 * bridge and oracle configs included) that decode back to themselves.
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import * as gov from '../../../chain/governance/codec.ts';
import type { MessageCodec } from '../../../chain/index.ts';

const root = new protobuf.Root();
root.resolvePath = (_o, target) => new URL(`../../../chain/proto/${target}`, import.meta.url).pathname;
root.loadSync(['unimargin/v1/governance.proto'], { keepCase: false });
const ownFile = (t: protobuf.ReflectionObject) => t.filename?.endsWith('governance.proto') === true;

const codecs = Object.entries(gov)
  .filter(([name]) => name.endsWith('Codec'))
  .map(([, c]) => c as unknown as MessageCodec<object>);

const snakeToCamel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const toLong = (n: bigint) =>
  (protobuf.util.Long as unknown as { fromString(s: string, u: boolean): unknown }).fromString(
    n.toString(),
    true,
  );

/**
 * A random message of `codec`'s shape as a pair: our object (bigint, Uint8Array, undefined for an
 * absent sub-message) and protobufjs's plain object (Long for uint64, proto3 defaults left unset).
 */
function pair(codec: MessageCodec<object>, depth: number): fc.Arbitrary<[object, object]> {
  const fields: Record<string, fc.Arbitrary<[unknown, unknown]>> = {};
  for (const f of codec.fields) {
    const one = (): fc.Arbitrary<[unknown, unknown]> => {
      switch (f.kind) {
        case 'string':
          return fc.string({ maxLength: 8 }).map((s) => [s, s === '' ? undefined : s]);
        case 'bytes':
          return fc.uint8Array({ maxLength: 33 }).map((b) => [b, b.length === 0 ? undefined : b]);
        case 'uint32':
          return fc
            .oneof(fc.constant(0), fc.nat({ max: 0xffffffff }))
            .map((n) => [n, n === 0 ? undefined : n]);
        case 'uint64':
          return fc
            .oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }))
            .map((n) => [n, n === 0n ? undefined : toLong(n)]);
        case 'bool':
          return fc.boolean().map((b) => [b, b ? true : undefined]);
        case 'message': {
          const sub = pair(f.type as MessageCodec<object>, depth + 1);
          return f.repeated || depth < 3 ? sub : fc.constant([undefined, undefined]);
        }
      }
    };
    if (f.repeated) {
      fields[f.name] = fc
        .array(one(), { maxLength: depth < 2 ? 3 : 1 })
        .map((xs) => [
          xs.map((x) => x[0]),
          xs.map((x) => x[1] ?? (f.kind === 'bytes' ? new Uint8Array(0) : x[1])),
        ]);
    } else if (f.kind === 'message') {
      fields[f.name] = fc.option(one(), { nil: undefined }).map((x) => x ?? [undefined, undefined]);
    } else {
      fields[f.name] = one();
    }
  }
  return fc.record(fields).map((r) => {
    const ours: Record<string, unknown> = {};
    const theirs: Record<string, unknown> = {};
    for (const [k, [a, b]] of Object.entries(r) as [string, [unknown, unknown]][]) {
      ours[k] = a;
      if (b !== undefined) theirs[k] = b;
    }
    return [ours, theirs];
  });
}

describe('governance.proto codecs', () => {
  it('declares every message of governance.proto once', () => {
    const ns = root.lookup('unimargin.v1') as protobuf.Namespace;
    const declared = ns.nestedArray
      .filter((n) => n instanceof protobuf.Type && ownFile(n))
      .map((n) => `unimargin.v1.${n.name}`)
      .sort();
    expect(codecs.map((c) => c.typeName).sort()).toEqual(declared);
    expect(declared.length).toBe(6);
  });

  for (const codec of codecs) {
    const t = root.lookupType(codec.typeName);
    it(`${codec.typeName}: the .proto's fields`, () => {
      const spec = t.fieldsArray
        .map((f) => [
          f.id,
          snakeToCamel(f.name),
          f.repeated,
          f.resolvedType ? `.${f.resolvedType.fullName.slice(1)}` : f.type,
        ])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
      const ours = codec.fields
        .map((f) => [
          f.no,
          f.name,
          f.repeated === true,
          f.kind === 'message' ? `.${f.type.typeName}` : f.kind,
        ])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
      expect(ours).toEqual(spec);
    });
    it(`${codec.typeName}: byte-identical to protobufjs, and decodes back`, () => {
      fc.assert(
        fc.property(pair(codec, 0), ([ours, theirs]) => {
          const a = codec.toBytes(codec.fromPartial(ours));
          const b = t.encode(t.fromObject(theirs)).finish();
          expect(Buffer.from(a).toString('hex')).toBe(Buffer.from(b).toString('hex'));
          expect(codec.toBytes(codec.decode(a))).toEqual(a);
        }),
        { numRuns: 120 },
      );
    });
  }
});
