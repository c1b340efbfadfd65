/**
 * Pre-trade gating (DESIGN "Positions and their money"): an account reserves part of its free
 * margin for one EVM owner on one domain; the hub sends it as ALLOWANCE (which *sets* the owner's
 * allowance on that chain's PositionAdapter, with a per-owner sequence and an expiry). Until
 * POSITION reports replace it, the reserved-but-unused part counts as IM (evaluate.ts). When margin
 * falls below effective IM, the end-block shrinks reservations (down to what positions use) and
 * re-sends them. Nothing is granted while prices are stale or the domain is halted.
 */
import { bytesToHex, hexToBytes } from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import { getEvmLink } from '../accounts.ts';
import type { Event } from '../codec/messages.ts';
import { bytesEqual, parseBech32, toChecksumAddress } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import type { BridgeRuntime } from '../hyperlane/config.ts';
import { dispatchSettlement, nextSettlementId } from '../hyperlane/outbox.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import type { AllowanceRecord, MsgRequestAllowance } from './codec.ts';
import { MsgRequestAllowanceResponseCodec } from './codec.ts';
import type { MarginConfig } from './config.ts';
import { allowanceUsageMicro, type Evaluation, evaluateAccountNow, marginStaleness } from './evaluate.ts';
import { allowanceSeqKey } from './keys.ts';
import {
  allowancesOf,
  getAllowance,
  getDomainStatus,
  getOpenInterest,
  isHalted,
  setAllowance,
} from './records.ts';
import { cacheFor, requireMargin } from './withdraw.ts';

const ONE = 10n ** 18n;

function nextSequence(state: StateView, domain: number, owner: Uint8Array): bigint {
  const k = allowanceSeqKey(domain, owner);
  const v = state.get(k);
  const next = (v === undefined ? 0n : new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0)) + 1n;
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, next);
  state.set(k, b);
  return next;
}

/** Sets an allowance record and dispatches its ALLOWANCE to the domain's adapter. */
export function sendAllowance(
  state: StateView,
  ctx: { height: bigint; timeMs: bigint; bridge: BridgeRuntime; config: MarginConfig },
  account: Uint8Array,
  domain: number,
  owner: Uint8Array,
  amountMicro: bigint,
): { record: AllowanceRecord; event: Event } {
  const origin = ctx.bridge.origins.get(domain)!;
  const sequence = nextSequence(state, domain, owner);
  const sid = nextSettlementId(state);
  const expirySec = ctx.timeMs / 1000n + BigInt(ctx.config.allowance.ttlSec);
  const d = dispatchSettlement(state, ctx.height, {
    destination: domain,
    recipient: origin.adapter,
    payload: {
      kind: 'ALLOWANCE',
      settlementId: bytesToHex(sid),
      owner: bytesToHex(owner),
      amountUsdMicro: amountMicro,
      sequence,
      expirySec,
    },
  });
  const record: AllowanceRecord = {
    account,
    domain,
    owner,
    amountMicro: amountMicro.toString(),
    sequence,
    expirySec,
    settlementId: sid,
    height: ctx.height,
  };
  setAllowance(state, record);
  return { record, event: d.event };
}

/** Every check of MsgRequestAllowance; returns the evaluation. Never writes. */
export function checkRequestAllowance(
  state: StateReader,
  msg: MsgRequestAllowance,
  ctx: MsgContext,
): { config: MarginConfig; bridge: BridgeRuntime; account: Uint8Array; amount: bigint } {
  const { config, bridge } = requireMargin(state);
  const account = parseBech32(msg.sender);
  if (account === undefined)
    throw new ChainError('MARGIN_UNKNOWN_ACCOUNT', `sender ${msg.sender} is not a umg address`);
  if (!/^(0|[1-9][0-9]{0,30})$/.test(msg.amountMicro))
    throw new ChainError(
      'MARGIN_AMOUNT_INVALID',
      `amount_micro ${JSON.stringify(msg.amountMicro)} is not a decimal integer`,
      {
        field: 'amountMicro',
      },
    );
  const amount = BigInt(msg.amountMicro);
  if (!bridge.origins.has(msg.domain))
    throw new ChainError('MARGIN_UNKNOWN_DOMAIN', `domain ${msg.domain} is not a configured origin`, {
      field: 'domain',
    });
  const linked = msg.owner.length === 20 ? getEvmLink(state, msg.owner) : undefined;
  if (linked === undefined || !bytesEqual(linked, account))
    throw new ChainError(
      'MARGIN_NOT_LINKED',
      `owner ${bytesToHex(msg.owner)} is not linked to ${msg.sender}`,
      {
        field: 'owner',
      },
    );
  const cur = getAllowance(state, account, msg.domain, msg.owner);
  const curAmount = cur === undefined ? 0n : BigInt(cur.amountMicro);
  // Shrinking is always allowed (it only lowers risk); growing needs fresh prices, a live domain and free margin.
  if (amount > curAmount) {
    if (isHalted(getDomainStatus(state, msg.domain)))
      throw new ChainError('MARGIN_DOMAIN_HALTED', `domain ${msg.domain} is halted: no new allowance there`);
    if (marginStaleness(state, config, ctx.timeMs).withdrawals)
      throw new ChainError('MARGIN_PRICES_STALE', 'oracle prices are stale (or absent): no new allowance');
    const cache = cacheFor(state, ctx, config, bridge);
    const ev = evaluateAccountNow(state, cache, config, bridge, ctx.timeMs, account);
    if (!ev.ok)
      throw new ChainError(
        'MARGIN_UNKNOWN',
        ev.failure.reason === 'no_snapshot'
          ? 'margin unknown: no oracle snapshot yet'
          : ev.failure.error.message,
      );
    const v = ev.value;
    // Caps (params): positions per account, open interest per instrument of that domain.
    const open = v.view.positions.filter((p) => p.latestSizeE18 !== 0n && !p.expired).length;
    if (open >= config.maxPositionsPerAccount)
      throw new ChainError(
        'MARGIN_CAP_REACHED',
        `the account holds ${open} positions, the cap is ${config.maxPositionsPerAccount}: no new allowance`,
        { field: 'maxPositionsPerAccount' },
      );
    for (const l of config.instruments) {
      if (l.domain !== msg.domain || l.maxOpenInterestE18 === 0n) continue;
      const oi = getOpenInterest(
        state,
        l.domain,
        hexToBytes(l.instrumentId as `0x${string}`, 'instrumentId', 32),
      );
      if (oi >= l.maxOpenInterestE18)
        throw new ChainError(
          'MARGIN_CAP_REACHED',
          `open interest of ${l.instrument.id} on ${l.domain} is ${oi}, at its cap ${l.maxOpenInterestE18}: no new allowance there`,
          { field: 'maxOpenInterestE18' },
        );
    }
    const usage = allowanceUsageMicro(state, v.view, msg.domain, msg.owner);
    const curUnused = curAmount > usage ? curAmount - usage : 0n;
    const newUnused = amount > usage ? amount - usage : 0n;
    const imAfter = v.imEff - curUnused + newUnused;
    const free = v.summary.equity - v.summary.im;
    const maxReserved = free > 0n ? (free * config.allowance.maxFractionE18) / ONE : 0n;
    if (imAfter > v.summary.equity || v.reservedMicro - curUnused + newUnused > maxReserved)
      throw new ChainError(
        'MARGIN_IM_UNMET',
        `reserving ${amount} µUSD on domain ${msg.domain} would put reserved allowance above ${maxReserved} µUSD (${(config.allowance.maxFractionE18 * 100n) / ONE}% of free margin ${free} µUSD) or effective IM ${imAfter} above equity ${v.summary.equity}`,
        { equity: v.summary.equity.toString(), im: imAfter.toString() },
      );
  }
  return { config, bridge, account, amount };
}

/** MsgRequestAllowance: reserve and send. */
export function applyRequestAllowance(
  state: StateView,
  msg: MsgRequestAllowance,
  ctx: MsgContext,
): MsgResult {
  const { config, bridge, account, amount } = checkRequestAllowance(state, msg, ctx);
  const { record, event } = sendAllowance(
    state,
    { height: ctx.height, timeMs: ctx.timeMs, bridge, config },
    account,
    msg.domain,
    msg.owner,
    amount,
  );
  return {
    events: [event, allowanceEvent(record, 'requested')],
    response: MsgRequestAllowanceResponseCodec.toBytes({
      settlementId: record.settlementId,
      sequence: record.sequence,
    }),
  };
}

function allowanceEvent(r: AllowanceRecord, why: string): Event {
  return {
    type: 'margin.allowance',
    attributes: [
      { key: 'domain', value: String(r.domain) },
      { key: 'owner', value: toChecksumAddress(r.owner) },
      { key: 'amount_micro', value: r.amountMicro },
      { key: 'sequence', value: r.sequence.toString() },
      { key: 'expiry_sec', value: r.expirySec.toString() },
      { key: 'reason', value: why },
    ],
  };
}

/**
 * End-block: when an account's effective IM exceeds its equity, shrink its live reservations
 * (largest unused first, never below what positions use) until it does not, and re-send them.
 */
export function shrinkAllowances(
  state: StateView,
  ctx: { height: bigint; timeMs: bigint; bridge: BridgeRuntime; config: MarginConfig },
  ev: Evaluation,
): Event[] {
  let excess = ev.imEff - ev.summary.equity;
  if (excess <= 0n || ev.reservedMicro === 0n) return [];
  const events: Event[] = [];
  const live = allowancesOf(state, ev.view.account)
    .filter((a) => a.expirySec * 1000n > ctx.timeMs)
    .map((a) => ({ a, usage: allowanceUsageMicro(state, ev.view, a.domain, a.owner) }))
    .map((x) => ({ ...x, unused: BigInt(x.a.amountMicro) - x.usage }))
    .filter((x) => x.unused > 0n)
    .sort((x, y) => (x.unused > y.unused ? -1 : x.unused < y.unused ? 1 : x.a.domain - y.a.domain));
  for (const x of live) {
    if (excess <= 0n) break;
    const cut = minBig(x.unused, excess);
    excess -= cut;
    const { record, event } = sendAllowance(
      state,
      ctx,
      x.a.account,
      x.a.domain,
      x.a.owner,
      BigInt(x.a.amountMicro) - cut,
    );
    events.push(event, allowanceEvent(record, 'shrunk'));
  }
  return events;
}

function minBig(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}
