/**
 * The error class of the devnet family (`devnet/` outside `devnet/evm`, which has its own
 * `DevnetEvmError` with the same `DEVNET_` prefix).
 */

/** Codes of {@link DevnetError}, one doc line each. */
export const DEVNET_ERROR_CODES = {
  /** A devnet is already running in this home (its pid file lists live processes). */
  DEVNET_ALREADY_RUNNING: 'a devnet is already running in this home',
  /** A process the devnet started exited before the devnet was ready. */
  DEVNET_PROCESS_EXITED: 'a devnet process exited',
  /** A step did not finish in its time limit. */
  DEVNET_TIMEOUT: 'a step timed out',
  /** Chain metadata does not satisfy the registry schema. */
  DEVNET_METADATA_INVALID: 'chain metadata invalid',
  /** The home holds no running or stopped devnet where one is needed (world.json missing). */
  DEVNET_NOT_FOUND: 'no devnet in this home',
  /** A command-line argument is invalid (names the option, value and what is expected). */
  DEVNET_BAD_ARGUMENT: 'bad argument',
  /** A scenario's check failed (conservation, latency bound, expected outcome). */
  DEVNET_SCENARIO_FAILED: 'scenario check failed',
  /** A scenario needs a hub feature that has not landed yet. */
  DEVNET_SCENARIO_UNAVAILABLE: 'scenario needs a feature the hub does not have yet',
  /** A transaction on an EVM chain reverted or a hub tx was refused. */
  DEVNET_TX_FAILED: 'transaction failed',
} as const;

/** One of {@link DEVNET_ERROR_CODES}. */
export type DevnetErrorCode = keyof typeof DEVNET_ERROR_CODES;

/** Devnet error: a `code`, a message naming the field/value/limit, and typed metadata. */
export class DevnetError extends Error {
  readonly code: DevnetErrorCode;
  readonly meta: Readonly<Record<string, string | number | boolean | undefined>>;
  constructor(
    code: DevnetErrorCode,
    message: string,
    meta: Readonly<Record<string, string | number | boolean | undefined>> = {},
    cause?: unknown,
  ) {
    super(`${code}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'DevnetError';
    this.code = code;
    this.meta = meta;
  }
}
