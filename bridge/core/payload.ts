/**
 * The app payload codec shared by the hub and the Solidity contracts (MarginVault, PositionAdapter).
 *
 * Layout of every Hyperlane message body our apps send: `kind (1 byte) ‖ abi.encode(fields…)`.
 * Solidity reads it with `uint8(body[0])` and `abi.decode(body[1:], (…))`; TypeScript with
 * {@link decodeAppPayload}. The field lists, kind bytes and enum values are in
 * `bridge/README.md` "App payloads" and in {@link PAYLOAD_ABI} (`as const`, usable with viem).
 *
 * Decoding is strict: the ABI part must be exactly what Solidity's `abi.encode` produces for the
 * decoded values (no trailing bytes, no dirty high bits, canonical offsets), so one payload has
 * one encoding and the hub never depends on a lenient decoder's choices. Every failure is a
 * {@link BridgeError} (`BRIDGE_PAYLOAD_*`), never a raw viem error.
 */
import { decodeAbiParameters, encodeAbiParameters } from 'viem';
import { type BytesLike, bytesEqual, bytesToHex, type Hex, hexToBytes, toBytes } from './bytes.ts';
import { BridgeError } from './errors.ts';

/** Kind bytes (the first byte of the body). Inbound = EVM → hub, outbound = hub → EVM. */
export const PAYLOAD_KIND = {
  /** Inbound: an ERC20 deposit into a MarginVault. */
  DEPOSIT: 0x01,
  /** Inbound: a PositionAdapter's report of one position. */
  POSITION: 0x02,
  /** Inbound: the outcome of an outbound settlement on its destination. */
  ACK: 0x03,
  /** Outbound: the vault transfers tokens to a recipient (a user, or a market for a realised loss). */
  RELEASE: 0x11,
  /** Outbound: the adapter closes (part of) a position within a price limit. */
  CLOSE_POSITION: 0x12,
  /** Outbound: sets the risk allowance an owner may open on that domain. */
  ALLOWANCE: 0x13,
  /** Outbound: marks an unexecuted settlement id terminal (cancelled) on the destination. */
  CANCEL: 0x14,
} as const;

/** Name of a payload kind. */
export type PayloadKindName = keyof typeof PAYLOAD_KIND;

/** Kinds the hub accepts from EVM chains. */
export const INBOUND_KINDS: readonly PayloadKindName[] = ['DEPOSIT', 'POSITION', 'ACK'];
/** Kinds the hub sends to EVM chains (each carries a settlement id). */
export const OUTBOUND_KINDS: readonly PayloadKindName[] = [
  'RELEASE',
  'CLOSE_POSITION',
  'ALLOWANCE',
  'CANCEL',
];

/**
 * ABI parameter lists per kind (`as const`): the body is `kind ‖ encodeAbiParameters(PAYLOAD_ABI[kind], values)`,
 * which equals Solidity's `abi.encodePacked(uint8(kind), abi.encode(values…))`.
 */
export const PAYLOAD_ABI = {
  DEPOSIT: [
    { name: 'depositor', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'depositNonce', type: 'uint64' },
  ],
  POSITION: [
    { name: 'owner', type: 'address' },
    { name: 'instrumentId', type: 'bytes32' },
    { name: 'size', type: 'uint256' },
    { name: 'side', type: 'uint8' },
    { name: 'entryPrice', type: 'uint256' },
    { name: 'fundingIndex', type: 'int256' },
    { name: 'realisedPnl', type: 'int256' },
    { name: 'sequence', type: 'uint64' },
  ],
  ACK: [
    { name: 'settlementId', type: 'bytes32' },
    { name: 'status', type: 'uint8' },
    { name: 'detail', type: 'bytes' },
  ],
  RELEASE: [
    { name: 'settlementId', type: 'bytes32' },
    { name: 'token', type: 'address' },
    { name: 'recipient', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'toMarket', type: 'bool' },
  ],
  CLOSE_POSITION: [
    { name: 'settlementId', type: 'bytes32' },
    { name: 'owner', type: 'address' },
    { name: 'instrumentId', type: 'bytes32' },
    { name: 'size', type: 'uint256' },
    { name: 'priceLimit', type: 'uint256' },
  ],
  ALLOWANCE: [
    { name: 'settlementId', type: 'bytes32' },
    { name: 'owner', type: 'address' },
    { name: 'amountUsdMicro', type: 'uint256' },
    { name: 'sequence', type: 'uint64' },
    { name: 'expirySec', type: 'uint64' },
  ],
  CANCEL: [
    { name: 'settlementId', type: 'bytes32' },
    { name: 'targetSettlementId', type: 'bytes32' },
  ],
} as const;

/** POSITION `side` byte values; `FLAT` iff `size == 0`. */
export const POSITION_SIDE = { FLAT: 0, LONG: 1, SHORT: 2 } as const;
/** Side of a reported position. */
export type PositionSide = keyof typeof POSITION_SIDE;

/** ACK `status` byte values (0 is never valid). */
export const ACK_STATUS = { EXECUTED: 1, FAILED: 2, CANCELLED: 3 } as const;
/** Outcome of a settlement on its destination. */
export type AckStatus = keyof typeof ACK_STATUS;

/** Largest ACK `detail` the hub accepts, in bytes (a DoS bound on free-form text or data). */
export const MAX_ACK_DETAIL_BYTES = 1024;

/** DEPOSIT: `depositor` deposited `amount` atomic units of ERC20 `token` into the sending vault. */
export interface DepositPayload {
  readonly kind: 'DEPOSIT';
  /** EVM address credited on the hub (through its linked hub account). */
  readonly depositor: Hex;
  /** ERC20 token address on the origin chain. */
  readonly token: Hex;
  /** Amount in the token's atomic units. */
  readonly amount: bigint;
  /** The vault's deposit counter (uint64), for reconciliation; the message id is the replay key. */
  readonly depositNonce: bigint;
}

/** POSITION: the current state of one position, reported by the sending PositionAdapter. */
export interface PositionPayload {
  readonly kind: 'POSITION';
  /** The position owner's EVM address. */
  readonly owner: Hex;
  /** Instrument id (market, strike, expiry… as listed in params). */
  readonly instrumentId: Hex;
  /** Absolute size in the instrument's base units; 0 when closed. */
  readonly size: bigint;
  /** LONG or SHORT; FLAT exactly when size is 0. */
  readonly side: PositionSide;
  /** Average entry price, in the instrument's fixed price exponent. */
  readonly entryPrice: bigint;
  /** The market's cumulative funding index at the report, in the instrument's fixed exponent. */
  readonly fundingIndex: bigint;
  /** Realised P&L since the previous report in the domain's settlement token units (+ gain, − loss). */
  readonly realisedPnl: bigint;
  /** Per-position sequence number (uint64), increasing by report; the hub ignores stale ones. */
  readonly sequence: bigint;
}

/** ACK: what happened to an outbound settlement on its destination. */
export interface AckPayload {
  readonly kind: 'ACK';
  /** The settlement id of the outbound message being acknowledged. */
  readonly settlementId: Hex;
  /** EXECUTED, FAILED or CANCELLED. */
  readonly status: AckStatus;
  /** Free-form detail (reason text or ABI data), at most {@link MAX_ACK_DETAIL_BYTES} bytes, hex. */
  readonly detail: Hex;
}

/** RELEASE: the vault transfers `amount` of `token` to `recipient`. */
export interface ReleasePayload {
  readonly kind: 'RELEASE';
  /** Settlement id; the vault records it terminally and ignores repeats. */
  readonly settlementId: Hex;
  /** ERC20 token address on the destination chain. */
  readonly token: Hex;
  /** Who receives the tokens (a user, or the market for a realised loss). */
  readonly recipient: Hex;
  /** Amount in the token's atomic units. */
  readonly amount: bigint;
  /** True when paying a market for a realised loss (the vault may notify the market). */
  readonly toMarket: boolean;
}

/** CLOSE_POSITION: the adapter closes `size` of the owner's position, no worse than `priceLimit`. */
export interface ClosePositionPayload {
  readonly kind: 'CLOSE_POSITION';
  readonly settlementId: Hex;
  /** The position owner's EVM address. */
  readonly owner: Hex;
  /** Instrument id. */
  readonly instrumentId: Hex;
  /** Absolute size to close, in the instrument's base units. */
  readonly size: bigint;
  /** Worst acceptable price (a minimum when closing a long, a maximum when closing a short). */
  readonly priceLimit: bigint;
}

/** ALLOWANCE: sets (not adds to) the risk allowance `owner` may open on the destination. */
export interface AllowancePayload {
  readonly kind: 'ALLOWANCE';
  readonly settlementId: Hex;
  /** The owner's EVM address. */
  readonly owner: Hex;
  /** Allowance in USD micro-units (1e-6 USD), measured by the adapter's standalone margin. */
  readonly amountUsdMicro: bigint;
  /** Per-owner sequence (uint64): delivery is unordered, so the adapter keeps only the highest. */
  readonly sequence: bigint;
  /** Unix time in seconds after which the allowance is void (uint64). */
  readonly expirySec: bigint;
}

/** CANCEL: marks `targetSettlementId` terminal (cancelled) if it has not executed yet. */
export interface CancelPayload {
  readonly kind: 'CANCEL';
  /** This message's own settlement id. */
  readonly settlementId: Hex;
  /** The settlement id to cancel. */
  readonly targetSettlementId: Hex;
}

/** Any inbound payload. */
export type InboundPayload = DepositPayload | PositionPayload | AckPayload;
/** Any outbound payload. */
export type OutboundPayload = ReleasePayload | ClosePositionPayload | AllowancePayload | CancelPayload;
/** Any app payload. */
export type AppPayload = InboundPayload | OutboundPayload;

const KIND_BY_BYTE = new Map<number, PayloadKindName>(
  (Object.entries(PAYLOAD_KIND) as [PayloadKindName, number][]).map(([k, v]) => [v, k]),
);

const U64_MAX = (1n << 64n) - 1n;
const U256_MAX = (1n << 256n) - 1n;
const I256_MIN = -(1n << 255n);
const I256_MAX = (1n << 255n) - 1n;

function fieldError(kind: string, field: string, value: unknown, limit: string): BridgeError {
  return new BridgeError('BRIDGE_INVALID_FIELD', `${kind}.${field} = ${String(value)} is invalid: ${limit}`, {
    field: `${kind}.${field}`,
    value: typeof value === 'bigint' || typeof value === 'number' ? value : String(value).slice(0, 80),
    limit,
  });
}

function checkAddress(kind: string, field: string, v: unknown): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v))
    throw fieldError(kind, field, v, '20-byte 0x hex');
  return v.toLowerCase() as Hex;
}
function checkBytes32(kind: string, field: string, v: unknown): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v))
    throw fieldError(kind, field, v, '32-byte 0x hex');
  return v.toLowerCase() as Hex;
}
function checkUint(kind: string, field: string, v: unknown, max: bigint, limit: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > max) throw fieldError(kind, field, v, limit);
  return v;
}
function checkInt256(kind: string, field: string, v: unknown): bigint {
  if (typeof v !== 'bigint' || v < I256_MIN || v > I256_MAX)
    throw fieldError(kind, field, v, 'int256 bigint');
  return v;
}

// Validates a payload and returns the ABI values in PAYLOAD_ABI order (lowercased hex).
function abiValues(p: AppPayload): readonly unknown[] {
  const k = p.kind;
  switch (k) {
    case 'DEPOSIT':
      return [
        checkAddress(k, 'depositor', p.depositor),
        checkAddress(k, 'token', p.token),
        checkUint(k, 'amount', p.amount, U256_MAX, 'uint256 bigint'),
        checkUint(k, 'depositNonce', p.depositNonce, U64_MAX, 'uint64 bigint'),
      ];
    case 'POSITION': {
      const size = checkUint(k, 'size', p.size, U256_MAX, 'uint256 bigint');
      const side = POSITION_SIDE[p.side];
      if (side === undefined) throw fieldError(k, 'side', p.side, 'FLAT, LONG or SHORT');
      if ((size === 0n) !== (side === POSITION_SIDE.FLAT)) {
        throw fieldError(k, 'side', p.side, 'FLAT exactly when size is 0');
      }
      return [
        checkAddress(k, 'owner', p.owner),
        checkBytes32(k, 'instrumentId', p.instrumentId),
        size,
        side,
        checkUint(k, 'entryPrice', p.entryPrice, U256_MAX, 'uint256 bigint'),
        checkInt256(k, 'fundingIndex', p.fundingIndex),
        checkInt256(k, 'realisedPnl', p.realisedPnl),
        checkUint(k, 'sequence', p.sequence, U64_MAX, 'uint64 bigint'),
      ];
    }
    case 'ACK': {
      const status = ACK_STATUS[p.status];
      if (status === undefined) throw fieldError(k, 'status', p.status, 'EXECUTED, FAILED or CANCELLED');
      const detail = toBytes(p.detail, 'ACK.detail');
      if (detail.length > MAX_ACK_DETAIL_BYTES) {
        throw fieldError(k, 'detail', `${detail.length} bytes`, `at most ${MAX_ACK_DETAIL_BYTES} bytes`);
      }
      return [checkBytes32(k, 'settlementId', p.settlementId), status, bytesToHex(detail)];
    }
    case 'RELEASE':
      if (typeof p.toMarket !== 'boolean') throw fieldError(k, 'toMarket', p.toMarket, 'boolean');
      return [
        checkBytes32(k, 'settlementId', p.settlementId),
        checkAddress(k, 'token', p.token),
        checkAddress(k, 'recipient', p.recipient),
        checkUint(k, 'amount', p.amount, U256_MAX, 'uint256 bigint'),
        p.toMarket,
      ];
    case 'CLOSE_POSITION':
      return [
        checkBytes32(k, 'settlementId', p.settlementId),
        checkAddress(k, 'owner', p.owner),
        checkBytes32(k, 'instrumentId', p.instrumentId),
        checkUint(k, 'size', p.size, U256_MAX, 'uint256 bigint'),
        checkUint(k, 'priceLimit', p.priceLimit, U256_MAX, 'uint256 bigint'),
      ];
    case 'ALLOWANCE':
      return [
        checkBytes32(k, 'settlementId', p.settlementId),
        checkAddress(k, 'owner', p.owner),
        checkUint(k, 'amountUsdMicro', p.amountUsdMicro, U256_MAX, 'uint256 bigint'),
        checkUint(k, 'sequence', p.sequence, U64_MAX, 'uint64 bigint'),
        checkUint(k, 'expirySec', p.expirySec, U64_MAX, 'uint64 bigint'),
      ];
    case 'CANCEL':
      return [
        checkBytes32(k, 'settlementId', p.settlementId),
        checkBytes32(k, 'targetSettlementId', p.targetSettlementId),
      ];
    default: {
      const never: never = p;
      throw fieldError(
        'payload',
        'kind',
        (never as { kind: unknown }).kind,
        Object.keys(PAYLOAD_KIND).join(', '),
      );
    }
  }
}

/**
 * Encodes an app payload as `kind ‖ abi.encode(fields)`. Throws `BRIDGE_INVALID_FIELD` naming the
 * field when a value is out of its ABI type's range or an enum/consistency rule fails.
 */
export function encodeAppPayload(payload: AppPayload): Uint8Array {
  const values = abiValues(payload);
  const abi = PAYLOAD_ABI[payload.kind];
  // Values were validated above, so viem cannot throw on range; cast only bridges the union typing.
  const encoded = hexToBytes(encodeAbiParameters(abi, values as never), 'abi');
  const out = new Uint8Array(1 + encoded.length);
  out[0] = PAYLOAD_KIND[payload.kind];
  out.set(encoded, 1);
  return out;
}

/** {@link encodeAppPayload} as lowercase hex. */
export function encodeAppPayloadHex(payload: AppPayload): Hex {
  return bytesToHex(encodeAppPayload(payload));
}

/** The kind name of a body's first byte, or undefined for an empty body or an unknown kind byte. */
export function payloadKindOf(body: BytesLike): PayloadKindName | undefined {
  const b = toBytes(body, 'body');
  return b.length === 0 ? undefined : KIND_BY_BYTE.get(b[0]!);
}

function malformed(kind: PayloadKindName, detail: string, cause: unknown): BridgeError {
  return new BridgeError(
    'BRIDGE_PAYLOAD_MALFORMED',
    `${kind} body does not decode as (${PAYLOAD_ABI[kind].map((x) => x.type).join(',')}): ${detail}`,
    { field: 'body', value: kind },
    { cause },
  );
}

function payloadField(
  kind: PayloadKindName,
  field: string,
  value: string | number | bigint,
  limit: string,
): BridgeError {
  return new BridgeError('BRIDGE_PAYLOAD_FIELD', `${kind}.${field} = ${value} is invalid: ${limit}`, {
    field: `${kind}.${field}`,
    value,
    limit,
  });
}

function buildPayload(kind: PayloadKindName, v: readonly unknown[]): AppPayload {
  const hex = (x: unknown) => (x as string).toLowerCase() as Hex;
  const big = (x: unknown) => BigInt(x as bigint | number);
  switch (kind) {
    case 'DEPOSIT':
      return { kind, depositor: hex(v[0]), token: hex(v[1]), amount: big(v[2]), depositNonce: big(v[3]) };
    case 'POSITION': {
      const sideByte = Number(v[3]);
      const side = (Object.keys(POSITION_SIDE) as PositionSide[]).find((s) => POSITION_SIDE[s] === sideByte);
      if (side === undefined) throw payloadField(kind, 'side', sideByte, '0 (FLAT), 1 (LONG) or 2 (SHORT)');
      const size = big(v[2]);
      if ((size === 0n) !== (side === 'FLAT')) {
        throw payloadField(kind, 'side', side, `FLAT exactly when size is 0 (size = ${size})`);
      }
      return {
        kind,
        owner: hex(v[0]),
        instrumentId: hex(v[1]),
        size,
        side,
        entryPrice: big(v[4]),
        fundingIndex: big(v[5]),
        realisedPnl: big(v[6]),
        sequence: big(v[7]),
      };
    }
    case 'ACK': {
      const statusByte = Number(v[1]);
      const status = (Object.keys(ACK_STATUS) as AckStatus[]).find((s) => ACK_STATUS[s] === statusByte);
      if (status === undefined)
        throw payloadField(kind, 'status', statusByte, '1 (EXECUTED), 2 (FAILED) or 3 (CANCELLED)');
      const detail = hex(v[2]);
      const detailBytes = (detail.length - 2) / 2;
      if (detailBytes > MAX_ACK_DETAIL_BYTES) {
        throw payloadField(kind, 'detail', `${detailBytes} bytes`, `at most ${MAX_ACK_DETAIL_BYTES} bytes`);
      }
      return { kind, settlementId: hex(v[0]), status, detail };
    }
    case 'RELEASE':
      return {
        kind,
        settlementId: hex(v[0]),
        token: hex(v[1]),
        recipient: hex(v[2]),
        amount: big(v[3]),
        toMarket: v[4] as boolean,
      };
    case 'CLOSE_POSITION':
      return {
        kind,
        settlementId: hex(v[0]),
        owner: hex(v[1]),
        instrumentId: hex(v[2]),
        size: big(v[3]),
        priceLimit: big(v[4]),
      };
    case 'ALLOWANCE':
      return {
        kind,
        settlementId: hex(v[0]),
        owner: hex(v[1]),
        amountUsdMicro: big(v[2]),
        sequence: big(v[3]),
        expirySec: big(v[4]),
      };
    case 'CANCEL':
      return { kind, settlementId: hex(v[0]), targetSettlementId: hex(v[1]) };
  }
}

/** Options of {@link decodeAppPayload}. */
export interface DecodeAppPayloadOpts {
  /** Accept only inbound (DEPOSIT, POSITION, ACK) or only outbound kinds; both when omitted. */
  readonly direction?: 'inbound' | 'outbound';
  /**
   * Read a canonical DEPOSIT directly, without the ABI decoder and the re-encoding check (default
   * true). Same result either way; anything but a canonical DEPOSIT takes the general path, which
   * decides errors. False runs the general path alone (tests compare the two).
   */
  readonly fastPath?: boolean;
}

const HEX_DIGITS = '0123456789abcdef';

function hexOfRange(b: Uint8Array, from: number, to: number): Hex {
  let s = '0x';
  for (let i = from; i < to; i++) s += HEX_DIGITS[b[i]! >> 4]! + HEX_DIGITS[b[i]! & 15]!;
  return s as Hex;
}

function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function uintOfRange(b: Uint8Array, from: number, to: number): bigint {
  let n = 0n;
  for (let i = from; i < to; i += 8) {
    let w = 0n;
    for (let j = i; j < Math.min(to, i + 8); j++) w = (w << 8n) | BigInt(b[j]!);
    n = (n << BigInt(8 * Math.min(8, to - i))) | w;
  }
  return n;
}

/**
 * A DEPOSIT body in canonical form — `0x01 ‖ address ‖ address ‖ uint256 ‖ uint64`, four static
 * words with zero padding — read directly (what the general path returns for it), else undefined.
 */
function fastDeposit(b: Uint8Array): AppPayload | undefined {
  if (b.length !== 129 || b[0] !== PAYLOAD_KIND.DEPOSIT) return undefined;
  if (!allZero(b, 1, 13) || !allZero(b, 33, 45) || !allZero(b, 97, 121)) return undefined;
  return {
    kind: 'DEPOSIT',
    depositor: hexOfRange(b, 13, 33),
    token: hexOfRange(b, 45, 65),
    amount: uintOfRange(b, 65, 97),
    depositNonce: uintOfRange(b, 121, 129),
  };
}

/**
 * Decodes a message body `kind ‖ abi.encode(fields)` into an {@link AppPayload}.
 *
 * Throws a {@link BridgeError}: `BRIDGE_PAYLOAD_EMPTY` (no kind byte), `BRIDGE_PAYLOAD_KIND_UNKNOWN`
 * (unknown kind byte, or not of the requested direction), `BRIDGE_PAYLOAD_MALFORMED` (the ABI part
 * does not decode), `BRIDGE_PAYLOAD_NONCANONICAL` (it decodes but re-encoding the values does not
 * give the same bytes: trailing bytes, dirty padding, non-standard offsets), `BRIDGE_PAYLOAD_FIELD`
 * (an enum byte out of range, side inconsistent with size, ACK detail too long).
 */
export function decodeAppPayload(body: BytesLike, opts: DecodeAppPayloadOpts = {}): AppPayload {
  const bytes = toBytes(body, 'body');
  if (bytes.length === 0) {
    throw new BridgeError('BRIDGE_PAYLOAD_EMPTY', 'body is empty: expected a kind byte', {
      field: 'body',
      value: 0,
      limit: 1,
    });
  }
  if (opts.fastPath !== false && opts.direction !== 'outbound') {
    const fast = fastDeposit(bytes);
    if (fast !== undefined) return fast;
  }
  const kindByte = bytes[0]!;
  const kind = KIND_BY_BYTE.get(kindByte);
  const allowed =
    opts.direction === 'inbound' ? INBOUND_KINDS : opts.direction === 'outbound' ? OUTBOUND_KINDS : undefined;
  if (kind === undefined || (allowed !== undefined && !allowed.includes(kind))) {
    const names = (allowed ?? (Object.keys(PAYLOAD_KIND) as PayloadKindName[]))
      .map((n) => `0x${PAYLOAD_KIND[n].toString(16).padStart(2, '0')} ${n}`)
      .join(', ');
    throw new BridgeError(
      'BRIDGE_PAYLOAD_KIND_UNKNOWN',
      `body kind byte 0x${kindByte.toString(16).padStart(2, '0')} is not one of ${names}`,
      { field: 'body[0]', value: kindByte, limit: names },
    );
  }
  const abiPart = bytes.subarray(1);
  const abi = PAYLOAD_ABI[kind];
  let values: readonly unknown[];
  try {
    values = decodeAbiParameters(abi, abiPart) as readonly unknown[];
  } catch (e) {
    throw malformed(kind, e instanceof Error ? (e.message.split('\n')[0] ?? '') : 'decode failed', e);
  }
  // Canonical form: Solidity's abi.encode of the decoded values must give back exactly these bytes.
  let reencoded: Uint8Array | undefined;
  try {
    reencoded = hexToBytes(encodeAbiParameters(abi, values as never), 'abi');
  } catch {
    reencoded = undefined;
  }
  if (reencoded === undefined || !bytesEqual(reencoded, abiPart)) {
    throw new BridgeError(
      'BRIDGE_PAYLOAD_NONCANONICAL',
      `${kind} body is ${abiPart.length} ABI bytes but is not the canonical abi.encode of its values` +
        (reencoded === undefined
          ? ' (a value is out of its type range)'
          : ` (canonical length ${reencoded.length})`),
      {
        field: 'body',
        value: abiPart.length,
        ...(reencoded !== undefined ? { limit: reencoded.length } : {}),
      },
    );
  }
  return buildPayload(kind, values);
}

/** {@link decodeAppPayload} restricted to inbound kinds (DEPOSIT, POSITION, ACK). */
export function decodeInboundPayload(body: BytesLike): InboundPayload {
  return decodeAppPayload(body, { direction: 'inbound' }) as InboundPayload;
}

/** {@link decodeAppPayload} restricted to outbound kinds (RELEASE, CLOSE_POSITION, ALLOWANCE, CANCEL). */
export function decodeOutboundPayload(body: BytesLike): OutboundPayload {
  return decodeAppPayload(body, { direction: 'outbound' }) as OutboundPayload;
}
