/**
 * The agents' one error class. Every failure an agent reports is an {@link AgentError} with a
 * string `code` prefixed `AGENT_` and typed metadata naming the field, the value and the limit.
 */

/** Every agent error code, with one line each. Append only. */
export const AGENT_ERROR_CODES = [
  /** A chain metadata / agent config file is missing a field or holds a bad value. */
  'AGENT_CONFIG_INVALID',
  /** A file the agent needs (checkpoint, cursor, high-water mark) is unreadable or malformed. */
  'AGENT_FILE_INVALID',
  /** The validator was asked to sign a second root for an index it already signed. */
  'AGENT_DOUBLE_SIGN_REFUSED',
  /** The origin chain disagrees with a root this validator signed: reorg flag written, halted. */
  'AGENT_REORG_DETECTED',
  /** A reorg flag exists in the checkpoint directory: the validator refuses to start. */
  'AGENT_REORG_FLAG_PRESENT',
  /** The origin's tree as read disagrees with itself (events vs. `root()`/`count()`). */
  'AGENT_ORIGIN_INCONSISTENT',
  /** Fewer than `threshold` validators have a valid checkpoint for the message yet. */
  'AGENT_SIGNATURES_BELOW_THRESHOLD',
  /** A message id is not known to any configured origin. */
  'AGENT_MESSAGE_NOT_FOUND',
  /** A message's destination has no configured chain. */
  'AGENT_UNKNOWN_DESTINATION',
  /** The destination refused the delivery for a reason retrying cannot fix. */
  'AGENT_DELIVERY_REJECTED',
  /** A transient failure (RPC down, sequence race): retried on the growing schedule. */
  'AGENT_TRANSIENT',
  /** The hub does not offer an API this agent needs (route missing). */
  'AGENT_HUB_API_MISSING',
] as const;

/** An agent error code (see {@link AGENT_ERROR_CODES}). */
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** Typed details of an {@link AgentError}. */
export interface AgentErrorMeta {
  /** The field, file or input at fault. */
  readonly field?: string;
  /** The offending value, rendered. */
  readonly value?: string | number | bigint;
  /** The limit or expectation it broke. */
  readonly limit?: string | number | bigint;
  /** Origin domain concerned. */
  readonly domain?: number;
  /** Leaf index concerned. */
  readonly index?: number;
  /** Message id concerned. */
  readonly messageId?: string;
}

/** The agents' error: stable `code`, message naming field, value and limit. */
export class AgentError extends Error {
  /** Stable machine-readable code. */
  readonly code: AgentErrorCode;
  /** Typed details. */
  readonly meta: AgentErrorMeta;

  constructor(
    code: AgentErrorCode,
    message: string,
    meta: AgentErrorMeta = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'AgentError';
    this.code = code;
    this.meta = meta;
  }
}

/** True when `e` is an {@link AgentError} (optionally with the given code). */
export function isAgentError(e: unknown, code?: AgentErrorCode): e is AgentError {
  return e instanceof AgentError && (code === undefined || e.code === code);
}
