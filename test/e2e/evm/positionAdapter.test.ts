/**
 * PositionAdapter and the sample markets on anvil, with hub messages delivered through the real
 * Mailbox and the 2-of-3 hub ISM: allowance gating of opens on the chain itself, POSITION reports
 * decoded strictly by `bridge/`, realised gains paid into the vault in the reporting transaction,
 * CLOSE_POSITION within / beyond its price limit, realised losses paid by a RELEASE to the market,
 * pause, and expired options settled at intrinsic value.
 */
import { type Address, createTestClient, type Hex, http, keccak256, parseEventLogs, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  marginVaultAbi,
  mockERC20Abi,
  positionAdapterAbi,
  sampleOptionMarketAbi,
  samplePerpMarketAbi,
} from '../../../contracts-abi/index.ts';
import { addressToBytes32, HUB_DOMAIN, instrumentIdOf } from '../../../devnet/evm/deployUnimargin.ts';
import {
  decodeDetail,
  dispatchedIn,
  type EvmWorld,
  revertError,
  revertName,
  setUpEvmWorld,
} from './fixtures.ts';

const USDC = 10n ** 6n;
const ETH = 10n ** 18n;
const ETH_PERP = instrumentIdOf('ETH-PERP');
const ETH_PUT = instrumentIdOf('ETH-P-2500-30D');

let w: EvmWorld | undefined;
let world: EvmWorld;
let adapter: Address;
let perp: Address;
let options: Address;
let usdc: Address;
let trader: Address;
let sidCounter = 0;
const newSid = (): Hex => keccak256(toHex(`adapter-settlement-${sidCounter++}`));

const read = {
  usdc: (who: Address) =>
    world.owner.publicClient.readContract({
      address: usdc,
      abi: mockERC20Abi,
      functionName: 'balanceOf',
      args: [who],
    }),
  allowance: (who: Address) =>
    world.owner.publicClient.readContract({
      address: adapter,
      abi: positionAdapterAbi,
      functionName: 'allowanceOf',
      args: [who],
    }),
  used: (who: Address) =>
    world.owner.publicClient.readContract({
      address: adapter,
      abi: positionAdapterAbi,
      functionName: 'usedMarginUsdMicro',
      args: [who],
    }),
};

async function trade(market: Address, id: Hex, sizeDelta: bigint) {
  const u = world.user;
  const hash = await u.walletClient.writeContract({
    address: market,
    abi: samplePerpMarketAbi,
    functionName: 'trade',
    args: [id, sizeDelta],
  });
  return await u.publicClient.waitForTransactionReceipt({ hash });
}

const simulateTrade = (market: Address, id: Hex, sizeDelta: bigint) =>
  world.user.publicClient.simulateContract({
    account: world.user.walletClient.account,
    address: market,
    abi: samplePerpMarketAbi,
    functionName: 'trade',
    args: [id, sizeDelta],
  });

async function ownerCall(
  address: Address,
  abi: typeof samplePerpMarketAbi,
  functionName: 'setMark',
  args: readonly [Hex, bigint, bigint],
): Promise<void>;
async function ownerCall(
  address: Address,
  abi: typeof positionAdapterAbi,
  functionName: 'pause' | 'unpause',
): Promise<void>;
async function ownerCall(
  address: Address,
  abi: typeof sampleOptionMarketAbi,
  functionName: 'setSettlementPrice',
  args: readonly [Hex, bigint],
): Promise<void>;
async function ownerCall(
  address: Address,
  abi: readonly unknown[],
  functionName: string,
  args?: readonly unknown[],
): Promise<void> {
  const hash = await world.owner.walletClient.writeContract({
    address,
    abi: abi as typeof positionAdapterAbi,
    functionName: functionName as 'pause',
    ...(args === undefined ? {} : { args: args as never }),
  });
  expect((await world.owner.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
}

async function grantAllowance(amountUsdMicro: bigint, sequence: bigint) {
  const expirySec = (await world.owner.publicClient.getBlock()).timestamp + 86_400n * 365n;
  const sid = newSid();
  const { receipt } = await world.hub.deliver(adapter, {
    kind: 'ALLOWANCE',
    settlementId: sid,
    owner: trader,
    amountUsdMicro,
    sequence,
    expirySec,
  });
  return { sid, receipt };
}

beforeAll(async () => {
  w = await setUpEvmWorld();
  world = w;
  adapter = world.app.adapter;
  perp = world.app.perpMarket;
  options = world.app.optionMarket;
  usdc = world.app.tokens.USDC!;
  trader = world.user.walletClient.account.address;
});

afterAll(async () => {
  await w?.chain.stop();
});

describe('allowance gating', () => {
  it('the adapter names the hub ISM', async () => {
    expect(
      await world.owner.publicClient.readContract({
        address: adapter,
        abi: positionAdapterAbi,
        functionName: 'interchainSecurityModule',
      }),
    ).toBe(world.app.hubIsm);
  });

  it('an open without an allowance is refused on the chain itself', async () => {
    // 1 ETH at $3000 with a 10 % standalone rate needs $300 = 300e6 USD micro
    expect(await revertError(simulateTrade(perp, ETH_PERP, ETH), positionAdapterAbi)).toEqual({
      errorName: 'AllowanceExceeded',
      args: [trader, 300n * USDC, 0n],
    });
  });

  it('ALLOWANCE is applied and ACKed; opens within it report POSITION; beyond it are refused', async () => {
    const { sid, receipt } = await grantAllowance(500n * USDC, 1n);
    expect(dispatchedIn(receipt).map((d) => d.payload)).toEqual([
      { kind: 'ACK', settlementId: sid, status: 'EXECUTED', detail: '0x' },
    ]);
    expect(await read.allowance(trader)).toBe(500n * USDC);

    const r = await trade(perp, ETH_PERP, ETH);
    expect(r.status).toBe('success');
    const [pos, ...rest] = dispatchedIn(r);
    expect(rest).toHaveLength(0);
    expect(pos?.message.sender).toBe(addressToBytes32(adapter));
    expect(pos?.message.destination).toBe(HUB_DOMAIN);
    expect(pos?.payload).toEqual({
      kind: 'POSITION',
      owner: trader.toLowerCase(),
      instrumentId: ETH_PERP,
      size: ETH,
      side: 'LONG',
      entryPrice: 3000n * USDC,
      fundingIndex: 0n,
      realisedPnl: 0n,
      sequence: 1n,
    });
    expect(await read.used(trader)).toBe(300n * USDC);
    // a second ETH would need $600 > $500
    expect(await revertError(simulateTrade(perp, ETH_PERP, ETH), positionAdapterAbi)).toEqual({
      errorName: 'AllowanceExceeded',
      args: [trader, 600n * USDC, 500n * USDC],
    });
  });

  it('a stale ALLOWANCE (sequence not above the applied one) is ACKed failed and changes nothing', async () => {
    const { sid, receipt } = await grantAllowance(10n ** 12n, 1n);
    const [ack] = dispatchedIn(receipt);
    expect(ack?.payload).toMatchObject({ kind: 'ACK', settlementId: sid, status: 'FAILED' });
    expect(decodeDetail(positionAdapterAbi, ack?.payload.kind === 'ACK' ? ack.payload.detail : '0x')).toEqual(
      {
        errorName: 'StaleAllowance',
        args: [trader, 1n, 1n],
      },
    );
    expect(await read.allowance(trader)).toBe(500n * USDC);
  });
});

describe('realised P&L and hub closes', () => {
  it('a realised gain is paid by the market into the vault in the reporting transaction', async () => {
    await ownerCall(perp, samplePerpMarketAbi, 'setMark', [ETH_PERP, 3300n * USDC, 7n]);
    const vaultBefore = await read.usdc(world.app.vault);
    const r = await trade(perp, ETH_PERP, -ETH / 2n);
    // 0.5 ETH × ($3300 − $3000) = $150
    const [pos] = dispatchedIn(r);
    expect(pos?.payload).toEqual({
      kind: 'POSITION',
      owner: trader.toLowerCase(),
      instrumentId: ETH_PERP,
      size: ETH / 2n,
      side: 'LONG',
      entryPrice: 3000n * USDC,
      fundingIndex: 7n,
      realisedPnl: 150n * USDC,
      sequence: 2n,
    });
    expect(await read.usdc(world.app.vault)).toBe(vaultBefore + 150n * USDC);
    const transfers = parseEventLogs({ abi: mockERC20Abi, logs: r.logs, eventName: 'Transfer' });
    expect(transfers.map((t) => [t.args.from, t.args.to, t.args.value])).toEqual([
      [perp, world.app.vault, 150n * USDC],
    ]);
  });

  it('CLOSE_POSITION beyond its price limit is ACKed failed with the market reason', async () => {
    await ownerCall(perp, samplePerpMarketAbi, 'setMark', [ETH_PERP, 2800n * USDC, 7n]);
    const sid = newSid();
    const { receipt } = await world.hub.deliver(adapter, {
      kind: 'CLOSE_POSITION',
      settlementId: sid,
      owner: trader,
      instrumentId: ETH_PERP,
      size: ETH,
      priceLimit: 2900n * USDC,
    });
    expect(receipt.status).toBe('success');
    const out = dispatchedIn(receipt);
    expect(out).toHaveLength(1);
    expect(out[0]?.payload).toMatchObject({ kind: 'ACK', settlementId: sid, status: 'FAILED' });
    const p = out[0]!.payload;
    expect(decodeDetail(samplePerpMarketAbi, p.kind === 'ACK' ? p.detail : '0x')).toEqual({
      errorName: 'PriceBeyondLimit',
      args: [ETH_PERP, 2800n * USDC, 2900n * USDC, true],
    });
  });

  it('CLOSE_POSITION within its limit closes (min of size and position), reports, then ACKs executed', async () => {
    const sid = newSid();
    const { receipt } = await world.hub.deliver(adapter, {
      kind: 'CLOSE_POSITION',
      settlementId: sid,
      owner: trader,
      instrumentId: ETH_PERP,
      size: 5n * ETH,
      priceLimit: 2700n * USDC,
    });
    // 0.5 ETH × ($2800 − $3000) = −$100, a loss the hub settles later with a RELEASE to the market
    expect(dispatchedIn(receipt).map((d) => d.payload)).toEqual([
      {
        kind: 'POSITION',
        owner: trader.toLowerCase(),
        instrumentId: ETH_PERP,
        size: 0n,
        side: 'FLAT',
        entryPrice: 0n,
        fundingIndex: 7n,
        realisedPnl: -100n * USDC,
        sequence: 3n,
      },
      { kind: 'ACK', settlementId: sid, status: 'EXECUTED', detail: '0x' },
    ]);
    expect(await read.used(trader)).toBe(0n);
    const marketBefore = await read.usdc(perp);
    const release = await world.hub.deliver(world.app.vault, {
      kind: 'RELEASE',
      settlementId: newSid(),
      token: usdc,
      recipient: perp,
      amount: 100n * USDC,
      toMarket: true,
    });
    expect(dispatchedIn(release.receipt)[0]?.payload).toMatchObject({ kind: 'ACK', status: 'EXECUTED' });
    const [rel] = parseEventLogs({ abi: marginVaultAbi, logs: release.receipt.logs, eventName: 'Released' });
    expect(rel?.args.toMarket).toBe(true);
    expect(await read.usdc(perp)).toBe(marketBefore + 100n * USDC);
  });

  it('CLOSE_POSITION with nothing to close, or for an unlisted instrument, is ACKed failed', async () => {
    const cases: [
      string,
      Hex,
      { abi: typeof samplePerpMarketAbi | typeof positionAdapterAbi; errorName: string },
    ][] = [
      ['flat position', ETH_PERP, { abi: samplePerpMarketAbi, errorName: 'NoPosition' }],
      ['unlisted', instrumentIdOf('DOGE-PERP'), { abi: positionAdapterAbi, errorName: 'UnknownInstrument' }],
    ];
    for (const [name, instrumentId, want] of cases) {
      const sid = newSid();
      const { receipt } = await world.hub.deliver(adapter, {
        kind: 'CLOSE_POSITION',
        settlementId: sid,
        owner: trader,
        instrumentId,
        size: ETH,
        priceLimit: 0n,
      });
      const [ack] = dispatchedIn(receipt);
      expect(ack?.payload, name).toMatchObject({ kind: 'ACK', settlementId: sid, status: 'FAILED' });
      const detail = decodeDetail(want.abi, ack?.payload.kind === 'ACK' ? ack.payload.detail : '0x');
      expect(detail.errorName, name).toBe(want.errorName);
    }
  });

  it('only the listed market may report', async () => {
    const u = world.user;
    const err = await u.publicClient
      .simulateContract({
        account: u.walletClient.account,
        address: adapter,
        abi: positionAdapterAbi,
        functionName: 'reportPosition',
        args: [trader, ETH_PERP, 0n, 0n, 0n, 10n ** 9n],
      })
      .catch((e: unknown) => e);
    expect(String(err)).toContain('NotListedMarket');
  });
});

describe('pause', () => {
  it('paused: opens refused, reductions allowed, CLOSE delivery reverts, ALLOWANCE still applies', async () => {
    await grantAllowance(10_000n * USDC, 2n);
    await trade(perp, ETH_PERP, ETH);
    await ownerCall(adapter, positionAdapterAbi, 'pause');
    expect(await revertName(simulateTrade(perp, ETH_PERP, ETH), positionAdapterAbi)).toMatch(/paused/);
    expect((await trade(perp, ETH_PERP, -ETH / 4n)).status).toBe('success');
    const close = world.hub.prepare(adapter, {
      kind: 'CLOSE_POSITION',
      settlementId: newSid(),
      owner: trader,
      instrumentId: ETH_PERP,
      size: ETH,
      priceLimit: 0n,
    });
    await expect(world.hub.simulate(close)).rejects.toThrow(/paused/);
    const { receipt } = await grantAllowance(20_000n * USDC, 3n);
    expect(dispatchedIn(receipt)[0]?.payload).toMatchObject({ kind: 'ACK', status: 'EXECUTED' });
    await ownerCall(adapter, positionAdapterAbi, 'unpause');
    const r = await world.hub.process(close);
    expect(dispatchedIn(r).map((d) => d.payload.kind)).toEqual(['POSITION', 'ACK']);
  });
});

describe('options', () => {
  it('a short put is gated on underlying notional and settles at intrinsic value after expiry', async () => {
    // 1 put × $3000 underlying × 15 % = $450 of standalone margin
    const r = await trade(options, ETH_PUT, -ETH);
    const [pos] = dispatchedIn(r);
    expect(pos?.payload).toMatchObject({
      kind: 'POSITION',
      size: ETH,
      side: 'SHORT',
      entryPrice: 40n * USDC,
    });
    expect(await read.used(trader)).toBe(450n * USDC);
    const test = createTestClient({ mode: 'anvil', transport: http(world.chain.rpcUrl) });
    await test.increaseTime({ seconds: 31 * 86_400 });
    await test.mine({ blocks: 1 });
    expect(await revertName(simulateTrade(options, ETH_PUT, ETH), sampleOptionMarketAbi)).toBe(
      'OptionExpired',
    );
    await ownerCall(options, sampleOptionMarketAbi, 'setSettlementPrice', [ETH_PUT, 2400n * USDC]);
    // anyone may settle: intrinsic = $2500 − $2400 = $100; short from $40 realises −$60
    const hash = await world.user2.walletClient.writeContract({
      address: options,
      abi: sampleOptionMarketAbi,
      functionName: 'settleExpired',
      args: [trader, ETH_PUT],
    });
    const s = await world.user2.publicClient.waitForTransactionReceipt({ hash });
    expect(dispatchedIn(s)[0]?.payload).toMatchObject({
      kind: 'POSITION',
      size: 0n,
      side: 'FLAT',
      realisedPnl: -60n * USDC,
      sequence: 2n,
    });
  });
});
