/**
 * Scenario (a) of issue 5 on anvil chains with the real Hyperlane contracts, the hub and our agents:
 * deposits on chains A and B; an allowance requested with MsgRequestAllowance reaches A's and B's
 * PositionAdapters over Hyperlane; a short ETH call opened on A's option market within the
 * allowance succeeds on chain, one beyond it reverts on chain with `AllowanceExceeded`; a long
 * ETH-PERP hedge on B's market lowers the account's IM only once B's POSITION report is final
 * (with B's final validators stopped it stays provisional: IM as without the hedge).
 * Expected figures are computed here from the inputs (standalone margins, Black-76 on the SVI vol).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARGIN_TYPE_URL } from '../../../chain/margin/codec.ts';
import { waitFor } from '../../helpers/node.ts';
import {
  accountOf,
  bytes20,
  E18,
  evmOf,
  type MarginWorld,
  optionFeeds,
  startMarginWorld,
  usdc,
} from './world.ts';

const U = 4;
let w: MarginWorld;
beforeAll(async () => {
  const t0 = Date.now();
  w = await startMarginWorld();
  console.log(`world started in ${Date.now() - t0} ms`);
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

/** Standard normal CDF: ½(1 + erf(x/√2)), erf by its Maclaurin series (exact to 1e-15 for |x| < 3). */
function normCdf(x: number): number {
  const z = x / Math.SQRT2;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}

/** Black-76 call value with D = 1 (rate 0), SVI raw total variance at k = ln(K/F). */
function callValue(F: number, K: number, tYears: number): number {
  const k = Math.log(K / F);
  const [a, b, rho, m, s] = [0.02, 0.1, 0, 0, 0.1];
  const wTot = a + b * (rho * (k - m) + Math.sqrt((k - m) ** 2 + s ** 2));
  const sigma = Math.sqrt(wTot / tYears);
  const sd = sigma * Math.sqrt(tYears);
  const d1 = (Math.log(F / K) + 0.5 * sd * sd) / sd;
  const d2 = d1 - sd;
  return F * normCdf(d1) - K * normCdf(d2);
}

describe('scenario (a): allowances gate risk on chain; a hedge counts only once final', () => {
  it('opens within the allowance, reverts beyond it on chain, and shows the hedge relief only when final', async () => {
    const spot = 3000n * E18;
    const expiry = w.a.optionExpirySec['ETH-C-3500-30D']!;
    const postedAtSec = Date.now() / 1000;
    await w.oracle.post({ 'ETH/USD': spot, 'USDC/USD': E18, ...optionFeeds(expiry, spot) });
    w.oracle.start(5_000);

    // Deposits on A and B, final.
    const [da, db] = [
      await w.deposit(0, U, 'USDC', usdc(10_000n)),
      await w.deposit(1, U, 'USDC', usdc(5_000n)),
    ];
    await w.waitMessage(da, 'final');
    await w.waitMessage(db, 'final');
    expect(w.balance(U, 0, 'USDC', 'final')).toBe(usdc(10_000n));
    expect(w.balance(U, 1, 'USDC', 'final')).toBe(usdc(5_000n));
    // Cash only: equity = 15 000 USD, no requirement.
    const m0 = w.margin(U);
    expect(m0.summary.equity).toBe(15_000_000_000n);
    expect(m0.summary.im).toBe(0n);

    // Allowances: 1 000 USD on A, 200 USD on B, delivered to the adapters over Hyperlane.
    for (const [domain, amount] of [
      [w.a.domain, 1_000_000_000n],
      [w.b.domain, 200_000_000n],
    ] as const) {
      const r = await w.tx(U, [
        {
          typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
          value: { sender: accountOf(U), domain, owner: bytes20(evmOf(U)), amountMicro: amount.toString() },
        },
      ]);
      expect(r.code, r.log).toBe(0);
    }
    await waitFor(async () => ((await w.allowanceOf(0, U)) === 1_000_000_000n ? true : undefined), 40_000);
    await waitFor(async () => ((await w.allowanceOf(1, U)) === 200_000_000n ? true : undefined), 40_000);
    // Reserved and unused: counted as IM.
    expect(w.margin(U).reservedMicro).toBe(1_200_000_000n);

    // Standalone margin of a short call on A: |size| × underlying price 3000 × 15 % = 450 USD per unit.
    const opened = await w.trade(0, U, 'ETH-C-3500-30D', -E18);
    expect(opened.ok).toBe(true);
    const beyond = await w.trade(0, U, 'ETH-C-3500-30D', -2n * E18);
    // 3 units × 450 = 1 350 USD > 1 000 USD: refused by the adapter, on chain.
    if (beyond.ok) throw new Error('an open beyond the allowance succeeded');
    expect(beyond.status).toBe('reverted');
    expect(beyond.errorName).toBe('AllowanceExceeded');
    expect((beyond.args[0] as string).toLowerCase()).toBe(evmOf(U));
    expect(beyond.args.slice(1)).toEqual([1_350_000_000n, 1_000_000_000n]);
    if (!opened.ok) throw new Error('unreachable');
    await w.waitMessage(opened.messageId, 'final');
    await w.afterHeight(w.hub.node.height);
    const noHedge = w.margin(U);
    // Equity = cash − the short call's value (Black-76 on the SVI vol, rate 0), to a milli-dollar.
    const T = (expiry - postedAtSec) / 31_536_000;
    const hand = 15_000 - callValue(3000, 3500, T);
    expect(Math.abs(Number(noHedge.summary.equity) / 1e6 - hand)).toBeLessThan(1e-3);
    expect(noHedge.summary.im).toBeGreaterThan(0n);

    // The hedge on B while B's final tier is stopped: provisional, no relief.
    await w.stopFinal(1);
    const hedge = await w.trade(1, U, 'ETH-PERP', (2n * E18) / 10n);
    expect(hedge.ok).toBe(true);
    if (!hedge.ok) throw new Error('unreachable');
    await w.waitMessage(hedge.messageId, 'provisional');
    await w.afterHeight(w.hub.node.height);
    const provisional = w.margin(U);
    expect(provisional.summary.im).toBeGreaterThanOrEqual(noHedge.summary.im);

    // B's final tier resumes: the report becomes final and the hedge lowers IM.
    w.startFinal(1);
    await w.waitMessage(hedge.messageId, 'final');
    await w.afterHeight(w.hub.node.height);
    const final = w.margin(U);
    console.log(
      `IM without hedge ${noHedge.summary.im}, hedge provisional ${provisional.summary.im}, hedge final ${final.summary.im} µUSD`,
    );
    expect(final.summary.im).toBeLessThan(provisional.summary.im);
    expect(provisional.summary.im).toBeGreaterThanOrEqual(final.summary.im);

    // Conservation and the vaults' on-chain balances.
    for (const l of await w.conservation()) {
      expect(l.imbalance, `${l.domain}/${l.token}`).toBe(0n);
      expect(l.vaultView, `${l.domain}/${l.token}`).toBeLessThanOrEqual(l.onChain);
    }
  });
});
