/**
 * MarginVault on anvil with the real Mailbox and a real 2-of-3 StaticMessageIdMultisigIsm of hub
 * validators: deposits dispatch a well-formed DEPOSIT (decoded by `bridge/`'s strict codec); RELEASE,
 * CANCEL and their ACKs go through `Mailbox.process` with checkpoints signed by `bridge/` helpers;
 * repeats, cancel-before-release, cap, pause and the delivery guards.
 */
import { type Address, createTestClient, type Hex, http, keccak256, pad, parseEventLogs, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marginVaultAbi, mockERC20Abi } from '../../../contracts-abi/index.ts';
import { mailboxAbi } from '../../../devnet/evm/deployHyperlane.ts';
import { addressToBytes32, HUB_DOMAIN } from '../../../devnet/evm/deployUnimargin.ts';
import { ANVIL_KEYS } from '../../helpers/anvil.ts';
import {
  decodeDetail,
  dispatchedIn,
  type EvmWorld,
  LOCAL_DOMAIN,
  revertName,
  setUpEvmWorld,
} from './fixtures.ts';
import { HUB_VALIDATOR_KEYS, TEST_HUB_SENDER } from './hubSim.ts';

let w: EvmWorld | undefined;
let world: EvmWorld;
let usdc: Address;
let weth: Address;
let vault: Address;
let sidCounter = 0;
const newSid = (): Hex => keccak256(toHex(`settlement-${sidCounter++}`));
// A fresh recipient per test keeps balance assertions independent.
let recipientCounter = 0;
const freshRecipient = (): Address =>
  `0x${(0xabc000 + recipientCounter++).toString(16).padStart(40, '0')}` as Address;

const balanceOf = (token: Address, who: Address) =>
  world.owner.publicClient.readContract({
    address: token,
    abi: mockERC20Abi,
    functionName: 'balanceOf',
    args: [who],
  });
const statusOf = (sid: Hex) =>
  world.owner.publicClient.readContract({
    address: vault,
    abi: marginVaultAbi,
    functionName: 'settlementStatus',
    args: [sid],
  });
async function ownerWrite(functionName: 'pause' | 'unpause'): Promise<void>;
async function ownerWrite(
  functionName: 'setTokenConfig',
  args: readonly [Address, boolean, bigint],
): Promise<void>;
async function ownerWrite(functionName: string, args?: readonly unknown[]): Promise<void> {
  const hash = await world.owner.walletClient.writeContract({
    address: vault,
    abi: marginVaultAbi,
    functionName: functionName as 'pause',
    ...(args === undefined ? {} : { args: args as never }),
  });
  const r = await world.owner.publicClient.waitForTransactionReceipt({ hash });
  expect(r.status).toBe('success');
}

beforeAll(async () => {
  w = await setUpEvmWorld();
  world = w;
  usdc = world.app.tokens.USDC!;
  weth = world.app.tokens.WETH!;
  vault = world.app.vault;
  // Fund the vault through a real deposit so that releases have something to move.
  const u = world.user;
  for (const [fn, args] of [
    ['mint', [u.walletClient.account.address, 1_000_000n * 10n ** 6n]],
    ['approve', [vault, 2n ** 256n - 1n]],
  ] as const) {
    const hash = await u.walletClient.writeContract({
      address: usdc,
      abi: mockERC20Abi,
      functionName: fn,
      args,
    });
    await u.publicClient.waitForTransactionReceipt({ hash });
  }
  const hash = await u.walletClient.writeContract({
    address: vault,
    abi: marginVaultAbi,
    functionName: 'deposit',
    args: [usdc, 100_000n * 10n ** 6n],
  });
  expect((await u.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
});

afterAll(async () => {
  await w?.chain.stop();
});

describe('deposit', () => {
  it('pulls the tokens and dispatches a DEPOSIT the hub codec decodes strictly', async () => {
    const u = world.user;
    const amount = 250_000n * 10n ** 6n;
    const vaultBefore = await balanceOf(usdc, vault);
    const nonceBefore = await u.publicClient.readContract({
      address: vault,
      abi: marginVaultAbi,
      functionName: 'depositNonce',
    });
    const hash = await u.walletClient.writeContract({
      address: vault,
      abi: marginVaultAbi,
      functionName: 'deposit',
      args: [usdc, amount],
    });
    const receipt = await u.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    const [d, ...rest] = dispatchedIn(receipt);
    expect(rest).toHaveLength(0);
    expect(d?.message.origin).toBe(LOCAL_DOMAIN);
    expect(d?.message.destination).toBe(HUB_DOMAIN);
    expect(d?.message.sender).toBe(addressToBytes32(vault));
    expect(d?.message.recipient).toBe(TEST_HUB_SENDER);
    expect(d?.payload).toEqual({
      kind: 'DEPOSIT',
      depositor: u.walletClient.account.address.toLowerCase(),
      token: usdc.toLowerCase(),
      amount,
      depositNonce: nonceBefore,
    });
    expect(await balanceOf(usdc, vault)).toBe(vaultBefore + amount);
    // the message id in the Deposited event is the one the mailbox dispatched
    const [ev] = parseEventLogs({ abi: marginVaultAbi, logs: receipt.logs, eventName: 'Deposited' });
    expect(ev?.args.messageId).toBe(keccak256(d!.raw));
  });

  it('depositFor credits the named depositor; disabled tokens and zero amounts are refused', async () => {
    const u = world.user;
    const beneficiary = world.user2.walletClient.account.address;
    const hash = await u.walletClient.writeContract({
      address: vault,
      abi: marginVaultAbi,
      functionName: 'depositFor',
      args: [usdc, 5n * 10n ** 6n, beneficiary],
    });
    const [d] = dispatchedIn(await u.publicClient.waitForTransactionReceipt({ hash }));
    expect(d?.payload.kind === 'DEPOSIT' && d.payload.depositor).toBe(beneficiary.toLowerCase());

    await ownerWrite('setTokenConfig', [weth, false, 10n ** 30n]);
    expect(
      await revertName(
        u.publicClient.simulateContract({
          account: u.walletClient.account,
          address: vault,
          abi: marginVaultAbi,
          functionName: 'deposit',
          args: [weth, 1n],
        }),
        marginVaultAbi,
      ),
    ).toBe('TokenNotEnabled');
    expect(
      await revertName(
        u.publicClient.simulateContract({
          account: u.walletClient.account,
          address: vault,
          abi: marginVaultAbi,
          functionName: 'deposit',
          args: [usdc, 0n],
        }),
        marginVaultAbi,
      ),
    ).toBe('ZeroDeposit');
  });
});

describe('RELEASE through Mailbox.process with the hub MessageId ISM', () => {
  it('the vault names the hub ISM, and the mailbox uses it for the vault', async () => {
    const ism = await world.owner.publicClient.readContract({
      address: vault,
      abi: marginVaultAbi,
      functionName: 'interchainSecurityModule',
    });
    expect(ism).toBe(world.app.hubIsm);
    const recipientIsm = await world.owner.publicClient.readContract({
      address: world.core.mailbox,
      abi: mailboxAbi,
      functionName: 'recipientIsm',
      args: [vault],
    });
    expect(recipientIsm).toBe(world.app.hubIsm);
    expect(recipientIsm).not.toBe(world.core.defaultIsm);
  });

  it('moves the tokens and dispatches ACK(executed); a repeated settlement id is ignored', async () => {
    const sid = newSid();
    const to = freshRecipient();
    const amount = 1234n * 10n ** 6n;
    const vaultBefore = await balanceOf(usdc, vault);
    const { prepared, receipt } = await world.hub.deliver(vault, {
      kind: 'RELEASE',
      settlementId: sid,
      token: usdc,
      recipient: to,
      amount,
      toMarket: false,
    });
    expect(receipt.status).toBe('success');
    expect(await balanceOf(usdc, to)).toBe(amount);
    expect(await balanceOf(usdc, vault)).toBe(vaultBefore - amount);
    expect(await statusOf(sid)).toBe(1);
    const [ack, ...rest] = dispatchedIn(receipt);
    expect(rest).toHaveLength(0);
    expect(ack?.payload).toEqual({ kind: 'ACK', settlementId: sid, status: 'EXECUTED', detail: '0x' });
    expect(ack?.message.destination).toBe(HUB_DOMAIN);
    expect(
      await world.owner.publicClient.readContract({
        address: world.core.mailbox,
        abi: mailboxAbi,
        functionName: 'delivered',
        args: [prepared.id],
      }),
    ).toBe(true);

    // the hub re-dispatches the same settlement id under a new message: nothing moves, no second ACK
    const again = await world.hub.deliver(vault, {
      kind: 'RELEASE',
      settlementId: sid,
      token: usdc,
      recipient: to,
      amount,
      toMarket: false,
    });
    expect(again.receipt.status).toBe('success');
    expect(await balanceOf(usdc, to)).toBe(amount);
    expect(dispatchedIn(again.receipt)).toHaveLength(0);
    const ignored = parseEventLogs({
      abi: marginVaultAbi,
      logs: again.receipt.logs,
      eventName: 'SettlementRepeatIgnored',
    });
    expect(ignored.map((e) => [e.args.settlementId, e.args.status])).toEqual([[sid, 1]]);

    // the same message again is refused by the mailbox itself (delivered once)
    await expect(world.hub.simulate(prepared)).rejects.toThrow(/already delivered/);
  });

  it('CANCEL before RELEASE: ACK(cancelled) for the target, ACK(executed) for the cancel; the RELEASE is then a no-op', async () => {
    const target = newSid();
    const cancelId = newSid();
    const to = freshRecipient();
    const cancel = await world.hub.deliver(vault, {
      kind: 'CANCEL',
      settlementId: cancelId,
      targetSettlementId: target,
    });
    expect(cancel.receipt.status).toBe('success');
    expect(dispatchedIn(cancel.receipt).map((d) => d.payload)).toEqual([
      { kind: 'ACK', settlementId: target, status: 'CANCELLED', detail: '0x' },
      { kind: 'ACK', settlementId: cancelId, status: 'EXECUTED', detail: '0x' },
    ]);
    expect(await statusOf(target)).toBe(3);
    const late = await world.hub.deliver(vault, {
      kind: 'RELEASE',
      settlementId: target,
      token: usdc,
      recipient: to,
      amount: 10n ** 6n,
      toMarket: false,
    });
    expect(late.receipt.status).toBe('success');
    expect(await balanceOf(usdc, to)).toBe(0n);
    expect(dispatchedIn(late.receipt)).toHaveLength(0);
    expect(await statusOf(target)).toBe(3);
  });

  it('CANCEL after execution fails with CancelTargetTerminal and leaves the executed status', async () => {
    const target = newSid();
    await world.hub.deliver(vault, {
      kind: 'RELEASE',
      settlementId: target,
      token: usdc,
      recipient: freshRecipient(),
      amount: 1n,
      toMarket: false,
    });
    const cancelId = newSid();
    const { receipt } = await world.hub.deliver(vault, {
      kind: 'CANCEL',
      settlementId: cancelId,
      targetSettlementId: target,
    });
    const [ack, ...rest] = dispatchedIn(receipt);
    expect(rest).toHaveLength(0);
    expect(ack?.payload.kind === 'ACK' && ack.payload.status).toBe('FAILED');
    expect(ack?.payload.kind === 'ACK' && ack.payload.settlementId).toBe(cancelId);
    const detail = decodeDetail(marginVaultAbi, ack?.payload.kind === 'ACK' ? ack.payload.detail : '0x');
    expect(detail).toEqual({ errorName: 'CancelTargetTerminal', args: [target, 1] });
    expect(await statusOf(target)).toBe(1);
  });

  it('insufficient vault balance is a business failure: delivered, ACK(failed) with the figures', async () => {
    const sid = newSid();
    const balance = await balanceOf(weth, vault);
    const amount = balance + 1n;
    const { receipt } = await world.hub.deliver(vault, {
      kind: 'RELEASE',
      settlementId: sid,
      token: weth,
      recipient: freshRecipient(),
      amount,
      toMarket: false,
    });
    expect(receipt.status).toBe('success');
    const [ack] = dispatchedIn(receipt);
    expect(ack?.payload.kind === 'ACK' && ack.payload.status).toBe('FAILED');
    const detail = decodeDetail(marginVaultAbi, ack?.payload.kind === 'ACK' ? ack.payload.detail : '0x');
    expect(detail).toEqual({ errorName: 'InsufficientVaultBalance', args: [weth, amount, balance] });
    expect(await statusOf(sid)).toBe(2);
  });

  it('a RELEASE naming something that is not a token is ACKed failed, not stuck', async () => {
    const noCode: Address = '0x000000000000000000000000000000000000dEaD';
    const unconfigured: Address = '0x000000000000000000000000000000000000bEEF';
    // a token never configured has cap 0; give the other two an unlimited cap to reach the token checks
    await ownerWrite('setTokenConfig', [noCode, false, 2n ** 256n - 1n]);
    await ownerWrite('setTokenConfig', [world.core.mailbox, false, 2n ** 256n - 1n]);
    const cases: [string, Address, string][] = [
      ['unconfigured (cap 0)', unconfigured, 'ReleaseCapExceeded'],
      ['no code', noCode, 'TransferFailed'],
      ['a contract without balanceOf', world.core.mailbox, 'TransferFailed'],
    ];
    for (const [name, token, errorName] of cases) {
      const sid = newSid();
      const { receipt } = await world.hub.deliver(vault, {
        kind: 'RELEASE',
        settlementId: sid,
        token,
        recipient: freshRecipient(),
        amount: 1n,
        toMarket: false,
      });
      expect(receipt.status, name).toBe('success');
      const [ack] = dispatchedIn(receipt);
      expect(ack?.payload, name).toMatchObject({ kind: 'ACK', settlementId: sid, status: 'FAILED' });
      const detail = decodeDetail(marginVaultAbi, ack?.payload.kind === 'ACK' ? ack.payload.detail : '0x');
      expect(detail.errorName, name).toBe(errorName);
    }
  });

  it('per-hour release cap: over the remaining cap fails, the next hour window allows it', async () => {
    const cap = 1000n * 10n ** 6n;
    await ownerWrite('setTokenConfig', [usdc, true, cap]);
    const test = createTestClient({ mode: 'anvil', transport: http(world.chain.rpcUrl) });
    // start at the beginning of an hour window so that the two releases below share it
    const now = (await world.owner.publicClient.getBlock()).timestamp;
    await test.setNextBlockTimestamp({ timestamp: (now / 3600n + 1n) * 3600n + 1n });
    await test.mine({ blocks: 1 });
    const rel = (sid: Hex, amount: bigint, to: Address) =>
      world.hub.deliver(vault, {
        kind: 'RELEASE',
        settlementId: sid,
        token: usdc,
        recipient: to,
        amount,
        toMarket: false,
      });
    const first = await rel(newSid(), 700n * 10n ** 6n, freshRecipient());
    expect(dispatchedIn(first.receipt)[0]?.payload).toMatchObject({ kind: 'ACK', status: 'EXECUTED' });
    const to = freshRecipient();
    const sid = newSid();
    const second = await rel(sid, 400n * 10n ** 6n, to);
    const [ack] = dispatchedIn(second.receipt);
    expect(ack?.payload).toMatchObject({ kind: 'ACK', status: 'FAILED' });
    const detail = decodeDetail(marginVaultAbi, ack?.payload.kind === 'ACK' ? ack.payload.detail : '0x');
    expect(detail).toEqual({
      errorName: 'ReleaseCapExceeded',
      args: [usdc, 400n * 10n ** 6n, 700n * 10n ** 6n, cap],
    });
    expect(await balanceOf(usdc, to)).toBe(0n);
    // an hour later the window is fresh: a new settlement of the same amount executes
    await test.increaseTime({ seconds: 3600 });
    await test.mine({ blocks: 1 });
    const third = await rel(newSid(), 400n * 10n ** 6n, to);
    expect(dispatchedIn(third.receipt)[0]?.payload).toMatchObject({ kind: 'ACK', status: 'EXECUTED' });
    expect(await balanceOf(usdc, to)).toBe(400n * 10n ** 6n);
    await ownerWrite('setTokenConfig', [usdc, true, 10n ** 30n]);
  });

  it('pause: deposits refused, RELEASE delivery reverts (retried after unpause), CANCEL still works', async () => {
    await ownerWrite('pause');
    const u = world.user;
    expect(
      await revertName(
        u.publicClient.simulateContract({
          account: u.walletClient.account,
          address: vault,
          abi: marginVaultAbi,
          functionName: 'deposit',
          args: [usdc, 1n],
        }),
        marginVaultAbi,
      ),
    ).toMatch(/paused/);
    const sid = newSid();
    const to = freshRecipient();
    const p = world.hub.prepare(vault, {
      kind: 'RELEASE',
      settlementId: sid,
      token: usdc,
      recipient: to,
      amount: 3n,
      toMarket: false,
    });
    await expect(world.hub.simulate(p)).rejects.toThrow(/paused/);
    const cancelled = newSid();
    const c = await world.hub.deliver(vault, {
      kind: 'CANCEL',
      settlementId: newSid(),
      targetSettlementId: cancelled,
    });
    expect(c.receipt.status).toBe('success');
    expect(await statusOf(cancelled)).toBe(3);
    await ownerWrite('unpause');
    // the very same signed message now goes through
    const r = await world.hub.process(p);
    expect(r.status).toBe('success');
    expect(await balanceOf(usdc, to)).toBe(3n);
  });
});

describe('delivery guards', () => {
  it('handle() only from the mailbox', async () => {
    const u = world.user;
    expect(
      await revertName(
        u.publicClient.simulateContract({
          account: u.walletClient.account,
          address: vault,
          abi: marginVaultAbi,
          functionName: 'handle',
          args: [HUB_DOMAIN, TEST_HUB_SENDER, '0x14'],
        }),
        marginVaultAbi,
      ),
    ).toBe('NotMailbox');
  });

  const release = (): Parameters<typeof world.hub.prepare>[1] => ({
    kind: 'RELEASE',
    settlementId: newSid(),
    token: usdc,
    recipient: freshRecipient(),
    amount: 1n,
    toMarket: false,
  });

  it('a validly signed message from another origin is refused by the vault (NotHubOrigin)', async () => {
    const p = world.hub.prepare(vault, release(), { origin: 1 });
    const err = await world.hub.simulate(p).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect(await revertName(Promise.reject(err), marginVaultAbi)).toBe('NotHubOrigin');
  });

  it('a validly signed message from another hub sender is refused (NotHubSender)', async () => {
    const p = world.hub.prepare(vault, release(), { sender: pad('0xbad', { size: 32 }) });
    expect(await revertName(world.hub.simulate(p), marginVaultAbi)).toBe('NotHubSender');
  });

  it('signatures below threshold, out of validator order, or by non-validators fail the ISM', async () => {
    // Hyperlane's ISM reverts without data when a signature the threshold needs is missing (it slices
    // past the metadata's end), and with "!threshold" when the signers do not match in list order.
    const cases: [string, Hex[], string][] = [
      ['one signature', [HUB_VALIDATOR_KEYS[0]!], 'execution reverted'],
      ['misordered', [HUB_VALIDATOR_KEYS[1]!, HUB_VALIDATOR_KEYS[0]!], '!threshold'],
      ['not validators', [ANVIL_KEYS[3], ANVIL_KEYS[4]], '!threshold'],
      ['validator twice', [HUB_VALIDATOR_KEYS[0]!, HUB_VALIDATOR_KEYS[0]!], '!threshold'],
    ];
    for (const [name, signers, reason] of cases) {
      const p = world.hub.prepare(vault, release(), { signers });
      expect(await revertName(world.hub.simulate(p), marginVaultAbi), name).toBe(reason);
    }
    // the well-signed twin of such a message goes through
    const ok = await world.hub.deliver(vault, release());
    expect(ok.receipt.status).toBe('success');
  });

  it('a body too short for a settlement id is ignored without reverting delivery', async () => {
    const { receipt } = await world.hub.deliver(vault, '0x11');
    expect(receipt.status).toBe('success');
    expect(dispatchedIn(receipt)).toHaveLength(0);
    const ev = parseEventLogs({ abi: marginVaultAbi, logs: receipt.logs, eventName: 'PayloadIgnored' });
    expect(ev.map((e) => [e.args.kind, e.args.length])).toEqual([[0x11, 1n]]);
  });

  it('an outbound kind the vault does not execute is ACKed failed (UnsupportedKind)', async () => {
    const sid = newSid();
    const { receipt } = await world.hub.deliver(vault, {
      kind: 'ALLOWANCE',
      settlementId: sid,
      owner: world.user.walletClient.account.address,
      amountUsdMicro: 1n,
      sequence: 1n,
      expirySec: 1n,
    });
    const [ack] = dispatchedIn(receipt);
    expect(ack?.payload).toMatchObject({ kind: 'ACK', settlementId: sid, status: 'FAILED' });
    const detail = decodeDetail(marginVaultAbi, ack?.payload.kind === 'ACK' ? ack.payload.detail : '0x');
    expect(detail).toEqual({ errorName: 'UnsupportedKind', args: [0x13] });
  });
});
