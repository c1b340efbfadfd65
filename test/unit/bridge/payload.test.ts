/**
 * App payloads: bytes assembled by hand in the test from the ABI spec (32-byte words, dynamic
 * `bytes` as offset + length + padded data), not by the codec's encoder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AppPayload,
  bytesToHex,
  decodeAppPayload,
  decodeInboundPayload,
  decodeOutboundPayload,
  encodeAppPayload,
  hexToBytes,
  isBridgeError,
  PAYLOAD_KIND,
  payloadKindOf,
} from '../../../bridge/index.ts';

const A = (b: string) => `0x${b.repeat(20)}` as const;
const W = (b: string) => `0x${b.repeat(32)}` as const;
const word = (v: bigint) => (v < 0n ? (1n << 256n) + v : v).toString(16).padStart(64, '0');
const addr = (a: string) => a.slice(2).padStart(64, '0');

const vectors: [AppPayload, `0x${string}`][] = [
  [
    { kind: 'DEPOSIT', depositor: A('a1'), token: A('b2'), amount: 10n ** 24n, depositNonce: 7n },
    `0x01${addr(A('a1'))}${addr(A('b2'))}${word(10n ** 24n)}${word(7n)}`,
  ],
  [
    {
      kind: 'POSITION',
      owner: A('a1'),
      instrumentId: W('0c'),
      size: 5n,
      side: 'SHORT',
      entryPrice: 3_000_000_000n,
      fundingIndex: -12345n,
      realisedPnl: -(10n ** 18n),
      sequence: 9n,
    },
    `0x02${addr(A('a1'))}${'0c'.repeat(32)}${word(5n)}${word(2n)}${word(3_000_000_000n)}${word(-12345n)}${word(-(10n ** 18n))}${word(9n)}`,
  ],
  [
    { kind: 'ACK', settlementId: W('5e'), status: 'CANCELLED', detail: '0xdeadbeef' },
    `0x03${'5e'.repeat(32)}${word(3n)}${word(0x60n)}${word(4n)}deadbeef${'00'.repeat(28)}`,
  ],
  [
    { kind: 'ACK', settlementId: W('5e'), status: 'EXECUTED', detail: '0x' },
    `0x03${'5e'.repeat(32)}${word(1n)}${word(0x60n)}${word(0n)}`,
  ],
  [
    {
      kind: 'RELEASE',
      settlementId: W('51'),
      token: A('b2'),
      recipient: A('c3'),
      amount: 1n,
      toMarket: true,
    },
    `0x11${'51'.repeat(32)}${addr(A('b2'))}${addr(A('c3'))}${word(1n)}${word(1n)}`,
  ],
  [
    {
      kind: 'CLOSE_POSITION',
      settlementId: W('52'),
      owner: A('a1'),
      instrumentId: W('0c'),
      size: 3n,
      priceLimit: 99n,
    },
    `0x12${'52'.repeat(32)}${addr(A('a1'))}${'0c'.repeat(32)}${word(3n)}${word(99n)}`,
  ],
  [
    {
      kind: 'ALLOWANCE',
      settlementId: W('53'),
      owner: A('a1'),
      amountUsdMicro: 5_000_000_000n,
      sequence: 4n,
      expirySec: 1_900_000_000n,
    },
    `0x13${'53'.repeat(32)}${addr(A('a1'))}${word(5_000_000_000n)}${word(4n)}${word(1_900_000_000n)}`,
  ],
  [
    { kind: 'CANCEL', settlementId: W('54'), targetSettlementId: W('51') },
    `0x14${'54'.repeat(32)}${'51'.repeat(32)}`,
  ],
];

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isBridgeError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('app payload codec', () => {
  it('encodes each kind to the hand-assembled ABI bytes and decodes back', () => {
    for (const [p, hex] of vectors) {
      expect(bytesToHex(encodeAppPayload(p)), p.kind).toBe(hex);
      expect(decodeAppPayload(hex), p.kind).toEqual(p);
      expect(payloadKindOf(hex)).toBe(p.kind);
    }
  });

  it('mixed-case addresses are accepted and normalised', () => {
    const p = { kind: 'CANCEL', settlementId: W('AB'), targetSettlementId: W('Cd') } as const;
    expect(decodeAppPayload(encodeAppPayload(p))).toEqual({
      kind: 'CANCEL',
      settlementId: W('ab'),
      targetSettlementId: W('cd'),
    });
  });

  it('direction filters', () => {
    const dep = vectors[0]![1];
    const rel = vectors[4]![1];
    expect(decodeInboundPayload(dep).kind).toBe('DEPOSIT');
    expect(code(() => decodeInboundPayload(rel))).toBe('BRIDGE_PAYLOAD_KIND_UNKNOWN');
    expect(code(() => decodeOutboundPayload(dep))).toBe('BRIDGE_PAYLOAD_KIND_UNKNOWN');
    expect(decodeOutboundPayload(rel).kind).toBe('RELEASE');
  });

  it('malformed bodies give typed errors', () => {
    const dep = hexToBytes(vectors[0]![1]);
    const ack = hexToBytes(vectors[2]![1]);
    const pos = hexToBytes(vectors[1]![1]);
    const rel = hexToBytes(vectors[4]![1]);
    const at = (b: Uint8Array, i: number, v: number) => {
      const c = b.slice();
      c[i] = v;
      return c;
    };
    const table: [string, Uint8Array, string][] = [
      ['empty', new Uint8Array(0), 'BRIDGE_PAYLOAD_EMPTY'],
      ['unknown kind 0x00', at(dep, 0, 0), 'BRIDGE_PAYLOAD_KIND_UNKNOWN'],
      ['unknown kind 0x04', at(dep, 0, 4), 'BRIDGE_PAYLOAD_KIND_UNKNOWN'],
      ['kind only', dep.subarray(0, 1), 'BRIDGE_PAYLOAD_MALFORMED'],
      ['short by one byte', dep.subarray(0, dep.length - 1), 'BRIDGE_PAYLOAD_MALFORMED'],
      ['trailing byte', new Uint8Array([...dep, 0]), 'BRIDGE_PAYLOAD_NONCANONICAL'],
      ['trailing word', new Uint8Array([...dep, ...new Uint8Array(32)]), 'BRIDGE_PAYLOAD_NONCANONICAL'],
      ['dirty address padding', at(dep, 1, 1), 'BRIDGE_PAYLOAD_NONCANONICAL'],
      ['dirty uint64 high bits', at(dep, 1 + 96, 1), 'BRIDGE_PAYLOAD_NONCANONICAL'],
      ['dirty uint8 side', at(pos, 1 + 96 + 30, 1), 'BRIDGE_PAYLOAD_NONCANONICAL'],
      ['bool = 2', at(rel, rel.length - 1, 2), 'BRIDGE_PAYLOAD_MALFORMED'],
      ['ACK offset not 0x60', at(at(ack, 1 + 64 + 31, 0x80), ack.length - 1, 0), 'BRIDGE_PAYLOAD_MALFORMED'],
      ['ACK length beyond data', at(ack, 1 + 96 + 31, 0x40), 'BRIDGE_PAYLOAD_MALFORMED'],
      ['ACK status 0', at(ack, 1 + 32 + 31, 0), 'BRIDGE_PAYLOAD_FIELD'],
      ['ACK status 4', at(ack, 1 + 32 + 31, 4), 'BRIDGE_PAYLOAD_FIELD'],
      ['POSITION side 3', at(pos, 1 + 96 + 31, 3), 'BRIDGE_PAYLOAD_FIELD'],
      ['POSITION side FLAT with size 5', at(pos, 1 + 96 + 31, 0), 'BRIDGE_PAYLOAD_FIELD'],
    ];
    for (const [name, body, want] of table)
      expect(
        code(() => decodeAppPayload(body)),
        name,
      ).toBe(want);
  });

  it('encoder validates fields', () => {
    const dep = vectors[0]![0] as Extract<AppPayload, { kind: 'DEPOSIT' }>;
    expect(code(() => encodeAppPayload({ ...dep, amount: -1n }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeAppPayload({ ...dep, amount: 1n << 256n }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeAppPayload({ ...dep, depositNonce: 1n << 64n }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeAppPayload({ ...dep, token: '0x1234' }))).toBe('BRIDGE_INVALID_FIELD');
    const pos = vectors[1]![0] as Extract<AppPayload, { kind: 'POSITION' }>;
    expect(code(() => encodeAppPayload({ ...pos, size: 0n }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeAppPayload({ ...pos, realisedPnl: 1n << 255n }))).toBe('BRIDGE_INVALID_FIELD');
    expect(encodeAppPayload({ ...pos, realisedPnl: -(1n << 255n) }).length).toBe(257);
    expect(
      code(() =>
        encodeAppPayload({
          kind: 'ACK',
          settlementId: W('00'),
          status: 'EXECUTED',
          detail: bytesToHex(new Uint8Array(1025)),
        }),
      ),
    ).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeAppPayload({ kind: 'NOPE' } as never))).toBe('BRIDGE_INVALID_FIELD');
  });

  it('kind bytes are the documented ones', () => {
    expect(PAYLOAD_KIND).toEqual({
      DEPOSIT: 1,
      POSITION: 2,
      ACK: 3,
      RELEASE: 0x11,
      CLOSE_POSITION: 0x12,
      ALLOWANCE: 0x13,
      CANCEL: 0x14,
    });
  });

  it('random bodies never throw untyped errors', () => {
    const kinds = Object.values(PAYLOAD_KIND);
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 400 }), (k, rest) => {
        const body = new Uint8Array([k, ...rest]);
        try {
          const p = decodeAppPayload(body);
          // Whatever decodes is canonical: it re-encodes to the same bytes.
          expect(bytesToHex(encodeAppPayload(p))).toBe(bytesToHex(body));
        } catch (e) {
          expect(isBridgeError(e), String(e)).toBe(true);
        }
      }),
      { numRuns: 3000, seed: 11 },
    );
  });
});
