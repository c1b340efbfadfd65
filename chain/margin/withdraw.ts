/**
 * MsgWithdraw (two-phase: freeze → RELEASE → final ACK) and MsgCancelSettlement. Every refusal is
 * a ChainError naming what failed; nothing is written before the last check passes.
 *
 * MsgWithdraw checks, in order (cheap first):
 *
 * | # | rule | code |
 * |---|------|------|
 * | 1 | margin and bridge configured | MARGIN_NOT_CONFIGURED |
 * | 2 | amount a positive decimal, recipient a non-zero 20-byte address | MARGIN_AMOUNT_INVALID, MARGIN_RECIPIENT_INVALID |
 * | 3 | the domain is an origin, the token in its registry | MARGIN_UNKNOWN_DOMAIN, MARGIN_UNKNOWN_TOKEN |
 * | 4 | the domain is not halted | MARGIN_DOMAIN_HALTED |
 * | 5 | the account's final balance there covers it | MARGIN_INSUFFICIENT_BALANCE |
 * | 6 | the hub's view of the vault (final inflow − outflow − in flight) covers it | MARGIN_VAULT_SHORT |
 * | 7 | the domain's per-hour release cap allows it | MARGIN_RELEASE_CAP |
 * | 8 | unpaid bad debt there does not exceed the insurance fund | MARGIN_BAD_DEBT |
 * | 9 | prices are fresh for withdrawals | MARGIN_PRICES_STALE |
 * | 10 | after it, withdrawal equity ≥ effective IM (provisional items and unrealised gains out) | MARGIN_IM_UNMET, MARGIN_UNKNOWN |
 */
import { bytesToHex, hexToBytes } from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { bytesEqual, parseBech32, toChecksumAddress } from '../crypto.ts';
import { ChainError, type ErrorCode } from '../errors.ts';
import { type BridgeRuntime, readBridge } from '../hyperlane/config.ts';
import { dispatchSettlement, nextSettlementId } from '../hyperlane/outbox.ts';
import { getSettlement } from '../hyperlane/records.ts';
import { accountHolder, addBalance, getBalance, insuranceHolder, STAGE } from '../ledger/index.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import type { Portfolio } from '../risk/index.ts';
import { MarginCache } from './cache.ts';
import {
  type MsgCancelSettlement,
  MsgCancelSettlementResponseCodec,
  type MsgWithdraw,
  MsgWithdrawResponseCodec,
  ReleaseWindowCodec,
  WITHDRAWAL_STATUS,
} from './codec.ts';
import { domainParamsOf, type MarginConfig, readMarginConfig } from './config.ts';
import { marginStaleness, reservedUnusedMicro, withdrawalEquity } from './evaluate.ts';
import { dispatchRelease } from './flows.ts';
import { releaseWindowKey } from './keys.ts';
import { buildAccountPortfolio } from './portfolio.ts';
import { getBadDebt, getDomainStatus, getFlow, getWithdrawal, isHalted, setWithdrawal } from './records.ts';

const HOUR_MS = 3_600_000n;

/** Config and bridge, or MARGIN_NOT_CONFIGURED. */
export function requireMargin(state: StateReader): { config: MarginConfig; bridge: BridgeRuntime } {
  const config = readMarginConfig(state);
  const bridge = readBridge(state);
  if (config === undefined || bridge === undefined)
    throw new ChainError(
      'MARGIN_NOT_CONFIGURED',
      'unified margin is not configured on this chain (genesis has no margin section)',
    );
  return { config, bridge };
}

/** The cache of the block, or a fresh one synced to `state` (CheckTx and tools). */
export function cacheFor(
  state: StateReader,
  ctx: MsgContext,
  config: MarginConfig,
  bridge: BridgeRuntime,
): MarginCache {
  if (ctx.margin !== undefined) return ctx.margin;
  const c = new MarginCache();
  c.sync(state, config, bridge, ctx.timeMs, undefined);
  return c;
}

/** Releases of (domain, token) in the current hour. */
export function releasedThisHour(
  state: StateReader,
  domain: number,
  token: Uint8Array,
  timeMs: bigint,
): bigint {
  const v = state.get(releaseWindowKey(domain, token));
  if (v === undefined) return 0n;
  const w = ReleaseWindowCodec.decode(v);
  return w.hour === timeMs / HOUR_MS ? BigInt(w.amount) : 0n;
}

/** Adds to the current hour's releases. */
export function addReleased(
  state: StateView,
  domain: number,
  token: Uint8Array,
  timeMs: bigint,
  amount: bigint,
): void {
  const now = releasedThisHour(state, domain, token, timeMs);
  state.set(
    releaseWindowKey(domain, token),
    ReleaseWindowCodec.toBytes({ hour: timeMs / HOUR_MS, amount: (now + amount).toString() }),
  );
}

function fail(
  code: ErrorCode,
  msg: string,
  meta?: Record<string, string | number | bigint | boolean>,
): never {
  throw new ChainError(code, msg, meta);
}

/** Every check of a withdrawal (the table above); returns what apply needs. Never writes. */
export function checkWithdraw(
  state: StateReader,
  msg: MsgWithdraw,
  ctx: MsgContext,
): { config: MarginConfig; bridge: BridgeRuntime; account: Uint8Array; amount: bigint } {
  const { config, bridge } = requireMargin(state);
  const account = parseBech32(msg.sender);
  if (account === undefined) fail('MARGIN_UNKNOWN_ACCOUNT', `sender ${msg.sender} is not a umg address`);
  if (!/^[1-9][0-9]{0,76}$/.test(msg.amount))
    fail('MARGIN_AMOUNT_INVALID', `amount ${JSON.stringify(msg.amount)} is not a positive decimal integer`, {
      field: 'amount',
    });
  const amount = BigInt(msg.amount);
  if (msg.recipient.length !== 20 || msg.recipient.every((b) => b === 0))
    fail(
      'MARGIN_RECIPIENT_INVALID',
      `recipient must be a non-zero 20-byte EVM address; got ${msg.recipient.length} bytes`,
      {
        field: 'recipient',
      },
    );
  const origin = bridge.origins.get(msg.domain);
  if (origin === undefined)
    fail(
      'MARGIN_UNKNOWN_DOMAIN',
      `domain ${msg.domain} is not a configured origin (${bridge.knownOrigins.join(', ')})`,
      {
        field: 'domain',
      },
    );
  const tokenHex = bytesToHex(msg.token);
  if (msg.token.length !== 20 || !origin.tokens.has(tokenHex))
    fail('MARGIN_UNKNOWN_TOKEN', `token ${tokenHex} is not registered on domain ${msg.domain}`, {
      field: 'token',
    });
  if (isHalted(getDomainStatus(state, msg.domain)))
    fail(
      'MARGIN_DOMAIN_HALTED',
      `domain ${msg.domain} is halted: no withdrawals until its final tier resumes`,
      {
        domain: msg.domain,
      },
    );
  const balance = getBalance(state, accountHolder(account), msg.domain, msg.token, STAGE.FINAL);
  if (balance < amount)
    fail(
      'MARGIN_INSUFFICIENT_BALANCE',
      `final balance on ${msg.domain}/${tokenHex} is ${balance}, below the ${amount} requested (provisional credit cannot be withdrawn)`,
      { balance: balance.toString(), amount: amount.toString() },
    );
  const f = getFlow(state, msg.domain, msg.token);
  const releasable = BigInt(f.inflow) - BigInt(f.outflow) - BigInt(f.inFlight);
  if (releasable < amount)
    fail(
      'MARGIN_VAULT_SHORT',
      `the vault on ${msg.domain} holds ${releasable} of ${tokenHex} not owed elsewhere (hub view), below the ${amount} requested`,
      { releasable: releasable.toString(), amount: amount.toString() },
    );
  const cap = domainParamsOf(config, msg.domain)?.releaseCapPerHour[tokenHex];
  if (cap !== undefined) {
    const used = releasedThisHour(state, msg.domain, msg.token, ctx.timeMs);
    if (used + amount > cap)
      fail(
        'MARGIN_RELEASE_CAP',
        `releases of ${tokenHex} on ${msg.domain} this hour would reach ${used + amount}, above the cap ${cap}`,
        {
          used: used.toString(),
          cap: cap.toString(),
        },
      );
  }
  const debt = getBadDebt(state, msg.domain, msg.token);
  const fund = getBalance(state, insuranceHolder(), msg.domain, msg.token, STAGE.FINAL);
  if (debt > fund)
    fail(
      'MARGIN_BAD_DEBT',
      `unpaid bad debt ${debt} on ${msg.domain}/${tokenHex} exceeds the insurance fund ${fund}`,
      {
        debt: debt.toString(),
        fund: fund.toString(),
      },
    );
  if (marginStaleness(state, config, ctx.timeMs).withdrawals)
    fail('MARGIN_PRICES_STALE', 'oracle prices are stale (or absent) for withdrawals');
  const cache = cacheFor(state, ctx, config, bridge);
  const view = buildAccountPortfolio(state, config, { timeMs: ctx.timeMs, bridge }, account);
  const after: Portfolio = withdrawn(view.portfolio, msg.domain, tokenHex, amount);
  const w = withdrawalEquity(cache, after);
  if (!w.ok)
    fail(
      'MARGIN_UNKNOWN',
      w.failure.reason === 'no_snapshot'
        ? 'margin unknown: no oracle snapshot yet'
        : `margin unknown: ${w.failure.error.message}`,
    );
  const imEff = w.summary.im + reservedUnusedMicro(state, view, ctx.timeMs);
  if (w.equity < imEff)
    fail(
      'MARGIN_IM_UNMET',
      `after the withdrawal, equity for withdrawals ${w.equity} µUSD (provisional items and unrealised gains left out) would be below IM ${imEff} µUSD`,
      { equity: w.equity.toString(), im: imEff.toString() },
    );
  return { config, bridge, account, amount };
}

function withdrawn(p: Portfolio, domain: number, token: string, amount: bigint): Portfolio {
  let found = false;
  const collateral = p.collateral.map((c) => {
    if (c.domain === domain && c.token === token && c.stage === 'final') {
      found = true;
      return { ...c, amount: c.amount - amount };
    }
    return c;
  });
  if (!found) collateral.push({ domain, token, stage: 'final', amount: -amount });
  return { ...p, collateral: collateral.filter((c) => c.amount !== 0n) };
}

/** MsgWithdraw: checks, freeze (debit), RELEASE dispatched. */
export function applyWithdraw(state: StateView, msg: MsgWithdraw, ctx: MsgContext): MsgResult {
  const { bridge, account, amount } = checkWithdraw(state, msg, ctx);
  const origin = bridge.origins.get(msg.domain)!;
  addBalance(state, accountHolder(account), msg.domain, msg.token, STAGE.FINAL, -amount);
  addReleased(state, msg.domain, msg.token, ctx.timeMs, amount);
  const r = dispatchRelease(state, ctx.height, ctx.timeMs, {
    domain: msg.domain,
    vault: origin.vault,
    token: msg.token,
    recipient: msg.recipient,
    amount,
    toMarket: false,
    account,
  });
  const events: Event[] = [
    r.event,
    {
      type: 'margin.withdraw',
      attributes: [
        { key: 'account', value: msg.sender },
        { key: 'domain', value: String(msg.domain) },
        { key: 'token', value: toChecksumAddress(msg.token) },
        { key: 'amount', value: amount.toString() },
        { key: 'recipient', value: toChecksumAddress(msg.recipient) },
        { key: 'settlement_id', value: bytesToHex(r.settlementId) },
      ],
    },
  ];
  return {
    events,
    response: MsgWithdrawResponseCodec.toBytes({
      settlementId: r.settlementId,
      messageId: hexToBytes(r.messageId, 'messageId', 32),
    }),
  };
}

/** MsgCancelSettlement: CANCEL for an in-flight withdrawal of the sender. */
export function checkCancelSettlement(
  state: StateReader,
  msg: MsgCancelSettlement,
): { bridge: BridgeRuntime } {
  const { bridge } = requireMargin(state);
  const w = getWithdrawal(state, msg.settlementId);
  if (w === undefined || w.toMarket)
    fail('MARGIN_UNKNOWN_SETTLEMENT', `no withdrawal with settlement id ${bytesToHex(msg.settlementId)}`, {
      field: 'settlementId',
    });
  const sender = parseBech32(msg.sender);
  if (sender === undefined || !bytesEqual(sender, w.account))
    fail('MARGIN_UNAUTHORIZED', `only the withdrawing account may cancel ${bytesToHex(msg.settlementId)}`);
  const s = getSettlement(state, msg.settlementId);
  if (w.status !== WITHDRAWAL_STATUS.IN_FLIGHT || s === undefined || s.ackStatus !== 0)
    fail('MARGIN_NOT_CANCELLABLE', `settlement ${bytesToHex(msg.settlementId)} is acknowledged already`);
  if (w.cancelId.length > 0)
    fail(
      'MARGIN_NOT_CANCELLABLE',
      `a CANCEL for ${bytesToHex(msg.settlementId)} was sent already (${bytesToHex(w.cancelId)})`,
    );
  return { bridge };
}

export function applyCancelSettlement(
  state: StateView,
  msg: MsgCancelSettlement,
  ctx: MsgContext,
): MsgResult {
  checkCancelSettlement(state, msg);
  const w = getWithdrawal(state, msg.settlementId)!;
  const s = getSettlement(state, msg.settlementId)!;
  const sid = nextSettlementId(state);
  const d = dispatchSettlement(state, ctx.height, {
    destination: s.destination,
    recipient: s.recipient,
    payload: {
      kind: 'CANCEL',
      settlementId: bytesToHex(sid),
      targetSettlementId: bytesToHex(msg.settlementId),
    },
    cause: msg.settlementId,
  });
  w.cancelId = sid;
  setWithdrawal(state, w);
  return {
    events: [
      d.event,
      {
        type: 'margin.cancel',
        attributes: [
          { key: 'target_settlement_id', value: bytesToHex(msg.settlementId) },
          { key: 'cancel_settlement_id', value: bytesToHex(sid) },
        ],
      },
    ],
    response: MsgCancelSettlementResponseCodec.toBytes({ cancelSettlementId: sid }),
  };
}
