/**
 * Round trip on two anvil chains and a real hub node, with our validators and relayer only:
 * - a USDC deposit on chain A is credited on the hub provisional (fast checkpoints, MsgProcessMessage),
 *   then final (final checkpoint, MsgConfirmFinality);
 * - a WETH deposit on chain B (a token the hub does not list for B) becomes final, the STF answers
 *   it with a refund RELEASE from the hub outbox, hub validators (each on its own follower) sign it,
 *   the relayer has the real Mailbox on B process it, the tokens move back, and the vault's ACK
 *   comes back to the hub and acknowledges the settlement;
 * - the relayer's REST lists nothing as failed and its Prometheus metrics count the deliveries;
 * - a CANCEL for an unexecuted RELEASE makes a later delivery of the RELEASE a no-op. No STF path
 *   sends CANCEL yet, so both come from a harness outbox built with the STF's own
 *   `dispatchSettlement` on a memory state, signed by our hub validators; a user relays the CANCEL
 *   with `relayMessage`, then the relayer delivers both.
 */

import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubApi,
  HubOriginReader,
  hubSignerOf,
  isAgentError,
  LocalCheckpointStorage,
  RestHubApi,
  relayMessage,
  startRelayerServer,
  Validator,
} from '../../../bridge/agents/index.ts';
import { addressToBytes32, bytesToHex, hexToBytes } from '../../../bridge/index.ts';
import {
  dispatchSettlement,
  outboxCount,
  outboxMessage,
  outboxNonceOf,
} from '../../../chain/hyperlane/outbox.ts';
import { marginVaultAbi, mockERC20Abi } from '../../../contracts-abi/index.ts';
import { createEvmClients } from '../../../devnet/evm/clients.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import { ANVIL_KEYS } from '../../helpers/anvil.ts';
import { waitFor } from '../../helpers/node.ts';
import { addr, deposit, HUB_VALIDATOR_KEYS, hubGet, startWorld, type World } from './world.ts';

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

  it('a CANCEL for an unexecuted RELEASE makes its later delivery a no-op (harness outbox, relayed by relayMessage then the relayer)', async () => {
    // No STF path sends CANCEL yet: a harness hub outbox in a memory state, filled with the STF's
    // own dispatchSettlement, signed by the hub validator keys through our Validator.
    const view = (await HubStore.open(new MemoryKv())).view();
    const b = w.clients(1, 7);
    const usdc = w.chains[1]!.dep.app.tokens.USDC!;
    const vault = w.chains[1]!.dep.app.vault;
    await deposit(w, 1, 7, 'USDC', 10_000_000n); // the vault holds what the RELEASE would move
    const sidRelease = bytesToHex(new Uint8Array(32).fill(0xa1));
    const sidCancel = bytesToHex(new Uint8Array(32).fill(0xa2));
    const release = dispatchSettlement(view, 1n, {
      destination: 31338,
      recipient: hexToBytes(addressToBytes32(vault), 'vault', 32),
      payload: {
        kind: 'RELEASE',
        settlementId: sidRelease,
        token: usdc.toLowerCase() as Hex,
        recipient: b.walletClient.account.address.toLowerCase() as Hex,
        amount: 4_000_000n,
        toMarket: false,
      },
    });
    const cancel = dispatchSettlement(view, 1n, {
      destination: 31338,
      recipient: hexToBytes(addressToBytes32(vault), 'vault', 32),
      payload: { kind: 'CANCEL', settlementId: sidCancel, targetSettlementId: sidRelease },
    });
    const locations = new Map<string, string>();
    for (const [i, k] of HUB_VALIDATOR_KEYS.entries()) {
      const storage = new LocalCheckpointStorage(join(w.dir, `harness-hubval${i}`));
      locations.set(addr(k), storage.location);
      const v = new Validator({
        reader: new HubOriginReader({ view: () => view, height: () => 1n }),
        privateKey: k,
        storage,
        highWaterMarkPath: join(w.dir, `harness-hubval${i}.hwm.json`),
      });
      expect((await v.tick()).signed).toBe(2);
    }
    const notUsed = async () => {
      throw new Error('not used by hub → EVM');
    };
    const harness: HubApi = {
      chainId: notUsed,
      account: notUsed,
      broadcastTxSync: notUsed,
      txResult: notUsed,
      inboundStatus: notUsed,
      origins: async () => [],
      async outbox(from, limit) {
        const count = outboxCount(view);
        const messages: Uint8Array[] = [];
        for (let n = from; n < Math.min(count, from + limit); n++) messages.push(outboxMessage(view, n)!);
        return { count, messages };
      },
      async outboundMessage(id) {
        const nonce = outboxNonceOf(view, hexToBytes(id, 'id', 32));
        return nonce === undefined ? undefined : { nonce, message: outboxMessage(view, nonce)! };
      },
    };
    const chainB = w.chains[1]!;
    const route = {
      chain: chainB.agentChain,
      client: chainB.owner.publicClient,
      wallet: createEvmClients({
        rpcUrl: chainB.dep.anvil.rpcUrl,
        chainId: chainB.dep.anvil.chainId,
        privateKey: ANVIL_KEYS[9] as Hex,
      }).walletClient,
    };
    const balance = () =>
      b.publicClient.readContract({
        address: usdc,
        abi: mockERC20Abi,
        functionName: 'balanceOf',
        args: [b.walletClient.account.address],
      });
    const before = await balance();
    // A user relays the CANCEL alone, first.
    const r = await relayMessage(
      { hub: harness, evm: [route], hubValidatorLocations: locations },
      cancel.messageId,
    );
    expect(r).toMatchObject({ direction: 'fromHub', outcome: 'delivered', index: 1, destination: 31338 });
    const again = await relayMessage(
      { hub: harness, evm: [route], hubValidatorLocations: locations },
      cancel.messageId,
    );
    expect(again.outcome).toBe('already_delivered');
    const status = (sid: Hex) =>
      b.publicClient.readContract({
        address: vault,
        abi: marginVaultAbi,
        functionName: 'settlementStatus',
        args: [sid],
      });
    expect(await status(sidRelease)).toBe(3); // CANCELLED
    // Then the relayer delivers the RELEASE: processed by the Mailbox, but a no-op in the vault.
    const relayer = w.relayer({
      hub: harness,
      hubValidatorLocations: locations,
      name: 'harness-relayer',
      lanes: { fromHub: true, toHub: false, finality: false },
    });
    await waitFor(async () => {
      await relayer.tick();
      return relayer.idle && relayer.status().find((l) => l.lane === 'hub')!.next === 2 ? true : undefined;
    }, 30_000);
    expect(relayer.outcomes.get(release.messageId)).toBe('delivered');
    expect(relayer.outcomes.get(cancel.messageId)).toBe('delivered_elsewhere');
    const delivered = await b.publicClient.readContract({
      address: chainB.dep.core.mailbox as Address,
      abi: [
        {
          type: 'function',
          name: 'delivered',
          stateMutability: 'view',
          inputs: [{ type: 'bytes32' }],
          outputs: [{ type: 'bool' }],
        },
      ] as const,
      functionName: 'delivered',
      args: [release.messageId],
    });
    expect(delivered).toBe(true);
    expect(await balance()).toBe(before);
    expect(await status(sidRelease)).toBe(3);
  });

  it('a user relays its own deposit to the hub with relayMessage (no relayer running)', async () => {
    const id = await deposit(w, 0, 3, 'USDC', 1_234_567n);
    const chainA = w.chains[0]!;
    const opts = {
      hub: new RestHubApi(w.hub.url),
      hubSigner: hubSignerOf(ANVIL_KEYS[3] as Hex),
      evm: [{ chain: chainA.agentChain, client: chainA.owner.publicClient }],
    };
    // The fast validators sign one block behind the tip: until then the quorum is missing.
    const r = await waitFor(async () => {
      try {
        return await relayMessage(opts, id);
      } catch (e) {
        if (isAgentError(e, 'AGENT_SIGNATURES_BELOW_THRESHOLD')) return undefined;
        throw e;
      }
    }, 30_000);
    expect(r).toMatchObject({ direction: 'toHub', outcome: 'delivered', origin: 31337 });
    const m = await hubGet(w, `/v1/bridge/messages/${id}`);
    expect(m.body.delivered).toBe(true);
    expect(m.body.credit.amount).toBe('1234567');
    expect((await relayMessage(opts, id)).outcome).toBe('already_delivered');
    await expect(relayMessage(opts, `0x${'ee'.repeat(32)}`)).rejects.toThrow(/AGENT_MESSAGE_NOT_FOUND/);
  });
});
