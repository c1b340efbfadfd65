/**
 * Receipt error codes are consensus: this pins the table. A change here that is not a pure
 * append is a consensus break — add new codes at the end of their codespace instead.
 */
import { describe, expect, it } from 'vitest';
import { ChainError, ERROR_TABLE } from '../../../chain/index.ts';

const PINNED: Record<string, Record<string, number>> = {
  tx: {
    TX_DECODE: 2,
    TX_SIGNATURE: 4,
    TX_HIGH_S: 5,
    TX_SEQUENCE: 6,
    TX_UNKNOWN_ACCOUNT: 7,
    TX_UNKNOWN_MESSAGE: 8,
    TX_TOO_LARGE: 9,
    TX_GAS_LIMIT: 10,
    TX_INSUFFICIENT_FEE: 11,
    TX_SIGNER_MISMATCH: 12,
    TX_SIGN_MODE: 13,
    TX_NON_CANONICAL: 14,
    TX_NO_MESSAGES: 15,
    TX_BLOCK_GAS_LIMIT: 16,
    TX_MEMO_TOO_LONG: 17,
    TX_TIMEOUT_HEIGHT: 18,
    TX_INSUFFICIENT_FUNDS: 19,
    TX_PUBKEY: 20,
  },
  auth: {
    AUTH_LINK_SIGNATURE: 2,
    AUTH_LINK_EXPIRED: 3,
    AUTH_LINK_NONCE: 4,
    AUTH_LINK_EVM_ADDRESS: 5,
    AUTH_LINK_OPEN_POSITIONS: 6,
    AUTH_LINK_CHAIN_ID: 7,
    AUTH_LINK_ALREADY: 8,
  },
  params: { PARAMS_UNAUTHORIZED: 2, PARAMS_INVALID: 3 },
  genesis: { GENESIS_INVALID: 2 },
  block: { BLOCK_INVALID: 2 },
  mempool: { MEMPOOL_FULL: 2, MEMPOOL_DUPLICATE: 3, MEMPOOL_ACCOUNT_FULL: 4 },
  oracle: {
    ORACLE_NOT_CONFIGURED: 2,
    ORACLE_CONFIG_INVALID: 3,
    ORACLE_OBSERVATION_INVALID: 4,
    ORACLE_OBSERVATION_WINDOW: 5,
    ORACLE_SIGNATURE: 6,
    ORACLE_UNKNOWN_SIGNER: 7,
    ORACLE_DUPLICATE_SIGNER: 8,
  },
  governance: {
    GOV_UNAUTHORIZED: 2,
    GOV_PROPOSAL_INVALID: 3,
    GOV_CONFIG_INVALID: 4,
    GOV_CHANGE_UNKNOWN: 5,
    GOV_CHANGE_ACTIVATED: 6,
    GOV_CHANGE_CANCELLED: 7,
    GOV_TIMELOCK_REQUIRED: 8,
    GOV_TOO_MANY_PENDING: 9,
  },
  margin: {
    MARGIN_NOT_CONFIGURED: 2,
    MARGIN_CONFIG_INVALID: 3,
    MARGIN_AMOUNT_INVALID: 4,
    MARGIN_UNKNOWN_TOKEN: 5,
    MARGIN_INSUFFICIENT_BALANCE: 6,
    MARGIN_IM_UNMET: 7,
    MARGIN_DOMAIN_HALTED: 8,
    MARGIN_VAULT_SHORT: 9,
    MARGIN_RELEASE_CAP: 10,
    MARGIN_BAD_DEBT: 11,
    MARGIN_PRICES_STALE: 12,
    MARGIN_UNKNOWN: 13,
    MARGIN_NOT_LINKED: 14,
    MARGIN_NOT_LIQUIDATABLE: 15,
    MARGIN_UNKNOWN_SETTLEMENT: 16,
    MARGIN_NOT_CANCELLABLE: 17,
    MARGIN_UNAUTHORIZED: 18,
    MARGIN_RECIPIENT_INVALID: 19,
    MARGIN_UNKNOWN_DOMAIN: 20,
    MARGIN_UNKNOWN_ACCOUNT: 21,
    MARGIN_CAP_REACHED: 22,
  },
};

describe('error table', () => {
  it('keeps every pinned code at its number (append-only)', () => {
    for (const [space, codes] of Object.entries(PINNED)) {
      for (const [code, n] of Object.entries(codes)) {
        expect(
          (ERROR_TABLE as Record<string, Record<string, number>>)[space]?.[code],
          `${space}/${code}`,
        ).toBe(n);
      }
    }
  });
  it('has no duplicate numbers within a codespace, and none below 2 (0 = ok, 1 = internal)', () => {
    for (const [space, codes] of Object.entries(ERROR_TABLE)) {
      const nums = Object.values(codes as Record<string, number>);
      expect(new Set(nums).size, space).toBe(nums.length);
      expect(Math.min(...nums), space).toBeGreaterThanOrEqual(2);
    }
  });
  it('puts the string code first in the message', () => {
    const e = new ChainError('TX_SEQUENCE', 'expected 3, got 2');
    expect(e.message.startsWith('TX_SEQUENCE: ')).toBe(true);
    expect(e.codespace).toBe('tx');
    expect(e.abciCode).toBe(6);
  });
});
