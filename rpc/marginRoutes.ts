/**
 * REST for unified margin (issue 5 "Queries"): an account's margin view, the what-if call, the
 * account list sorted by margin, recent liquidations, per-domain breaker/halt status, the
 * conservation lines, settlement status, the margin config and governance. Every answer reads the
 * latest committed state and carries its `height`; nothing here writes state.
 *
 * Source of truth: chain/margin (portfolio building, finality rules, effective IM, withdrawal
 * equity) and the risk kernel (`marginReport`). Risk arrays are the node's margin cache's
 * (`node.margin.kernel.arrays`) as they stood at the last committed block: they are captured on
 * the node's `block` event, so an answer never mixes block H's state with block H+1's prices while
 * H+1 commits.
 *
 * JSON: money in µUSD and token amounts as signed decimal strings (atomic units), sizes and prices
 * E18 decimal strings, scenario P&L and Greeks as JSON numbers (the kernel's USD floats), u32
 * values (domains) as numbers, bytes as 0x hex, EVM addresses EIP-55. Errors:
 * `{"error":{"code":"QUERY_…","message":"…","field"?:"…"}}` with a 4xx status; see
 * {@link QUERY_ERRORS}. Shapes: rpc/README.md "Margin".
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACK_STATUS, decodeInboundPayload, PAYLOAD_KIND, type PositionPayload } from '../bridge/index.ts';
import { governanceJson } from '../chain/governance/index.ts';
import type { BridgeRuntime } from '../chain/hyperlane/config.ts';
import {
  accountHolder,
  balancesOf,
  bech32FromBytes,
  bytesEqual,
  toChecksumAddress as checksumOf,
  fromHex,
  getAccount,
  getBalance,
  getEvmLink,
  getInbound,
  getPosition,
  getSettlement,
  type InboundMessage,
  insuranceHolder,
  type MsgContext,
  parseBech32,
  readBridge,
  SETTLEMENT_STATUS,
  type Settlement,
  STAGE,
  toHex,
} from '../chain/index.ts';
import type { MarginCache } from '../chain/margin/cache.ts';
import { readSnapshotTime } from '../chain/margin/cache.ts';
import {
  type CloseRecord,
  type LiquidationRecord,
  LiquidationRecordCodec,
  WITHDRAWAL_STATUS,
  type WithdrawalRecord,
  WithdrawalRecordCodec,
} from '../chain/margin/codec.ts';
import {
  domainParamsOf,
  type InstrumentListing,
  listingOf,
  type MarginConfig,
  marginConfigToJson,
  readMarginConfig,
} from '../chain/margin/config.ts';
import {
  allowanceUsageMicro,
  marginStaleness,
  reservedUnusedMicro,
  withdrawalEquity,
} from '../chain/margin/evaluate.ts';
import { conservation } from '../chain/margin/flows.ts';
import { liquidationPrefix, pendingPrefix, withdrawalPrefix } from '../chain/margin/keys.ts';
import {
  type AccountPortfolio,
  buildAccountPortfolio,
  type MirroredPosition,
} from '../chain/margin/portfolio.ts';
import {
  allowancesOf,
  closeInFlight,
  getBadDebt,
  getClose,
  getDomainStatus,
  getWithdrawal,
  isHalted,
} from '../chain/margin/records.ts';
import { spotFeed } from '../chain/margin/snapshot.ts';
import { checkWithdraw, releasedThisHour } from '../chain/margin/withdraw.ts';
import { readPrice } from '../chain/oracle/state.ts';
import {
  type AccountMargin,
  hashRiskParams,
  type MarginReport,
  type MarginSummary,
  marginAccount,
  marginReport,
  type Portfolio,
  type RiskArrays,
  RiskError,
  type Stage,
} from '../chain/risk/index.ts';
import type { StateReader } from '../state/types.ts';
import type { HubNode } from './deps.ts';

// ---- errors ---------------------------------------------------------------------------------

/** Error codes of the margin queries, with their HTTP status (one doc line each). */
export const QUERY_ERRORS = {
  /** The chain's genesis has no margin (or no bridge) section. */
  QUERY_NOT_CONFIGURED: 404,
  /** The path's address is neither a umg bech32 account nor a 0x EVM address. */
  QUERY_BAD_ADDRESS: 400,
  /** No such hub account, or the EVM address is linked to none. */
  QUERY_UNKNOWN_ACCOUNT: 404,
  /** A query parameter or body field is malformed or out of range (`field` names it). */
  QUERY_INVALID_FIELD: 400,
  /** The what-if body is not JSON. */
  QUERY_BAD_JSON: 400,
  /** The what-if body exceeds {@link MARGIN_QUERY_LIMITS.bodyBytes}. */
  QUERY_BODY_TOO_LARGE: 413,
  /** No settlement with that id. */
  QUERY_UNKNOWN_SETTLEMENT: 404,
} as const;
/** A margin query error code. */
export type QueryErrorCode = keyof typeof QUERY_ERRORS;

/** Typed metadata of a {@link QueryError}: the field at fault, its value and the limit it broke. */
export interface QueryErrorMeta {
  readonly field?: string;
  readonly value?: string;
  readonly limit?: string;
}

/** The one error class of the margin queries; `status` is the HTTP status of its code. */
export class QueryError extends Error {
  readonly status: number;
  constructor(
    readonly code: QueryErrorCode,
    message: string,
    readonly meta: QueryErrorMeta = {},
  ) {
    super(message);
    this.name = 'QueryError';
    this.status = QUERY_ERRORS[code];
  }
}

function sendError(reply: FastifyReply, e: QueryError) {
  return reply.status(e.status).send({ error: { code: e.code, message: e.message, ...e.meta } });
}

const invalid = (field: string, why: string, value?: unknown, limit?: string): never => {
  throw new QueryError('QUERY_INVALID_FIELD', `${field} ${why}`, {
    field,
    ...(value !== undefined ? { value: String(JSON.stringify(value)).slice(0, 120) } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
};

/** Limits of the margin routes. */
export const MARGIN_QUERY_LIMITS = {
  /** `/v1/margin/accounts` page size (default 100). */
  maxAccountsPage: 1000,
  /** `/v1/margin/liquidations` (default 50). */
  maxLiquidations: 500,
  /** Recent liquidations listed in an account's view. */
  accountLiquidations: 20,
  /** Entries per what-if list (deposits, withdrawals, positions). */
  maxWhatIfItems: 32,
  /** What-if body size, bytes. */
  bodyBytes: 65_536,
} as const;

// ---- small helpers ------------------------------------------------------------------------

const E18 = 10n ** 18n;
const hex = (b: Uint8Array) => `0x${toHex(b)}`;

// EIP-55 costs a keccak per address and a view lists the same few addresses many times: memoised
// (bounded; cleared when full).
const checksums = new Map<string, string>();
function toChecksumAddress(a: Uint8Array): string {
  const k = toHex(a);
  let c = checksums.get(k);
  if (c === undefined) {
    if (checksums.size >= 65_536) checksums.clear();
    c = checksumOf(a);
    checksums.set(k, c);
  }
  return c;
}

function nameOf(table: Record<string, number>, n: number): string {
  for (const [k, v] of Object.entries(table)) if (v === n) return k.toLowerCase();
  return n === 0 ? 'none' : `unknown(${n})`;
}
const stageName = (s: number) => nameOf(STAGE, s);
const kindName = (k: number) => nameOf(PAYLOAD_KIND, k);

/** An E18 fixed-point bigint as an exact decimal string (`1150000000000000000n` → `"1.15"`). */
export function e18ToDecimal(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % E18).toString().padStart(18, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / E18}${frac === '' ? '' : `.${frac}`}`;
}

/** A MarginCache-shaped reader of fixed arrays: chain/margin's evaluators read only `kernel.arrays`. */
function cacheOfArrays(arrays: RiskArrays): MarginCache {
  return { kernel: { arrays } } as unknown as MarginCache;
}

/** Resolves a path address (umg1… or a linked 0x EVM address) to its 20-byte hub account. */
export function resolveAccount(
  state: StateReader,
  address: string,
): { account: Uint8Array; bech32: string; viaEvm: Uint8Array | undefined } {
  const acc = parseBech32(address);
  if (acc !== undefined) {
    const known = getAccount(state, acc) !== undefined || balancesOf(state, accountHolder(acc)).length > 0;
    if (!known)
      throw new QueryError(
        'QUERY_UNKNOWN_ACCOUNT',
        `account ${address} has no record and no balance on the hub`,
      );
    return { account: acc, bech32: address, viaEvm: undefined };
  }
  const evm = /^0x[0-9a-fA-F]{40}$/.test(address) ? fromHex(address) : undefined;
  if (evm === undefined)
    throw new QueryError(
      'QUERY_BAD_ADDRESS',
      `${JSON.stringify(address.slice(0, 90))} is neither a umg bech32 account nor a 0x EVM address`,
      { field: 'address' },
    );
  const linked = getEvmLink(state, evm);
  if (linked === undefined)
    throw new QueryError(
      'QUERY_UNKNOWN_ACCOUNT',
      `EVM address ${toChecksumAddress(evm)} is linked to no hub account (deposits held for it: GET /v1/bridge/balances/${toChecksumAddress(evm)})`,
    );
  return { account: linked, bech32: bech32FromBytes(linked), viaEvm: evm };
}

function requireMargin(state: StateReader): { config: MarginConfig; bridge: BridgeRuntime } {
  const config = readMarginConfig(state);
  const bridge = readBridge(state);
  if (config === undefined || bridge === undefined)
    throw new QueryError(
      'QUERY_NOT_CONFIGURED',
      'unified margin is not configured on this chain (its genesis has no margin section)',
    );
  return { config, bridge };
}

function parseLimit(s: string | undefined, field: string, dflt: number, max: number): number {
  if (s === undefined) return dflt;
  if (!/^[0-9]{1,6}$/.test(s) || Number(s) < 1 || Number(s) > max)
    invalid(field, `must be an integer in 1..${max}`, s, String(max));
  return Number(s);
}

// ---- the margin view ------------------------------------------------------------------------

/** Why an account's margin is unknown (never reported as zeros). */
export interface UnknownMargin {
  /** `no_snapshot`: no oracle update yet; `cache_warming`: the node rebuilds its cache at the next block; `risk`: the kernel refused (missing or stale feed…). */
  readonly reason: 'no_snapshot' | 'cache_warming' | 'risk';
  readonly code: string;
  readonly message: string;
}

/** Everything a query needs at the committed height (built per request by the routes). */
export interface QueryCtx {
  readonly state: StateReader;
  readonly config: MarginConfig;
  readonly bridge: BridgeRuntime;
  /** Risk arrays of the committed block, null when margin is unknown for everyone. */
  readonly arrays: RiskArrays | null;
  readonly height: bigint;
  /** Block time of the committed block (ms): the time portfolios are built at. */
  readonly timeMs: bigint;
}

function unknownOfArrays(ctx: QueryCtx): UnknownMargin {
  return readSnapshotTime(ctx.state) === undefined
    ? {
        reason: 'no_snapshot',
        code: 'RISK_MISSING_FEED',
        message: 'no oracle snapshot yet: margin is unknown until the first oracle update',
      }
    : {
        reason: 'cache_warming',
        code: 'RISK_MISSING_FEED',
        message: 'the node rebuilds its margin cache at the next block; ask again',
      };
}

function riskUnknown(e: RiskError): UnknownMargin {
  return { reason: 'risk', code: e.code, message: e.message };
}

/** The kernel's report of a portfolio, or why it is unknown. */
function report(
  ctx: QueryCtx,
  p: Portfolio,
): { ok: true; r: MarginReport } | { ok: false; u: UnknownMargin } {
  if (ctx.arrays === null) return { ok: false, u: unknownOfArrays(ctx) };
  try {
    return { ok: true, r: marginReport(p, ctx.arrays) };
  } catch (e) {
    if (e instanceof RiskError) return { ok: false, u: riskUnknown(e) };
    throw e;
  }
}

/** The hub's margin figures of one portfolio (µUSD decimal strings). */
export interface MarginFigures {
  equity: string;
  im: string;
  mm: string;
  /** IM + reserved allowance not yet replaced by positions (what gates new risk and withdrawals). */
  im_effective: string;
  reserved_allowance: string;
  /** equity − IM. */
  margin: string;
  /** Equity counted for withdrawals: provisional collateral and remote unrealised gains left out. */
  withdrawal_equity: string | null;
  mtm: string;
  binding: 'all' | 'final';
  liquidatable: boolean;
}

function figures(ctx: QueryCtx, s: MarginSummary, reserved: bigint, portfolio: Portfolio): MarginFigures {
  let we: string | null = null;
  if (ctx.arrays !== null) {
    const w = withdrawalEquity(cacheOfArrays(ctx.arrays), portfolio);
    if (w.ok) we = w.equity.toString();
  }
  return {
    equity: s.equity.toString(),
    im: s.im.toString(),
    mm: s.mm.toString(),
    im_effective: (s.im + reserved).toString(),
    reserved_allowance: reserved.toString(),
    margin: (s.equity - s.im).toString(),
    withdrawal_equity: we,
    mtm: s.mtm.toString(),
    binding: s.binding,
    liquidatable: s.equity < s.mm,
  };
}

function tokenInfo(bridge: BridgeRuntime, domain: number, token: Uint8Array) {
  const t = bridge.origins.get(domain)?.tokens.get(hex(token));
  return { symbol: t?.symbol ?? null, decimals: t?.decimals ?? null };
}

function settlementStage(s: Settlement | undefined) {
  if (s === undefined) return { status: null, ack_status: null, ack_stage: null };
  return {
    status: nameOf(SETTLEMENT_STATUS, s.status),
    ack_status: nameOf(ACK_STATUS, s.ackStatus),
    ack_stage: stageName(s.ackStage),
  };
}

/** One provisional inbound item of an account, waiting for the final tier. */
export interface InFlightItem {
  message_id: string;
  origin: number;
  chain: string | null;
  kind: string;
  nonce: number;
  leaf_index: number;
  delivered_height: string;
  delivered_time_ms: string;
  /** delivered time + the origin's expected finality: when the final tier should attest it. */
  expected_final_ms: string;
  /** delivered time + the origin's timeout: when it expires and is reverted if still provisional. */
  deadline_ms: string;
  /** ms from the committed block time to `expected_final_ms` (0 when overdue). */
  final_in_ms: string;
  detail: Record<string, unknown>;
}

/** Provisional inbound items of `account` (deposits to it, reports of its EVM owners, ACKs of its withdrawals). */
export function provisionalItemsOf(
  ctx: QueryCtx,
  account: Uint8Array,
  evms: readonly Uint8Array[],
): InFlightItem[] {
  const holder = accountHolder(account);
  const owners = new Set(evms.map(hex));
  const pre = pendingPrefix();
  const out: InFlightItem[] = [];
  for (const [k] of ctx.state.entries(pre)) {
    const deadline = new DataView(k.buffer, k.byteOffset + pre.length, 8).getBigUint64(0);
    const rec = getInbound(ctx.state, k.subarray(pre.length + 8));
    if (rec === undefined || rec.stage !== STAGE.PROVISIONAL) continue;
    const detail = itemDetail(ctx, rec, holder, owners, account);
    if (detail === undefined) continue;
    const origin = ctx.bridge.origins.get(rec.origin);
    const expected = rec.deliveredTimeMs + (origin?.expectedFinalityMs ?? 0n);
    out.push({
      message_id: hex(rec.messageId),
      origin: rec.origin,
      chain: origin?.name ?? null,
      kind: kindName(rec.kind),
      nonce: rec.nonce,
      leaf_index: rec.leafIndex,
      delivered_height: rec.deliveredHeight.toString(),
      delivered_time_ms: rec.deliveredTimeMs.toString(),
      expected_final_ms: expected.toString(),
      deadline_ms: deadline.toString(),
      final_in_ms: (expected > ctx.timeMs ? expected - ctx.timeMs : 0n).toString(),
      detail,
    });
  }
  return out;
}

function itemDetail(
  ctx: QueryCtx,
  rec: InboundMessage,
  holder: Uint8Array,
  owners: ReadonlySet<string>,
  account: Uint8Array,
): Record<string, unknown> | undefined {
  if (rec.kind === PAYLOAD_KIND.DEPOSIT) {
    if (rec.amount === '' || !bytesEqual(rec.holder, holder)) return undefined;
    return {
      token: toChecksumAddress(rec.token),
      ...tokenInfo(ctx.bridge, rec.origin, rec.token),
      amount: rec.amount,
    };
  }
  if (rec.kind === PAYLOAD_KIND.POSITION) {
    let p: PositionPayload;
    try {
      p = decodeInboundPayload(rec.body) as PositionPayload;
    } catch {
      return undefined;
    }
    if (!owners.has(p.owner.toLowerCase())) return undefined;
    return {
      owner: toChecksumAddress(fromHex(p.owner)!),
      instrument_id: p.instrumentId.toLowerCase(),
      size: p.size.toString(),
      side: p.side.toLowerCase(),
      sequence: p.sequence.toString(),
      realised_pnl: p.realisedPnl.toString(),
      result: rec.resultDetail,
    };
  }
  if (rec.kind === PAYLOAD_KIND.ACK) {
    const w = rec.settlementId.length === 32 ? getWithdrawal(ctx.state, rec.settlementId) : undefined;
    if (w === undefined || !bytesEqual(w.account, account)) return undefined;
    const s = getSettlement(ctx.state, rec.settlementId);
    return {
      settlement_id: hex(rec.settlementId),
      ack_status: s === undefined ? null : nameOf(ACK_STATUS, s.ackStatus),
    };
  }
  return undefined;
}

function withdrawalJson(ctx: { state: StateReader; bridge: BridgeRuntime }, w: WithdrawalRecord) {
  const s = getSettlement(ctx.state, w.settlementId);
  const cancel = w.cancelId.length > 0 ? getSettlement(ctx.state, w.cancelId) : undefined;
  return {
    settlement_id: hex(w.settlementId),
    account: w.account.length === 20 ? bech32FromBytes(w.account) : null,
    domain: w.domain,
    token: toChecksumAddress(w.token),
    ...tokenInfo(ctx.bridge, w.domain, w.token),
    amount: w.amount,
    recipient: toChecksumAddress(w.recipient),
    to_market: w.toMarket,
    status: nameOf(WITHDRAWAL_STATUS, w.status),
    height: w.height.toString(),
    dispatches: w.dispatches,
    settlement: settlementStage(s),
    cancel: cancel === undefined ? null : { settlement_id: hex(w.cancelId), ...settlementStage(cancel) },
  };
}

/** Withdrawals of `account` still in flight (RELEASE dispatched, no final ACK). */
function withdrawalsInFlight(ctx: QueryCtx, account: Uint8Array) {
  const out = [];
  for (const [, v] of ctx.state.entries(withdrawalPrefix())) {
    const w = WithdrawalRecordCodec.decode(v);
    if (w.status !== WITHDRAWAL_STATUS.IN_FLIGHT || !bytesEqual(w.account, account)) continue;
    out.push(withdrawalJson(ctx, w));
  }
  return out;
}

function liquidationJson(r: LiquidationRecord) {
  return {
    height: r.height.toString(),
    account: bech32FromBytes(r.account),
    method: r.method,
    equity: r.equityMicro,
    mm: r.mmMicro,
    im: r.imMicro,
    closed_notional: r.closedNotionalMicro,
    penalty: r.penaltyMicro,
    keeper: r.keeper === '' ? null : r.keeper,
    keeper_share: r.keeperShareMicro,
    closes: r.closes.map(hex),
    bad_debt: r.badDebtMicro,
  };
}

/** The newest `limit` liquidation records (of `account` when given), newest first. */
function recentLiquidations(state: StateReader, limit: number, account?: Uint8Array) {
  const ring: LiquidationRecord[] = [];
  for (const [k, v] of state.entries(liquidationPrefix())) {
    // key: prefix(2) ‖ height(8) ‖ account(20)
    if (account !== undefined && !bytesEqual(k.subarray(10, 30), account)) continue;
    ring.push(LiquidationRecordCodec.decode(v));
    if (ring.length > limit) ring.shift();
  }
  return ring.reverse().map(liquidationJson);
}

function listingJson(l: InstrumentListing) {
  const i = l.instrument;
  return {
    instrument: i.id,
    kind: i.kind,
    underlying: i.underlying,
    ...(i.kind === 'option'
      ? { expiry_sec: i.expirySec, strike: e18ToDecimal(i.strikeE18), is_call: i.isCall }
      : {}),
    market: toChecksumAddress(fromHex(l.market)!),
    settlement_token: toChecksumAddress(fromHex(l.settlementToken)!),
    im_rate_ppm: l.imRatePpm,
  };
}

function positionJson(ctx: QueryCtx, p: MirroredPosition) {
  const rec = getPosition(ctx.state, p.domain, p.owner, p.instrumentId);
  const latest = rec?.latest ?? rec?.latestFinal;
  const close = closeInFlight(ctx.state, p.domain, p.owner, p.instrumentId);
  return {
    id: p.id,
    domain: p.domain,
    chain: ctx.bridge.origins.get(p.domain)?.name ?? null,
    owner: toChecksumAddress(p.owner),
    instrument_id: hex(p.instrumentId),
    final_size: e18ToDecimal(p.finalSizeE18),
    latest_size: e18ToDecimal(p.latestSizeE18),
    provisional: p.provisional,
    expired: p.expired,
    entry_price: latest?.entryPrice ?? null,
    sequence: latest?.sequence.toString() ?? null,
    realised_pnl_final: rec?.realisedPnlFinal ?? '0',
    realised_pnl_provisional: rec?.realisedPnlProvisional ?? '0',
    close_in_flight: close === undefined ? null : hex(close),
    listing: listingJson(p.listing),
  };
}

function scenariosJson(config: MarginConfig) {
  return config.risk.scenarios.map((s) => ({
    spot_shock: e18ToDecimal(s.spotShockE18),
    vol: s.vol,
    weight: e18ToDecimal(s.weightE18),
  }));
}

/** The whole margin view of one account (GET /v1/accounts/:address/margin). */
export function accountMarginView(ctx: QueryCtx, account: Uint8Array, bech32: string) {
  const view = buildAccountPortfolio(
    ctx.state,
    ctx.config,
    { timeMs: ctx.timeMs, bridge: ctx.bridge },
    account,
  );
  const rep = report(ctx, view.portfolio);
  const reserved = reservedUnusedMicro(ctx.state, view, ctx.timeMs);
  const assets = new Set(ctx.config.risk.assets.map((a) => `${a.domain}/${a.token}`));
  const stale = marginStaleness(ctx.state, ctx.config, ctx.timeMs);
  const balances = balancesOf(ctx.state, accountHolder(account)).map((e) => ({
    domain: e.domain,
    chain: ctx.bridge.origins.get(e.domain)?.name ?? null,
    token: toChecksumAddress(e.token),
    ...tokenInfo(ctx.bridge, e.domain, e.token),
    stage: stageName(e.stage),
    amount: e.amount.toString(),
    collateral: assets.has(`${e.domain}/${hex(e.token)}`),
  }));
  const allowances = allowancesOf(ctx.state, account).map((a) => {
    const usage = allowanceUsageMicro(ctx.state, view, a.domain, a.owner);
    const amount = BigInt(a.amountMicro);
    const expired = a.expirySec * 1000n <= ctx.timeMs;
    const s = getSettlement(ctx.state, a.settlementId);
    return {
      domain: a.domain,
      chain: ctx.bridge.origins.get(a.domain)?.name ?? null,
      owner: toChecksumAddress(a.owner),
      amount_usd_micro: a.amountMicro,
      usage_usd_micro: usage.toString(),
      unused_usd_micro: (expired || usage >= amount ? 0n : amount - usage).toString(),
      sequence: a.sequence.toString(),
      expiry_sec: a.expirySec.toString(),
      expired,
      settlement_id: hex(a.settlementId),
      sent_height: a.height.toString(),
      // The adapter answers an ALLOWANCE with an ACK: acknowledged once it arrives.
      status: s === undefined ? 'unknown' : s.ackStatus !== 0 ? 'acknowledged' : 'pending',
      settlement: settlementStage(s),
    };
  });
  const base = {
    address: bech32,
    evm_addresses: view.evms.map(toChecksumAddress),
    height: ctx.height.toString(),
    time_ms: ctx.timeMs.toString(),
    prices_stale: { withdrawals: stale.withdrawals, liquidations: stale.liquidations },
    balances,
    positions: view.positions.map((p) => positionJson(ctx, p)),
    allowances,
    scenarios: scenariosJson(ctx.config),
    in_flight: {
      provisional: provisionalItemsOf(ctx, account, view.evms),
      withdrawals: withdrawalsInFlight(ctx, account),
    },
    liquidations: recentLiquidations(ctx.state, MARGIN_QUERY_LIMITS.accountLiquidations, account),
  };
  if (!rep.ok) {
    return {
      ...base,
      status: 'unknown' as const,
      unknown: rep.u,
      equity: null,
      im: null,
      mm: null,
      im_effective: null,
      reserved_allowance: reserved.toString(),
      margin: null,
      withdrawal_equity: null,
      mtm: null,
      binding: null,
      liquidatable: null,
      worst: [],
      grid: [],
      greeks: [],
      position_greeks: [],
      contributions: [],
    };
  }
  const r = rep.r;
  const scen = ctx.config.risk.scenarios;
  return {
    ...base,
    status: 'ok' as const,
    unknown: null,
    ...figures(ctx, r, reserved, view.portfolio),
    worst: r.worst.map((w) => {
      const s = typeof w.scenario === 'number' ? scen[w.scenario] : undefined;
      return {
        underlying: w.underlying,
        scenario: w.scenario,
        spot_shock: s === undefined ? null : e18ToDecimal(s.spotShockE18),
        vol: s?.vol ?? null,
        pnl: w.pnl,
      };
    }),
    grid: r.grid.map((g) => ({ underlying: g.underlying, pnl: [...g.pnl], basis: g.basis })),
    greeks: r.netGreeks.map((g) => ({ ...g })),
    position_greeks: r.positionGreeks.map((g) => ({ ...g })),
    contributions: r.contributions.map((c) => ({ ...c })),
  };
}

// ---- what-if ------------------------------------------------------------------------------

/** A parsed what-if request. */
export interface WhatIf {
  readonly deposits: readonly { domain: number; token: string; amount: bigint; stage: Stage }[];
  readonly withdrawals: readonly { domain: number; token: string; amount: bigint }[];
  readonly positions: readonly {
    domain: number;
    instrumentId: string;
    sizeE18: bigint;
    entryPriceE18: bigint | undefined;
    owner: string | undefined;
    stage: Stage;
  }[];
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyKeys(o: Record<string, unknown>, field: string, keys: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) invalid(`${field}.${k}`, `is not a field (expected ${keys.join(', ')})`);
}
function u32Field(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    invalid(field, 'must be a u32 domain id (JSON number)', v);
  return v as number;
}
function hexField(v: unknown, field: string, bytes: number): string {
  const re = new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);
  if (typeof v !== 'string' || !re.test(v)) invalid(field, `must be 0x hex of ${bytes} bytes`, v);
  return (v as string).toLowerCase();
}
function amountField(v: unknown, field: string, signed: boolean): bigint {
  const re = signed ? /^-?[1-9][0-9]{0,76}$/ : /^[1-9][0-9]{0,76}$/;
  if (typeof v !== 'string' || !re.test(v))
    invalid(
      field,
      signed
        ? 'must be a non-zero signed decimal integer string'
        : 'must be a positive decimal integer string',
      v,
    );
  return BigInt(v as string);
}
function stageField(v: unknown, field: string): Stage {
  if (v === undefined) return 'final';
  if (v !== 'final' && v !== 'provisional') invalid(field, 'must be "final" or "provisional"', v);
  return v as Stage;
}
function listField(body: Record<string, unknown>, name: string): Record<string, unknown>[] {
  const v = body[name];
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalid(name, 'must be an array', v);
  const a = v as unknown[];
  if (a.length > MARGIN_QUERY_LIMITS.maxWhatIfItems)
    invalid(name, `holds ${a.length} entries`, undefined, String(MARGIN_QUERY_LIMITS.maxWhatIfItems));
  return a.map((x, i) => {
    if (!isObj(x)) invalid(`${name}[${i}]`, 'must be an object', x);
    return x as Record<string, unknown>;
  });
}

/**
 * Validates a what-if body against the config and bridge: every field checked, the first fault
 * thrown as QUERY_INVALID_FIELD naming it (`positions[1].size`). Never reads state.
 */
export function parseWhatIf(body: unknown, config: MarginConfig, bridge: BridgeRuntime): WhatIf {
  if (!isObj(body)) invalid('body', 'must be a JSON object {deposits, withdrawals, positions}', body);
  const b = body as Record<string, unknown>;
  onlyKeys(b, 'body', ['deposits', 'withdrawals', 'positions']);
  const assets = new Set(config.risk.assets.map((a) => `${a.domain}/${a.token}`));
  const token = (domain: number, t: unknown, field: string) => {
    const h = hexField(t, field, 20);
    const o = bridge.origins.get(domain)!;
    if (!o.tokens.has(h)) invalid(field, `is not registered on domain ${domain}`, t);
    if (!assets.has(`${domain}/${h}`)) invalid(field, `is not margin collateral on domain ${domain}`, t);
    return h;
  };
  const domain = (v: unknown, field: string) => {
    const d = u32Field(v, field);
    if (!bridge.origins.has(d))
      invalid(field, `is not a configured origin (${bridge.knownOrigins.join(', ')})`, v);
    return d;
  };
  const deposits = listField(b, 'deposits').map((x, i) => {
    const f = `deposits[${i}]`;
    onlyKeys(x, f, ['domain', 'token', 'amount', 'stage']);
    const d = domain(x.domain, `${f}.domain`);
    return {
      domain: d,
      token: token(d, x.token, `${f}.token`),
      amount: amountField(x.amount, `${f}.amount`, false),
      stage: stageField(x.stage, `${f}.stage`),
    };
  });
  const withdrawals = listField(b, 'withdrawals').map((x, i) => {
    const f = `withdrawals[${i}]`;
    onlyKeys(x, f, ['domain', 'token', 'amount']);
    const d = domain(x.domain, `${f}.domain`);
    return {
      domain: d,
      token: token(d, x.token, `${f}.token`),
      amount: amountField(x.amount, `${f}.amount`, false),
    };
  });
  const positions = listField(b, 'positions').map((x, i) => {
    const f = `positions[${i}]`;
    onlyKeys(x, f, ['domain', 'instrument_id', 'size', 'entry_price', 'owner', 'stage']);
    const d = domain(x.domain, `${f}.domain`);
    const id = hexField(x.instrument_id, `${f}.instrument_id`, 32);
    if (listingOf(config, d, id) === undefined)
      invalid(`${f}.instrument_id`, `is not listed on domain ${d}`, x.instrument_id);
    return {
      domain: d,
      instrumentId: id,
      sizeE18: amountField(x.size, `${f}.size`, true),
      entryPriceE18:
        x.entry_price === undefined ? undefined : amountField(x.entry_price, `${f}.entry_price`, false),
      owner: x.owner === undefined ? undefined : hexField(x.owner, `${f}.owner`, 20),
      stage: stageField(x.stage, `${f}.stage`),
    };
  });
  return { deposits, withdrawals, positions };
}

function addCollateral(p: Portfolio, domain: number, token: string, stage: Stage, amount: bigint): Portfolio {
  let found = false;
  const collateral = p.collateral.map((c) => {
    if (c.domain === domain && c.token === token && c.stage === stage) {
      found = true;
      return { ...c, amount: c.amount + amount };
    }
    return c;
  });
  if (!found) collateral.push({ domain, token, stage, amount });
  return { ...p, collateral: collateral.filter((c) => c.amount !== 0n) };
}

/** Applies a what-if to an account's portfolio and positions; notes say what was not counted. */
function applyWhatIf(
  ctx: QueryCtx,
  view: AccountPortfolio,
  w: WhatIf,
  defaultOwner: Uint8Array | undefined,
): { portfolio: Portfolio; view: AccountPortfolio; notes: string[] } {
  const notes: string[] = [];
  let p = view.portfolio;
  const flags = (d: number) => {
    const s = getDomainStatus(ctx.state, d);
    return { halted: isHalted(s), breaker: s.breakerUntilMs > ctx.timeMs };
  };
  w.deposits.forEach((d, i) => {
    const f = flags(d.domain);
    if (f.halted) notes.push(`deposits[${i}]: domain ${d.domain} is halted: a deposit there is not credited`);
    else if (d.stage === 'provisional' && f.breaker)
      notes.push(
        `deposits[${i}]: domain ${d.domain}'s breaker is tripped: provisional credit counts nothing`,
      );
    else p = addCollateral(p, d.domain, d.token, d.stage, d.amount);
  });
  w.withdrawals.forEach((x) => {
    p = addCollateral(p, x.domain, x.token, 'final', -x.amount);
  });
  const positions = [...view.positions];
  const perps = [...p.perps];
  const options = [...p.options];
  w.positions.forEach((x, i) => {
    const listing = listingOf(ctx.config, x.domain, x.instrumentId)!;
    const inst = listing.instrument;
    const halted = flags(x.domain).halted;
    // A halted domain's positions are provisional items: their risk counts, their relief does not.
    const stage: Stage = halted ? 'provisional' : x.stage;
    if (halted)
      notes.push(`positions[${i}]: domain ${x.domain} is halted: counted as provisional (no hedge relief)`);
    if (inst.kind === 'option' && inst.expirySec * 1000 <= Number(ctx.timeMs)) {
      notes.push(`positions[${i}]: ${inst.id} has expired: not counted`);
      return;
    }
    const id = `what-if:${i}`;
    if (inst.kind === 'option') {
      options.push({ id, instrument: inst.id, sizeE18: x.sizeE18, domain: x.domain, stage });
    } else {
      // Default entry: the perp mark (else spot), so the hypothetical opens with no P&L.
      const mark =
        readPrice(ctx.state, `${inst.underlying}/USD:perp`) ??
        readPrice(ctx.state, spotFeed(inst.underlying));
      const funding = readPrice(ctx.state, `${inst.underlying}/USD:funding`);
      perps.push({
        id,
        instrument: inst.id,
        sizeE18: x.sizeE18,
        entryPriceE18: x.entryPriceE18 ?? (mark === undefined ? 0n : BigInt(mark.value)),
        fundingIndexE18: funding === undefined ? 0n : BigInt(funding.value),
        domain: x.domain,
        stage,
      });
    }
    // Allowance usage: the adapter measures |latest size| per (owner, instrument).
    const owner = x.owner !== undefined ? fromHex(x.owner)! : defaultOwner;
    if (owner === undefined) return;
    const instrumentId = fromHex(x.instrumentId)!;
    const j = positions.findIndex(
      (q) => q.domain === x.domain && bytesEqual(q.owner, owner) && bytesEqual(q.instrumentId, instrumentId),
    );
    if (j >= 0) {
      const q = positions[j]!;
      positions[j] = { ...q, latestSizeE18: q.latestSizeE18 + x.sizeE18 };
    } else {
      positions.push({
        id,
        domain: x.domain,
        owner,
        instrumentId,
        listing,
        finalSizeE18: x.sizeE18,
        latestSizeE18: x.sizeE18,
        provisional: false,
        expired: false,
      });
    }
  });
  p = { ...p, perps, options };
  return { portfolio: p, view: { ...view, portfolio: p, positions }, notes };
}

/** Every provisional item of a portfolio (collateral, positions) counted as final, halted domains aside. */
function allFinal(ctx: QueryCtx, p: Portfolio): Portfolio {
  const halted = (d: number) => isHalted(getDomainStatus(ctx.state, d));
  let out: Portfolio = { ...p, collateral: [] };
  for (const c of p.collateral)
    out = addCollateral(
      out,
      c.domain,
      c.token,
      c.stage === 'provisional' && !halted(c.domain) ? 'final' : c.stage,
      c.amount,
    );
  const fin = <T extends { domain: number; stage: Stage }>(x: T): T =>
    x.stage === 'provisional' && !halted(x.domain) ? { ...x, stage: 'final' } : x;
  return { ...out, perps: p.perps.map(fin), options: p.options.map(fin) };
}

function evaluate(ctx: QueryCtx, view: AccountPortfolio, portfolio: Portfolio) {
  if (ctx.arrays === null) return { ok: false as const, u: unknownOfArrays(ctx) };
  try {
    const s = marginAccount(portfolio, ctx.arrays);
    const reserved = reservedUnusedMicro(ctx.state, view, ctx.timeMs);
    return { ok: true as const, figures: figures(ctx, s, reserved, portfolio) };
  } catch (e) {
    if (e instanceof RiskError) return { ok: false as const, u: riskUnknown(e) };
    throw e;
  }
}

/** The what-if answer (POST /v1/accounts/:address/what-if). */
export function whatIfView(
  ctx: QueryCtx,
  node: HubNode,
  account: Uint8Array,
  bech32: string,
  viaEvm: Uint8Array | undefined,
  w: WhatIf,
) {
  const view = buildAccountPortfolio(
    ctx.state,
    ctx.config,
    { timeMs: ctx.timeMs, bridge: ctx.bridge },
    account,
  );
  const defaultOwner = viaEvm ?? view.evms[0];
  const after = applyWhatIf(ctx, view, w, defaultOwner);
  const before = evaluate(ctx, view, view.portfolio);
  const afterEv = evaluate(ctx, after.view, after.portfolio);
  const finalEv = evaluate(ctx, after.view, allFinal(ctx, after.portfolio));
  // Each withdrawal through the chain's own checks on committed state, alone (not cumulatively).
  const checks = w.withdrawals.map((x, i) => {
    const msgCtx: MsgContext = {
      chainId: node.config.chainId,
      height: ctx.height + 1n,
      timeMs: ctx.timeMs,
      authority: node.config.authority,
      signer: account,
      margin: ctx.arrays === null ? node.margin : cacheOfArrays(ctx.arrays),
    };
    try {
      checkWithdraw(
        ctx.state,
        {
          sender: bech32,
          domain: x.domain,
          token: fromHex(x.token)!,
          amount: x.amount.toString(),
          recipient: defaultOwner ?? new Uint8Array(20).fill(1),
        },
        msgCtx,
      );
      return { index: i, ok: true, code: null, message: null };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return {
        index: i,
        ok: false,
        code: typeof code === 'string' ? code : 'INTERNAL',
        message: e instanceof Error ? e.message : String(e),
      };
    }
  });
  const inFlight = provisionalItemsOf(ctx, account, view.evms);
  const unknown = !before.ok ? before.u : !afterEv.ok ? afterEv.u : null;
  return {
    address: bech32,
    height: ctx.height.toString(),
    time_ms: ctx.timeMs.toString(),
    status: unknown === null ? ('ok' as const) : ('unknown' as const),
    unknown,
    before: before.ok ? before.figures : null,
    after: afterEv.ok ? afterEv.figures : null,
    /** The after-portfolio once every provisional item is final (halted domains aside). */
    after_final: finalEv.ok ? finalEv.figures : null,
    withdrawal_checks: checks,
    in_flight: { provisional: inFlight, withdrawals: withdrawalsInFlight(ctx, account) },
    /** When the last in-flight provisional item is expected final (ms), null when none. */
    all_final_expected_ms:
      inFlight.length === 0
        ? null
        : inFlight
            .reduce((m, x) => (BigInt(x.expected_final_ms) > m ? BigInt(x.expected_final_ms) : m), 0n)
            .toString(),
    notes: after.notes,
  };
}

// ---- chain-wide views ---------------------------------------------------------------------

/** One row of the account list. */
export interface MarginListRow {
  address: string;
  status: 'ok' | 'unknown';
  equity: string | null;
  im: string | null;
  mm: string | null;
  margin: string | null;
  binding: 'all' | 'final' | null;
  liquidatable: boolean | null;
  unknown_code: string | null;
}

/**
 * Every cached account, margin ascending (ties by address), unknown margins last. An account the
 * cache holds as unknown is evaluated again by `recheck` (the cache re-margins an account only when
 * it is touched or exposed to a changed price, so one margined before the first snapshot and
 * holding only the settlement asset would stay unknown there).
 */
export function marginList(
  cache: MarginCache,
  recheck: (account: Uint8Array) => AccountMargin | undefined,
): MarginListRow[] {
  const rows: (MarginListRow & { key: bigint | undefined })[] = [];
  for (const id of cache.ids()) {
    const c = cache.get(id);
    if (c === undefined) continue;
    const account = fromHex(id)!;
    const address = bech32FromBytes(account);
    const m = c.margin.ok ? c.margin : (recheck(account) ?? c.margin);
    if (m.ok) {
      const s = m.summary;
      rows.push({
        address,
        status: 'ok',
        equity: s.equity.toString(),
        im: s.im.toString(),
        mm: s.mm.toString(),
        margin: (s.equity - s.im).toString(),
        binding: s.binding,
        liquidatable: s.equity < s.mm,
        unknown_code: null,
        key: s.equity - s.im,
      });
    } else {
      rows.push({
        address,
        status: 'unknown',
        equity: null,
        im: null,
        mm: null,
        margin: null,
        binding: null,
        liquidatable: null,
        unknown_code: m.error.code,
        key: undefined,
      });
    }
  }
  rows.sort((a, b) => {
    if (a.key === undefined || b.key === undefined)
      return a.key === b.key ? (a.address < b.address ? -1 : 1) : a.key === undefined ? 1 : -1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : a.address < b.address ? -1 : 1;
  });
  return rows.map(({ key: _k, ...r }) => r);
}

function domainsView(ctx: QueryCtx) {
  const pre = pendingPrefix();
  const pending = new Map<number, { count: number; oldestMs: bigint | undefined }>();
  for (const [k] of ctx.state.entries(pre)) {
    const rec = getInbound(ctx.state, k.subarray(pre.length + 8));
    if (rec === undefined || rec.stage !== STAGE.PROVISIONAL) continue;
    const e = pending.get(rec.origin) ?? { count: 0, oldestMs: undefined };
    e.count++;
    if (e.oldestMs === undefined || rec.deliveredTimeMs < e.oldestMs) e.oldestMs = rec.deliveredTimeMs;
    pending.set(rec.origin, e);
  }
  const insurance = insuranceHolder();
  return ctx.bridge.knownOrigins.map((d) => {
    const o = ctx.bridge.origins.get(d)!;
    const s = getDomainStatus(ctx.state, d);
    const dp = domainParamsOf(ctx.config, d);
    const p = pending.get(d);
    return {
      domain: d,
      name: o.name,
      halted: isHalted(s),
      halted_by_evidence: s.haltedByEvidence,
      halted_by_stall: s.haltedByStall,
      halted_since_ms: s.haltedSinceMs === 0n ? null : s.haltedSinceMs.toString(),
      breaker_active: s.breakerUntilMs > ctx.timeMs,
      breaker_until_ms: s.breakerUntilMs === 0n ? null : s.breakerUntilMs.toString(),
      pending_provisional: p?.count ?? 0,
      oldest_pending_age_ms:
        p?.oldestMs === undefined
          ? null
          : (ctx.timeMs > p.oldestMs ? ctx.timeMs - p.oldestMs : 0n).toString(),
      expected_finality_ms: o.expectedFinalityMs.toString(),
      timeout_ms: o.timeoutMs.toString(),
      halt_after_ms: dp?.haltAfterMs.toString() ?? null,
      tokens: [...o.tokens.values()].map((t) => {
        const th = hex(t.token);
        return {
          token: toChecksumAddress(t.token),
          symbol: t.symbol,
          decimals: t.decimals,
          release_cap_per_hour: dp?.releaseCapPerHour[th]?.toString() ?? null,
          released_this_hour: releasedThisHour(ctx.state, d, t.token, ctx.timeMs).toString(),
          bad_debt: getBadDebt(ctx.state, d, t.token).toString(),
          insurance_fund: getBalance(ctx.state, insurance, d, t.token, STAGE.FINAL).toString(),
        };
      }),
    };
  });
}

function closeJson(c: CloseRecord) {
  return {
    account: bech32FromBytes(c.account),
    domain: c.domain,
    owner: toChecksumAddress(c.owner),
    instrument_id: hex(c.instrumentId),
    size: c.size,
    price_limit: c.priceLimit,
    height: c.height.toString(),
    time_ms: c.timeMs.toString(),
    keeper: c.keeper === '' ? null : c.keeper,
  };
}

/** Where a settlement stands: dispatched → ack_provisional → acknowledged, or cancelled. */
function lifecycleStage(s: Settlement): string {
  if (s.status === SETTLEMENT_STATUS.CANCELLED) return 'cancelled';
  if (s.ackStatus === 0) return s.status === SETTLEMENT_STATUS.PENDING ? 'pending' : 'dispatched';
  return s.ackStage === STAGE.FINAL ? 'acknowledged' : 'ack_provisional';
}

function settlementView(ctx: { state: StateReader; bridge: BridgeRuntime | undefined }, s: Settlement) {
  const w = getWithdrawal(ctx.state, s.settlementId);
  const c = getClose(ctx.state, s.settlementId);
  return {
    settlement_id: hex(s.settlementId),
    kind: kindName(s.kind),
    destination: s.destination,
    chain: ctx.bridge?.origins.get(s.destination)?.name ?? null,
    recipient: hex(s.recipient),
    message_id: hex(s.messageId),
    nonce: s.nonce,
    stage: lifecycleStage(s),
    status: nameOf(SETTLEMENT_STATUS, s.status),
    ack: {
      status: nameOf(ACK_STATUS, s.ackStatus),
      stage: stageName(s.ackStage),
      message_id: s.ackMessageId.length > 0 ? hex(s.ackMessageId) : null,
      detail: hex(s.ackDetail),
      height: s.ackedHeight === 0n ? null : s.ackedHeight.toString(),
    },
    dispatched_height: s.dispatchedHeight.toString(),
    cause: s.cause.length > 0 ? hex(s.cause) : null,
    withdrawal:
      w === undefined || ctx.bridge === undefined
        ? null
        : withdrawalJson({ state: ctx.state, bridge: ctx.bridge }, w),
    close: c === undefined ? null : closeJson(c),
  };
}

// ---- registration ---------------------------------------------------------------------------

/**
 * Registers the margin routes on the node's server: `GET /v1/accounts/:address/margin`,
 * `POST /v1/accounts/:address/what-if`, `GET /v1/margin/accounts`, `/v1/margin/liquidations`,
 * `/v1/margin/domains`, `/v1/margin/conservation`, `/v1/margin/config`, `/v1/settlements/:id`,
 * `/v1/governance`. Read-only.
 */
export function registerMarginRoutes(app: FastifyInstance, node: HubNode): void {
  // The committed block's risk arrays (see the module doc), refreshed on each commit.
  let arrays: RiskArrays | null = node.margin.kernel?.arrays ?? null;
  const onBlock = () => {
    arrays = node.margin.kernel?.arrays ?? null;
  };
  node.on('block', onBlock);
  app.addHook('onClose', async () => {
    node.off('block', onBlock);
  });
  // The account list, memoised per committed height.
  let list: { height: bigint; rows: MarginListRow[] } | undefined;

  const ctxOf = (): QueryCtx => {
    const state = node.store.view();
    const { config, bridge } = requireMargin(state);
    return { state, config, bridge, arrays, height: node.height, timeMs: node.lastBlockTimeMs };
  };
  const handle =
    <R extends FastifyRequest>(fn: (req: R) => unknown) =>
    async (req: R, reply: FastifyReply) => {
      try {
        return await fn(req);
      } catch (e) {
        if (e instanceof QueryError) return sendError(reply, e);
        throw e;
      }
    };

  app.get<{ Params: { address: string } }>(
    '/v1/accounts/:address/margin',
    handle((req: FastifyRequest<{ Params: { address: string } }>) => {
      const ctx = ctxOf();
      const a = resolveAccount(ctx.state, req.params.address);
      return accountMarginView(ctx, a.account, a.bech32);
    }),
  );

  app.post<{ Params: { address: string }; Body: unknown }>(
    '/v1/accounts/:address/what-if',
    {
      bodyLimit: MARGIN_QUERY_LIMITS.bodyBytes,
      errorHandler: (err: { statusCode?: number; message: string }, _req, reply) => {
        if (err.statusCode === 413)
          return sendError(
            reply,
            new QueryError(
              'QUERY_BODY_TOO_LARGE',
              `request body exceeds ${MARGIN_QUERY_LIMITS.bodyBytes} bytes`,
              { limit: String(MARGIN_QUERY_LIMITS.bodyBytes) },
            ),
          );
        if (err.statusCode !== undefined && err.statusCode < 500)
          return sendError(
            reply,
            new QueryError('QUERY_BAD_JSON', `request body is not a JSON object: ${err.message}`),
          );
        throw err;
      },
    },
    handle((req: FastifyRequest<{ Params: { address: string }; Body: unknown }>) => {
      const ctx = ctxOf();
      const a = resolveAccount(ctx.state, req.params.address);
      const w = parseWhatIf(req.body, ctx.config, ctx.bridge);
      return whatIfView(ctx, node, a.account, a.bech32, a.viaEvm, w);
    }),
  );

  app.get<{ Querystring: { limit?: string; after?: string } }>(
    '/v1/margin/accounts',
    handle((req: FastifyRequest<{ Querystring: { limit?: string; after?: string } }>) => {
      const ctx = ctxOf();
      const limit = parseLimit(req.query.limit, 'limit', 100, MARGIN_QUERY_LIMITS.maxAccountsPage);
      if (list === undefined || list.height !== ctx.height)
        list = {
          height: ctx.height,
          rows: marginList(node.margin, (account) => {
            if (ctx.arrays === null) return undefined;
            const v = buildAccountPortfolio(
              ctx.state,
              ctx.config,
              { timeMs: ctx.timeMs, bridge: ctx.bridge },
              account,
            );
            try {
              return { ok: true, summary: marginAccount(v.portfolio, ctx.arrays) };
            } catch (e) {
              if (e instanceof RiskError) return { ok: false, error: e };
              throw e;
            }
          }),
        };
      const rows = list.rows;
      let from = 0;
      if (req.query.after !== undefined) {
        const i = rows.findIndex((r) => r.address === req.query.after);
        if (i < 0)
          invalid('after', 'is not an account of this list (restart from the first page)', req.query.after);
        from = i + 1;
      }
      const page = rows.slice(from, from + limit);
      return {
        accounts: page,
        total: rows.length,
        next: from + limit < rows.length ? (page[page.length - 1]?.address ?? null) : null,
        snapshot: arrays === null ? null : (readSnapshotTime(ctx.state)?.toString() ?? null),
        height: ctx.height.toString(),
      };
    }),
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/v1/margin/liquidations',
    handle((req: FastifyRequest<{ Querystring: { limit?: string } }>) => {
      const ctx = ctxOf();
      const limit = parseLimit(req.query.limit, 'limit', 50, MARGIN_QUERY_LIMITS.maxLiquidations);
      return { liquidations: recentLiquidations(ctx.state, limit), height: ctx.height.toString() };
    }),
  );

  app.get(
    '/v1/margin/domains',
    handle(() => {
      const ctx = ctxOf();
      return { domains: domainsView(ctx), time_ms: ctx.timeMs.toString(), height: ctx.height.toString() };
    }),
  );

  app.get(
    '/v1/margin/conservation',
    handle(() => {
      const ctx = ctxOf();
      const lines = conservation(ctx.state).map((l) => {
        const token = fromHex(l.token)!;
        return {
          domain: l.domain,
          token: toChecksumAddress(token),
          ...tokenInfo(ctx.bridge, l.domain, token),
          balances: l.balances.toString(),
          insurance: l.insurance.toString(),
          in_flight: l.inFlight.toString(),
          inflow: l.inflow.toString(),
          provisional_inflow: l.provisionalInflow.toString(),
          outflow: l.outflow.toString(),
          imbalance: l.imbalance.toString(),
          vault_view: l.vaultView.toString(),
          vault_floor: l.vaultFloor.toString(),
        };
      });
      return { lines, balanced: lines.every((l) => l.imbalance === '0'), height: ctx.height.toString() };
    }),
  );

  app.get(
    '/v1/margin/config',
    handle(() => {
      const ctx = ctxOf();
      return {
        config: marginConfigToJson(ctx.config),
        params_hash: hashRiskParams(ctx.config.risk),
        height: ctx.height.toString(),
      };
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/settlements/:id',
    handle((req: FastifyRequest<{ Params: { id: string } }>) => {
      const state = node.store.view();
      const id = hexField(req.params.id, 'id', 32);
      const s = getSettlement(state, fromHex(id)!);
      if (s === undefined) throw new QueryError('QUERY_UNKNOWN_SETTLEMENT', `settlement ${id} not found`);
      return { ...settlementView({ state, bridge: readBridge(state) }, s), height: node.height.toString() };
    }),
  );

  app.get(
    '/v1/governance',
    handle(() => ({ ...governanceJson(node.store.view()), height: node.height.toString() })),
  );
}

/** The newest liquidations in the dashboard overview's `{height, account, detail}` form. */
export function overviewLiquidations(
  state: StateReader,
  limit = 20,
): { height: string; account: string; detail: string }[] {
  return recentLiquidations(state, limit).map((l) => ({
    height: l.height,
    account: l.account,
    detail: `${l.method}: equity ${l.equity} µUSD < MM ${l.mm} µUSD; ${l.closes.length} close(s), closed notional ${l.closed_notional} µUSD, penalty ${l.penalty} µUSD${l.bad_debt !== '0' ? `, bad debt ${l.bad_debt} µUSD` : ''}`,
  }));
}
