/**
 * encodeMany: each item's bytes equal the codec's own `toBytes` (random TxResults with events,
 * default-only results and empty input included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TxResultCodec } from '../../../chain/index.ts';
import { encodeMany } from '../../../chain/node/encodeMany.ts';

const attr = fc.record({ key: fc.string({ maxLength: 10 }), value: fc.string({ maxLength: 30 }) });
const result = fc.record({
  code: fc.nat({ max: 5000 }),
  codespace: fc.string({ maxLength: 8 }),
  log: fc.string({ maxLength: 40 }),
  gasWanted: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  gasUsed: fc.bigInt({ min: 0n, max: 1n << 40n }),
  data: fc.uint8Array({ maxLength: 50 }),
  events: fc.array(
    fc.record({ type: fc.string({ maxLength: 12 }), attributes: fc.array(attr, { maxLength: 4 }) }),
    {
      maxLength: 4,
    },
  ),
});

describe('encodeMany', () => {
  it('gives each TxResult the bytes TxResultCodec.toBytes gives it', () => {
    fc.assert(
      fc.property(fc.array(result, { maxLength: 12 }), (rs) => {
        const got = encodeMany(TxResultCodec, rs);
        expect(got).toHaveLength(rs.length);
        rs.forEach((r, i) => {
          expect(Buffer.from(got[i]!).toString('hex'), `item ${i}`).toBe(
            Buffer.from(TxResultCodec.toBytes(r)).toString('hex'),
          );
        });
      }),
      { numRuns: 300 },
    );
  });
});
