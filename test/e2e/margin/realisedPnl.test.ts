/**
 * Scenario (b) of issue 5 on anvil chains with the real Hyperlane contracts, the hub and our agents:
 * an account whose collateral is on chain A trades ETH-PERP on chain B's market (another user's
 * deposit funds B's vault). A realised loss on B is paid from B's vault to B's market by a RELEASE
 * that executes on chain (the market's balance grows by the loss) and is acknowledged final; the
 * account's B balance is negative, secured by its A collateral (equity ≥ IM). A realised gain is
 * paid by the market into B's vault in the reporting transaction, not credited while the report is
 * provisional (B's final validators stopped), and credited once final.
 * Expected figures: P&L = size × (mark − entry) of the sample market, written out below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../../bridge/index.ts';
import { MARGIN_TYPE_URL } from '../../../chain/margin/codec.ts';
import { getFlow } from '../../../chain/margin/records.ts';
import { waitFor } from '../../helpers/node.ts';
import { accountOf, bytes20, E18, evmOf, type MarginWorld, startMarginWorld, usdc } from './world.ts';

const U = 4;
const V = 7;
let w: MarginWorld;
beforeAll(async () => {
  w = await startMarginWorld();
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

describe('scenario (b): realised P&L settles per domain', () => {
  it('pays a loss on B from B’s vault to the market while A secures the negative balance; credits a gain when final', async () => {
    await w.oracle.post({ 'ETH/USD': 3000n * E18, 'USDC/USD': E18 });
    w.oracle.start(5_000);
    const usdcB = w.b.dep.app.tokens.USDC!;
    const market = w.b.dep.app.perpMarket;
    const vault = w.b.dep.app.vault;

    const ids = [await w.deposit(0, U, 'USDC', usdc(10_000n)), await w.deposit(1, V, 'USDC', usdc(2_000n))];
    for (const id of ids) await w.waitMessage(id, 'final');

    const r = await w.tx(U, [
      {
        typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
        value: {
          sender: accountOf(U),
          domain: w.b.domain,
          owner: bytes20(evmOf(U)),
          amountMicro: '1000000000',
        },
      },
    ]);
    expect(r.code, r.log).toBe(0);
    await waitFor(async () => ((await w.allowanceOf(1, U)) === 1_000_000_000n ? true : undefined), 40_000);

    // Long 2 ETH-PERP on B at mark 3 000 (standalone margin 2 × 3 000 × 10 % = 600 USD ≤ 1 000).
    const open = await w.trade(1, U, 'ETH-PERP', 2n * E18);
    if (!open.ok) throw new Error(`open refused: ${open.errorName}`);
    await w.waitMessage(open.messageId, 'final');

    // The mark falls to 2 800; closing 1 realises 1 × (2 800 − 3 000) = −200 USDC.
    await w.setMark(1, 'ETH-PERP', usdc(2_800n));
    await w.oracle.post({ 'ETH/USD': 2800n * E18 });
    const marketBefore = await w.tokenBalance(1, 'USDC', market);
    const vaultBefore = await w.tokenBalance(1, 'USDC', vault);
    const loss = await w.trade(1, U, 'ETH-PERP', -E18);
    if (!loss.ok) throw new Error(`reduce refused: ${loss.errorName}`);
    await w.waitMessage(loss.messageId, 'final');
    expect(w.balance(U, 1, 'USDC', 'final')).toBe(-usdc(200n));
    // The RELEASE from B's vault to the market executes on chain…
    await waitFor(
      async () =>
        (await w.tokenBalance(1, 'USDC', market)) === marketBefore + usdc(200n) ? true : undefined,
      40_000,
    );
    expect(await w.tokenBalance(1, 'USDC', vault)).toBe(vaultBefore - usdc(200n));
    // …and its final ACK(executed) moves it from in flight to outflow.
    await waitFor(() => {
      const f = getFlow(w.view(), w.b.domain, hexToBytes(usdcB));
      return f.outflow === usdc(200n).toString() && f.inFlight === '0' ? true : undefined;
    }, 40_000);
    // A's collateral secures B's debt: equity = 10 000 − 200 realised − 200 unrealised (1 × (2 800 − 3 000)).
    await w.afterHeight(w.hub.node.height);
    const m = w.margin(U);
    expect(m.summary.equity).toBe(usdc(9_600n));
    expect(m.summary.equity).toBeGreaterThanOrEqual(m.imEff);
    expect(w.balance(U, 0, 'USDC', 'final')).toBe(usdc(10_000n));

    // A gain: mark 3 100, close the last unit: 1 × (3 100 − 3 000) = +100 USDC, paid into the vault now.
    await w.stopFinal(1);
    await w.setMark(1, 'ETH-PERP', usdc(3_100n));
    await w.oracle.post({ 'ETH/USD': 3100n * E18 });
    const vaultMid = await w.tokenBalance(1, 'USDC', vault);
    const gain = await w.trade(1, U, 'ETH-PERP', -E18);
    if (!gain.ok) throw new Error(`close refused: ${gain.errorName}`);
    expect(await w.tokenBalance(1, 'USDC', vault)).toBe(vaultMid + usdc(100n));
    await w.waitMessage(gain.messageId, 'provisional');
    await w.afterHeight(w.hub.node.height);
    // Provisional: not credited.
    expect(w.balance(U, 1, 'USDC', 'final')).toBe(-usdc(200n));
    expect(w.balance(U, 1, 'USDC', 'provisional')).toBe(0n);
    w.startFinal(1);
    await w.waitMessage(gain.messageId, 'final');
    expect(w.balance(U, 1, 'USDC', 'final')).toBe(-usdc(100n));
    expect(getFlow(w.view(), w.b.domain, hexToBytes(usdcB)).inflow).toBe(usdc(2_100n).toString());

    for (const l of await w.conservation()) {
      expect(l.imbalance, `${l.domain}/${l.token}`).toBe(0n);
      expect(l.vaultView, `${l.domain}/${l.token}`).toBeLessThanOrEqual(l.onChain);
    }
  });
});
