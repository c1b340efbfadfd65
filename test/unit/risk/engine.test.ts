/**
 * The incremental engine and the full report: changed-instrument detection, exposure-limited
 * re-margin equal to a full re-margin, per-account typed errors, contributions that add up to MM,
 * Greeks that match finite differences of the MtM.
 */
import { describe, expect, it } from 'vitest';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  createMarginEngine,
  isRiskError,
  marginAccount,
  marginReport,
  type Portfolio,
} from '../../../chain/risk/index.ts';
import { type DeriveCase, deriveCaseToKernel } from './support/deriveCase.ts';
import {
  FIXTURE_T0,
  fixtureParams,
  fixtureSnapshot,
  fixtureUniverse,
  prng,
  randomPortfolio,
} from './support/fixture.ts';

const params = fixtureParams();
const instruments = fixtureUniverse();

function engineWith(n: number) {
  const engine = createMarginEngine({ params, universe: instruments });
  engine.setSnapshot(fixtureSnapshot());
  const r = prng(31);
  const portfolios = new Map<string, Portfolio>();
  for (let i = 0; i < n; i++) {
    const p = randomPortfolio(r, instruments, { positions: 3, provisional: i % 4 === 0 });
    portfolios.set(`acct${String(i).padStart(3, '0')}`, p);
    engine.setAccount(`acct${String(i).padStart(3, '0')}`, p);
  }
  engine.remarginAll();
  return { engine, portfolios };
}

describe('createMarginEngine', () => {
  it('reports every key on the first snapshot and none for an identical one', () => {
    const engine = createMarginEngine({ params, universe: instruments });
    const first = engine.setSnapshot(fixtureSnapshot());
    expect(first.length).toBe(instruments.length + 3 + 1); // + 3 spot instruments + price:USDT
    expect(engine.setSnapshot(fixtureSnapshot())).toEqual([]);
  });

  it('a SOL spot move changes only SOL instruments and re-margins only accounts exposed to them', () => {
    const { engine, portfolios } = engineWith(60);
    const changed = engine.setSnapshot(fixtureSnapshot({ spotMove: { SOL: 1.02 } }));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((k) => k.startsWith('SOL-') || k === 'spot:SOL')).toBe(true);
    const updated = engine.update([], changed);
    const exposed = [...portfolios.entries()]
      .filter(
        ([, p]) =>
          p.options.some((o) => o.instrument.startsWith('SOL-')) ||
          p.perps.some((o) => o.instrument === 'SOL-PERP'),
      )
      .map(([id]) => id)
      .sort();
    expect([...updated.keys()]).toEqual(exposed);
    expect(exposed.length).toBeLessThan(portfolios.size);
    // The stored results equal a fresh full re-margin under the new snapshot.
    const fresh = createMarginEngine({ params, universe: instruments });
    fresh.setSnapshot(fixtureSnapshot({ spotMove: { SOL: 1.02 } }));
    for (const [id, p] of portfolios) fresh.setAccount(id, p);
    for (const [id, m] of fresh.remarginAll()) expect(engine.get(id), id).toEqual(m);
  });

  it('a stale expiry feed fails only the accounts holding it, with the typed error', () => {
    const { engine, portfolios } = engineWith(40);
    const snap = fixtureSnapshot();
    const stale = {
      ...snap,
      underlyings: snap.underlyings.map((u) =>
        u.underlying !== 'ETH'
          ? u
          : {
              ...u,
              expiries: u.expiries.map((e, i) => (i === 2 ? { ...e, updatedAtSec: FIXTURE_T0 - 1000 } : e)),
            },
      ),
    };
    const changed = engine.setSnapshot(stale);
    const updated = engine.update([], changed);
    let failed = 0;
    for (const [id, m] of updated) {
      const holds = portfolios.get(id)!.options.some((o) => o.instrument.startsWith('ETH-30D'));
      expect(m.ok, id).toBe(!holds);
      if (!m.ok) {
        failed++;
        expect(isRiskError(m.error, 'RISK_STALE_FEED')).toBe(true);
      }
    }
    expect(failed).toBeGreaterThan(0);
  });

  it('touched accounts are recompiled; removed accounts disappear; unknown reports are typed errors', () => {
    const { engine } = engineWith(5);
    const p = randomPortfolio(prng(99), instruments, { positions: 6 });
    engine.setAccount('acct000', p);
    const out = engine.update(['acct000'], []);
    expect([...out.keys()]).toEqual(['acct000']);
    expect(out.get('acct000')).toEqual({ ok: true, summary: marginAccount(p, engine.arrays!) });
    expect(engine.report('acct000').mm).toBe(
      out.get('acct000')!.ok ? (out.get('acct000') as { summary: { mm: bigint } }).summary.mm : -1n,
    );
    engine.removeAccount('acct000');
    expect(engine.get('acct000')).toBeUndefined();
    expect(() => engine.report('acct000')).toThrow(/RISK_UNKNOWN_ACCOUNT/);
  });

  it('results come in id order through adds and removes, narrow and wide updates alike', () => {
    const engine = createMarginEngine({ params, universe: instruments });
    engine.setSnapshot(fixtureSnapshot());
    const r = prng(5);
    const live = new Set<string>();
    // Ids inserted in a scrambled order, with prefixes that sort differently from insertion.
    const ids = Array.from({ length: 48 }, (_, i) => `${'zqam'[i % 4]}${(i * 37) % 48}`);
    for (const id of ids) {
      engine.setAccount(id, randomPortfolio(r, instruments, { positions: 2 }));
      live.add(id);
    }
    const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
    expect([...engine.remarginAll().keys()]).toEqual(sorted(live));
    for (const id of ids.slice(0, 10)) {
      engine.removeAccount(id);
      live.delete(id);
    }
    engine.setAccount('b-new', randomPortfolio(r, instruments, { positions: 2 }));
    live.add('b-new');
    expect([...engine.remarginAll().keys()]).toEqual(sorted(live));
    // Wide: most accounts (walks the cached order); narrow: a few, plus a removed and an unknown id.
    const wide = [...live].filter((_, i) => i % 5 !== 0);
    expect([...engine.update(wide, []).keys()]).toEqual(sorted(wide));
    const narrow = [ids[20]!, ids[3]!, 'nobody', ids[11]!];
    expect([...engine.update(narrow, []).keys()]).toEqual(sorted([ids[20]!, ids[11]!]));
    // Exposure-driven: every account holding a SOL instrument, in order.
    const changed = engine.setSnapshot(fixtureSnapshot({ spotMove: { SOL: 1.05 } }));
    const exposed = new Set(changed.flatMap((k) => engine.exposed(k)));
    expect([...engine.update([], changed).keys()]).toEqual(sorted(exposed));
  });
});

const E18 = 10n ** 18n;
const DAY = 86_400;
const single: DeriveCase = {
  spot: 2000n * E18,
  spotConf: E18,
  perpPrice: 2000n * E18,
  perpConf: E18,
  stable: E18,
  cash: 0n,
  perp: -E18 / 2n,
  base: E18 / 4n,
  perpValue: 0n,
  expiries: [
    {
      sec: 30 * DAY,
      fixed: 0n,
      variable: 2005n * E18,
      rate: (3n * E18) / 100n,
      fwdConf: E18,
      rateConf: E18,
      volConf: E18,
    },
    {
      sec: 90 * DAY,
      fixed: 300n * E18,
      variable: 1720n * E18,
      rate: (3n * E18) / 100n,
      fwdConf: E18,
      rateConf: E18,
      volConf: E18,
    },
  ],
  options: [
    { sec: 30 * DAY, strike: 2100n * E18, isCall: true, amount: -E18, vol: (6n * E18) / 10n },
    { sec: 30 * DAY, strike: 1900n * E18, isCall: false, amount: -2n * E18, vol: (65n * E18) / 100n },
    { sec: 90 * DAY, strike: 2000n * E18, isCall: true, amount: 3n * E18, vol: (55n * E18) / 100n },
  ],
};

function reportOf(c: DeriveCase) {
  const k = deriveCaseToKernel(c);
  const cp = compileRiskParams(k.params);
  return marginReport(k.portfolio, buildRiskArrays(k.snapshot, buildUniverse(k.universe, cp), cp));
}

describe('marginReport', () => {
  it('contributions add up to MM when a scenario binds (one underlying, no ES or credits), sorted descending', () => {
    const r = reportOf(single);
    expect(r.worst[0]!.scenario).not.toBe('basis');
    const sum = r.contributions.reduce((s, c) => s + c.contribution, 0);
    expect(Math.abs(sum - r.raw.mm)).toBeLessThanOrEqual(1e-9 * r.raw.mm);
    for (let i = 1; i < r.contributions.length; i++) {
      expect(r.contributions[i - 1]!.contribution).toBeGreaterThanOrEqual(r.contributions[i]!.contribution);
    }
    expect(r.grid[0]!.pnl).toHaveLength(21);
    expect(Math.min(...r.grid[0]!.pnl)).toBe(r.worst[0]!.pnl);
  });

  it('net delta and gamma match central differences of the MtM in spot', () => {
    const h = 1e-4;
    const bump = (m: number): DeriveCase => {
      const s = (x: bigint): bigint => (x * BigInt(Math.round(m * 1e9))) / 1_000_000_000n;
      return {
        ...single,
        spot: s(single.spot),
        perpPrice: s(single.perpPrice),
        // Same entry price: the perp's unrealised value moves with its price.
        perpValue: (single.perp * (s(single.perpPrice) - single.perpPrice)) / E18,
        expiries: single.expiries.map((e) => ({ ...e, variable: s(e.variable) })),
      };
    };
    const r0 = reportOf(single);
    const up = reportOf(bump(1 + h)).raw.mtm;
    const down = reportOf(bump(1 - h)).raw.mtm;
    const mid = r0.raw.mtm;
    const dS = 2000 * h;
    const delta = (up - down) / (2 * dS);
    const gamma = (up - 2 * mid + down) / (dS * dS);
    const g = r0.netGreeks[0]!;
    expect(Math.abs(g.delta - delta)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(delta)));
    expect(Math.abs(g.gamma - gamma)).toBeLessThanOrEqual(1e-3 * Math.abs(gamma));
    expect(g.vega).toBeGreaterThan(0); // net long vega: 3 long 90-day calls vs 3 short 30-day options
  });
});
