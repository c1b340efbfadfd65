/**
 * The feeder's observations verify with the hub's own signer recovery (`chain/oracle`) and with an
 * independent encoding (ethers 5's AbiCoder + viem's EIP-191 recovery); the price path is
 * deterministic per seed and applies shocks.
 */
import { utils as ethersUtils } from 'ethers';
import { hexToBytes, recoverMessageAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  observationHash as hubObservationHash,
  observationSigner,
} from '../../../chain/oracle/observation.ts';
import { devnetAddress, devnetKey, KEY_INDEX } from '../../../devnet/keys.ts';
import { feedValues, observationHash, PricePath, signObservation, toE18 } from '../../../devnet/oracle.ts';

describe('oracle observations', () => {
  const key = devnetKey(KEY_INDEX.oracleSigner(0));
  const cases: [string, string, bigint, bigint, bigint][] = [
    ['spot', 'ETH/USD', toE18(3012.5), toE18(0.99), 1_800_000_000_123n],
    ['negative value', 'ETH/USD:svi.rho:1800000000', toE18(-0.3), toE18(0.99), 1_800_000_000_000n],
    ['zero', 'ETH/USD:svi.m:1800000000', 0n, 10n ** 18n, 1n],
    [
      'a feed longer than one ABI word',
      `BTC/USD:svi.sigma:${'9'.repeat(40)}`,
      toE18(0.4),
      toE18(0.5),
      2n ** 63n,
    ],
  ];
  for (const [name, feed, value, conf, ts] of cases) {
    it(`${name}: the hub recovers the signer, and so does an independent encoding`, async () => {
      const o = await signObservation(key, 'unimargin-devnet-1', feed, value, conf, ts);
      expect(o.signer).toBe(devnetAddress(KEY_INDEX.oracleSigner(0)).toLowerCase());
      expect(observationHash('unimargin-devnet-1', feed, value, conf, ts)).toEqual(
        hubObservationHash('unimargin-devnet-1', feed, value, conf, ts),
      );
      const recovered = observationSigner(
        'unimargin-devnet-1',
        {
          feed,
          value: value.toString(),
          confidence: conf.toString(),
          timestampMs: ts,
          signature: hexToBytes(o.signature),
        },
        value,
        conf,
      );
      expect(recovered && ethersUtils.hexlify(recovered)).toBe(o.signer);
      const encoded = ethersUtils.defaultAbiCoder.encode(
        ['string', 'string', 'string', 'int256', 'uint256', 'uint64'],
        ['UNIMARGIN_ORACLE', 'unimargin-devnet-1', feed, value.toString(), conf.toString(), ts.toString()],
      );
      const hash = ethersUtils.keccak256(encoded) as `0x${string}`;
      expect(
        (await recoverMessageAddress({ message: { raw: hash }, signature: o.signature })).toLowerCase(),
      ).toBe(o.signer);
      // Signed for another chain id: the hub recovers someone else.
      const other = observationSigner(
        'other-chain',
        {
          feed,
          value: value.toString(),
          confidence: conf.toString(),
          timestampMs: ts,
          signature: hexToBytes(o.signature),
        },
        value,
        conf,
      );
      expect(other && ethersUtils.hexlify(other)).not.toBe(o.signer);
    });
  }
});

describe('price path', () => {
  const unders = [
    { symbol: 'ETH', startUsd: 3000, vol: 0.6, expiriesSec: [1_900_000_000] },
    { symbol: 'BTC', startUsd: 60_000, vol: 0.5, expiriesSec: [] },
  ];
  it('is deterministic per seed and differs across seeds', () => {
    const a = new PricePath(unders, 6);
    const b = new PricePath(unders, 6);
    const c = new PricePath(unders, 7);
    const sa = Array.from({ length: 20 }, () => a.step(1000).get('ETH'));
    const sb = Array.from({ length: 20 }, () => b.step(1000).get('ETH'));
    const sc = Array.from({ length: 20 }, () => c.step(1000).get('ETH'));
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    // One-second steps at 60 % annual vol move a few basis points, not percent.
    for (const p of sa) expect(Math.abs(p! / 3000 - 1)).toBeLessThan(0.02);
  });
  it('applies a shock at the next step only', () => {
    const p = new PricePath(unders, 1);
    const before = p.current().get('ETH')!;
    p.shock('ETH', 0.7);
    const after = p.step(1).get('ETH')!;
    expect(after / before).toBeCloseTo(0.7, 3);
    const next = p.step(1).get('ETH')!;
    expect(next / after).toBeCloseTo(1, 3);
    expect(() => p.shock('DOGE', 2)).toThrow(/unknown underlying DOGE/);
    expect(() => p.shock('ETH', 0)).toThrow(/must be > 0/);
  });
  it('publishes spot and forward every round; rate, SVI and USDC/USD on slow rounds', () => {
    const feeds = feedValues(
      unders,
      new Map([
        ['ETH', 3000],
        ['BTC', 60_000],
      ]),
      1_900_000_000 - 365 * 86_400,
    );
    const names = feeds.map((f) => f.feed);
    expect(names).toEqual([
      'ETH/USD',
      'ETH/USD:fwd:1900000000',
      'ETH/USD:rate:1900000000',
      'ETH/USD:svi.a:1900000000',
      'ETH/USD:svi.b:1900000000',
      'ETH/USD:svi.rho:1900000000',
      'ETH/USD:svi.m:1900000000',
      'ETH/USD:svi.sigma:1900000000',
      'BTC/USD',
      'USDC/USD',
    ]);
    const fast = feedValues(
      unders,
      new Map([
        ['ETH', 3000],
        ['BTC', 60_000],
      ]),
      1_900_000_000 - 365 * 86_400,
      false,
    );
    expect(fast.map((f) => f.feed)).toEqual(['ETH/USD', 'ETH/USD:fwd:1900000000', 'BTC/USD']);
    // One year at 5 %: F = S·e^{0.05}.
    expect(feeds[1]!.value).toBeCloseTo(3000 * Math.E ** 0.05, 6);
  });
  it('after an expiry: no forward, rate or smile, its settlement price fixed at the first step', () => {
    const settlements = new Map<string, number>();
    const at = (eth: number, nowSec: number, slow: boolean) =>
      feedValues(
        unders,
        new Map([
          ['ETH', eth],
          ['BTC', 60_000],
        ]),
        nowSec,
        slow,
        0.05,
        settlements,
      );
    const first = at(2900, 1_900_000_000, false);
    expect(first.map((f) => f.feed)).toEqual(['ETH/USD', 'ETH/USD:settle:1900000000', 'BTC/USD']);
    expect(first[1]!.value).toBe(2900);
    // Later fast rounds leave it out; slow rounds repeat the fixed value, whatever spot does.
    expect(at(3100, 1_900_000_001, false).map((f) => f.feed)).toEqual(['ETH/USD', 'BTC/USD']);
    const slow = at(3100, 1_900_000_010, true);
    expect(slow.find((f) => f.feed === 'ETH/USD:settle:1900000000')?.value).toBe(2900);
    expect(slow.some((f) => f.feed.includes(':fwd:') || f.feed.includes(':svi.'))).toBe(false);
  });
});
