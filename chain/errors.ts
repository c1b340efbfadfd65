/**
 * The hub's one error class and its code table.
 *
 * Three kinds, never mixed (STYLE.md "Errors"): invalid input is a {@link ChainError} whose code
 * is recorded in a receipt or returned by CheckTx; an expected outcome is a result value; an
 * internal failure is any other exception and halts the node.
 *
 * The numeric codes are consensus (receipts carry them and the results hash covers them):
 * the table is append-only. `test/unit/chain/errors.test.ts` pins it.
 */

/** Codespace → (string code → numeric ABCI code). Append only; never renumber. */
export const ERROR_TABLE = {
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
  params: {
    PARAMS_UNAUTHORIZED: 2,
    PARAMS_INVALID: 3,
  },
  genesis: {
    GENESIS_INVALID: 2,
  },
  block: {
    BLOCK_INVALID: 2,
  },
  mempool: {
    MEMPOOL_FULL: 2,
    MEMPOOL_DUPLICATE: 3,
    MEMPOOL_ACCOUNT_FULL: 4,
  },
  /** Every bridge/ BridgeError code, numbered index + 2 in BRIDGE_ERROR_CODES order (pinned by test/unit/hyperlane). */
  bridge: {
    BRIDGE_INVALID_FIELD: 2,
    BRIDGE_MESSAGE_TOO_SHORT: 3,
    BRIDGE_MESSAGE_TOO_LONG: 4,
    BRIDGE_MESSAGE_VERSION: 5,
    BRIDGE_MERKLE_TREE_FULL: 6,
    BRIDGE_MERKLE_INDEX_OUT_OF_RANGE: 7,
    BRIDGE_MERKLE_NODE_MISSING: 8,
    BRIDGE_MERKLE_ENCODING: 9,
    BRIDGE_MERKLE_PROOF_LENGTH: 10,
    BRIDGE_SIG_LENGTH: 11,
    BRIDGE_SIG_HIGH_S: 12,
    BRIDGE_SIG_BAD_V: 13,
    BRIDGE_SIG_INVALID: 14,
    BRIDGE_SECP256K1_NOT_NATIVE: 15,
    BRIDGE_PRIVATE_KEY_INVALID: 16,
    BRIDGE_METADATA_TRUNCATED: 17,
    BRIDGE_METADATA_SIGNATURES_LENGTH: 18,
    BRIDGE_ISM_CONFIG_INVALID: 19,
    BRIDGE_ISM_TYPE_UNKNOWN: 20,
    BRIDGE_ISM_BELOW_THRESHOLD: 21,
    BRIDGE_ISM_MISORDERED: 22,
    BRIDGE_ISM_DUPLICATE_VALIDATOR: 23,
    BRIDGE_ISM_UNKNOWN_SIGNER: 24,
    BRIDGE_ISM_DIGEST_MISMATCH: 25,
    BRIDGE_ISM_WRONG_ORIGIN: 26,
    BRIDGE_ISM_MESSAGE_MISMATCH: 27,
    BRIDGE_ISM_PROOF_MISMATCH: 28,
    BRIDGE_ISM_INDEX_ORDER: 29,
    BRIDGE_ISM_TREE_HOOK_UNPINNED: 30,
    BRIDGE_PAYLOAD_EMPTY: 31,
    BRIDGE_PAYLOAD_KIND_UNKNOWN: 32,
    BRIDGE_PAYLOAD_MALFORMED: 33,
    BRIDGE_PAYLOAD_NONCANONICAL: 34,
    BRIDGE_PAYLOAD_FIELD: 35,
  },
  /** The Hyperlane STF steps (chain/hyperlane). */
  hub: {
    HUB_BRIDGE_NOT_CONFIGURED: 2,
    HUB_WRONG_DESTINATION: 3,
    HUB_MESSAGE_REPLAYED: 4,
    HUB_ORIGIN_UNKNOWN: 5,
    HUB_SENDER_NOT_ENROLLED: 6,
    HUB_RECIPIENT_UNKNOWN: 7,
    HUB_TIER_INVALID: 8,
    HUB_CHECKPOINT_INVALID: 9,
    HUB_FINALITY_TOO_MANY_PROOFS: 10,
    HUB_FINALITY_PROOF_LENGTH: 11,
    HUB_FINALITY_LEAF_AFTER_CHECKPOINT: 12,
    HUB_FINALITY_PROOF_MISMATCH: 13,
    HUB_FINALITY_DUPLICATE_PROOF: 14,
    HUB_FINALITY_CONFLICT: 15,
    HUB_FINALITY_ORIGIN_MISMATCH: 16,
    HUB_REORG_MISSING_SIDE: 17,
    HUB_REORG_SAME_ROOT: 18,
    HUB_REORG_UNKNOWN_SIGNER: 19,
    HUB_REORG_DUPLICATE_SIGNER: 20,
    HUB_REORG_NO_SIGNATURE: 21,
    HUB_REORG_KNOWN: 22,
    HUB_CONFIG_INVALID: 23,
  },
  oracle: {
    ORACLE_NOT_CONFIGURED: 2,
    ORACLE_CONFIG_INVALID: 3,
    ORACLE_OBSERVATION_INVALID: 4,
    ORACLE_OBSERVATION_WINDOW: 5,
    ORACLE_SIGNATURE: 6,
    ORACLE_UNKNOWN_SIGNER: 7,
    ORACLE_DUPLICATE_SIGNER: 8,
  },
  /** Timelocked security changes (chain/governance). */
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
  /** Unified margin (chain/margin): withdrawals, allowances, liquidation, settlements. */
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
} as const;

export type Codespace = keyof typeof ERROR_TABLE;
export type ErrorCode = { [C in Codespace]: keyof (typeof ERROR_TABLE)[C] }[Codespace];

const codespaceOf = new Map<string, Codespace>();
for (const [space, codes] of Object.entries(ERROR_TABLE)) {
  for (const code of Object.keys(codes)) codespaceOf.set(code, space as Codespace);
}

/** An invalid-input error: a string code, its codespace and numeric ABCI code, and typed metadata. */
export class ChainError extends Error {
  readonly code: ErrorCode;
  readonly codespace: Codespace;
  /** The numeric code CosmJS reads from a receipt or CheckTx response. */
  readonly abciCode: number;
  readonly meta: Readonly<Record<string, string | number | bigint | boolean>>;
  /** The message without the code prefix. */
  readonly detail: string;

  constructor(
    code: ErrorCode,
    message: string,
    meta: Record<string, string | number | bigint | boolean> = {},
  ) {
    super(`${code}: ${message}`);
    this.name = 'ChainError';
    this.code = code;
    this.detail = message;
    const space = codespaceOf.get(code);
    if (space === undefined) throw new Error(`unregistered error code ${code}`);
    this.codespace = space;
    this.abciCode = (ERROR_TABLE[space] as Record<string, number>)[code]!;
    this.meta = meta;
  }
}

/** True when `e` is a {@link ChainError} (optionally with the given code). */
export function isChainError(e: unknown, code?: ErrorCode): e is ChainError {
  return e instanceof ChainError && (code === undefined || e.code === code);
}
