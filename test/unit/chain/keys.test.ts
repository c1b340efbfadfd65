/**
 * The hub's state key prefixes (chain/keys.ts PREFIX) are consensus and on-disk layout: every
 * stored key starts with one. The table is append-only; this pins it byte by byte.
 */
import { describe, expect, it } from 'vitest';
import { PREFIX } from '../../../chain/index.ts';

describe('state key prefixes', () => {
  it('are pinned: append new families at the end, never renumber or reuse', () => {
    expect(Object.entries(PREFIX)).toEqual([
      ['account', 0x01],
      ['accountByNumber', 0x02],
      ['evmLink', 0x03],
      ['accountEvm', 0x04],
      ['params', 0x05],
      ['meta', 0x06],
      ['feeBalance', 0x07],
      ['hyperlane', 0x08],
      ['ledger', 0x09],
      ['oracle', 0x0a],
      ['governance', 0x0b],
      ['margin', 0x0c],
    ]);
  });
  it('are distinct bytes', () => {
    const bytes = Object.values(PREFIX);
    expect(new Set(bytes).size).toBe(bytes.length);
    for (const b of bytes) expect(b >= 0x01 && b <= 0xff, String(b)).toBe(true);
  });
});
