/**
 * Scenario (d) of issue 5 on anvil chains with the real Hyperlane contracts, the hub and our agents:
 * a deposit on chain A is signed by A's fast validators (reorg period 1) and credited
 * provisionally on the hub; `anvil_reorg` then removes it from A before A's `finalized` block
 * reaches it (A's block driver is paused so that the final tier cannot catch up first). A
 * withdrawal of it in between is refused (MARGIN_INSUFFICIENT_BALANCE: provisional credit is never
 * withdrawable); the item never becomes final, expires at A's short origin timeout (8 s in this
 * genesis) and is reverted; the conservation identity holds against the vault, which never
 * received the tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../../chain/index.ts';
import { MARGIN_TYPE_URL } from '../../../chain/margin/codec.ts';
import { waitFor } from '../../helpers/node.ts';
import { accountOf, bytes20, E18, evmOf, type MarginWorld, startMarginWorld, usdc } from './world.ts';

const U = 4;
const TIMEOUT_MS = 8_000n;
let w: MarginWorld;
beforeAll(async () => {
  // A: expected finality 1 s, timeout 8 s (≥ 2×); A halts only after 60 s (devnet figure) > timeout.
  w = await startMarginWorld({ origins: [{ expectedFinalityMs: 1_000n, timeoutMs: TIMEOUT_MS }] });
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

const codeOf = (name: string): number => {
  for (const cs of Object.values(ERROR_TABLE)) if (name in cs) return (cs as Record<string, number>)[name]!;
  throw new Error(`no error code ${name}`);
};

describe('scenario (d): a provisional deposit reorged away', () => {
  it('is credited provisionally, refused for withdrawal, never final, expires and is reverted', async () => {
    await w.oracle.post({ 'ETH/USD': 3000n * E18, 'USDC/USD': E18 });
    const a = w.a.owner.publicClient;
    const vault = w.a.dep.app.vault;
    const amount = usdc(5_000n);

    // Only txs mine blocks on A now: the deposit's block stays shallower than `finalized` (head − 4).
    w.setMining(0, false);
    const id = await w.deposit(0, U, 'USDC', amount);
    const tx = (
      await a.getContractEvents({
        address: w.a.dep.core.mailbox,
        abi: dispatchIdAbi,
        eventName: 'DispatchId',
      })
    ).find((l) => l.args.messageId === id)!;
    const depositBlock = tx.blockNumber;
    // One more block: the fast validators (tip − 1) sign the deposit's leaf.
    await a.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    const provisional = await w.waitMessage(id, 'provisional');
    expect(provisional.tier).toBe('fast');
    expect(provisional.credit.amount).toBe(amount.toString());
    expect(w.balance(U, 0, 'USDC', 'provisional')).toBe(amount);
    expect(await w.tokenBalance(0, 'USDC', vault)).toBe(amount);
    const finalized = await a.getBlock({ blockTag: 'finalized' });
    expect(finalized.number < depositBlock).toBe(true);

    // The chain reorgs the deposit away (2 blocks: the deposit's and the one after).
    const head = await a.getBlockNumber({ cacheTime: 0 });
    await a.request({
      method: 'anvil_reorg' as never,
      params: [Number(head - depositBlock + 1n), []] as never,
    });
    expect(
      await a.getTransactionReceipt({ hash: tx.transactionHash }).catch(() => undefined),
    ).toBeUndefined();
    expect(await w.tokenBalance(0, 'USDC', vault)).toBe(0n);
    w.setMining(0, true);

    // In between: still credited provisionally on the hub; a withdrawal of it is refused.
    expect(w.balance(U, 0, 'USDC', 'provisional')).toBe(amount);
    const wr = await w.tx(
      U,
      [
        {
          typeUrl: MARGIN_TYPE_URL.MsgWithdraw,
          value: {
            sender: accountOf(U),
            domain: w.a.domain,
            token: bytes20(w.a.dep.app.tokens.USDC!),
            amount: amount.toString(),
            recipient: bytes20(evmOf(U)),
          },
        },
      ],
      { simulate: false },
    );
    // Included in a block and refused there: the receipt carries the code.
    expect(wr.height).toBeGreaterThan(0);
    expect(wr.code).toBe(codeOf('MARGIN_INSUFFICIENT_BALANCE'));
    expect(wr.log).toContain('MARGIN_INSUFFICIENT_BALANCE');

    // Never final: it expires at delivery + 8 s and is reverted.
    const expired = await w.waitMessage(id, 'expired', Number(TIMEOUT_MS) + 30_000);
    expect(expired.finalized_height).toBeNull();
    expect(Number(expired.delivered_time_ms) + Number(TIMEOUT_MS)).toBeLessThanOrEqual(
      Number(w.hub.node.lastBlockTimeMs),
    );
    expect(w.balance(U, 0, 'USDC', 'provisional')).toBe(0n);
    expect(w.balance(U, 0, 'USDC', 'final')).toBe(0n);
    // A's finalized block passed the height of the reorged deposit without it.
    await waitFor(async () =>
      (await a.getBlock({ blockTag: 'finalized' })).number > depositBlock ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await w.get(`/v1/bridge/messages/${id}`)).body.stage).toBe('expired');

    const lines = await w.conservation();
    for (const l of lines) {
      expect(l.imbalance, `${l.domain}/${l.token}`).toBe(0n);
      expect(l.vaultView, `${l.domain}/${l.token}`).toBeLessThanOrEqual(l.onChain);
    }
    const la = lines.find((l) => l.domain === w.a.domain)!;
    expect(la.vaultView).toBe(0n);
  });
});

/** The Mailbox's DispatchId(bytes32 indexed messageId) event. */
const dispatchIdAbi = [
  {
    type: 'event',
    name: 'DispatchId',
    inputs: [{ name: 'messageId', type: 'bytes32', indexed: true }],
  },
] as const;
