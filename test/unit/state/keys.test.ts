import { describe, expect, it } from 'vitest';
import { KEY_PREFIX } from '../../../state/index.ts';

describe('store key prefixes', () => {
  it('are pinned: the table is append-only (stored databases depend on every byte)', () => {
    // Changing or reusing a byte breaks existing data directories. Append new families only.
    expect(Object.entries(KEY_PREFIX)).toEqual([
      ['META', 0x01],
      ['STATE', 0x02],
      ['TREE', 0x03],
      ['ROOT', 0x04],
      ['BLOCK', 0x05],
      ['BLOCK_HASH', 0x06],
      ['TX', 0x07],
      ['TX_HASH', 0x08],
      ['SENDER_TX', 0x09],
      ['SENDER_COUNT', 0x0a],
      ['EXTRA', 0x0b],
      ['TREE_SNAPSHOT', 0x0c],
      ['TREE_SNAPSHOT_META', 0x0d],
      ['BLOCK_CHANGES', 0x0e],
    ]);
  });
});
