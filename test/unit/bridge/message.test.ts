import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  decodeMessage,
  encodeMessage,
  isBridgeError,
  MAX_MESSAGE_BODY_BYTES,
  messageId,
  messageOrigin,
} from '../../../bridge/index.ts';

const W = (b: string) => `0x${b.repeat(32)}` as const;
const base = {
  nonce: 7,
  origin: 1,
  sender: W('aa'),
  destination: 0x554d5247,
  recipient: W('bb'),
  body: '0x0102',
} as const;

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isBridgeError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('message codec', () => {
  it('lays fields out at the Message.sol offsets', () => {
    const m = encodeMessage(base);
    // Hand-assembled: version 03, nonce 00000007, origin 00000001, sender, destination 554d5247, recipient, body.
    const expected = `0x030000000700000001${'aa'.repeat(32)}554d5247${'bb'.repeat(32)}0102`;
    expect(bytesToHex(m)).toBe(expected);
    expect(messageOrigin(m)).toBe(1);
    const d = decodeMessage(m);
    expect(d).toEqual({
      version: 3,
      nonce: 7,
      origin: 1,
      sender: W('aa'),
      destination: 0x554d5247,
      recipient: W('bb'),
      body: new Uint8Array([1, 2]),
    });
  });

  it('decode copies the body and accepts hex', () => {
    const m = encodeMessage(base);
    const d = decodeMessage(m);
    m[77] = 0xff;
    expect(d.body[0]).toBe(1);
    expect(decodeMessage(bytesToHex(encodeMessage(base))).nonce).toBe(7);
  });

  it('typed errors: short, long, version, fields', () => {
    const m = encodeMessage(base);
    expect(code(() => decodeMessage(m.subarray(0, 76)))).toBe('BRIDGE_MESSAGE_TOO_SHORT');
    expect(code(() => decodeMessage(new Uint8Array(0)))).toBe('BRIDGE_MESSAGE_TOO_SHORT');
    expect(code(() => messageOrigin(m.subarray(0, 10)))).toBe('BRIDGE_MESSAGE_TOO_SHORT');
    expect(
      code(() => decodeMessage(encodeMessage({ ...base, body: new Uint8Array(MAX_MESSAGE_BODY_BYTES + 1) }))),
    ).toBe('BRIDGE_MESSAGE_TOO_LONG');
    expect(code(() => decodeMessage(m, { maxBodyBytes: 1 }))).toBe('BRIDGE_MESSAGE_TOO_LONG');
    expect(
      decodeMessage(encodeMessage({ ...base, body: new Uint8Array(MAX_MESSAGE_BODY_BYTES) })).body.length,
    ).toBe(MAX_MESSAGE_BODY_BYTES);
    expect(code(() => decodeMessage(encodeMessage({ ...base, version: 2 })))).toBe('BRIDGE_MESSAGE_VERSION');
    expect(decodeMessage(encodeMessage({ ...base, version: 2 }), { version: null }).version).toBe(2);
    expect(code(() => encodeMessage({ ...base, nonce: -1 }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeMessage({ ...base, origin: 2 ** 32 }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeMessage({ ...base, destination: 1.5 }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeMessage({ ...base, version: 256 }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeMessage({ ...base, sender: '0x1234' }))).toBe('BRIDGE_INVALID_FIELD');
    expect(code(() => encodeMessage({ ...base, recipient: `0x${'zz'.repeat(32)}` }))).toBe(
      'BRIDGE_INVALID_FIELD',
    );
    expect(code(() => encodeMessage({ ...base, body: '0x123' }))).toBe('BRIDGE_INVALID_FIELD');
  });

  it('max u32 fields round-trip', () => {
    const m = encodeMessage({ ...base, nonce: 0xffffffff, origin: 0xffffffff, destination: 0xffffffff });
    const d = decodeMessage(m);
    expect([d.nonce, d.origin, d.destination]).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
  });

  it('error messages name field, value and limit', () => {
    try {
      decodeMessage(new Uint8Array(10));
      expect.unreachable();
    } catch (e) {
      expect(isBridgeError(e) && e.meta).toEqual({ field: 'message', value: 10, limit: 77 });
      expect(String(e)).toMatch(/10 bytes.*77/);
    }
    expect(messageId('0x')).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  });
});
