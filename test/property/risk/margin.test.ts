/**
 * Property tests of the risk kernel (issue 3 acceptance) over the seeded multi-underlying fixture
 * (tails, ES floor, credits, haircuts, provisional items): IM ≥ MM ≥ 0; zero-haircut settlement cash
 * moves equity by exactly its amount and the requirement not at all; scaling every position by k
 * scales the requirement by k within 1e-12; reordering changes no output bit; the incremental
 * engine equals a full re-margin bit for bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  createMarginEngine,
  type MarginSummary,
  marginAccount,
  type Portfolio,
} from '../../../chain/risk/index.ts';
import {
  fixtureParams,
  fixtureSnapshot,
  fixtureUniverse,
  prng,
  randomPortfolio,
} from '../../unit/risk/support/fixture.ts';

const params = fixtureParams();
const instruments = fixtureUniverse();
const cp = compileRiskParams(params);
const universe = buildUniverse(instruments, cp);
const arrays = buildRiskArrays(fixtureSnapshot(), universe, cp);

const portfolioArb = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    positions: fc.integer({ min: 1, max: 12 }),
    provisional: fc.boolean(),
  })
  .map(({ seed, positions, provisional }) =>
    randomPortfolio(prng(seed), instruments, { positions, provisional }),
  );

const RUNS = { seed: 424242, numRuns: 120 };

/** Every field of a summary as exact strings (numbers by their bits), for bit-for-bit comparison. */
function bits(s: MarginSummary): string {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const num = (x: number): string => {
    f[0] = x;
    return `${u[0]}:${u[1]}`;
  };
  return JSON.stringify({
    equity: s.equity.toString(),
    im: s.im.toString(),
    mm: s.mm.toString(),
    mtm: s.mtm.toString(),
    binding: s.binding,
    es: num(s.esLoss),
    raw: [num(s.raw.equity), num(s.raw.im), num(s.raw.mm), num(s.raw.mtm), s.raw.cashMicro.toString()],
    worst: s.worst.map((w) => [w.underlying, w.scenario, num(w.pnl)]),
  });
}

describe('risk kernel properties', () => {
  it('IM ≥ MM ≥ 0', () => {
    fc.assert(
      fc.property(portfolioArb, (p) => {
        const m = marginAccount(p, arrays);
        expect(m.mm >= 0n, `MM ${m.mm}`).toBe(true);
        expect(m.im >= m.mm, `IM ${m.im} < MM ${m.mm}`).toBe(true);
        expect(m.raw.im >= m.raw.mm && m.raw.mm >= 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('adding zero-haircut settlement cash changes equity by exactly that amount and the requirement not at all', () => {
    fc.assert(
      fc.property(portfolioArb, fc.bigInt({ min: 1n, max: 10n ** 15n }), (p, amount) => {
        const before = marginAccount(p, arrays);
        // USDC has 6 decimals: atomic units are micro-dollars.
        const existing = p.collateral.find(
          (c) => c.domain === 1 && c.token === 'USDC' && c.stage === 'final',
        )!;
        const more: Portfolio = {
          ...p,
          collateral: p.collateral.map((c) => (c === existing ? { ...c, amount: c.amount + amount } : c)),
        };
        const after = marginAccount(more, arrays);
        expect(after.equity - before.equity).toBe(amount);
        expect(after.im).toBe(before.im);
        expect(after.mm).toBe(before.mm);
        expect(Object.is(after.raw.mm, before.raw.mm) && Object.is(after.raw.im, before.raw.im)).toBe(true);
      }),
      RUNS,
    );
  });

  it('scaling every position by k scales the requirement by k within 1e-12 relative', () => {
    fc.assert(
      fc.property(portfolioArb, fc.integer({ min: 2, max: 50 }), (p, k) => {
        const K = BigInt(k);
        const scaled: Portfolio = {
          collateral: p.collateral.map((c) => ({ ...c, amount: c.amount * K })),
          options: p.options.map((o) => ({ ...o, sizeE18: o.sizeE18 * K })),
          perps: p.perps.map((o) => ({ ...o, sizeE18: o.sizeE18 * K })),
          lending: p.lending.map((l) => ({ ...l, supplied: l.supplied * K, borrowed: l.borrowed * K })),
        };
        const a = marginAccount(p, arrays);
        const b = marginAccount(scaled, arrays);
        for (const [x, y, what] of [
          [a.raw.mm, b.raw.mm, 'MM'],
          [a.raw.im, b.raw.im, 'IM'],
        ] as const) {
          expect(Math.abs(y - k * x), `${what}: ${y} vs ${k}·${x}`).toBeLessThanOrEqual(
            1e-12 * Math.abs(k * x) + 1e-300,
          );
        }
      }),
      RUNS,
    );
  });

  it('reordering positions and collateral changes no output bit', () => {
    fc.assert(
      fc.property(portfolioArb, fc.integer({ min: 1, max: 1000 }), (p, seed) => {
        const r = prng(seed);
        const shuffle = <T>(xs: readonly T[]): T[] => {
          const a = [...xs];
          for (let i = a.length - 1; i > 0; i--) {
            const j = Math.floor(r() * (i + 1));
            [a[i], a[j]] = [a[j]!, a[i]!];
          }
          return a;
        };
        const q: Portfolio = {
          collateral: shuffle(p.collateral),
          options: shuffle(p.options),
          perps: shuffle(p.perps),
          lending: shuffle(p.lending),
        };
        expect(bits(marginAccount(q, arrays))).toBe(bits(marginAccount(p, arrays)));
      }),
      RUNS,
    );
  });

  it('incremental re-margin equals a full re-margin bit for bit through random blocks', () => {
    const step = fc.record({
      touch: fc.array(
        fc.record({ account: fc.integer({ min: 0, max: 39 }), seed: fc.integer({ min: 1, max: 1e9 }) }),
        { maxLength: 6 },
      ),
      move: fc.option(
        fc.record({
          underlying: fc.constantFrom('BTC', 'ETH', 'SOL'),
          spot: fc.double({ min: 0.9, max: 1.1, noNaN: true }),
          vol: fc.constantFrom(0, 0.02, -0.03),
        }),
        { nil: undefined },
      ),
      dt: fc.integer({ min: 0, max: 60 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
        const engine = createMarginEngine({ params, universe: instruments });
        let time = 0;
        const spotMove: Record<string, number> = {};
        const volBump: Record<string, number> = {};
        engine.setSnapshot(fixtureSnapshot());
        const seedRnd = prng(7);
        const portfolios = new Map<string, Portfolio>();
        for (let a = 0; a < 40; a++) {
          const p = randomPortfolio(seedRnd, instruments, { provisional: true });
          portfolios.set(`acct${a}`, p);
          engine.setAccount(`acct${a}`, p);
        }
        engine.remarginAll();
        for (const s of steps) {
          time += s.dt;
          if (s.move) {
            spotMove[s.move.underlying] = (spotMove[s.move.underlying] ?? 1) * s.move.spot;
            volBump[s.move.underlying] = (volBump[s.move.underlying] ?? 0) + s.move.vol;
          }
          const snap = fixtureSnapshot({ spotMove, volBump, timeSec: 1_767_225_600 + time });
          const changed = engine.setSnapshot(snap);
          const touched: string[] = [];
          for (const t of s.touch) {
            const id = `acct${t.account}`;
            const p = randomPortfolio(prng(t.seed), instruments, { provisional: true });
            portfolios.set(id, p);
            engine.setAccount(id, p);
            touched.push(id);
          }
          engine.update(touched, changed);
          // Reference: a fresh engine margining everything under the same snapshot.
          const fresh = createMarginEngine({ params, universe: instruments });
          fresh.setSnapshot(snap);
          for (const [id, p] of portfolios) fresh.setAccount(id, p);
          const full = fresh.remarginAll();
          for (const [id, m] of full) {
            const inc = engine.get(id)!;
            expect(inc.ok && m.ok, id).toBe(true);
            if (inc.ok && m.ok) expect(bits(inc.summary), id).toBe(bits(m.summary));
          }
        }
      }),
      { seed: 99, numRuns: 12 },
    );
  });
});
