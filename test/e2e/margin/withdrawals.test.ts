/**
 * Scenario (e) of issue 5 on anvil chains with the real Hyperlane contracts, the hub and our agents:
 *
 * 1. Vault short: U's realised loss on B (1 ETH-PERP bought at 3 000, sold at 2 700) is paid from
 *    B's vault to the market, so B's vault holds V's 2 000 USDC less 300 in the hub's view; V's
 *    withdrawal of its whole 2 000 is refused with MARGIN_VAULT_SHORT (releasable 1 700).
 * 2. Failed ACK: B's vault owner lowers the token's per-hour release cap on chain; V's withdrawal of
 *    500 is frozen on the hub, the RELEASE fails on chain (ReleaseCapExceeded), and the final
 *    ACK(failed) restores the 500.
 * 3. Stuck and cancelled: B's vault is paused (the RELEASE cannot execute: delivery reverts) and B's
 *    final validators stop; a provisional deposit then waits longer than B's `haltAfterMs` (8 s in
 *    this genesis) and B halts (withdrawals there refused with MARGIN_DOMAIN_HALTED). V cancels its
 *    stuck withdrawal with MsgCancelSettlement; the CANCEL executes on B (it works while paused) and
 *    B's ACK(cancelled) arrives fast-signed only: nothing is restored while B is halted. When B's
 *    final tier resumes, the final ACK(cancelled) restores the funds; the RELEASE delivered after
 *    `unpause` is a no-op on chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../bridge/index.ts';
import { ERROR_TABLE } from '../../../chain/index.ts';
import { MARGIN_TYPE_URL, MsgWithdrawResponseCodec } from '../../../chain/margin/codec.ts';
import { getDomainStatus } from '../../../chain/margin/records.ts';
import { marginVaultAbi } from '../../../contracts-abi/index.ts';
import { waitFor } from '../../helpers/node.ts';
import { accountOf, bytes20, E18, evmOf, type MarginWorld, startMarginWorld, usdc } from './world.ts';

const U = 4;
const V = 7;
const HALT_AFTER_MS = 8_000n;
let w: MarginWorld;
beforeAll(async () => {
  w = await startMarginWorld({
    margin: (c) => ({
      ...c,
      domains: c.domains.map((d) => (d.domain === 31338 ? { ...d, haltAfterMs: HALT_AFTER_MS } : d)),
    }),
  });
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

const codeOf = (name: string): number => {
  for (const cs of Object.values(ERROR_TABLE)) if (name in cs) return (cs as Record<string, number>)[name]!;
  throw new Error(`no error code ${name}`);
};
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}` as Hex;

describe('scenario (e): withdrawal refusals, failures and cancellation', () => {
  it('refuses a short vault, restores on a failed final ACK, and restores a cancelled one only when the halted chain resumes', async () => {
    await w.oracle.post({ 'ETH/USD': 3000n * E18, 'USDC/USD': E18 });
    const tokenB = w.b.dep.app.tokens.USDC!;
    const vaultB = w.b.dep.app.vault;
    const withdraw = (amount: bigint) =>
      w.tx(
        V,
        [
          {
            typeUrl: MARGIN_TYPE_URL.MsgWithdraw,
            value: {
              sender: accountOf(V),
              domain: w.b.domain,
              token: bytes20(tokenB),
              amount: amount.toString(),
              recipient: bytes20(evmOf(V)),
            },
          },
        ],
        { simulate: false },
      );
    const settlement = async (sid: Hex) => (await w.get(`/v1/bridge/settlements/${sid}`)).body;
    const vaultStatus = (sid: Hex) =>
      w.b.owner.publicClient.readContract({
        address: vaultB,
        abi: marginVaultAbi,
        functionName: 'settlementStatus',
        args: [sid],
      });

    // ---- 1. a short vault ----
    const ids = [await w.deposit(0, U, 'USDC', usdc(10_000n)), await w.deposit(1, V, 'USDC', usdc(2_000n))];
    for (const id of ids) await w.waitMessage(id, 'final');
    const ar = await w.tx(U, [
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
    expect(ar.code, ar.log).toBe(0);
    await waitFor(async () => ((await w.allowanceOf(1, U)) === 1_000_000_000n ? true : undefined), 40_000);
    const open = await w.trade(1, U, 'ETH-PERP', E18);
    if (!open.ok) throw new Error(`open refused: ${open.errorName}`);
    await w.waitMessage(open.messageId, 'final');
    await w.setMark(1, 'ETH-PERP', usdc(2_700n));
    await w.oracle.post({ 'ETH/USD': 2700n * E18 });
    const close = await w.trade(1, U, 'ETH-PERP', -E18);
    if (!close.ok) throw new Error(`close refused: ${close.errorName}`);
    await w.waitMessage(close.messageId, 'final');
    expect(w.balance(U, 1, 'USDC', 'final')).toBe(-usdc(300n));
    // The loss RELEASE executes and is acknowledged final: releasable = 2 000 − 300.
    await w.conservation(180_000); // a loaded CI machine: the loss RELEASE may take minutes to be acknowledged
    const short = await withdraw(usdc(2_000n));
    expect(short.height).toBeGreaterThan(0); // refused in a block, by its receipt
    expect(short.code).toBe(codeOf('MARGIN_VAULT_SHORT'));
    expect(short.log).toContain('MARGIN_VAULT_SHORT');
    expect(short.log).toContain(`holds ${usdc(1_700n)}`);
    expect(w.balance(V, 1, 'USDC', 'final')).toBe(usdc(2_000n));

    // ---- 2. a RELEASE that fails on chain: restored on the final ACK(failed) ----
    await w.send(w.b.owner, {
      address: vaultB,
      abi: marginVaultAbi,
      functionName: 'setTokenConfig',
      args: [tokenB, true, usdc(100n)],
    });
    const vBefore = await w.tokenBalance(1, 'USDC', evmOf(V));
    const r2 = await withdraw(usdc(500n));
    expect(r2.code, r2.log).toBe(0);
    const sid2 = hex(MsgWithdrawResponseCodec.decode(r2.msgResponses[0]!.value).settlementId);
    expect(w.balance(V, 1, 'USDC', 'final')).toBe(usdc(1_500n));
    const failed = await waitFor(async () => {
      const s = await settlement(sid2);
      return s.ack_status === 'failed' && s.ack_stage === 'final' ? s : undefined;
    }, 40_000);
    expect(failed.ack_detail.length).toBeGreaterThan(2);
    expect(await vaultStatus(sid2)).toBe(2); // FAILED on chain
    await w.afterHeight(w.hub.node.height);
    expect(w.balance(V, 1, 'USDC', 'final')).toBe(usdc(2_000n));
    expect(await w.tokenBalance(1, 'USDC', evmOf(V))).toBe(vBefore);
    await w.send(w.b.owner, {
      address: vaultB,
      abi: marginVaultAbi,
      functionName: 'setTokenConfig',
      args: [tokenB, true, 10n ** 13n],
    });

    // ---- 3. stuck while B is halted, cancelled, restored only when B resumes ----
    await w.stopFinal(1);
    const pendingDeposit = await w.deposit(1, V, 'USDC', usdc(50n));
    await w.waitMessage(pendingDeposit, 'provisional');
    await w.send(w.b.owner, { address: vaultB, abi: marginVaultAbi, functionName: 'pause', args: [] });
    const r3 = await withdraw(usdc(400n));
    expect(r3.code, r3.log).toBe(0);
    const sid3 = hex(MsgWithdrawResponseCodec.decode(r3.msgResponses[0]!.value).settlementId);
    expect(w.balance(V, 1, 'USDC', 'final')).toBe(usdc(1_600n));
    // B's oldest provisional item waits past haltAfterMs: B halts.
    await waitFor(() => (getDomainStatus(w.view(), w.b.domain).haltedByStall ? true : undefined), 40_000);
    const halted = await withdraw(usdc(1n));
    expect(halted.height).toBeGreaterThan(0);
    expect(halted.code).toBe(codeOf('MARGIN_DOMAIN_HALTED'));
    expect((await settlement(sid3)).ack_status).toBe('none');
    expect(await vaultStatus(sid3)).toBe(0); // the paused vault never executed it

    const cr = await w.tx(V, [
      {
        typeUrl: MARGIN_TYPE_URL.MsgCancelSettlement,
        value: { sender: accountOf(V), settlementId: bytes32(sid3) },
      },
    ]);
    expect(cr.code, cr.log).toBe(0);
    await waitFor(async () => ((await vaultStatus(sid3)) === 3 ? true : undefined), 40_000); // CANCELLED on chain
    const cancelled = await waitFor(async () => {
      const s = await settlement(sid3);
      return s.ack_status === 'cancelled' ? s : undefined;
    }, 40_000);
    expect(cancelled.ack_stage).toBe('provisional');
    // B is halted and the ACK is only fast-signed: nothing restored.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(getDomainStatus(w.view(), w.b.domain).haltedByStall).toBe(true);
    expect(w.balance(V, 1, 'USDC', 'final')).toBe(usdc(1_600n));

    // B's final tier resumes: the deposit and the ACK(cancelled) become final; the 400 comes back.
    w.startFinal(1);
    await waitFor(async () => ((await settlement(sid3)).ack_stage === 'final' ? true : undefined), 40_000);
    await w.waitMessage(pendingDeposit, 'final');
    await w.afterHeight(w.hub.node.height);
    expect(getDomainStatus(w.view(), w.b.domain).haltedByStall).toBe(false);
    expect(w.balance(V, 1, 'USDC', 'final')).toBe(usdc(2_050n));

    // Unpaused, the RELEASE is finally delivered: a repeat of a terminal id, no tokens move.
    const vMid = await w.tokenBalance(1, 'USDC', evmOf(V));
    await w.send(w.b.owner, { address: vaultB, abi: marginVaultAbi, functionName: 'unpause', args: [] });
    const releaseId = (await settlement(sid3)).message_id as Hex;
    await waitFor(async () => {
      const done = await w.b.owner.publicClient.readContract({
        address: w.b.dep.core.mailbox,
        abi: deliveredAbi,
        functionName: 'delivered',
        args: [releaseId],
      });
      return done ? true : undefined;
    }, 40_000);
    expect(await w.tokenBalance(1, 'USDC', evmOf(V))).toBe(vMid);
    expect(await vaultStatus(sid3)).toBe(3);

    for (const l of await w.conservation(180_000)) {
      expect(l.imbalance, `${l.domain}/${l.token}`).toBe(0n);
      expect(l.vaultView, `${l.domain}/${l.token}`).toBeLessThanOrEqual(l.onChain);
    }
  }, 600_000);
});

const bytes32 = (h: Hex) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'));

const deliveredAbi = [
  {
    type: 'function',
    name: 'delivered',
    stateMutability: 'view',
    inputs: [{ type: 'bytes32' }],
    outputs: [{ type: 'bool' }],
  },
] as const;
