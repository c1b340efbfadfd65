/**
 * Equity after haircuts, by hand: settlement cash exact (with the provisional haircut applied in
 * bigint), debts at full value, underlying-linked collateral at spot/stable after its tier (and the
 * domain's provisional haircut), a priced stablecoin, a lending position (haircut on the supply,
 * none on the borrow). Plus the provisional rule on the requirement.
 */
import { describe, expect, it } from 'vitest';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  marginAccount,
  type Portfolio,
  toE18,
} from '../../../chain/risk/index.ts';
import { fixtureParams, fixtureSnapshot, fixtureUniverse } from './support/fixture.ts';

const cp = compileRiskParams(fixtureParams());
const arrays = buildRiskArrays(fixtureSnapshot(), buildUniverse(fixtureUniverse(), cp), cp);

const portfolio: Portfolio = {
  collateral: [
    { domain: 1, token: 'USDC', stage: 'final', amount: 1_000_000_000n },
    { domain: 1, token: 'USDC', stage: 'provisional', amount: 500_000_000n },
    { domain: 10, token: 'USDC', stage: 'final', amount: -200_000_000n },
    { domain: 1, token: 'WETH', stage: 'final', amount: toE18('2') },
    { domain: 42161, token: 'WETH', stage: 'provisional', amount: toE18('1') },
    { domain: 1, token: 'USDT', stage: 'final', amount: 1_000_000_000n },
  ],
  options: [],
  perps: [],
  lending: [
    { id: 'aave', domain: 1, token: 'WBTC', stage: 'final', supplied: 50_000_000n, borrowed: 10_000_000n },
  ],
};

describe('equity after haircuts', () => {
  it('adds each line as the README states', () => {
    const m = marginAccount(portfolio, arrays);
    // Cash: 1000 + 500·(1 − 5 %) − 200, exact.
    expect(m.raw.cashMicro).toBe(1_275_000_000n);
    // WETH 2·3000·0.9 + 1·3000·(1 − 10 % − 3 %) + USDT 1000·0.9995·0.98 + WBTC 0.5·60000·0.9 − 0.1·60000.
    const other = 2 * 3000 * 0.9 + 3000 * 0.87 + 1000 * 0.9995 * 0.98 + 0.5 * 60000 * 0.9 - 0.1 * 60000;
    expect(Math.abs(m.raw.equity - (1275 + other))).toBeLessThan(1e-9);
    const expected = 1_275_000_000n + BigInt(Math.floor(other * 1e6));
    expect(m.equity === expected || m.equity === expected - 1n, `${m.equity} vs ${expected}`).toBe(true);
    // MtM: the non-settlement lines before haircuts.
    expect(Math.abs(m.raw.mtm - (3 * 3000 + 999.5 + 0.4 * 60000))).toBeLessThan(1e-9);
  });

  it('provisional collateral adds risk at once: the requirement binds on all items', () => {
    const withProv = marginAccount(portfolio, arrays);
    const finalOnly = marginAccount(
      { ...portfolio, collateral: portfolio.collateral.filter((c) => c.stage === 'final') },
      arrays,
    );
    expect(withProv.binding).toBe('all');
    expect(withProv.mm).toBeGreaterThan(finalOnly.mm);
  });

  it('a provisional hedge gives no relief: the requirement binds on final items', () => {
    // Short 3 ETH perp (final) hedged by 3 WETH of which 1 is provisional.
    const hedge: Portfolio = {
      collateral: [
        { domain: 1, token: 'WETH', stage: 'final', amount: toE18('2') },
        { domain: 42161, token: 'WETH', stage: 'provisional', amount: toE18('1') },
      ],
      options: [],
      perps: [
        {
          id: 'p',
          instrument: 'ETH-PERP',
          sizeE18: -toE18('3'),
          entryPriceE18: toE18('3000'),
          fundingIndexE18: 0n,
          domain: 1,
          stage: 'final',
        },
      ],
      lending: [],
    };
    const m = marginAccount(hedge, arrays);
    const finalOnly = marginAccount({ ...hedge, collateral: hedge.collateral.slice(0, 1) }, arrays);
    expect(m.binding).toBe('final');
    expect(m.mm).toBe(finalOnly.mm);
  });
});
