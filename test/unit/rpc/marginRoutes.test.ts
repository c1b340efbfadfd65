/**
 * The pure parts of the margin routes: what-if validation (every fault a QUERY_INVALID_FIELD naming
 * the field, the valid body parsed to exact values), the E18 decimal formatting (checked against
 * decimal.js), and the account list's order (margin ascending, ties by address, unknown last, an
 * account the cache holds as unknown evaluated again).
 */
import DecimalDefault, { type Decimal as DecimalClass } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bridgeRuntime } from '../../../chain/hyperlane/config.ts';
import { bech32FromBytes } from '../../../chain/index.ts';
import type { MarginCache } from '../../../chain/margin/cache.ts';
import { devnetMarginConfig } from '../../../chain/margin/defaults.ts';
import { type AccountMargin, type MarginSummary, RiskError } from '../../../chain/risk/index.ts';
import { e18ToDecimal, marginList, parseWhatIf, QueryError } from '../../../rpc/marginRoutes.ts';
import { fixtureBridge, ORIGIN_A, ORIGIN_B, USDC_A, WETH_A } from '../hyperlane/fixtures.ts';

// decimal.mjs has only a default export while its typings describe the CommonJS module object.
const Decimal = (DecimalDefault as unknown as typeof DecimalClass).clone({ precision: 80 });

const USDC_B = `0x${'d1'.repeat(20)}`;
const PERP = `0x${'11'.repeat(32)}`;
const OPT = `0x${'22'.repeat(32)}`;

function setup() {
  const b = fixtureBridge();
  b.origins[1]!.tokens = [{ token: Buffer.from(USDC_B.slice(2), 'hex'), decimals: 6, symbol: 'USDC' }];
  const config = devnetMarginConfig(b, [
    {
      domain: ORIGIN_A,
      instrumentId: PERP,
      id: 'ETH-PERP',
      kind: 'perp',
      underlying: 'ETH',
      settlementToken: USDC_A,
      market: `0x${'e1'.repeat(20)}`,
    },
    {
      domain: ORIGIN_B,
      instrumentId: PERP,
      id: 'ETH-PERP',
      kind: 'perp',
      underlying: 'ETH',
      settlementToken: USDC_B,
      market: `0x${'e2'.repeat(20)}`,
    },
    {
      domain: ORIGIN_A,
      instrumentId: OPT,
      id: 'ETH-C',
      kind: 'option',
      underlying: 'ETH',
      expirySec: 2_000_000_000,
      strikeE18: 3000n * 10n ** 18n,
      isCall: true,
      settlementToken: USDC_A,
      market: `0x${'e1'.repeat(20)}`,
    },
  ]);
  return { config, bridge: bridgeRuntime(b) };
}

describe('parseWhatIf', () => {
  const { config, bridge } = setup();

  it('parses a valid body to exact values (defaults: stage final, no entry price, no owner)', () => {
    const w = parseWhatIf(
      {
        deposits: [
          {
            domain: ORIGIN_A,
            token: WETH_A.toUpperCase().replace('0X', '0x'),
            amount: '123456789012345678901234567890',
          },
          { domain: ORIGIN_B, token: USDC_B, amount: '1', stage: 'provisional' },
        ],
        withdrawals: [{ domain: ORIGIN_A, token: USDC_A, amount: '5' }],
        positions: [
          {
            domain: ORIGIN_B,
            instrument_id: PERP,
            size: '-1500000000000000000',
            entry_price: '2500000000000000000000',
          },
          {
            domain: ORIGIN_A,
            instrument_id: OPT,
            size: '7',
            owner: `0x${'AB'.repeat(20)}`,
            stage: 'provisional',
          },
        ],
      },
      config,
      bridge,
    );
    expect(w.deposits).toEqual([
      { domain: ORIGIN_A, token: WETH_A, amount: 123456789012345678901234567890n, stage: 'final' },
      { domain: ORIGIN_B, token: USDC_B, amount: 1n, stage: 'provisional' },
    ]);
    expect(w.withdrawals).toEqual([{ domain: ORIGIN_A, token: USDC_A, amount: 5n }]);
    expect(w.positions).toEqual([
      {
        domain: ORIGIN_B,
        instrumentId: PERP,
        sizeE18: -1_500_000_000_000_000_000n,
        entryPriceE18: 2_500n * 10n ** 18n,
        owner: undefined,
        stage: 'final',
      },
      {
        domain: ORIGIN_A,
        instrumentId: OPT,
        sizeE18: 7n,
        entryPriceE18: undefined,
        owner: `0x${'ab'.repeat(20)}`,
        stage: 'provisional',
      },
    ]);
    expect(parseWhatIf({}, config, bridge)).toEqual({ deposits: [], withdrawals: [], positions: [] });
  });

  const dep = (x: Record<string, unknown>) => ({
    deposits: [{ domain: ORIGIN_A, token: USDC_A, amount: '1', ...x }],
  });
  const pos = (x: Record<string, unknown>) => ({
    positions: [{ domain: ORIGIN_A, instrument_id: PERP, size: '1', ...x }],
  });
  const cases: [string, unknown, string][] = [
    ['null body', null, 'body'],
    ['string body', 'deposits', 'body'],
    ['array body', [], 'body'],
    ['unknown top-level key', { deposit: [] }, 'body.deposit'],
    ['deposits an object', { deposits: {} }, 'deposits'],
    ['withdrawals a string', { withdrawals: 'all' }, 'withdrawals'],
    ['entry a number', { deposits: [1] }, 'deposits[0]'],
    ['entry null', { positions: [null] }, 'positions[0]'],
    ['domain missing', { deposits: [{ token: USDC_A, amount: '1' }] }, 'deposits[0].domain'],
    ['domain negative', dep({ domain: -1 }), 'deposits[0].domain'],
    ['domain fractional', dep({ domain: 1.5 }), 'deposits[0].domain'],
    ['domain above u32', dep({ domain: 2 ** 32 }), 'deposits[0].domain'],
    ['domain not an origin', dep({ domain: 1 }), 'deposits[0].domain'],
    ['token short', dep({ token: '0xc1c1' }), 'deposits[0].token'],
    ['token without 0x', dep({ token: USDC_A.slice(2) }), 'deposits[0].token'],
    ['token unregistered', dep({ token: `0x${'c9'.repeat(20)}` }), 'deposits[0].token'],
    ['token of another domain', dep({ domain: ORIGIN_B }), 'deposits[0].token'],
    ['amount number', dep({ amount: 1 }), 'deposits[0].amount'],
    ['amount zero', dep({ amount: '0' }), 'deposits[0].amount'],
    ['amount leading zero', dep({ amount: '01' }), 'deposits[0].amount'],
    ['amount decimal point', dep({ amount: '1.5' }), 'deposits[0].amount'],
    ['amount negative', dep({ amount: '-1' }), 'deposits[0].amount'],
    ['amount 78 digits', dep({ amount: '1'.repeat(78) }), 'deposits[0].amount'],
    ['stage unknown', dep({ stage: 'expired' }), 'deposits[0].stage'],
    ['extra field', dep({ memo: '' }), 'deposits[0].memo'],
    [
      'withdrawal stage',
      { withdrawals: [{ domain: ORIGIN_A, token: USDC_A, amount: '1', stage: 'final' }] },
      'withdrawals[0].stage',
    ],
    ['instrument short', pos({ instrument_id: '0x11' }), 'positions[0].instrument_id'],
    ['instrument not listed', pos({ instrument_id: `0x${'33'.repeat(32)}` }), 'positions[0].instrument_id'],
    ['option not listed on B', pos({ domain: ORIGIN_B, instrument_id: OPT }), 'positions[0].instrument_id'],
    ['size zero', pos({ size: '0' }), 'positions[0].size'],
    ['size minus zero', pos({ size: '-0' }), 'positions[0].size'],
    ['size number', pos({ size: 1 }), 'positions[0].size'],
    ['entry price zero', pos({ entry_price: '0' }), 'positions[0].entry_price'],
    ['owner short', pos({ owner: '0xab' }), 'positions[0].owner'],
    [
      'second entry faulty',
      {
        positions: [
          { domain: ORIGIN_A, instrument_id: PERP, size: '1' },
          { domain: ORIGIN_A, instrument_id: PERP },
        ],
      },
      'positions[1].size',
    ],
    [
      '33 deposits',
      { deposits: Array.from({ length: 33 }, () => ({ domain: ORIGIN_A, token: USDC_A, amount: '1' })) },
      'deposits',
    ],
  ];
  for (const [name, body, field] of cases) {
    it(`refuses ${name} naming ${field}`, () => {
      let err: unknown;
      try {
        parseWhatIf(body, config, bridge);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(QueryError);
      const q = err as QueryError;
      expect(q.code).toBe('QUERY_INVALID_FIELD');
      expect(q.status).toBe(400);
      expect(q.meta.field).toBe(field);
      expect(q.message.startsWith(field)).toBe(true);
    });
  }
});

describe('e18ToDecimal', () => {
  it('equals decimal.js on random values (exact, trailing zeros stripped)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (v) => {
        const want = new Decimal(v.toString()).div(new Decimal(10).pow(18)).toFixed();
        expect(e18ToDecimal(v)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });
  it('formats the named cases', () => {
    const table: [bigint, string][] = [
      [0n, '0'],
      [10n ** 18n, '1'],
      [1_150_000_000_000_000_000n, '1.15'],
      [850_000_000_000_000_000n, '0.85'],
      [1n, '0.000000000000000001'],
      [-1n, '-0.000000000000000001'],
      [-2_500_000_000_000_000_000n, '-2.5'],
    ];
    for (const [v, s] of table) expect(e18ToDecimal(v), String(v)).toBe(s);
  });
});

describe('marginList', () => {
  const summary = (equity: bigint, im: bigint, mm = im): MarginSummary => ({
    equity,
    im,
    mm,
    mtm: 0n,
    worst: [],
    binding: 'all',
    esLoss: 0,
    raw: { equity: 0, im: 0, mm: 0, mtm: 0, cashMicro: 0n },
  });
  const id = (n: number) => n.toString(16).padStart(2, '0').repeat(20);
  const addr = (n: number) => bech32FromBytes(Buffer.from(id(n), 'hex'));
  const missing = new RiskError('RISK_MISSING_FEED', { field: 'oracle snapshot' });

  it('sorts by equity − IM ascending, ties by address, unknown last; re-evaluates what the cache holds as unknown', () => {
    const margins = new Map<string, AccountMargin>([
      [id(1), { ok: true, summary: summary(100n, 50n) }], // margin 50
      [id(2), { ok: true, summary: summary(10n, 30n, 20n) }], // margin −20, liquidatable
      [id(3), { ok: false, error: missing }], // unknown, stays unknown
      [id(4), { ok: true, summary: summary(70n, 20n) }], // margin 50: tie with 1
      [id(5), { ok: false, error: missing }], // unknown in the cache, 0 when evaluated again
    ]);
    const cache = {
      ids: () => [...margins.keys()].sort(),
      get: (k: string) => ({ view: undefined, margin: margins.get(k)! }),
    } as unknown as MarginCache;
    const rechecked: string[] = [];
    const rows = marginList(cache, (account) => {
      const k = Buffer.from(account).toString('hex');
      rechecked.push(k);
      return k === id(5) ? { ok: true, summary: summary(0n, 0n) } : undefined;
    });
    expect(rechecked.sort()).toEqual([id(3), id(5)]);
    const ties = [addr(1), addr(4)].sort();
    expect(rows.map((r) => r.address)).toEqual([addr(2), addr(5), ...ties, addr(3)]);
    expect(rows[0]).toEqual({
      address: addr(2),
      status: 'ok',
      equity: '10',
      im: '30',
      mm: '20',
      margin: '-20',
      binding: 'all',
      liquidatable: true,
      unknown_code: null,
    });
    expect(rows[4]).toMatchObject({
      address: addr(3),
      status: 'unknown',
      equity: null,
      margin: null,
      unknown_code: 'RISK_MISSING_FEED',
    });
  });
});
