/**
 * Unified margin's risk paths through the STF: hedge relief only once final; allowances (request,
 * refusal beyond free margin, the ALLOWANCE message on the outbox, shrink when margin falls);
 * end-block liquidation of a crashed account (CLOSE_POSITION to the adapter with a price limit
 * inside the band, the penalty in the insurance fund) and a keeper's MsgLiquidate sharing it;
 * reorg evidence effects (FAST reverts and trips the breaker, SIGNER only trips it); a stalled
 * final tier halts its domain (no withdrawals there) and resumes it; a stuck withdrawal cancelled
 * is restored only by the final ACK(cancelled).
 */
import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci';
import { describe, expect, it } from 'vitest';
import { bytesToHex, decodeAppPayload, decodeMessage, hexToBytes } from '../../../bridge/index.ts';
import { BRIDGE_TYPE_URL, MsgSubmitReorgEvidenceCodec } from '../../../chain/hyperlane/codec.ts';
import { outboxCount, outboxMessage } from '../../../chain/hyperlane/outbox.ts';
import { ERROR_TABLE, parseBech32 } from '../../../chain/index.ts';
import { accountHolder, getBalance, insuranceHolder, STAGE } from '../../../chain/ledger/index.ts';
import {
  LiquidationRecordCodec,
  MARGIN_TYPE_URL,
  MsgCancelSettlementCodec,
  MsgLiquidateCodec,
  MsgRequestAllowanceCodec,
  MsgWithdrawCodec,
  MsgWithdrawResponseCodec,
} from '../../../chain/margin/codec.ts';
import { conservation } from '../../../chain/margin/flows.ts';
import { liquidationPrefix } from '../../../chain/margin/keys.ts';
import { getDomainStatus, getWithdrawal } from '../../../chain/margin/records.ts';
import { FAST_KEYS, simA } from '../hyperlane/fixtures.ts';
import {
  accountOf,
  any,
  E18,
  evmOf,
  MarginWorld,
  ORIGIN_A,
  ORIGIN_B,
  PERP_ID,
  USDC_A,
  USDC_B,
} from './world.ts';

const USER = 0;
const KEEPER = 5;
const usdc = (n: bigint) => n * 1_000_000n;
const code = (name: string) => {
  for (const cs of Object.values(ERROR_TABLE)) if (name in cs) return (cs as Record<string, number>)[name];
  throw new Error(name);
};
const userHex = () => bytesToHex(parseBech32(accountOf(USER))!).slice(2);
const prices = (eth: bigint) => ({ 'ETH/USD': eth * E18, 'BTC/USD': 60000n * E18, 'USDC/USD': E18 });
const deposit = (token: string, amount: bigint, nonce: bigint) => ({
  kind: 'DEPOSIT' as const,
  depositor: evmOf(USER),
  token: token as `0x${string}`,
  amount,
  depositNonce: nonce,
});
const perp = (size: bigint, side: 'LONG' | 'SHORT' | 'FLAT', entry: bigint, sequence: bigint, pnl = 0n) => ({
  kind: 'POSITION' as const,
  owner: evmOf(USER),
  instrumentId: PERP_ID,
  size,
  side,
  entryPrice: entry,
  fundingIndex: 0n,
  realisedPnl: pnl,
  sequence,
});
const margin = (w: MarginWorld) => {
  const c = w.cache.get(userHex())!;
  if (!c.margin.ok) throw new Error(`margin unknown: ${c.margin.error.message}`);
  return c.margin.summary;
};
/** Outbound payloads dispatched since `from`. */
function outbound(w: MarginWorld, from: number) {
  const out = [];
  for (let n = from; n < outboxCount(w.view); n++) {
    const m = decodeMessage(outboxMessage(w.view, n)!);
    out.push({ destination: m.destination, payload: decodeAppPayload(m.body) });
  }
  return out;
}
const balanced = (w: MarginWorld) => {
  for (const l of conservation(w.view)) expect(l.imbalance).toBe(0n);
};

describe('hedges across chains', () => {
  it('count a provisional hedge leg only as risk; relief once final', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(50_000n), 1n), 'final');
    const longA = w.deliver(w.a, perp(10n * E18, 'LONG', usdc(3000n), 1n), 'final');
    w.block([[9, [await w.oracle(prices(3000n)), dep.msg, longA.msg]]]);
    const unhedged = margin(w);
    const shortB = w.deliver(w.b, perp(10n * E18, 'SHORT', usdc(3000n), 1n), 'fast');
    w.block([[9, [shortB.msg]]]);
    const provisional = margin(w);
    // Risk counts early, relief late: the provisional short leg cannot lower the requirement.
    expect(provisional.mm).toBeGreaterThanOrEqual(unhedged.mm);
    expect(provisional.binding).toBe('final');
    w.block([[9, [w.confirm(w.b, [shortB.d])]]]);
    const hedged = margin(w);
    // Long 10 + short 10 of one perp: no spot risk left, only the static perp contingency.
    expect(hedged.mm).toBeLessThan(unhedged.mm / 2n);
    balanced(w);
  });
});

describe('allowances', () => {
  it('reserve free margin, send ALLOWANCE to the adapter, refuse beyond the cap, shrink when margin falls', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(10_000n), 1n), 'final');
    w.block([[9, [await w.oracle(prices(3000n)), dep.msg]]]);
    const req = (amount: bigint) =>
      any(
        MARGIN_TYPE_URL.MsgRequestAllowance,
        MsgRequestAllowanceCodec.toBytes({
          sender: accountOf(USER),
          domain: ORIGIN_A,
          owner: hexToBytes(evmOf(USER)),
          amountMicro: amount.toString(),
        }),
      );
    // Free margin is 10,000 USDC; at most 80 % may be reserved.
    let [r] = w.block([[USER, [req(usdc(8_001n))]]]);
    expect(r!.code, r!.log).toBe(code('MARGIN_IM_UNMET'));
    const before = outboxCount(w.view);
    [r] = w.block([[USER, [req(usdc(5_000n))]]]);
    expect(r!.code, r!.log).toBe(0);
    const sent = outbound(w, before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.destination).toBe(ORIGIN_A);
    const p = sent[0]!.payload;
    expect(p.kind).toBe('ALLOWANCE');
    if (p.kind !== 'ALLOWANCE') throw new Error();
    expect(p.owner.toLowerCase()).toBe(evmOf(USER));
    expect(p.amountUsdMicro).toBe(usdc(5_000n));
    expect(p.sequence).toBe(1n);
    // Not linked: refused with its code.
    const notLinked = any(
      MARGIN_TYPE_URL.MsgRequestAllowance,
      MsgRequestAllowanceCodec.toBytes({
        sender: accountOf(USER),
        domain: ORIGIN_A,
        owner: hexToBytes(evmOf(3)),
        amountMicro: '1',
      }),
    );
    [r] = w.block([[USER, [notLinked]]]);
    expect(r!.code).toBe(code('MARGIN_NOT_LINKED'));
    // The reserved amount counts as IM: a withdrawal of 6,000 now fails (5,000 reserved of 10,000).
    const wd = any(
      MARGIN_TYPE_URL.MsgWithdraw,
      MsgWithdrawCodec.toBytes({
        sender: accountOf(USER),
        domain: ORIGIN_A,
        token: hexToBytes(USDC_A),
        amount: usdc(6_000n).toString(),
        recipient: hexToBytes(evmOf(USER)),
      }),
    );
    [r] = w.block([[USER, [wd]]]);
    expect(r!.code, r!.log).toBe(code('MARGIN_IM_UNMET'));
    // A loss on B makes effective IM exceed equity: the end-block shrinks the allowance and re-sends it.
    const open = w.deliver(w.b, perp(1n * E18, 'LONG', usdc(3000n), 1n), 'final');
    w.block([[9, [open.msg]]]);
    const mark = outboxCount(w.view);
    const loss = w.deliver(w.b, perp(0n, 'FLAT', 0n, 2n, -usdc(8_000n)), 'final');
    w.block([[9, [loss.msg]]]);
    const resent = outbound(w, mark).filter((x) => x.payload.kind === 'ALLOWANCE');
    expect(resent.length).toBe(1);
    const q = resent[0]!.payload;
    if (q.kind !== 'ALLOWANCE') throw new Error();
    expect(q.sequence).toBe(2n);
    expect(q.amountUsdMicro).toBeLessThan(usdc(5_000n));
    balanced(w);
  });
});

describe('liquidation', () => {
  async function crashed(w: MarginWorld) {
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(10_000n), 1n), 'final');
    const open = w.deliver(w.b, perp(10n * E18, 'LONG', usdc(3000n), 1n), 'final');
    w.block([[9, [await w.oracle(prices(3000n)), dep.msg, open.msg]]]);
    expect(margin(w).equity).toBeGreaterThan(margin(w).mm);
  }

  it('closes the position with CLOSE_POSITION inside the price band and pays the penalty to the fund', async () => {
    const w = await MarginWorld.create();
    await crashed(w);
    const mark = outboxCount(w.view);
    // ETH −25 %: loss 7,500 of 10,000 equity.
    w.block([[9, [await w.oracle(prices(2250n), 3)]]]);
    const liq = w.lastEndEvents.find((e) => e.type === 'margin.liquidation');
    expect(liq, JSON.stringify(w.lastEndEvents.map((e) => e.type))).toBeDefined();
    const closes = outbound(w, mark).filter((x) => x.payload.kind === 'CLOSE_POSITION');
    expect(closes.length).toBe(1);
    const c = closes[0]!.payload;
    if (c.kind !== 'CLOSE_POSITION') throw new Error();
    expect(closes[0]!.destination).toBe(ORIGIN_B);
    expect(c.owner.toLowerCase()).toBe(evmOf(USER));
    expect(c.size).toBeGreaterThan(0n);
    expect(c.size).toBeLessThanOrEqual(10n * E18);
    // Closing a long sells: limit = floor(2250 × (1 − 5 %)) in USDC atomic units.
    expect(c.priceLimit).toBe((2250n * 95n * 1_000_000n) / 100n);
    // Penalty in the fund = the record's penalty, ≤ 2 % of the closed notional.
    const [, v] = [...w.view.entries(liquidationPrefix())][0]!;
    const rec = LiquidationRecordCodec.decode(v);
    const penalty = BigInt(rec.penaltyMicro);
    expect(penalty).toBeGreaterThan(0n);
    expect(penalty).toBeLessThanOrEqual((BigInt(rec.closedNotionalMicro) * 2n) / 100n);
    expect(getBalance(w.view, insuranceHolder(), ORIGIN_B, hexToBytes(USDC_B), STAGE.FINAL)).toBe(penalty);
    balanced(w);
    // While the close is in flight the account is not liquidated again.
    const again = outboxCount(w.view);
    w.block([[9, [await w.oracle(prices(2240n), 3)]]]);
    expect(outbound(w, again).filter((x) => x.payload.kind === 'CLOSE_POSITION')).toHaveLength(0);
  });

  it('a keeper MsgLiquidate shares the penalty; refused for a healthy account', async () => {
    const w = await MarginWorld.create((c) => ({ ...c, liquidation: { ...c.liquidation, maxPerBlock: 1 } }));
    const OTHER = 1;
    const as = (who: number, p: ReturnType<typeof perp> | ReturnType<typeof deposit>) =>
      p.kind === 'DEPOSIT' ? { ...p, depositor: evmOf(who) } : { ...p, owner: evmOf(who) };
    const d1 = w.deliver(w.a, deposit(USDC_A, usdc(10_000n), 1n), 'final');
    const o1 = w.deliver(w.b, perp(10n * E18, 'LONG', usdc(3000n), 1n), 'final');
    // The other account is a little better capitalised: a smaller shortfall after the crash.
    const d2 = w.deliver(w.a, as(OTHER, deposit(USDC_A, usdc(10_500n), 2n)), 'final');
    const o2 = w.deliver(w.b, as(OTHER, perp(10n * E18, 'LONG', usdc(3000n), 1n)), 'final');
    w.block([[9, [await w.oracle(prices(3000n)), d1.msg, o1.msg, d2.msg, o2.msg]]]);
    const liquidate = (who: number) =>
      any(
        MARGIN_TYPE_URL.MsgLiquidate,
        MsgLiquidateCodec.toBytes({ keeper: accountOf(KEEPER), account: accountOf(who) }),
      );
    let [r] = w.block([[KEEPER, [liquidate(USER)]]]);
    expect(r!.code).toBe(code('MARGIN_NOT_LIQUIDATABLE'));
    // Crash: the end-block liquidates one account (the larger shortfall: USER), the cap is 1.
    w.block([[9, [await w.oracle(prices(2250n), 3)]]]);
    const auto = w.lastEndEvents.filter((e) => e.type === 'margin.liquidation');
    expect(auto).toHaveLength(1);
    expect(auto[0]!.attributes.find((a) => a.key === 'account')!.value).toBe(accountOf(USER));
    const fundBefore = getBalance(w.view, insuranceHolder(), ORIGIN_B, hexToBytes(USDC_B), STAGE.FINAL);
    // The keeper takes the other one and earns half the penalty (keeperShare 0.5, rounded down).
    [r] = w.block([[KEEPER, [liquidate(OTHER)]]]);
    expect(r!.code, r!.log).toBe(0);
    const recs = [...w.view.entries(liquidationPrefix())].map(([, v]) => LiquidationRecordCodec.decode(v));
    const kept = recs.find((x) => x.keeper === accountOf(KEEPER))!;
    const penalty = BigInt(kept.penaltyMicro);
    expect(penalty).toBeGreaterThan(0n);
    expect(BigInt(kept.keeperShareMicro)).toBe(penalty / 2n);
    const keeperBal = getBalance(
      w.view,
      accountHolder(parseBech32(accountOf(KEEPER))!),
      ORIGIN_B,
      hexToBytes(USDC_B),
      STAGE.FINAL,
    );
    expect(keeperBal).toBe(penalty / 2n);
    const fundAfter = getBalance(w.view, insuranceHolder(), ORIGIN_B, hexToBytes(USDC_B), STAGE.FINAL);
    expect(fundAfter - fundBefore).toBe(penalty - penalty / 2n);
    balanced(w);
  });
});

describe('finality effects', () => {
  it('threshold reorg evidence reverts provisional items at/after the index and trips the breaker', async () => {
    const w = await MarginWorld.create();
    // Fork of origin A: our world's A dispatches deposit 1 (leaf 0) and deposit 2 (leaf 1), fast tier.
    const d0 = w.deliver(w.a, deposit(USDC_A, usdc(100n), 1n), 'fast');
    const d1 = w.deliver(w.a, deposit(USDC_A, usdc(200n), 2n), 'fast');
    w.block([[9, [await w.oracle(prices(3000n)), d0.msg, d1.msg]]]);
    expect(
      getBalance(
        w.view,
        accountHolder(parseBech32(accountOf(USER))!),
        ORIGIN_A,
        hexToBytes(USDC_A),
        STAGE.PROVISIONAL,
      ),
    ).toBe(usdc(300n));
    // The other fork: same leaf 0, a different leaf 1, signed by the fast threshold.
    const y = simA();
    y.dispatch(deposit(USDC_A, usdc(100n), 1n));
    y.dispatch(deposit(USDC_A, usdc(999n), 2n));
    const cx = w.a.checkpoint(1, FAST_KEYS.slice(0, 2));
    const cy = y.checkpoint(1, FAST_KEYS.slice(0, 2));
    const ev = any(
      BRIDGE_TYPE_URL.MsgSubmitReorgEvidence,
      MsgSubmitReorgEvidenceCodec.toBytes({
        submitter: accountOf(9),
        origin: ORIGIN_A,
        index: 1,
        first: { root: cx.root, messageId: cx.messageId, signatures: cx.signatures },
        second: { root: cy.root, messageId: cy.messageId, signatures: cy.signatures },
      }),
    );
    const [r] = w.block([[9, [ev]]]);
    expect(r!.code, r!.log).toBe(0);
    // Leaf 1 (200) reverted, leaf 0 (100) kept; the breaker is tripped.
    expect(
      getBalance(
        w.view,
        accountHolder(parseBech32(accountOf(USER))!),
        ORIGIN_A,
        hexToBytes(USDC_A),
        STAGE.PROVISIONAL,
      ),
    ).toBe(usdc(100n));
    expect(getDomainStatus(w.view, ORIGIN_A).breakerUntilMs).toBeGreaterThan(w.timeMs);
    expect(getDomainStatus(w.view, ORIGIN_A).haltedByEvidence).toBe(false);
    balanced(w);
  });

  it('a stalled final tier halts the domain (no withdrawal there) and it resumes when final catches up', async () => {
    const w = await MarginWorld.create();
    const fin = w.deliver(w.a, deposit(USDC_A, usdc(1_000n), 1n), 'final');
    const prov = w.deliver(w.a, deposit(USDC_A, usdc(50n), 2n), 'fast');
    w.block([[9, [await w.oracle(prices(3000n)), fin.msg, prov.msg]]]);
    w.block([[9, [await w.oracle(prices(3000n))]]], { advanceMs: 61_000n });
    expect(getDomainStatus(w.view, ORIGIN_A).haltedByStall).toBe(true);
    const wd = any(
      MARGIN_TYPE_URL.MsgWithdraw,
      MsgWithdrawCodec.toBytes({
        sender: accountOf(USER),
        domain: ORIGIN_A,
        token: hexToBytes(USDC_A),
        amount: usdc(10n).toString(),
        recipient: hexToBytes(evmOf(USER)),
      }),
    );
    let [r] = w.block([[USER, [wd]]]);
    expect(r!.code, r!.log).toBe(code('MARGIN_DOMAIN_HALTED'));
    w.block([[9, [w.confirm(w.a, [prov.d]), await w.oracle(prices(3000n))]]]);
    expect(getDomainStatus(w.view, ORIGIN_A).haltedByStall).toBe(false);
    [r] = w.block([[USER, [wd]]]);
    expect(r!.code, r!.log).toBe(0);
  });

  it('a cancelled withdrawal is restored only by the final ACK(cancelled)', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(1_000n), 1n), 'final');
    w.block([[9, [await w.oracle(prices(3000n)), dep.msg]]]);
    const wd = any(
      MARGIN_TYPE_URL.MsgWithdraw,
      MsgWithdrawCodec.toBytes({
        sender: accountOf(USER),
        domain: ORIGIN_A,
        token: hexToBytes(USDC_A),
        amount: usdc(400n).toString(),
        recipient: hexToBytes(evmOf(USER)),
      }),
    );
    let [r] = w.block([[USER, [wd]]]);
    const sid = MsgWithdrawResponseCodec.decode(
      TxMsgData.decode(r!.data).msgResponses[0]!.value,
    ).settlementId;
    const cancel = (sender: string) =>
      any(
        MARGIN_TYPE_URL.MsgCancelSettlement,
        MsgCancelSettlementCodec.toBytes({ sender, settlementId: sid }),
      );
    [r] = w.block([[3, [cancel(accountOf(3))]]]);
    expect(r!.code).toBe(code('MARGIN_UNAUTHORIZED'));
    const mark = outboxCount(w.view);
    [r] = w.block([[USER, [cancel(accountOf(USER))]]]);
    expect(r!.code, r!.log).toBe(0);
    const sent = outbound(w, mark);
    expect(sent.map((s) => s.payload.kind)).toEqual(['CANCEL']);
    [r] = w.block([[USER, [cancel(accountOf(USER))]]]);
    expect(r!.code).toBe(code('MARGIN_NOT_CANCELLABLE'));
    const bal = () =>
      getBalance(
        w.view,
        accountHolder(parseBech32(accountOf(USER))!),
        ORIGIN_A,
        hexToBytes(USDC_A),
        STAGE.FINAL,
      );
    expect(bal()).toBe(usdc(600n));
    const ack = w.deliver(
      w.a,
      { kind: 'ACK', settlementId: bytesToHex(sid), status: 'CANCELLED', detail: '0x' },
      'fast',
    );
    w.block([[9, [ack.msg]]]);
    expect(bal()).toBe(usdc(600n));
    w.block([[9, [w.confirm(w.a, [ack.d])]]]);
    expect(bal()).toBe(usdc(1_000n));
    expect(getWithdrawal(w.view, sid)!.status).toBe(3);
    balanced(w);
  });
});
