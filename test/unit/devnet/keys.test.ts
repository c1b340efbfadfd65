/**
 * Devnet key derivation against independent sources: anvil's published dev keys (indexes 0–9) and
 * viem's own `mnemonicToAccount` (a separate BIP-39/BIP-32 path) for role indexes.
 */
import { mnemonicToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { DEVNET_MNEMONIC, devnetAddress, devnetKey, KEY_INDEX } from '../../../devnet/keys.ts';
import { ANVIL_KEYS } from '../../helpers/anvil.ts';

describe('devnet keys', () => {
  it('indexes 0–9 are the keys anvil funds', () => {
    ANVIL_KEYS.forEach((k, i) => {
      expect(devnetKey(i), `index ${i}`).toBe(k);
    });
  });

  it('role indexes match viem mnemonicToAccount', () => {
    const indexes = [
      KEY_INDEX.gasPayer,
      KEY_INDEX.relayer,
      KEY_INDEX.hubValidator(0),
      KEY_INDEX.hubValidator(2),
      KEY_INDEX.fastValidator(1, 2),
      KEY_INDEX.finalValidator(2, 0),
      KEY_INDEX.oracleSigner(4),
    ];
    for (const i of indexes) {
      expect(devnetAddress(i), `index ${i}`).toBe(
        mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: i }).address,
      );
    }
  });

  it('fast and final sets never share an index', () => {
    const fast = new Set<number>();
    const final = new Set<number>();
    for (let c = 0; c < 3; c++)
      for (let j = 0; j < 5; j++) {
        fast.add(KEY_INDEX.fastValidator(c, j));
        final.add(KEY_INDEX.finalValidator(c, j));
      }
    expect([...fast].filter((i) => final.has(i))).toEqual([]);
  });

  it('rejects an index out of range', () => {
    expect(() => devnetKey(-1)).toThrow(/key index -1/);
    expect(() => devnetKey(2 ** 31)).toThrow(/key index/);
  });
});
