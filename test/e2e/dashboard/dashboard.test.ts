/**
 * The dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core) on a real hub
 * with unified margin (marginHub.ts): deposits on two simulated chains, an option and perps
 * reported, an allowance, a withdrawal in flight, a price crash that liquidates one account. The
 * page lists every account with equity, IM and MM equal to the REST margin routes; for a chosen
 * account it shows the figures of `GET /v1/accounts/:address/margin`, one heatmap per underlying
 * with one cell per (spot shock, vol shock) and that route's scenario P&L in each, Greeks per
 * underlying, allowances per chain, positions, in-flight items; recent liquidations; the message
 * flow per chain with stages. The listed option's instrument id in the genesis margin config is
 * hostile markup: it must show as text and run nothing. Live updates move the height. A hub
 * without a margin section makes the page say so and invent no numbers. A screenshot is saved to
 * test-artifacts/dashboard.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../../chain/index.ts';
import { MARGIN_TYPE_URL } from '../../../chain/margin/codec.ts';
import { waitFor } from '../../helpers/node.ts';
import {
  accountOf,
  BASE_PRICES,
  deposit,
  E18,
  evmOf,
  feedsOf,
  MarginHub,
  OPTION_ID,
  ORIGIN_A,
  ORIGIN_B,
  PERP_ID,
  position,
  RELAYER,
  USDC_A,
  USDC_B,
  usdc,
  WETH_A,
} from './marginHub.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const HOSTILE = '<img src=x onerror="window.__xss=1">';

interface MarginView {
  address: string;
  height: string;
  status: string;
  equity: string;
  im: string;
  mm: string;
  binding: string;
  scenarios: { spot_shock: string; vol: string; weight: string }[];
  grid: { underlying: string; pnl: number[]; basis: number }[];
  greeks: { underlying: string; delta: number; gamma: number; vega: number; theta: number; rho: number }[];
  allowances: { domain: number; amount_usd_micro: string }[];
  positions: { id: string; listing: { instrument: string } }[];
  in_flight: { provisional: { message_id: string }[]; withdrawals: { settlement_id: string }[] };
}

// The page's global, typed minimally: the test compiles without the DOM library. Functions passed to
// the page are serialised (no closures), so each one casts `globalThis` itself.
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
type PageGlobal = { document: { querySelector(s: string): PageElement | null; body: PageElement } };

/** Independent formatting of micro-USD: dollars with two decimals, truncated toward zero, comma groups. */
function usd(micro: string): string {
  const v = BigInt(micro);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const dollars = (a / 1_000_000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = ((a % 1_000_000n) / 10_000n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}$${dollars}.${cents}`;
}

let h: MarginHub;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: apt-get install -y chromium`);
  h = await MarginHub.start({ optionKernelId: HOSTILE, blockTimeMs: 200 });
  // Account 0: USDC on A (final), WETH on A and USDC on B (fast, provisional), a call on A, a perp on B.
  // Account 1: USDC on A and a 4 ETH perp on B, liquidated by the crash below.
  const msgs = [
    await h.oracleMsg(feedsOf(BASE_PRICES, h.expirySec), BigInt(Date.now())),
    h.deliver(h.a, deposit(0, USDC_A, usdc(10_000n), 1n), 'final').msg,
    h.deliver(h.a, deposit(0, WETH_A, 2n * E18, 2n), 'fast').msg,
    h.deliver(h.a, deposit(1, USDC_A, usdc(3_000n), 3n), 'final').msg,
    h.deliver(h.a, position(0, OPTION_ID, E18, usdc(150n), 1n), 'final').msg,
    h.deliver(h.b, deposit(0, USDC_B, usdc(5_000n), 0n), 'fast').msg,
    h.deliver(h.b, position(0, PERP_ID, E18, usdc(3_000n), 1n), 'final').msg,
    h.deliver(h.b, position(1, PERP_ID, 4n * E18, usdc(3_000n), 1n), 'final').msg,
  ];
  const r = await h.send(RELAYER, msgs);
  if (r.code !== 0) throw new Error(r.rawLog);
  const ra = await h.send(0, [
    {
      typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
      value: {
        sender: accountOf(0),
        domain: ORIGIN_A,
        owner: fromHex(evmOf(0))!,
        amountMicro: usdc(2_000n).toString(),
      },
    },
    {
      typeUrl: MARGIN_TYPE_URL.MsgWithdraw,
      value: {
        sender: accountOf(0),
        domain: ORIGIN_A,
        token: fromHex(USDC_A)!,
        amount: usdc(100n).toString(),
        recipient: fromHex(evmOf(0))!,
      },
    },
  ]);
  if (ra.code !== 0) throw new Error(ra.rawLog);
  const crash = await h.send(RELAYER, [
    await h.oracleMsg(feedsOf({ ...BASE_PRICES, eth: 2600n * E18 }, h.expirySec), BigInt(Date.now())),
  ]);
  if (crash.code !== 0) throw new Error(crash.rawLog);
  await waitFor(async () => {
    const l = await h.get<{ liquidations: unknown[] }>('/v1/margin/liquidations');
    return l.body.liquidations.length > 0 ? true : undefined;
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe('dashboard in Chromium', () => {
  it('shows accounts, a chosen account’s margin equal to REST, heatmaps, Greeks, allowances, positions, in-flight items and liquidations; escapes strings; updates live', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 2200 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.url}/dashboard`);
    await page.waitForSelector('#accounts tbody tr[data-address]');
    const overview = (await h.get<{ accounts: { address: string }[] }>('/dashboard/api/overview')).body;
    const addresses = await page.$$eval('#accounts tbody tr[data-address]', (rows) =>
      rows.map((r) => r.getAttribute('data-address')),
    );
    expect(addresses).toEqual(overview.accounts.map((a) => a.address));
    expect(addresses).toHaveLength(10);

    // The account list's figures equal /v1/margin/accounts (rows without margin show none).
    await page.waitForFunction(
      `(document.querySelector('#accounts tr[data-address="${accountOf(1)}"] td.im')?.getAttribute('data-value') ?? '') !== ''`,
    );
    const list = (
      await h.get<{ accounts: { address: string; equity: string; im: string; mm: string }[] }>(
        '/v1/margin/accounts',
      )
    ).body;
    expect(list.accounts.map((a) => a.address).sort()).toEqual([accountOf(0), accountOf(1)].sort());
    for (const a of list.accounts) {
      for (const k of ['equity', 'im', 'mm'] as const) {
        const sel = `#accounts tr[data-address="${a.address}"] td.${k}`;
        expect(await page.getAttribute(sel, 'data-value'), `${a.address} ${k}`).toBe(a[k]);
        expect(await page.textContent(sel), `${a.address} ${k}`).toBe(usd(a[k]));
      }
    }

    const chosen = accountOf(0);
    await page.click(`button.select[data-address="${chosen}"]`);
    // Page-side expressions are strings: the test compiles without the DOM library.
    await page.waitForFunction(
      "(document.querySelector('#sel-im')?.getAttribute('data-value') ?? '') !== ''",
    );
    const rest = (await h.get<MarginView>(`/v1/accounts/${chosen}/margin`)).body;
    expect(rest.status).toBe('ok');
    for (const k of ['equity', 'im', 'mm'] as const) {
      expect(await page.getAttribute(`#sel-${k}`, 'data-value'), k).toBe(rest[k]);
      expect(await page.textContent(`#sel-${k}`), k).toBe(usd(rest[k]));
    }
    expect(await page.textContent('#sel-binding')).toBe(rest.binding);

    // One heatmap per underlying; one cell per (spot, vol) pair; P&L equal to the REST grid.
    const spots = new Set(rest.scenarios.map((s) => Number(s.spot_shock)));
    const vols = new Set(rest.scenarios.map((s) => s.vol));
    const maps = await page.$$('table.heatmap');
    expect(maps).toHaveLength(rest.grid.length);
    expect(rest.grid.length).toBeGreaterThan(0);
    for (const [gi, g] of rest.grid.entries()) {
      const table = maps[gi]!;
      expect(await table.getAttribute('data-underlying')).toBe(g.underlying);
      expect(await table.$$eval('td.cell', (c) => c.length)).toBe(spots.size * vols.size);
      const cells = await table.$$eval('td.cell:not(.empty)', (c) =>
        c.map((x) => ({
          spot: Number(x.getAttribute('data-spot')),
          vol: x.getAttribute('data-vol'),
          pnl: Number(x.getAttribute('data-pnl')),
        })),
      );
      expect(cells).toHaveLength(rest.scenarios.length);
      for (const c of cells) {
        const i = rest.scenarios.findIndex((s) => Number(s.spot_shock) === c.spot && s.vol === c.vol);
        expect(c.pnl, `${g.underlying} spot ${c.spot} vol ${c.vol}`).toBe(g.pnl[i]);
      }
    }
    const greekRows = await page.$$eval('#greeks tbody tr', (rows) =>
      rows.map((r) => r.children[0]?.textContent),
    );
    expect(greekRows).toEqual(rest.greeks.map((g) => g.underlying));
    const delta = await page.textContent('#greeks tbody tr td.delta');
    expect(delta).toBe(rest.greeks[0]!.delta.toPrecision(5));

    // Allowances per chain, positions, and what is in flight (2 provisional deposits, 1 withdrawal).
    const allowanceRows = await page.$$eval('#allowances tbody tr', (r) =>
      r.map((x) => x.getAttribute('data-domain')),
    );
    expect(allowanceRows).toEqual(rest.allowances.map((a) => String(a.domain)));
    expect(
      await page.$$eval('#positions tbody tr', (r) => r.map((x) => x.getAttribute('data-position'))),
    ).toEqual(rest.positions.map((p) => p.id));
    const inflight = await page.$$eval('#inflight tbody tr', (r) =>
      r.map((x) => x.getAttribute('data-message-id') ?? x.getAttribute('data-settlement-id')),
    );
    expect(inflight).toEqual([
      ...rest.in_flight.provisional.map((p) => p.message_id),
      ...rest.in_flight.withdrawals.map((w) => w.settlement_id),
    ]);
    expect(inflight).toHaveLength(3);

    // The hostile instrument id from the genesis margin config is text, and nothing ran.
    const instruments = await page.$$eval('#positions td.instrument', (c) => c.map((x) => x.textContent));
    expect(instruments).toContain(HOSTILE);
    expect(rest.positions.map((p) => p.listing.instrument)).toContain(HOSTILE);
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // Recent liquidations: account 1's, from /v1/margin/liquidations.
    const liq = (
      await h.get<{ liquidations: { account: string; height: string }[] }>('/v1/margin/liquidations')
    ).body;
    expect(
      await page.$$eval('#liquidations tbody tr', (r) => r.map((x) => x.getAttribute('data-account'))),
    ).toEqual(liq.liquidations.map((l) => l.account));
    expect(liq.liquidations[0]!.account).toBe(accountOf(1));
    // The penalty sits in the insurance fund (its own table, not an unlinked EVM hold).
    const penalty = (liq.liquidations[0] as unknown as { penalty: string }).penalty;
    const insurance = await page.$$eval('#insurance tbody tr', (r) =>
      r.map((x) => [...x.children].map((c) => c.textContent)),
    );
    expect(insurance).toEqual([['chain-b', 'USDC', (Number(penalty) / 1e6).toString()]]);
    expect(await page.$$('#holds tbody tr td.mono')).toHaveLength(0);

    // Message flow per chain: each delivered message with its stage chip (WETH on A is provisional).
    for (const domain of [ORIGIN_A, ORIGIN_B]) {
      const chips = await page.$$eval(`#flows .flow[data-domain="${domain}"] .chip`, (c) =>
        c.map((x) => x.textContent),
      );
      expect(chips.length, String(domain)).toBeGreaterThan(0);
      expect(chips, String(domain)).toContain('provisional');
      expect(chips, String(domain)).toContain('final');
    }
    // Chains: provisional items waiting per domain, from /v1/margin/domains.
    const domains = (
      await h.get<{ domains: { domain: number; pending_provisional: number }[] }>('/v1/margin/domains')
    ).body;
    for (const d of domains.domains) {
      const cells = await page.$$eval(`#origins tr[data-domain="${d.domain}"] td`, (c) =>
        c.map((x) => x.textContent),
      );
      expect(cells[7], String(d.domain)).toBe(String(d.pending_provisional));
    }

    // Live updates: the height the page shows advances without a reload.
    const h0 = Number(await page.getAttribute('body', 'data-height'));
    await page.waitForFunction(
      (x) => Number((globalThis as unknown as PageGlobal).document.body.getAttribute('data-height')) > x,
      h0,
      { timeout: 15_000 },
    );
    expect(await page.textContent('#live')).toMatch(/live|polling/);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: join('test-artifacts', 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('says the margin view is missing on a hub without unified margin, and invents no numbers', async () => {
    const bare = await MarginHub.start({ withoutMargin: true });
    try {
      const r = await bare.get<{ error: { code: string } }>(`/v1/accounts/${accountOf(0)}/margin`);
      expect([r.status, r.body.error.code]).toEqual([404, 'QUERY_NOT_CONFIGURED']);
      const page = await browser.newPage();
      await page.goto(`${bare.url}/dashboard`);
      await page.waitForSelector('#accounts tbody tr[data-address]');
      await page.click('#accounts button.select');
      await page.waitForFunction(
        "(document.querySelector('#sel-note')?.textContent ?? '').includes('/margin')",
      );
      expect(await page.textContent('#sel-im')).toBe('—');
      expect(await page.textContent('#accounts tbody tr td.im')).toBe('—');
      expect(await page.$$('table.heatmap')).toHaveLength(0);
      expect(await page.textContent('#margin-note')).toMatch(/does not serve them/);
      await page.close();
    } finally {
      await bare.stop();
    }
  }, 90_000);
});
