/**
 * Scenario (c) of issue 5 on anvil chains with the real Hyperlane contracts, the hub and our agents:
 * X holds a long and Y a short 2 ETH-PERP on chain A's market, each with 2 000 USDC on A.
 *
 * 1. A crash (3 000 → 2 300, a move beyond `maxJumpPpm`, so signed by the whole committee) puts X
 *    below MM. Prices had just been stale (the feeder paused), so the end-block's liquidations are
 *    in their grace period: a keeper's MsgLiquidate liquidates X and shares the penalty with the
 *    insurance fund.
 * 2. After the grace period a rally to 3 500 puts Y below MM and the end-block liquidates it; the
 *    whole penalty goes to the fund.
 *
 * Each time CLOSE_POSITION runs on A's market within its price limit (oracle ∓ 5 %), is acknowledged
 * executed, and the fund (and keeper) balances equal figures computed here: closed notional =
 * |closed size| (read on chain) × oracle price, penalty = min(⌊notional × 2 %⌋, equity above 0),
 * keeper = ⌊penalty / 2⌋.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAppPayload, decodeMessage, type Hex, hexToBytes } from '../../../bridge/index.ts';
import { accountHolder, getBalance, insuranceHolder, STAGE } from '../../../chain/ledger/index.ts';
import {
  LiquidationRecordCodec,
  MARGIN_TYPE_URL,
  MsgLiquidateResponseCodec,
} from '../../../chain/margin/codec.ts';
import { liquidationPrefix } from '../../../chain/margin/keys.ts';
import { samplePerpMarketAbi } from '../../../contracts-abi/index.ts';
import { waitFor } from '../../helpers/node.ts';
import {
  accountOf,
  bytes20,
  bytesOfAccount,
  E18,
  evmOf,
  type MarginWorld,
  startMarginWorld,
  usdc,
} from './world.ts';

const X = 4;
const Y = 7;
const KEEPER = 0;
const GRACE_MS = 20_000;
// A price ages ≈ 2 s between signing and inclusion on a loaded machine; the feeder re-posts every second.
const STALE_MS = 10_000n;
let w: MarginWorld;
beforeAll(async () => {
  w = await startMarginWorld({
    oracle: {
      staleWithdrawalsMs: STALE_MS,
      staleLiquidationsMs: STALE_MS,
      liquidationGraceMs: BigInt(GRACE_MS),
    },
  });
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** The liquidation record of `account` (hub state), if any. */
function liquidationOf(i: number) {
  const acc = Buffer.from(bytesOfAccount(i)).toString('hex');
  for (const [, v] of w.view().entries(liquidationPrefix())) {
    const r = LiquidationRecordCodec.decode(v);
    if (Buffer.from(r.account).toString('hex') === acc) return r;
  }
  return undefined;
}

/** The CLOSE_POSITION a settlement id carries, read back from the hub's outbox over REST. */
async function closePayload(sid: Uint8Array) {
  const s = await w.get(`/v1/bridge/settlements/0x${Buffer.from(sid).toString('hex')}`);
  const m = await w.get(`/v1/bridge/messages/${s.body.message_id}`);
  const p = decodeAppPayload(decodeMessage(m.body.message as Hex).body, { direction: 'outbound' });
  if (p.kind !== 'CLOSE_POSITION') throw new Error(`settlement is a ${p.kind}`);
  return { settlement: s.body, payload: p };
}

/** The market's hub-close trades of `owner` (Traded events with a negative or positive delta). */
async function tradesOf(i: number) {
  return w.a.owner.publicClient.getContractEvents({
    address: w.a.dep.app.perpMarket,
    abi: samplePerpMarketAbi,
    eventName: 'Traded',
    args: { owner: evmOf(i) },
    fromBlock: 0n,
  });
}

const fund = () =>
  getBalance(w.view(), insuranceHolder(), w.a.domain, hexToBytes(w.a.dep.app.tokens.USDC!), STAGE.FINAL);

describe('scenario (c): a price move liquidates; CLOSE_POSITION on chain; penalty to the fund and the keeper', () => {
  // ≈ 90 s alone; twice that when another world runs beside it on two cores.
  it('liquidates by keeper during the grace period, then automatically, with hand-computed shares', {
    timeout: 300_000,
  }, async () => {
    const prices = { 'ETH/USD': 3000n * E18, 'USDC/USD': E18 };
    await w.oracle.post(prices);
    w.oracle.start(1_000);
    const ids = [await w.deposit(0, X, 'USDC', usdc(2_000n)), await w.deposit(0, Y, 'USDC', usdc(2_000n))];
    for (const id of ids) await w.waitMessage(id, 'final');
    for (const i of [X, Y]) {
      const r = await w.tx(i, [
        {
          typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
          value: {
            sender: accountOf(i),
            domain: w.a.domain,
            owner: bytes20(evmOf(i)),
            amountMicro: '1000000000',
          },
        },
      ]);
      expect(r.code, `${r.log}; feeder errors: ${w.oracle.errors.join(' | ')}`).toBe(0);
      await waitFor(async () => ((await w.allowanceOf(0, i)) === 1_000_000_000n ? true : undefined), 40_000);
    }
    const opens = [await w.trade(0, X, 'ETH-PERP', 2n * E18), await w.trade(0, Y, 'ETH-PERP', -2n * E18)];
    for (const o of opens) {
      if (!o.ok) throw new Error(`open refused: ${o.errorName}`);
      await w.waitMessage(o.messageId, 'final');
    }
    expect(fund()).toBe(0n);

    // ---- 1. stale, then a crash to 2 300: grace period, a keeper liquidates X ----
    w.oracle.stop();
    await w.oracle.idle();
    await new Promise((r) => setTimeout(r, Number(STALE_MS) + 2_000));
    await w.setMark(0, 'ETH-PERP', usdc(2_300n));
    const crashAt = Date.now();
    const crash = await w.oracle.post({ 'ETH/USD': 2300n * E18 });
    w.oracle.start(1_000);
    await w.afterHeight(BigInt(crash.height));
    // X: equity 2 000 + 2 × (2 300 − 3 000) = 600 USD, below MM; nobody liquidated it automatically.
    const mx = w.margin(X);
    expect(mx.summary.equity).toBe(usdc(600n));
    expect(mx.summary.equity).toBeLessThan(mx.summary.mm);
    expect(liquidationOf(X)).toBeUndefined();
    const kr = await w.tx(KEEPER, [
      { typeUrl: MARGIN_TYPE_URL.MsgLiquidate, value: { keeper: accountOf(KEEPER), account: accountOf(X) } },
    ]);
    expect(kr.code, kr.log).toBe(0);
    const resp = MsgLiquidateResponseCodec.decode(kr.msgResponses[0]!.value);
    const recX = liquidationOf(X)!;
    expect(recX.keeper).toBe(accountOf(KEEPER));
    expect(recX.closes.length).toBe(1);

    // The close runs on A's market within its limit ⌊2 300 × 0.95⌋ = 2 185 USDC and is acknowledged.
    const cx = await closePayload(recX.closes[0]!);
    if (cx.payload.kind !== 'CLOSE_POSITION') throw new Error('unreachable');
    expect(cx.payload.priceLimit).toBe(usdc(2_185n));
    expect(cx.payload.owner.toLowerCase()).toBe(evmOf(X));
    const closedX = await waitFor(async () => {
      const t = (await tradesOf(X)).find((e) => e.args.sizeDelta! < 0n);
      return t === undefined ? undefined : t.args;
    }, 40_000);
    expect(closedX.price).toBe(usdc(2_300n));
    expect(closedX.price! >= cx.payload.priceLimit).toBe(true);
    expect(-closedX.sizeDelta!).toBe(cx.payload.size);
    await waitFor(async () => {
      const s = await w.get(`/v1/bridge/settlements/${cx.settlement.settlement_id}`);
      return s.body.status === 'acknowledged' && s.body.ack_status === 'executed' ? true : undefined;
    }, 40_000);

    // Penalty by hand: notional = closed × 2 300, ⌊2 %⌋, capped by equity 600 − liquidity cost 0.1 %.
    const notionalX = ceilDiv(-closedX.sizeDelta! * 2300n * 1_000_000n, E18);
    const rawX = (notionalX * 2n) / 100n;
    const roomX = usdc(600n) - ceilDiv(notionalX, 1000n);
    const penaltyX = rawX < roomX ? rawX : roomX;
    const keeperX = penaltyX / 2n;
    console.log(
      `keeper liquidation: closed ${closedX.sizeDelta} at ${closedX.price}, notional ${notionalX} µUSD, penalty ${penaltyX}, keeper ${keeperX}, fund ${penaltyX - keeperX}`,
    );
    expect(resp.penaltyMicro).toBe(penaltyX.toString());
    expect(resp.keeperShareMicro).toBe(keeperX.toString());
    expect(fund()).toBe(penaltyX - keeperX);
    expect(
      getBalance(
        w.view(),
        accountHolder(bytesOfAccount(KEEPER)),
        w.a.domain,
        hexToBytes(w.a.dep.app.tokens.USDC!),
        STAGE.FINAL,
      ),
    ).toBe(keeperX);

    // ---- 2. after the grace period, a rally to 3 500: the end-block liquidates Y ----
    // The grace period began with the crash's block (fresh again after stale).
    await new Promise((r) => setTimeout(r, Math.max(0, crashAt + GRACE_MS + 2_000 - Date.now())));
    await w.setMark(0, 'ETH-PERP', usdc(3_500n));
    const fundBefore = fund();
    await w.oracle.post({ 'ETH/USD': 3500n * E18 });
    const recY = await waitFor(() => liquidationOf(Y), 20_000);
    expect(recY.keeper).toBe('');
    expect(recY.closes.length).toBe(1);
    // Closing a short buys: limit ⌈3 500 × 1.05⌉ = 3 675 USDC.
    const cy = await closePayload(recY.closes[0]!);
    if (cy.payload.kind !== 'CLOSE_POSITION') throw new Error('unreachable');
    expect(cy.payload.priceLimit).toBe(usdc(3_675n));
    const closedY = await waitFor(async () => {
      const t = (await tradesOf(Y)).find((e) => e.args.sizeDelta! > 0n);
      return t === undefined ? undefined : t.args;
    }, 40_000);
    expect(closedY.price).toBe(usdc(3_500n));
    expect(closedY.price! <= cy.payload.priceLimit).toBe(true);
    expect(closedY.sizeDelta).toBe(cy.payload.size);
    await waitFor(async () => {
      const s = await w.get(`/v1/bridge/settlements/${cy.settlement.settlement_id}`);
      return s.body.status === 'acknowledged' && s.body.ack_status === 'executed' ? true : undefined;
    }, 40_000);
    // Y's equity: 2 000 − 2 × (3 500 − 3 000) = 1 000 USD.
    const notionalY = ceilDiv(closedY.sizeDelta! * 3500n * 1_000_000n, E18);
    const rawY = (notionalY * 2n) / 100n;
    const roomY = usdc(1_000n) - ceilDiv(notionalY, 1000n);
    const penaltyY = rawY < roomY ? rawY : roomY;
    console.log(
      `automatic liquidation: closed ${closedY.sizeDelta} at ${closedY.price}, notional ${notionalY} µUSD, penalty ${penaltyY} to the fund`,
    );
    expect(recY.penaltyMicro).toBe(penaltyY.toString());
    expect(fund() - fundBefore).toBe(penaltyY);

    // Let the closes' realised losses settle to the markets, then check conservation.
    await waitFor(async () => {
      for (const i of [X, Y]) {
        const r = await w.get(`/v1/bridge/positions/${evmOf(i)}`);
        const p = r.body.positions[0];
        if (p?.latest?.stage !== 'final' || p.latest.message_id !== p.latest_final?.message_id)
          return undefined;
      }
      return true;
    }, 40_000);
    for (const l of await w.conservation()) {
      expect(l.imbalance, `${l.domain}/${l.token}`).toBe(0n);
      expect(l.vaultView, `${l.domain}/${l.token}`).toBeLessThanOrEqual(l.onChain);
    }
  });
});
