/**
 * Unified margin through the STF (signed txs, applyBlock with the node's cache, end-block):
 * provisional and final deposit credit, withdrawals and every refusal with its code, the release
 * lifecycle to the final ACK (executed, failed → restored), realised P&L (a loss paid from the
 * vault to the market, the balance negative and secured elsewhere; a gain credited when final),
 * expiry of a provisional deposit, and the conservation identity after every block.
 * Expected figures are written out by hand from the inputs.
 */

import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../bridge/index.ts';
import { ERROR_TABLE, parseBech32 } from '../../../chain/index.ts';
import { accountHolder, getBalance, STAGE } from '../../../chain/ledger/index.ts';
import {
  MARGIN_TYPE_URL,
  MsgRequestAllowanceCodec,
  MsgWithdrawCodec,
  MsgWithdrawResponseCodec,
} from '../../../chain/margin/codec.ts';
import { conservation } from '../../../chain/margin/flows.ts';
import { getFlow, getWithdrawal } from '../../../chain/margin/records.ts';
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
const usdc = (n: bigint) => n * 1_000_000n;
const balance = (w: MarginWorld, domain: number, token: string, stage: number) =>
  getBalance(
    w.view,
    accountHolder(parseBech32(accountOf(USER))!),
    domain,
    hexToBytes(token as `0x${string}`),
    stage,
  );
const code = (name: string) => {
  for (const cs of Object.values(ERROR_TABLE)) if (name in cs) return (cs as Record<string, number>)[name];
  throw new Error(name);
};
function expectBalanced(w: MarginWorld) {
  for (const l of conservation(w.view)) expect(l.imbalance, `${l.domain}/${l.token}`).toBe(0n);
}
const withdraw = (domain: number, token: string, amount: bigint, recipient = evmOf(USER)) =>
  any(
    MARGIN_TYPE_URL.MsgWithdraw,
    MsgWithdrawCodec.toBytes({
      sender: accountOf(USER),
      domain,
      token: hexToBytes(token as `0x${string}`),
      amount: amount.toString(),
      recipient: hexToBytes(recipient),
    }),
  );
const deposit = (token: string, amount: bigint, nonce: bigint) => ({
  kind: 'DEPOSIT' as const,
  depositor: evmOf(USER),
  token: token as `0x${string}`,
  amount,
  depositNonce: nonce,
});
const prices = { 'ETH/USD': 3000n * E18, 'BTC/USD': 60000n * E18, 'USDC/USD': E18 };

describe('unified margin lifecycle', () => {
  it('credits provisional then final; withdraws only final collateral; releases reach outflow on a final ACK', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(10_000n), 1n), 'fast');
    w.block([[9, [await w.oracle(prices), dep.msg]]]);
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.PROVISIONAL)).toBe(usdc(10_000n));
    expect(getFlow(w.view, ORIGIN_A, hexToBytes(USDC_A)).provisionalInflow).toBe(usdc(10_000n).toString());
    expectBalanced(w);

    // Provisional credit cannot be withdrawn.
    let [r] = w.block([[USER, [withdraw(ORIGIN_A, USDC_A, usdc(100n))]]]);
    expect(r!.code).toBe(code('MARGIN_INSUFFICIENT_BALANCE'));

    // Final attestation moves it to final; the vault view now covers a withdrawal.
    w.block([[9, [w.confirm(w.a, [dep.d])]]]);
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(10_000n));
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.PROVISIONAL)).toBe(0n);
    expectBalanced(w);

    [r] = w.block([[USER, [withdraw(ORIGIN_A, USDC_A, usdc(1_000n))]]]);
    expect(r!.code, r!.log).toBe(0);
    const sid = MsgWithdrawResponseCodec.decode(
      TxMsgData.decode(r!.data).msgResponses[0]!.value,
    ).settlementId;
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(9_000n));
    expect(getFlow(w.view, ORIGIN_A, hexToBytes(USDC_A)).inFlight).toBe(usdc(1_000n).toString());
    expectBalanced(w);

    // A final ACK(executed) from the vault: outflow.
    const ack = w.deliver(
      w.a,
      { kind: 'ACK', settlementId: bytesToHex(sid), status: 'EXECUTED', detail: '0x' },
      'final',
    );
    w.block([[9, [ack.msg]]]);
    const f = getFlow(w.view, ORIGIN_A, hexToBytes(USDC_A));
    expect(f.inFlight).toBe('0');
    expect(f.outflow).toBe(usdc(1_000n).toString());
    expect(getWithdrawal(w.view, sid)!.status).toBe(2);
    expectBalanced(w);
  });

  it('refuses bad withdrawals with their codes and changes nothing', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(5_000n), 1n), 'final');
    w.block([[9, [await w.oracle(prices), dep.msg]]]);
    const before = w.view.changes();
    const cases: [string, ReturnType<typeof withdraw>][] = [
      ['MARGIN_AMOUNT_INVALID', withdraw(ORIGIN_A, USDC_A, 0n)],
      ['MARGIN_RECIPIENT_INVALID', withdraw(ORIGIN_A, USDC_A, 1n, `0x${'00'.repeat(20)}`)],
      ['MARGIN_UNKNOWN_DOMAIN', withdraw(424242, USDC_A, 1n)],
      ['MARGIN_UNKNOWN_TOKEN', withdraw(ORIGIN_A, USDC_B, 1n)],
      ['MARGIN_INSUFFICIENT_BALANCE', withdraw(ORIGIN_A, USDC_A, usdc(5_001n))],
      ['MARGIN_INSUFFICIENT_BALANCE', withdraw(ORIGIN_B, USDC_B, 1n)],
    ];
    for (const [name, m] of cases) {
      const [r] = w.block([[USER, [m]]]);
      expect(r!.code, `${name}: ${r!.log}`).toBe(code(name));
      expect(r!.log).toContain(name);
    }
    // Only sequences and fee-free bookkeeping moved: the ledger and flows are as before.
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(5_000n));
    expect(getFlow(w.view, ORIGIN_A, hexToBytes(USDC_A)).inFlight).toBe('0');
    void before;
  });

  it('a failed final ACK restores the withdrawn amount', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(2_000n), 1n), 'final');
    w.block([[9, [await w.oracle(prices), dep.msg]]]);
    const [r] = w.block([[USER, [withdraw(ORIGIN_A, USDC_A, usdc(500n))]]]);
    const sid = MsgWithdrawResponseCodec.decode(
      TxMsgData.decode(r!.data).msgResponses[0]!.value,
    ).settlementId;
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(1_500n));
    // A provisional ACK(failed) restores nothing yet (the hub cannot know until it is final).
    const ack = w.deliver(
      w.a,
      { kind: 'ACK', settlementId: bytesToHex(sid), status: 'FAILED', detail: '0x' },
      'fast',
    );
    w.block([[9, [ack.msg]]]);
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(1_500n));
    w.block([[9, [w.confirm(w.a, [ack.d])]]]);
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(2_000n));
    expect(getWithdrawal(w.view, sid)!.status).toBe(3);
    expectBalanced(w);
  });

  it('a realised loss on B is paid from B to the market, B goes negative, A secures it; a gain is credited when final', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(20_000n), 1n), 'final');
    const open = w.deliver(
      w.b,
      {
        kind: 'POSITION',
        owner: evmOf(USER),
        instrumentId: PERP_ID,
        size: 2n * E18,
        side: 'LONG',
        entryPrice: usdc(3_000n),
        fundingIndex: 0n,
        realisedPnl: 0n,
        sequence: 1n,
      },
      'final',
    );
    w.block([[9, [await w.oracle(prices), dep.msg, open.msg]]]);
    // Close half at a loss of 300 USDC: a RELEASE of 300 from B's vault to the market.
    const loss = w.deliver(
      w.b,
      {
        kind: 'POSITION',
        owner: evmOf(USER),
        instrumentId: PERP_ID,
        size: 1n * E18,
        side: 'LONG',
        entryPrice: usdc(3_000n),
        fundingIndex: 0n,
        realisedPnl: -usdc(300n),
        sequence: 2n,
      },
      'final',
    );
    w.block([[9, [loss.msg]]]);
    expect(balance(w, ORIGIN_B, USDC_B, STAGE.FINAL)).toBe(-usdc(300n));
    const fb = getFlow(w.view, ORIGIN_B, hexToBytes(USDC_B));
    expect(fb.inFlight).toBe(usdc(300n).toString());
    expectBalanced(w);
    const cached = w.cache.get(bytesToHex(parseBech32(accountOf(USER))!).slice(2))!;
    expect(cached.margin.ok).toBe(true);

    // A gain reported provisionally is not credited; credited once final.
    const gain = w.deliver(
      w.b,
      {
        kind: 'POSITION',
        owner: evmOf(USER),
        instrumentId: PERP_ID,
        size: 0n,
        side: 'FLAT',
        entryPrice: 0n,
        fundingIndex: 0n,
        realisedPnl: usdc(120n),
        sequence: 3n,
      },
      'fast',
    );
    w.block([[9, [gain.msg]]]);
    expect(balance(w, ORIGIN_B, USDC_B, STAGE.FINAL)).toBe(-usdc(300n));
    w.block([[9, [w.confirm(w.b, [gain.d])]]]);
    expect(balance(w, ORIGIN_B, USDC_B, STAGE.FINAL)).toBe(-usdc(180n));
    expect(getFlow(w.view, ORIGIN_B, hexToBytes(USDC_B)).inflow).toBe(usdc(120n).toString());
    expectBalanced(w);
  });

  it('a provisional deposit not final within the timeout expires, is reverted, and is credited if attested final later', async () => {
    const w = await MarginWorld.create();
    const dep = w.deliver(w.a, deposit(USDC_A, usdc(700n), 1n), 'fast');
    w.block([[9, [await w.oracle(prices), dep.msg]]]);
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.PROVISIONAL)).toBe(usdc(700n));
    // Origin A's timeout is 180 s (fixture).
    w.block([], { advanceMs: 181_000n });
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.PROVISIONAL)).toBe(0n);
    expect(w.lastEndEvents.some((e) => e.type === 'margin.provisional_reverted')).toBe(true);
    expectBalanced(w);
    w.block([[9, [w.confirm(w.a, [dep.d])]]]);
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(700n));
    expectBalanced(w);
  });

  it('a provisional deposit beyond the domain cap counts nothing until final; caps gate allowances', async () => {
    const w = await MarginWorld.create((c) => ({
      ...c,
      maxPositionsPerAccount: 1,
      domains: c.domains.map((d) =>
        d.domain === ORIGIN_A ? { ...d, provisionalCapMicro: usdc(1_000n) } : d,
      ),
    }));
    const first = w.deliver(w.a, deposit(USDC_A, usdc(800n), 1n), 'fast');
    const over = w.deliver(w.a, deposit(USDC_A, usdc(300n), 2n), 'fast');
    w.block([[9, [await w.oracle(prices), first.msg, over.msg]]]);
    // 800 fits under the 1,000 cap; 800 + 300 does not: the second waits for the final tier.
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.PROVISIONAL)).toBe(usdc(800n));
    expectBalanced(w);
    w.block([[9, [w.confirm(w.a, [over.d])]]]);
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.FINAL)).toBe(usdc(300n));
    expect(balance(w, ORIGIN_A, USDC_A, STAGE.PROVISIONAL)).toBe(usdc(800n));
    expectBalanced(w);
    // One open position is the cap (params): a growing allowance is refused.
    const open = w.deliver(
      w.b,
      {
        kind: 'POSITION',
        owner: evmOf(USER),
        instrumentId: PERP_ID,
        size: E18 / 10n,
        side: 'LONG',
        entryPrice: usdc(3_000n),
        fundingIndex: 0n,
        realisedPnl: 0n,
        sequence: 1n,
      },
      'final',
    );
    w.block([[9, [open.msg]]]);
    const req = any(
      MARGIN_TYPE_URL.MsgRequestAllowance,
      MsgRequestAllowanceCodec.toBytes({
        sender: accountOf(USER),
        domain: ORIGIN_A,
        owner: hexToBytes(evmOf(USER)),
        amountMicro: '1000',
      }),
    );
    const [r] = w.block([[USER, [req]]]);
    expect(r!.code, r!.log).toBe(code('MARGIN_CAP_REACHED'));
  });
});
