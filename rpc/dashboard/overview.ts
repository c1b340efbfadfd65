/**
 * The dashboard's overview: one JSON document built from the latest committed state — accounts
 * with collateral by domain, token and stage, deposits held for unlinked EVM addresses, totals per
 * (domain, token, stage), the origins, recent inbound messages with their stage, the outbox with
 * each settlement's status, oracle prices and recent liquidations. Read-only; the shape is
 * documented in `rpc/dashboard/README.md` ("overview").
 */

import type { StateReader } from './deps.ts';
import {
  ACK_STATUS,
  allPrices,
  bech32FromBytes,
  decodeAmount,
  decodeAppPayload,
  decodeMessage,
  getAccount,
  getFeeBalance,
  getOriginState,
  getSettlement,
  HL,
  HOLDER,
  InboundMessageCodec,
  linkedEvmAddresses,
  messageIdBytes,
  outboxCount,
  outboxMessage,
  PAYLOAD_KIND,
  PREFIX,
  RESULT,
  readBridge,
  readParams,
  SETTLEMENT_STATUS,
  STAGE,
  toChecksumAddress,
  toHex,
} from './deps.ts';

/** Most inbound messages and outbox entries listed (the newest). */
export const OVERVIEW_LIMITS = { inbound: 200, outbound: 100 } as const;

const hex = (b: Uint8Array) => `0x${toHex(b)}`;
function nameOf(table: Record<string, number>, n: number): string {
  for (const [k, v] of Object.entries(table)) if (v === n) return k.toLowerCase();
  return n === 0 ? 'none' : `unknown(${n})`;
}

/** One collateral balance row. */
export interface CollateralRow {
  domain: number;
  token: string;
  symbol: string;
  stage: string;
  /** Signed atomic units, decimal string. */
  amount: string;
}

/** The overview document (see README "overview"). */
export interface Overview {
  height: string;
  chain_id: string;
  fee_denom: string;
  origins: {
    domain: number;
    name: string;
    delivered: number;
    finalized: number;
    final_index: number | null;
    reorg_severity: number;
    tokens: { token: string; symbol: string; decimals: number }[];
  }[];
  accounts: {
    address: string;
    account_number: string;
    evm_addresses: string[];
    fee_balance: string;
    collateral: CollateralRow[];
  }[];
  holds: { evm_address: string; collateral: CollateralRow[] }[];
  /** The insurance fund's balances (penalties, seized collateral), per domain, token and stage. */
  insurance: CollateralRow[];
  collateral_totals: CollateralRow[];
  inbound: {
    message_id: string;
    origin: number;
    nonce: number;
    kind: string;
    stage: string;
    tier: string;
    result: string;
    delivered_height: string;
    delivered_time_ms: string;
    finalized_height: string | null;
    amount: string | null;
    token: string | null;
    holder: string | null;
  }[];
  outbound: {
    nonce: number;
    message_id: string;
    destination: number;
    kind: string | null;
    settlement_id: string | null;
    status: string | null;
    ack_status: string | null;
    ack_stage: string | null;
  }[];
  oracle: { feed: string; value: string; confidence: string; timestamp_ms: string; height: string }[];
  /** The newest liquidation records (from `OverviewExtras.liquidations`; the hub's route passes them). */
  liquidations: { height: string; account: string; detail: string }[];
}

/** Parses a ledger key: prefix ‖ tag ‖ holder 20 ‖ domain u32 ‖ token 20 ‖ stage (47 bytes). */
function parseLedgerKey(k: Uint8Array) {
  if (k.length !== 47) return undefined;
  const dv = new DataView(k.buffer, k.byteOffset, k.byteLength);
  return {
    tag: k[1]!,
    holder: k.subarray(2, 22),
    domain: dv.getUint32(22),
    token: k.subarray(26, 46),
    stage: k[46]!,
  };
}

/** Optional extra sources (the liquidation records, read by rpc/marginRoutes.ts). */
export interface OverviewExtras {
  readonly liquidations?: () => Overview['liquidations'];
}

/** Builds the overview from a committed-state view at `height`. */
export function buildOverview(
  state: StateReader,
  height: bigint,
  chainId: string,
  extras: OverviewExtras = {},
): Overview {
  const bridge = readBridge(state);
  const symbols = new Map<string, string>();
  const origins: Overview['origins'] = [];
  if (bridge !== undefined) {
    for (const o of bridge.origins.values()) {
      for (const t of o.tokens.values()) symbols.set(`${o.domain}/${toHex(t.token)}`, t.symbol);
      const st = getOriginState(state, o.domain);
      origins.push({
        domain: o.domain,
        name: o.name,
        delivered: Number(st.delivered),
        finalized: Number(st.finalized),
        final_index: st.hasFinalCheckpoint ? st.finalIndex : null,
        reorg_severity: st.reorgSeverity,
        tokens: [...o.tokens.values()].map((t) => ({
          token: toChecksumAddress(t.token),
          symbol: t.symbol,
          decimals: t.decimals,
        })),
      });
    }
  }
  const row = (domain: number, token: Uint8Array, stage: number, amount: bigint): CollateralRow => ({
    domain,
    token: toChecksumAddress(token),
    symbol: symbols.get(`${domain}/${toHex(token)}`) ?? '?',
    stage: nameOf(STAGE, stage),
    amount: amount.toString(),
  });

  const byAccount = new Map<string, CollateralRow[]>();
  const byHold = new Map<string, CollateralRow[]>();
  const insurance: CollateralRow[] = [];
  const totals = new Map<string, { domain: number; token: Uint8Array; stage: number; amount: bigint }>();
  for (const [k, v] of state.entries(Uint8Array.of(PREFIX.ledger))) {
    const p = parseLedgerKey(k);
    if (p === undefined) continue;
    const amount = decodeAmount(v);
    const r = row(p.domain, p.token, p.stage, amount);
    if (p.tag === HOLDER.INSURANCE) insurance.push(r);
    else {
      const who = p.tag === HOLDER.ACCOUNT ? bech32FromBytes(p.holder) : toChecksumAddress(p.holder);
      const map = p.tag === HOLDER.ACCOUNT ? byAccount : byHold;
      map.set(who, [...(map.get(who) ?? []), r]);
    }
    const tk = `${p.domain}/${toHex(p.token)}/${p.stage}`;
    const t = totals.get(tk) ?? { domain: p.domain, token: p.token, stage: p.stage, amount: 0n };
    t.amount += amount;
    totals.set(tk, t);
  }

  const accounts: Overview['accounts'] = [];
  for (const [k] of state.entries(Uint8Array.of(PREFIX.account))) {
    if (k.length !== 21) continue;
    const addr = k.subarray(1);
    const a = getAccount(state, addr);
    if (a === undefined) continue;
    const address = bech32FromBytes(addr);
    accounts.push({
      address,
      account_number: a.accountNumber.toString(),
      evm_addresses: linkedEvmAddresses(state, addr).map(toChecksumAddress),
      fee_balance: getFeeBalance(state, addr).toString(),
      collateral: byAccount.get(address) ?? [],
    });
  }
  accounts.sort((x, y) => Number(BigInt(x.account_number) - BigInt(y.account_number)));

  const inbound: Overview['inbound'] = [];
  for (const [, v] of state.entries(Uint8Array.of(PREFIX.hyperlane, HL.inbound))) {
    const r = InboundMessageCodec.decode(v);
    const holder =
      r.holder.length === 21
        ? r.holder[0] === HOLDER.ACCOUNT
          ? bech32FromBytes(r.holder.subarray(1))
          : toChecksumAddress(r.holder.subarray(1))
        : null;
    inbound.push({
      message_id: hex(r.messageId),
      origin: r.origin,
      nonce: r.nonce,
      kind: nameOf(PAYLOAD_KIND, r.kind),
      stage: nameOf(STAGE, r.stage),
      tier: r.tier === 2 ? 'final' : 'fast',
      result: nameOf(RESULT, r.result),
      delivered_height: r.deliveredHeight.toString(),
      delivered_time_ms: r.deliveredTimeMs.toString(),
      finalized_height: r.finalizedHeight === 0n ? null : r.finalizedHeight.toString(),
      amount: r.amount === '' ? null : r.amount,
      token: r.token.length === 20 ? toChecksumAddress(r.token) : null,
      holder,
    });
  }
  // Newest first: by delivery height, then origin and nonce descending.
  inbound.sort(
    (a, b) =>
      Number(BigInt(b.delivered_height) - BigInt(a.delivered_height)) ||
      b.origin - a.origin ||
      b.nonce - a.nonce,
  );
  inbound.length = Math.min(inbound.length, OVERVIEW_LIMITS.inbound);

  const outbound: Overview['outbound'] = [];
  const count = outboxCount(state);
  for (let n = count - 1; n >= Math.max(0, count - OVERVIEW_LIMITS.outbound); n--) {
    const message = outboxMessage(state, n);
    if (message === undefined) continue;
    const m = decodeMessage(message);
    let kind: string | null = null;
    let settlementId: string | null = null;
    try {
      const p = decodeAppPayload(m.body, { direction: 'outbound' });
      kind = p.kind.toLowerCase();
      settlementId = 'settlementId' in p ? p.settlementId : null;
    } catch {
      // not an app payload: shown without kind
    }
    const s =
      settlementId === null ? undefined : getSettlement(state, Buffer.from(settlementId.slice(2), 'hex'));
    outbound.push({
      nonce: n,
      message_id: hex(messageIdBytes(message)),
      destination: m.destination,
      kind,
      settlement_id: settlementId,
      status: s === undefined ? null : nameOf(SETTLEMENT_STATUS, s.status),
      ack_status: s === undefined ? null : nameOf(ACK_STATUS, s.ackStatus),
      ack_stage: s === undefined ? null : nameOf(STAGE, s.ackStage),
    });
  }

  return {
    height: height.toString(),
    chain_id: chainId,
    fee_denom: readParams(state).feeDenom,
    origins,
    accounts,
    holds: [...byHold.entries()].map(([evm_address, collateral]) => ({ evm_address, collateral })),
    insurance,
    collateral_totals: [...totals.values()].map((t) => row(t.domain, t.token, t.stage, t.amount)),
    inbound,
    outbound,
    oracle: allPrices(state).map(([feed, p]) => ({
      feed,
      value: p.value,
      confidence: p.confidence,
      timestamp_ms: p.timestampMs.toString(),
      height: p.height.toString(),
    })),
    liquidations: extras.liquidations?.() ?? [],
  };
}
