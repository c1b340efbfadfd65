/**
 * The collateral ledger: signed balances keyed by (holder, domain, token, stage), the layout the
 * unified-margin issue extends. Pure; state is a {@link StateView}.
 *
 * Key: `PREFIX.ledger ‖ holder tag (1) ‖ holder (20) ‖ domain (u32 BE) ‖ token (20) ‖ stage (1)`.
 * Value: sign byte (0x00 non-negative, 0x01 negative) ‖ magnitude, minimal big-endian; a zero
 * balance has no key. Amounts are atomic units of the token on its origin domain (source of
 * truth: the origin vault's ERC20). Balances may go negative (a per-domain debt to that domain's
 * vault, DESIGN "Positions and their money"); callers that must not go negative say so.
 */
import type { StateReader, StateView } from '../../state/types.ts';
import { bytesEqual, toHex } from '../crypto.ts';
import { concatBytes, PREFIX } from '../keys.ts';

/** Stage of a credit, position report or acknowledgement. */
export const STAGE = {
  /** Attested by the fast tier only: counts for risk early, for relief and withdrawals late. */
  PROVISIONAL: 1,
  /** Attested by the final tier. */
  FINAL: 2,
  /** Reserved (issue 5): provisional past the origin's timeout, reverted. */
  EXPIRED: 3,
} as const;
/** A stage number. */
export type Stage = (typeof STAGE)[keyof typeof STAGE];

/** Holder tags: whose balance it is. */
export const HOLDER = {
  /** A hub account (its 20-byte address). */
  ACCOUNT: 1,
  /** An EVM address with no linked account yet (20 bytes): funds held until the link appears. */
  EVM_HOLD: 2,
  /** The insurance fund (address: 20 zero bytes), one balance per (domain, token) (issue 5). */
  INSURANCE: 3,
} as const;

/** Bytes of a holder: tag (1) ‖ address (20). */
export const HOLDER_BYTES = 21;

/** Internal ledger failures (a broken invariant, never bad user input): they halt the node. */
export type LedgerErrorCode = 'LEDGER_NEGATIVE_BALANCE' | 'LEDGER_BAD_HOLDER' | 'LEDGER_ENCODING';

/** The ledger's error: an internal failure, never turned into a receipt code. */
export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  readonly meta: Readonly<Record<string, string | number | bigint>>;
  constructor(code: LedgerErrorCode, message: string, meta: Record<string, string | number | bigint> = {}) {
    super(`${code}: ${message}`);
    this.name = 'LedgerError';
    this.code = code;
    this.meta = meta;
  }
}

/** A holder as 21 bytes: `tag ‖ address20`. Throws LEDGER_BAD_HOLDER on a bad tag or length. */
export function holderBytes(tag: number, address20: Uint8Array): Uint8Array {
  if (
    (tag !== HOLDER.ACCOUNT && tag !== HOLDER.EVM_HOLD && tag !== HOLDER.INSURANCE) ||
    address20.length !== 20
  ) {
    throw new LedgerError('LEDGER_BAD_HOLDER', `holder tag ${tag} with ${address20.length} address bytes`);
  }
  return concatBytes(Uint8Array.of(tag), address20);
}

/** The holder of a hub account. */
export const accountHolder = (address20: Uint8Array) => holderBytes(HOLDER.ACCOUNT, address20);
/** The hold of an unlinked EVM address. */
export const evmHolder = (evm20: Uint8Array) => holderBytes(HOLDER.EVM_HOLD, evm20);
/** The insurance fund's holder bytes. */
export const insuranceHolder = () => holderBytes(HOLDER.INSURANCE, new Uint8Array(20));

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** State key of one balance. */
export function ledgerKey(holder: Uint8Array, domain: number, token: Uint8Array, stage: number): Uint8Array {
  if (holder.length !== HOLDER_BYTES || token.length !== 20) {
    throw new LedgerError('LEDGER_BAD_HOLDER', `holder ${holder.length} bytes, token ${token.length} bytes`);
  }
  return concatBytes(Uint8Array.of(PREFIX.ledger), holder, u32(domain), token, Uint8Array.of(stage));
}

/** Prefix of every balance of one holder. */
export const ledgerHolderPrefix = (holder: Uint8Array) => concatBytes(Uint8Array.of(PREFIX.ledger), holder);

/** Encodes a signed amount (see the module comment); zero encodes to an empty array, never stored. */
export function encodeAmount(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0);
  const neg = n < 0n;
  let m = neg ? -n : n;
  const bytes: number[] = [];
  while (m > 0n) {
    bytes.push(Number(m & 0xffn));
    m >>= 8n;
  }
  bytes.push(neg ? 1 : 0);
  return Uint8Array.from(bytes.reverse());
}

/** Decodes {@link encodeAmount}; absent → 0. Throws LEDGER_ENCODING on a non-canonical value. */
export function decodeAmount(b: Uint8Array | undefined): bigint {
  if (b === undefined) return 0n;
  if (b.length < 2 || (b[0] !== 0 && b[0] !== 1) || b[1] === 0) {
    throw new LedgerError('LEDGER_ENCODING', `balance value ${toHex(b)} is not a canonical signed amount`);
  }
  let m = 0n;
  for (let i = 1; i < b.length; i++) m = (m << 8n) | BigInt(b[i]!);
  return b[0] === 1 ? -m : m;
}

/** One balance. */
export interface LedgerEntry {
  holder: Uint8Array;
  domain: number;
  token: Uint8Array;
  stage: number;
  amount: bigint;
}

/** The balance of (holder, domain, token, stage), in atomic units (0 when absent). */
export function getBalance(
  state: StateReader,
  holder: Uint8Array,
  domain: number,
  token: Uint8Array,
  stage: number,
): bigint {
  return decodeAmount(state.get(ledgerKey(holder, domain, token, stage)));
}

/** Options of {@link addBalance}. */
export interface AddBalanceOpts {
  /** Throw LEDGER_NEGATIVE_BALANCE (internal) instead of storing a negative result. */
  nonNegative?: boolean;
}

/** Adds `delta` (signed) to a balance and returns the new balance. */
export function addBalance(
  state: StateView,
  holder: Uint8Array,
  domain: number,
  token: Uint8Array,
  stage: number,
  delta: bigint,
  opts: AddBalanceOpts = {},
): bigint {
  const key = ledgerKey(holder, domain, token, stage);
  const next = decodeAmount(state.get(key)) + delta;
  if (next < 0n && opts.nonNegative === true) {
    throw new LedgerError(
      'LEDGER_NEGATIVE_BALANCE',
      `balance of ${toHex(holder)} on ${domain}/${toHex(token)} stage ${stage} would be ${next}`,
      { domain, stage, amount: next },
    );
  }
  if (next === 0n) state.delete(key);
  else state.set(key, encodeAmount(next));
  return next;
}

/** Moves `amount` within one holder from stage `from` to stage `to` (provisional → final). */
export function moveStage(
  state: StateView,
  holder: Uint8Array,
  domain: number,
  token: Uint8Array,
  from: number,
  to: number,
  amount: bigint,
): void {
  addBalance(state, holder, domain, token, from, -amount, { nonNegative: true });
  addBalance(state, holder, domain, token, to, amount);
}

function parseKey(key: Uint8Array, value: Uint8Array): LedgerEntry {
  // PREFIX(1) ‖ holder(21) ‖ domain(4) ‖ token(20) ‖ stage(1) = 47 bytes
  if (key.length !== 47) throw new LedgerError('LEDGER_ENCODING', `ledger key of ${key.length} bytes`);
  const dv = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return {
    holder: key.slice(1, 22),
    domain: dv.getUint32(22),
    token: key.slice(26, 46),
    stage: key[46]!,
    amount: decodeAmount(value),
  };
}

/** Every non-zero balance of a holder, in key order (domain, token, stage ascending). */
export function balancesOf(state: StateReader, holder: Uint8Array): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const [k, v] of state.entries(ledgerHolderPrefix(holder))) out.push(parseKey(k, v));
  return out;
}

/**
 * Moves every balance held under the EVM address `evm` to the account `account` (all domains,
 * tokens and stages) and returns what moved. Used when the link EVM → account appears.
 */
export function moveHoldToAccount(state: StateView, evm: Uint8Array, account: Uint8Array): LedgerEntry[] {
  const from = evmHolder(evm);
  const to = accountHolder(account);
  const moved = balancesOf(state, from);
  for (const e of moved) {
    state.delete(ledgerKey(from, e.domain, e.token, e.stage));
    addBalance(state, to, e.domain, e.token, e.stage, e.amount);
  }
  return moved;
}

/** True when two holders are the same. */
export const sameHolder = (a: Uint8Array, b: Uint8Array) => bytesEqual(a, b);

/**
 * The bank denom of a collateral balance: `col/<domain>/<token>` for final,
 * `col/<domain>/<token>/provisional` for provisional (domain decimal, token lowercase 0x hex).
 */
export function collateralDenom(domain: number, token: Uint8Array, stage: number): string {
  const base = `col/${domain}/0x${toHex(token)}`;
  return stage === STAGE.FINAL
    ? base
    : stage === STAGE.PROVISIONAL
      ? `${base}/provisional`
      : `${base}/stage${stage}`;
}

/** Parses {@link collateralDenom}; undefined when `denom` is not a collateral denom. */
export function parseCollateralDenom(
  denom: string,
): { domain: number; token: Uint8Array; stage: number } | undefined {
  const m = /^col\/(0|[1-9][0-9]{0,9})\/0x([0-9a-f]{40})(\/provisional)?$/.exec(denom);
  if (m === null) return undefined;
  const domain = Number(m[1]);
  if (domain > 0xffffffff) return undefined;
  const token = new Uint8Array(20);
  for (let i = 0; i < 20; i++) token[i] = Number.parseInt(m[2]!.slice(2 * i, 2 * i + 2), 16);
  return { domain, token, stage: m[3] === undefined ? STAGE.FINAL : STAGE.PROVISIONAL };
}
