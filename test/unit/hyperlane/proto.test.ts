/**
 * The bridge codecs (chain/hyperlane/codec.ts) against the committed bridge.proto, through
 * protobufjs (an independent protobuf implementation): same field numbers, names and kinds, and
 * byte-identical encodings of random messages; the codec decodes its own output back.
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import * as hl from '../../../chain/hyperlane/codec.ts';
import type { MessageCodec } from '../../../chain/index.ts';

const root = new protobuf.Root();
root.resolvePath = (_o, target) => new URL(`../../../chain/proto/${target}`, import.meta.url).pathname;
root.loadSync(['unimargin/v1/bridge.proto'], { keepCase: false });

const codecs = Object.entries(hl)
  .filter(([name]) => name.endsWith('Codec'))
  .map(([, c]) => c as unknown as MessageCodec<object>);

const toCamel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

// A random value of one codec's shape, and the same value in protobufjs's object form (defaults
// left unset, uint64 as Long), built together so the two encoders see identical data.
function arb(
  codec: MessageCodec<object>,
  depth: number,
): fc.Arbitrary<[Record<string, unknown>, Record<string, unknown>]> {
  const parts: Record<string, fc.Arbitrary<[unknown, unknown]>> = {};
  for (const f of codec.fields) {
    let one: fc.Arbitrary<[unknown, unknown]>;
    switch (f.kind) {
      case 'string':
        one = fc.string({ maxLength: 10 }).map((s) => [s, s]);
        break;
      case 'bytes':
        one = fc.uint8Array({ maxLength: 36 }).map((b) => [b, b]);
        break;
      case 'uint64':
        one = fc
          .bigInt({ min: 0n, max: (1n << 64n) - 1n })
          .map((n) => [
            n,
            (protobuf.util.Long as unknown as { fromString(s: string, u: boolean): unknown }).fromString(
              n.toString(),
              true,
            ),
          ]);
        break;
      case 'uint32':
        one = fc.integer({ min: 0, max: 0xffffffff }).map((n) => [n, n]);
        break;
      case 'bool':
        one = fc.boolean().map((b) => [b, b]);
        break;
      case 'message':
        one =
          depth > 2
            ? fc.constant([undefined, undefined])
            : (arb(f.type as MessageCodec<object>, depth + 1) as fc.Arbitrary<[unknown, unknown]>);
        break;
    }
    parts[f.name] = f.repeated
      ? fc
          .array(
            f.kind === 'message'
              ? (arb(f.type as MessageCodec<object>, depth + 1) as fc.Arbitrary<[unknown, unknown]>)
              : one,
            { maxLength: 3 },
          )
          .map((xs) => [xs.map((x) => x[0]), xs.map((x) => x[1])])
      : one;
  }
  return fc.record(parts).map((r) => {
    const ours: Record<string, unknown> = {};
    const theirs: Record<string, unknown> = {};
    for (const f of codec.fields) {
      const [a, b] = r[f.name] as [unknown, unknown];
      ours[f.name] = a;
      const isDefault =
        !f.repeated &&
        (a === undefined ||
          a === '' ||
          a === 0 ||
          a === 0n ||
          a === false ||
          (a instanceof Uint8Array && a.length === 0));
      if (!isDefault) theirs[f.name] = b;
    }
    return [ours, theirs];
  });
}

describe('bridge.proto codecs', () => {
  it('declares every message of bridge.proto once', () => {
    const declared = root.lookup('unimargin.v1') as protobuf.Namespace;
    const names = declared.nestedArray
      .filter((n) => n instanceof protobuf.Type)
      .map((n) => `unimargin.v1.${n.name}`);
    expect(codecs.map((c) => c.typeName).sort()).toEqual(names.sort());
  });
  for (const codec of codecs) {
    const t = root.lookupType(codec.typeName);
    it(`${codec.typeName}: same fields as the .proto`, () => {
      const spec = t.fieldsArray.map((f) => [
        f.id,
        toCamel(f.name),
        f.repeated,
        f.resolvedType ? 'message' : f.type,
      ]);
      const ours = codec.fields.map((f) => [f.no, f.name, f.repeated === true, f.kind]);
      const byNo = (a: unknown[], b: unknown[]) => (a[0] as number) - (b[0] as number);
      expect(ours.sort(byNo)).toEqual(spec.sort(byNo));
    });
    it(`${codec.typeName}: byte-identical to protobufjs`, () => {
      fc.assert(
        fc.property(arb(codec, 0), ([ours, theirs]) => {
          const a = codec.toBytes(codec.fromPartial(ours));
          const b = t.encode(t.fromObject(theirs)).finish();
          expect(Buffer.from(a).toString('hex')).toBe(Buffer.from(b).toString('hex'));
          expect(codec.toBytes(codec.decode(a))).toEqual(a);
        }),
        { numRuns: 150 },
      );
    });
  }
});
