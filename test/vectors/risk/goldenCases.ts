/**
 * The portfolios pinned by the golden-vector test and the exact encoding of a margin report.
 * `recordGolden.ts` writes `golden.json` from these; `golden.test.ts` recomputes and compares.
 */
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  type MarginReport,
  marginReport,
  type Portfolio,
} from '../../../chain/risk/index.ts';
import {
  fixtureParams,
  fixtureSnapshot,
  fixtureUniverse,
  prng,
  randomPortfolio,
} from '../../unit/risk/support/fixture.ts';

/** Hex of a binary64's bits (big-endian), so a pinned value means the exact bits. */
export function f64hex(x: number): string {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16).padStart(16, '0');
}

/** Every output of a report as exact strings. */
export function encodeReport(r: MarginReport): unknown {
  return {
    equity: r.equity.toString(),
    im: r.im.toString(),
    mm: r.mm.toString(),
    mtm: r.mtm.toString(),
    binding: r.binding,
    esLoss: f64hex(r.esLoss),
    raw: { equity: f64hex(r.raw.equity), im: f64hex(r.raw.im), mm: f64hex(r.raw.mm), mtm: f64hex(r.raw.mtm) },
    worst: r.worst.map((w) => ({ underlying: w.underlying, scenario: w.scenario, pnl: f64hex(w.pnl) })),
    contributions: r.contributions.map((c) => ({ id: c.id, c: f64hex(c.contribution) })),
    netGreeks: r.netGreeks.map((g) => ({
      underlying: g.underlying,
      delta: f64hex(g.delta),
      gamma: f64hex(g.gamma),
      vega: f64hex(g.vega),
      theta: f64hex(g.theta),
      rho: f64hex(g.rho),
    })),
    grid: r.grid.map((g) => ({ underlying: g.underlying, basis: f64hex(g.basis), pnl: g.pnl.map(f64hex) })),
  };
}

/** The pinned portfolios: 16 seeded random ones (with and without provisional items) over the fixture. */
export function goldenPortfolios(): Portfolio[] {
  const instruments = fixtureUniverse();
  const out: Portfolio[] = [];
  for (let i = 0; i < 16; i++) {
    out.push(
      randomPortfolio(prng(1000 + i), instruments, { positions: 4 + (i % 9), provisional: i % 3 === 0 }),
    );
  }
  return out;
}

/** Reports of the golden portfolios under the fixture snapshot and a moved one. */
export function goldenReports(): unknown[] {
  const cp = compileRiskParams(fixtureParams());
  const universe = buildUniverse(fixtureUniverse(), cp);
  const snaps = [
    fixtureSnapshot(),
    fixtureSnapshot({
      spotMove: { BTC: 0.93, ETH: 1.04 },
      volBump: { SOL: 0.1 },
      timeSec: 1_767_225_600 + 3600,
    }),
  ];
  const out: unknown[] = [];
  for (const [s, snap] of snaps.entries()) {
    const arrays = buildRiskArrays(snap, universe, cp);
    goldenPortfolios().forEach((p, i) => {
      out.push({ snapshot: s, portfolio: i, report: encodeReport(marginReport(p, arrays)) });
    });
  }
  return out;
}
