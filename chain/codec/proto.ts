/**
 * A small schema-driven protobuf (proto3) codec for the hub's own messages, so each `.proto`
 * message under `chain/proto/unimargin/v1/` is declared once as a field table.
 *
 * Encoding is canonical: fields in ascending number, proto3 defaults omitted, packed never used
 * (we have no repeated scalars). Decoding is strict: an unknown field, a wrong wire type or a
 * truncated buffer throws {@link ProtoDecodeError}. The produced objects satisfy CosmJS's
 * `TelescopeGeneratedType` (`encode(msg, writer?)`, `decode(bytes)`, `fromPartial(obj)`), so a
 * stock `Registry` accepts them.
 */
import { BinaryReader, BinaryWriter, WireType } from 'cosmjs-types/binary';

/** Raised by decoders on malformed input; callers map it to their own typed error. */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoDecodeError';
  }
}

type Scalar = 'string' | 'bytes' | 'uint64' | 'uint32' | 'bool';

/** One field of a message schema. `repeated` fields hold arrays. */
export type FieldSpec =
  | { no: number; name: string; kind: Scalar; repeated?: boolean }
  | { no: number; name: string; kind: 'message'; type: MessageCodec<object>; repeated?: boolean };

/** The codec of one message type. */
export interface MessageCodec<T extends object> {
  readonly typeName: string;
  readonly fields: readonly FieldSpec[];
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  /** Canonical bytes of `message`. */
  toBytes(message: T): Uint8Array;
  decode(input: Uint8Array | BinaryReader, length?: number): T;
  fromPartial(object: Partial<T>): T;
}

function defaultOf(kind: FieldSpec['kind']): unknown {
  switch (kind) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'uint64':
      return 0n;
    case 'uint32':
      return 0;
    case 'bool':
      return false;
    case 'message':
      return undefined;
  }
}

function wireOf(kind: FieldSpec['kind']): WireType {
  return kind === 'uint64' || kind === 'uint32' || kind === 'bool' ? WireType.Varint : WireType.Bytes;
}

function isDefault(kind: FieldSpec['kind'], v: unknown): boolean {
  // An optional scalar left undefined is absent, like its default.
  if (v === undefined) return true;
  switch (kind) {
    case 'string':
      return v === '';
    case 'bytes':
      return (v as Uint8Array).length === 0;
    case 'uint64':
      return v === 0n;
    case 'uint32':
      return v === 0;
    case 'bool':
      return v === false;
    case 'message':
      return v === undefined;
  }
}

const MAX_U64 = (1n << 64n) - 1n;

function writeScalar(w: BinaryWriter, f: FieldSpec, v: unknown): void {
  w.uint32((f.no << 3) | wireOf(f.kind));
  switch (f.kind) {
    case 'string':
      w.string(v as string);
      return;
    case 'bytes':
      w.bytes(v as Uint8Array);
      return;
    case 'uint64': {
      const n = v as bigint;
      if (typeof n !== 'bigint' || n < 0n || n > MAX_U64)
        throw new RangeError(`${f.name}: not a uint64: ${String(v)}`);
      // cosmjs-types' BinaryWriter.uint64 mis-encodes values in [2^31, 2^32) (its 32:32 split
      // treats the low word as signed); below 2^32 the uint32 varint is the same bytes.
      if (n < 0x1_0000_0000n) w.uint32(Number(n));
      else w.uint64(n);
      return;
    }
    case 'uint32': {
      const n = v as number;
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
        throw new RangeError(`${f.name}: not a uint32: ${String(v)}`);
      w.uint32(n);
      return;
    }
    case 'bool':
      w.bool(v as boolean);
      return;
    case 'message': {
      w.fork();
      f.type.encode(v as object, w);
      w.ldelim();
      return;
    }
  }
}

/** Declares a message codec from its field table (field numbers as in the `.proto` file). */
export function defineMessage<T extends object>(
  typeName: string,
  fields: readonly FieldSpec[],
): MessageCodec<T> {
  const byNo = new Map<number, FieldSpec>();
  for (const f of fields) byNo.set(f.no, f);
  const sorted = [...fields].sort((a, b) => a.no - b.no);

  const fromPartial = (object: Partial<T>): T => {
    const out: Record<string, unknown> = {};
    const src = object as Record<string, unknown>;
    for (const f of sorted) {
      const v = src[f.name];
      if (f.repeated) {
        const arr = (v as unknown[] | undefined) ?? [];
        out[f.name] = f.kind === 'message' ? arr.map((x) => f.type.fromPartial(x as object)) : [...arr];
      } else if (f.kind === 'message') {
        out[f.name] = v === undefined || v === null ? undefined : f.type.fromPartial(v as object);
      } else {
        out[f.name] = v === undefined || v === null ? defaultOf(f.kind) : v;
      }
    }
    return out as T;
  };

  const codec: MessageCodec<T> = {
    typeName,
    fields,
    encode(message: T, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter {
      const m = message as Record<string, unknown>;
      for (const f of sorted) {
        const v = m[f.name];
        if (f.repeated) {
          for (const item of (v as unknown[] | undefined) ?? []) writeScalar(writer, f, item);
        } else if (v !== undefined && !isDefault(f.kind, v)) {
          writeScalar(writer, f, v);
        }
      }
      return writer;
    },
    toBytes(message: T): Uint8Array {
      return codec.encode(message).finish();
    },
    decode(input: Uint8Array | BinaryReader, length?: number): T {
      const reader = input instanceof BinaryReader ? input : new BinaryReader(input);
      const end = length === undefined ? reader.len : reader.pos + length;
      const out = fromPartial({});
      const o = out as Record<string, unknown>;
      try {
        while (reader.pos < end) {
          const [no, wire] = reader.tag();
          const f = byNo.get(no);
          if (f === undefined) throw new ProtoDecodeError(`${typeName}: unknown field ${no}`);
          if (wire !== wireOf(f.kind)) throw new ProtoDecodeError(`${typeName}.${f.name}: wire type ${wire}`);
          let v: unknown;
          switch (f.kind) {
            case 'string':
              v = reader.string();
              break;
            case 'bytes':
              v = reader.bytes();
              break;
            case 'uint64':
              v = reader.uint64();
              break;
            case 'uint32':
              v = reader.uint32();
              break;
            case 'bool':
              v = reader.bool();
              break;
            case 'message': {
              const len = reader.uint32();
              if (reader.pos + len > end) throw new ProtoDecodeError(`${typeName}.${f.name}: truncated`);
              v = f.type.decode(reader, len);
              break;
            }
          }
          if (f.repeated) (o[f.name] as unknown[]).push(v);
          else o[f.name] = v;
        }
      } catch (e) {
        if (e instanceof ProtoDecodeError) throw e;
        throw new ProtoDecodeError(`${typeName}: ${(e as Error).message}`);
      }
      if (reader.pos !== end) throw new ProtoDecodeError(`${typeName}: length overrun`);
      return out;
    },
    fromPartial,
  };
  return codec;
}
