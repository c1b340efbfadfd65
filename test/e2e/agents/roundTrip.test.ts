/**
 * Round trip on two anvil chains and a real hub node, with our validators and relayer only:
 * - a USDC deposit on chain A is credited on the hub provisional (fast checkpoints, MsgProcessMessage),
 *   then final (final checkpoint, MsgConfirmFinality);
 * - a WETH deposit on chain B (a token the hub does not list for B) becomes final, the STF answers
 *   it with a refund RELEASE from the hub outbox, hub validators (each on its own follower) sign it,
 *   the relayer has the real Mailbox on B process it, the tokens move back, and the vault's ACK
 *   comes back to the hub and acknowledges the settlement;
 * - the relayer's REST lists nothing as failed and its Prometheus metrics count the deliveries.
 */

import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayerServer } from '../../../bridge/agents/index.ts';
import { mockERC20Abi } from '../../../contracts-abi/index.ts';
import { waitFor } from '../../helpers/node.ts';
import { deposit, hubGet, startWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await startWorld([
    { domain: 31337, tokens: ['USDC'] },
    { domain: 31338, tokens: ['USDC'] },
  ]);
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

describe('round trip through our validators and relayer', () => {
  it('credits a deposit provisional, then final; refunds an unlisted token by RELEASE on B and gets the ACK back', async () => {
    const relayer = w.relayer();
    const server = await startRelayerServer(relayer, { port: 0 });
    relayer.start();
    try {
      const user = w.clients(0, 4).walletClient.account.address;
      const id = await deposit(w, 0, 4, 'USDC', 250_000_000n);
      const provisional = await waitFor(async () => {
        const r = await hubGet(w, `/v1/bridge/messages/${id}`);
        return r.status === 200 && r.body.delivered === true ? r.body : undefined;
      }, 30_000);
      expect(provisional.origin).toBe(31337);
      expect(['provisional', 'final']).toContain(provisional.stage);
      expect(provisional.credit.amount).toBe('250000000');
      const final = await waitFor(async () => {
        const r = await hubGet(w, `/v1/bridge/messages/${id}`);
        return r.body.stage === 'final' ? r.body : undefined;
      }, 30_000);
      expect(final.finalized_height).not.toBeNull();
      // The credit went to the depositor (its linked account or an EVM hold), as final collateral.
      expect(final.credit.holder.toLowerCase()).toSatisfy(
        (h: string) => h.startsWith('umg1') || h === user.toLowerCase(),
      );
      const bal = await hubGet(w, `/v1/bridge/balances/${final.credit.holder}`);
      expect(JSON.stringify(bal.body.balances)).toContain('250000000');
      expect(JSON.stringify(bal.body.balances)).toContain('final');

      // Chain B: WETH is not listed for B on the hub → refund RELEASE once final.
      const b = w.clients(1, 4);
      const weth = w.chains[1]!.dep.app.tokens.WETH!;
      const before = await b.publicClient.readContract({
        address: weth,
        abi: mockERC20Abi,
        functionName: 'balanceOf',
        args: [b.walletClient.account.address],
      });
      const wid = await deposit(w, 1, 4, 'WETH', 7n * 10n ** 18n);
      const mid = await b.publicClient.readContract({
        address: weth,
        abi: mockERC20Abi,
        functionName: 'balanceOf',
        args: [b.walletClient.account.address],
      });
      expect(mid).toBe(before); // minted 7 then deposited 7
      const refunded = await waitFor(async () => {
        const r = await hubGet(w, `/v1/bridge/messages/${wid}`);
        return r.body.stage === 'final' && r.body.settlement_id !== undefined ? r.body : undefined;
      }, 30_000);
      expect(refunded.result).toBe('deposit_token_unknown');
      const sid = refunded.settlement_id as Hex;
      // The RELEASE is processed by the real Mailbox on B: the tokens come back to the depositor.
      await waitFor(async () => {
        const now = await b.publicClient.readContract({
          address: weth,
          abi: mockERC20Abi,
          functionName: 'balanceOf',
          args: [b.walletClient.account.address],
        });
        return now === before + 7n * 10n ** 18n ? true : undefined;
      }, 30_000);
      // The vault's ACK comes back and acknowledges the settlement.
      const acked = await waitFor(async () => {
        const r = await hubGet(w, `/v1/bridge/settlements/${sid}`);
        return r.body.status === 'acknowledged' ? r.body : undefined;
      }, 30_000);
      expect(acked.kind).toBe('release');
      expect(acked.ack_status).toBe('executed');

      const failures = (await (await fetch(`${server.url}/failures`)).json()) as { failures: unknown[] };
      expect(failures.failures).toEqual([]);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(
        /relayer_messages_delivered_total\{destination="1431130695",origin="31337"\} [1-9]/,
      );
      expect(metrics).toMatch(
        /relayer_messages_delivered_total\{destination="31338",origin="1431130695"\} 1/,
      );
      expect(metrics).toContain('relayer_finality_proofs_total');
    } finally {
      await relayer.stop();
      await server.close();
    }
  });
});
