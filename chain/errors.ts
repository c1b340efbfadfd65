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
