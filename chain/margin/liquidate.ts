/**
 * Liquidation in the STF (DESIGN "Liquidation"): for an account with equity < MM, the planner
 * (chain/liquidation) picks the closes with the least notional that restore MM + buffer·(IM − MM);
 * the hub sends one CLOSE_POSITION per close with a price limit (oracle ∓ band) and keeps the
 * position margined until the market's report arrives final. The penalty (capped at the equity
 * above bankruptcy) goes to the insurance fund, or is shared with the keeper of a MsgLiquidate.
 * A bankrupt account with nothing left to close has its collateral seized by the fund, its debts
 * covered by the fund where it holds that token, and the rest socialised pro rata over the other
 * positive balances of the same (domain, token), recorded as an event.
 */
import { bytesToHex, hexToBytes } from '../../bridge/index.ts';
import type { StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { bech32FromBytes, parseBech32, toChecksumAddress } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import type { BridgeRuntime } from '../hyperlane/config.ts';
import { dispatchSettlement, nextSettlementId } from '../hyperlane/outbox.ts';
import { PREFIX } from '../keys.ts';
import {
  accountHolder,
  addBalance,
  balancesOf,
  getBalance,
  HOLDER,
  insuranceHolder,
  STAGE,
} from '../ledger/index.ts';
import {
  LiquidationError,
  liquidationPenalty,
  planLiquidation,
  priceLimit,
  splitPenalty,
} from '../liquidation/index.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import { readPrice } from '../oracle/state.ts';
import { RiskError } from '../risk/index.ts';
import type { MarginCache } from './cache.ts';
import {
  type LiquidationRecord,
  LiquidationRecordCodec,
  type MsgLiquidate,
  MsgLiquidateResponseCodec,
} from './codec.ts';
import type { MarginConfig } from './config.ts';
import { evaluateAccountNow } from './evaluate.ts';
import { liquidationKey } from './keys.ts';
import { tokenDecimals } from './portfolio.ts';
import { closeInFlight, getBadDebt, getClose, setBadDebt, setClose } from './records.ts';
import { spotFeed } from './snapshot.ts';
import { cacheFor, requireMargin } from './withdraw.ts';

/** Context of a liquidation. */
export interface LiquidationContext {
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly bridge: BridgeRuntime;
  readonly config: MarginConfig;
  readonly cache: MarginCache;
  readonly events: Event[];
}

/** µUSD → atomic units of a token at par (the settlement stablecoin), rounded up for a debit. */
function microToAtomic(micro: bigint, decimals: number): bigint {
  if (decimals >= 6) return micro * 10n ** BigInt(decimals - 6);
  const d = 10n ** BigInt(6 - decimals);
  return (micro + d - 1n) / d;
}

const toE18 = (usd: number) => BigInt(Math.round(usd * 1e6)) * 10n ** 12n;

/**
 * Liquidates `account` if its equity is below MM. Returns the record written, or undefined when
 * the account is not liquidatable (or its margin is unknown).
 */
export function liquidateAccount(
  state: StateView,
  ctx: LiquidationContext,
  account: Uint8Array,
  keeper?: { address: Uint8Array; bech32: string },
): LiquidationRecord | undefined {
  const ev = evaluateAccountNow(state, ctx.cache, ctx.config, ctx.bridge, ctx.timeMs, account);
  if (!ev.ok) return undefined;
  const { view, summary } = ev.value;
  if (summary.equity >= summary.mm) return undefined;
  const arrays = ctx.cache.kernel!.arrays!;
  const L = ctx.config.liquidation;
  const byId = new Map(view.positions.map((p) => [p.id, p]));
  const closable = new Set<string>();
  const cost = new Map<string, bigint>();
  for (const p of view.positions) {
    if (p.expired || p.finalSizeE18 === 0n) continue;
    cost.set(p.id, p.listing.liquidityCostE18);
    const sid = closeInFlight(state, p.domain, p.owner, p.instrumentId);
    if (sid !== undefined) {
      const c = getClose(state, sid);
      if (c !== undefined && ctx.timeMs - c.timeMs < L.closeTimeoutMs) continue;
    }
    closable.add(p.id);
  }
  const unitValue = (id: string): number => {
    const p = byId.get(id);
    if (p === undefined) return 0;
    const k = arrays.universe.index.get(p.listing.instrument.id);
    if (k === undefined) return 0;
    if (p.listing.instrument.kind === 'option') return Math.abs(arrays.values[k * arrays.cols]!);
    const spot = readPrice(state, spotFeed(p.listing.instrument.underlying));
    return spot === undefined ? 0 : Number(BigInt(spot.value)) / 1e18;
  };
  const notionalUsd = (id: string): number => {
    const p = byId.get(id);
    if (p === undefined) return 0;
    const n = Number(p.finalSizeE18 < 0n ? -p.finalSizeE18 : p.finalSizeE18) / 1e18;
    return n * unitValue(id);
  };
  const plan = planLiquidation({
    portfolio: view.portfolio,
    arrays,
    bufferE18: L.bufferE18,
    closable,
    liquidityCostE18: cost,
    notionalUsd,
  });
  const closes: Uint8Array[] = [];
  for (const c of plan.closes) {
    const p = byId.get(c.positionId);
    if (p === undefined) continue;
    const origin = ctx.bridge.origins.get(p.domain);
    if (origin === undefined) continue;
    const dec = tokenDecimals(ctx.bridge, p.domain, p.listing.settlementToken);
    const limitE18 = priceLimit({
      oraclePriceE18: toE18(unitValue(p.id)) > 0n ? toE18(unitValue(p.id)) : 1n,
      bandE18: L.priceBandE18,
      closingLong: p.finalSizeE18 > 0n,
    });
    // The market quotes settlement-token atomic units per whole unit.
    const limit = dec <= 18 ? limitE18 / 10n ** BigInt(18 - dec) : limitE18 * 10n ** BigInt(dec - 18);
    const sid = nextSettlementId(state);
    const d = dispatchSettlement(state, ctx.height, {
      destination: p.domain,
      recipient: origin.adapter,
      payload: {
        kind: 'CLOSE_POSITION',
        settlementId: bytesToHex(sid),
        owner: bytesToHex(p.owner),
        instrumentId: bytesToHex(p.instrumentId),
        size: c.closeSizeE18,
        priceLimit: limit,
      },
    });
    ctx.events.push(d.event);
    setClose(state, {
      settlementId: sid,
      account,
      domain: p.domain,
      owner: p.owner,
      instrumentId: p.instrumentId,
      size: c.closeSizeE18.toString(),
      priceLimit: limit.toString(),
      height: ctx.height,
      timeMs: ctx.timeMs,
      keeper: keeper?.bech32 ?? '',
    });
    closes.push(sid);
  }
  // Penalty on what is closed, capped at the equity above bankruptcy (0) after the closes.
  let penalty = 0n;
  let keeperShare = 0n;
  if (plan.closes.length > 0) {
    penalty = liquidationPenalty({
      equityMicro: plan.after.equity,
      closedNotionalMicro: plan.closedNotionalMicro,
      penaltyE18: L.penaltyE18,
    });
    const split = splitPenalty(penalty, keeper === undefined ? 0n : L.keeperShareE18);
    keeperShare = split.keeper;
    const first = byId.get(plan.closes[0]!.positionId)!;
    const token = hexToBytes(first.listing.settlementToken, 'token', 20);
    const dec = tokenDecimals(ctx.bridge, first.domain, first.listing.settlementToken);
    const toFund = microToAtomic(split.insurance, dec);
    const toKeeper = keeper === undefined ? 0n : (split.keeper * 10n ** BigInt(dec)) / 1_000_000n;
    addBalance(state, accountHolder(account), first.domain, token, STAGE.FINAL, -(toFund + toKeeper));
    if (toFund > 0n) addBalance(state, insuranceHolder(), first.domain, token, STAGE.FINAL, toFund);
    if (keeper !== undefined && toKeeper > 0n)
      addBalance(state, accountHolder(keeper.address), first.domain, token, STAGE.FINAL, toKeeper);
  }
  let badDebtMicro = 0n;
  let method: string = plan.method;
  if (
    plan.closes.length === 0 &&
    summary.equity < 0n &&
    view.positions.every((p) => p.finalSizeE18 === 0n || p.expired)
  ) {
    badDebtMicro = -summary.equity;
    method = 'bad_debt';
    ctx.events.push(...resolveBankruptcy(state, account));
  }
  const rec: LiquidationRecord = {
    account,
    height: ctx.height,
    method,
    equityMicro: summary.equity.toString(),
    mmMicro: summary.mm.toString(),
    imMicro: summary.im.toString(),
    closedNotionalMicro: plan.closedNotionalMicro.toString(),
    penaltyMicro: penalty.toString(),
    keeper: keeper?.bech32 ?? '',
    keeperShareMicro: keeperShare.toString(),
    closes,
    badDebtMicro: badDebtMicro.toString(),
  };
  if (closes.length === 0 && method !== 'bad_debt') return undefined;
  state.set(liquidationKey(ctx.height, account), LiquidationRecordCodec.toBytes(rec));
  ctx.events.push({
    type: 'margin.liquidation',
    attributes: [
      { key: 'account', value: bech32FromBytes(account) },
      { key: 'method', value: method },
      { key: 'equity_micro', value: rec.equityMicro },
      { key: 'mm_micro', value: rec.mmMicro },
      { key: 'closes', value: String(closes.length) },
      { key: 'closed_notional_micro', value: rec.closedNotionalMicro },
      { key: 'penalty_micro', value: rec.penaltyMicro },
      { key: 'keeper', value: rec.keeper },
      { key: 'keeper_share_micro', value: rec.keeperShareMicro },
      { key: 'restored', value: String(plan.restored) },
    ],
  });
  return rec;
}

/**
 * A bankrupt account with nothing to close: the fund seizes its positive balances, covers its
 * debts per (domain, token) from what it holds there, and the rest is socialised pro rata over
 * every other account's positive final balance of that (domain, token); dust that cannot be
 * spread stays as unpaid bad debt (which gates withdrawals there while it exceeds the fund).
 */
export function resolveBankruptcy(state: StateView, account: Uint8Array): Event[] {
  const events: Event[] = [];
  const holder = accountHolder(account);
  const fund = insuranceHolder();
  const entries = balancesOf(state, holder);
  for (const e of entries) {
    if (e.amount > 0n) {
      addBalance(state, holder, e.domain, e.token, e.stage, -e.amount);
      addBalance(state, fund, e.domain, e.token, STAGE.FINAL, e.amount);
    }
  }
  for (const e of entries) {
    if (e.amount >= 0n) continue;
    let debt = -e.amount;
    const available = getBalance(state, fund, e.domain, e.token, STAGE.FINAL);
    const cover = available < debt ? (available > 0n ? available : 0n) : debt;
    if (cover > 0n) {
      addBalance(state, fund, e.domain, e.token, STAGE.FINAL, -cover);
      addBalance(state, holder, e.domain, e.token, e.stage, cover);
      debt -= cover;
    }
    if (debt === 0n) continue;
    // Socialise over other accounts' positive final balances of this (domain, token).
    const others: { holder: Uint8Array; amount: bigint }[] = [];
    let total = 0n;
    for (const [k, v] of state.entries(Uint8Array.of(PREFIX.ledger, HOLDER.ACCOUNT))) {
      if (k.length !== 47 || k[46] !== STAGE.FINAL) continue;
      const dv = new DataView(k.buffer, k.byteOffset, k.byteLength);
      if (dv.getUint32(22) !== e.domain) continue;
      if (!k.subarray(26, 46).every((b, i) => b === e.token[i])) continue;
      if (k.subarray(2, 22).every((b, i) => b === account[i])) continue;
      const amount =
        balancesOf(
          {
            get: () => undefined,
            entries: function* () {
              yield [k, v];
            },
          },
          k.slice(1, 22),
        )[0]?.amount ?? 0n;
      if (amount > 0n) {
        others.push({ holder: k.slice(1, 22), amount });
        total += amount;
      }
    }
    let spread = 0n;
    const take = debt < total ? debt : total;
    for (const o of others) {
      const share = (take * o.amount) / total;
      if (share === 0n) continue;
      addBalance(state, o.holder, e.domain, e.token, STAGE.FINAL, -share);
      spread += share;
    }
    addBalance(state, holder, e.domain, e.token, e.stage, spread);
    const unpaid = debt - spread;
    if (unpaid > 0n) setBadDebt(state, e.domain, e.token, getBadDebt(state, e.domain, e.token) + unpaid);
    events.push({
      type: 'margin.socialised_loss',
      attributes: [
        { key: 'account', value: bech32FromBytes(account) },
        { key: 'domain', value: String(e.domain) },
        { key: 'token', value: toChecksumAddress(e.token) },
        { key: 'covered_by_fund', value: cover.toString() },
        { key: 'socialised', value: spread.toString() },
        { key: 'accounts', value: String(others.length) },
        { key: 'unpaid', value: unpaid.toString() },
      ],
    });
  }
  return events;
}

/** MsgLiquidate: a keeper liquidates an account below MM and shares the penalty. */
export function applyLiquidate(state: StateView, msg: MsgLiquidate, ctx: MsgContext): MsgResult {
  const { config, bridge } = requireMargin(state);
  const account = parseBech32(msg.account);
  if (account === undefined)
    throw new ChainError('MARGIN_UNKNOWN_ACCOUNT', `account ${msg.account} is not a umg address`, {
      field: 'account',
    });
  const keeper = parseBech32(msg.keeper)!;
  const cache = cacheFor(state, ctx, config, bridge);
  const events: Event[] = [];
  let rec: LiquidationRecord | undefined;
  try {
    rec = liquidateAccount(
      state,
      { height: ctx.height, timeMs: ctx.timeMs, bridge, config, cache, events },
      account,
      { address: keeper, bech32: msg.keeper },
    );
  } catch (e) {
    if (e instanceof RiskError || e instanceof LiquidationError)
      throw new ChainError('MARGIN_UNKNOWN', `cannot plan a liquidation of ${msg.account}: ${e.message}`);
    throw e;
  }
  if (rec === undefined)
    throw new ChainError(
      'MARGIN_NOT_LIQUIDATABLE',
      `account ${msg.account} is not liquidatable now (equity ≥ MM, margin unknown, or its closes are in flight)`,
      { account: msg.account },
    );
  return {
    events,
    response: MsgLiquidateResponseCodec.toBytes({
      penaltyMicro: rec.penaltyMicro,
      keeperShareMicro: rec.keeperShareMicro,
    }),
  };
}
