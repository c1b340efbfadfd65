/**
 * An independent implementation of Derive PMRM v1 (v2-core `src/risk-managers/PMRMLib.sol`) in
 * decimal.js at 40 significant digits, written from the Solidity's structure (per-expiry loops,
 * the pairwise naked-short filter, `getMarginAndMarkToMarket`) and sharing no code with the kernel:
 * its own normal CDF (the alternating erf series), its own Black-76, exact decimal inputs.
 * Returns Derive's *margins* (IM/MM ≤ 0 means a shortfall), plus the intermediates.
 */
import DecimalDefault, { type Decimal as DecimalClass } from 'decimal.js';
import type { DeriveCase, DeriveConfig } from './deriveCase.ts';

// decimal.mjs has only a default export while its typings describe the CommonJS module object.
const Decimal = DecimalDefault as unknown as typeof DecimalClass;

/** A decimal.js constructor at 40 digits, separate from the global one. */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
/** A value of {@link Dec}. */
export type Dec = InstanceType<typeof Dec>;

const wad = (x: bigint): Dec => new Dec(x.toString()).div('1e18');

let piCache: Dec | null = null;
function sqrtPi(): Dec {
  piCache ??= Dec.acos(-1).sqrt();
  return piCache;
}

/** N(x) from erf(x/√2) by its Maclaurin series, with 30 guard digits against the alternation. */
export function normCdfDecimal(x: Dec): Dec {
  const D = Dec.clone({ precision: 80 });
  const xd = new D(x.toString());
  if (xd.abs().gt(14)) return xd.isNeg() ? new Dec(0) : new Dec(1);
  const y = xd.div(new D(2).sqrt());
  const y2 = y.mul(y);
  let power = y; // y^(2n+1)/n! with sign
  let sum = y;
  for (let n = 1; n < 2000; n++) {
    power = power.mul(y2).neg().div(n);
    const term = power.div(2 * n + 1);
    sum = sum.add(term);
    if (term.abs().lt('1e-60')) break;
  }
  const erf = sum.mul(2).div(new D(sqrtPi().toString()));
  return new Dec(erf.add(1).div(2).toString());
}

/** Black-76 call and put (undiscounted unless `disc` given), each from its own formula. */
export function black76Decimal(
  f: Dec,
  k: Dec,
  vol: Dec,
  t: Dec,
  disc: Dec = new Dec(1),
): { call: Dec; put: Dec } {
  const sd = vol.mul(t.sqrt());
  if (sd.isZero()) {
    return { call: Dec.max(f.sub(k), 0).mul(disc), put: Dec.max(k.sub(f), 0).mul(disc) };
  }
  const d1 = f.div(k).ln().add(sd.mul(sd).div(2)).div(sd);
  const d2 = d1.sub(sd);
  const call = disc.mul(f.mul(normCdfDecimal(d1)).sub(k.mul(normCdfDecimal(d2))));
  const put = disc.mul(k.mul(normCdfDecimal(d2.neg())).sub(f.mul(normCdfDecimal(d1.neg()))));
  return { call, put };
}

/** Derive PMRM v1 unit-test parameters with the overrides a test applies. */
function config(cfg: DeriveConfig) {
  return {
    spotUp: new Dec('1.05'),
    spotDown: new Dec('0.95'),
    basisAdd: new Dec('0.25'),
    basisMult: new Dec('0.01'),
    pegThreshold: new Dec('0.98'),
    pegFactor: new Dec(2),
    confThreshold: new Dec('0.6'),
    confMargin: cfg.confMargin !== undefined ? wad(cfg.confMargin) : new Dec('0.5'),
    basePct: cfg.basePct !== undefined ? wad(cfg.basePct) : new Dec('0.02'),
    perpPct: cfg.perpPct !== undefined ? wad(cfg.perpPct) : new Dec('0.02'),
    optionPct: new Dec('0.01'),
    imFactor: new Dec('1.3'),
    sdBase: new Dec('0.95'),
    rateMult: new Dec(4),
    rateAdd: cfg.rateAdd !== undefined ? wad(cfg.rateAdd) : new Dec('0.05'),
    volUp: new Dec('0.45'),
    volDown: new Dec('0.3'),
    shortPower: new Dec('0.3'),
    longPower: new Dec('0.13'),
    dteFloor: 86400,
    scenarios: ['1.15', '1.1', '1.05', '1', '0.95', '0.9', '0.85'].flatMap((s) =>
      (['up', 'none', 'down'] as const).map((v) => ({ spot: new Dec(s), vol: v })),
    ),
  };
}

/** The intermediates and margins of one evaluation (Derive's signs: margins ≤ 0 are shortfalls). */
export interface DecimalPmrmResult {
  readonly mtm: Dec;
  readonly basisContingency: Dec;
  readonly staticContingency: Dec;
  readonly confidenceContingency: Dec;
  readonly minSpan: Dec;
  readonly im: Dec;
  readonly mm: Dec;
}

/** Derive PMRM v1 margins of a case, in decimal. */
export function decimalPmrm(c: DeriveCase, cfg: DeriveConfig = {}): DecimalPmrmResult {
  const p = config(cfg);
  const spot = wad(c.spot);
  const stable = wad(c.stable);
  const year = new Dec(31536000);
  const perpSize = wad(c.perp);
  const baseSize = wad(c.base);
  let minConf = wad(c.spotConf);
  if (c.perp !== 0n) minConf = Dec.min(minConf, wad(c.perpConf));

  // Group options by expiry (the order of Derive's arrangement does not change any sum).
  const groups = new Map<number, { strike: Dec; isCall: boolean; amount: Dec; vol: Dec }[]>();
  const lastVol = new Map<string, Dec>();
  for (const o of c.options) lastVol.set(`${o.sec}:${o.strike}`, wad(o.vol));
  for (const o of c.options) {
    const g = groups.get(o.sec) ?? [];
    g.push({
      strike: wad(o.strike),
      isCall: o.isCall,
      amount: wad(o.amount),
      vol: lastVol.get(`${o.sec}:${o.strike}`)!,
    });
    groups.set(o.sec, g);
  }
  const baseValue = (shock: Dec): Dec => baseSize.mul(spot).mul(shock).div(stable);
  let totalMtm = baseValue(new Dec(1)).add(wad(c.perpValue));
  let staticCont = perpSize.abs().mul(p.perpPct).add(baseSize.mul(p.basePct)).mul(spot);
  const confCont = (conf: Dec, amount: Dec): Dec =>
    conf.lt(p.confThreshold) ? new Dec(1).sub(conf).mul(p.confMargin).mul(amount).mul(spot) : new Dec(0);
  let confidence = confCont(minConf, perpSize.abs().add(baseSize));
  let basis = new Dec(0);

  interface Expiry {
    options: { strike: Dec; isCall: boolean; amount: Dec; vol: Dec }[];
    fixed: Dec;
    variable: Dec;
    t: Dec;
    up: Dec;
    down: Dec;
    sd: Dec;
    mtm: Dec;
    value: (shock: Dec, volMult: Dec) => Dec;
  }
  const expiries: Expiry[] = [];
  for (const [sec, options] of groups) {
    const feed = c.expiries.find((e) => e.sec === sec);
    if (!feed) throw new Error(`no feed for expiry ${sec}`);
    const t = new Dec(sec).div(year);
    const fixed = wad(feed.fixed);
    const variable = wad(feed.variable);
    const value = (shock: Dec, volMult: Dec): Dec => {
      const f = variable.mul(shock).add(fixed);
      let v = new Dec(0);
      for (const o of options) {
        const pr = black76Decimal(f, o.strike, o.vol.mul(volMult), t);
        v = v.add((o.isCall ? pr.call : pr.put).mul(o.amount));
      }
      return v;
    };
    const mtm = value(new Dec(1), new Dec(1));
    totalMtm = totalMtm.add(mtm);
    const upV = value(p.spotUp, new Dec(1));
    const downV = value(p.spotDown, new Dec(1));
    const worst = Dec.min(upV.sub(mtm), downV.sub(mtm), 0);
    basis = basis.add(worst.mul(p.basisAdd.add(p.basisMult.mul(t))));
    // Vol shock: τ = 30 d / max(T, floor), m = τ^power.
    const tau = new Dec(30 * 86400).div(Math.max(sec, p.dteFloor));
    const m = tau.pow(sec <= 30 * 86400 ? p.shortPower : p.longPower);
    const up = p.volUp.mul(m).add(1);
    const down = Dec.max(new Dec(1).sub(p.volDown.mul(m)), 0);
    const rate = Dec.max(wad(feed.rate), 0);
    const sd = p.sdBase.mul(t.mul(rate.mul(p.rateMult).add(p.rateAdd)).neg().exp());
    // Naked shorts, Derive's pairwise filter over one strike's call and put.
    const used = new Array(options.length).fill(false);
    let naked = new Dec(0);
    for (let i = 0; i < options.length; i++) {
      if (used[i]) continue;
      let found = false;
      for (let j = i + 1; j < options.length; j++) {
        if (!options[i]!.strike.eq(options[j]!.strike)) continue;
        used[j] = true;
        const a = options[i]!.amount;
        const b = options[j]!.amount;
        if (a.mul(b).isNeg()) {
          naked = a.isNeg()
            ? naked.add(a.abs().sub(Dec.min(a.neg(), b)))
            : naked.add(b.abs().sub(Dec.min(a, b.neg())));
        } else if (a.isNeg()) naked = naked.add(a.abs()).add(b.abs());
        found = true;
      }
      if (!found && options[i]!.amount.isNeg()) naked = naked.add(options[i]!.amount.abs());
    }
    staticCont = staticCont.add(naked.mul(p.optionPct).mul(spot));
    const expiryConf = Dec.min(minConf, wad(feed.fwdConf), wad(feed.rateConf), wad(feed.volConf));
    const net = options.reduce((s, o) => s.add(o.amount.abs()), new Dec(0));
    confidence = confidence.add(confCont(expiryConf, net));
    expiries.push({ options, fixed, variable, t, up, down, sd, mtm, value });
  }

  let minSpan = basis;
  for (const s of p.scenarios) {
    let pnl = new Dec(0);
    for (const e of expiries) {
      const mult = s.vol === 'up' ? e.up : s.vol === 'down' ? e.down : new Dec(1);
      const shocked = e.value(s.spot, mult);
      const discounted = shocked.gt(0) ? shocked.mul(e.sd) : shocked;
      pnl = pnl.add(discounted.sub(e.mtm));
    }
    pnl = pnl.add(baseValue(s.spot).sub(baseValue(new Dec(1))));
    pnl = pnl.add(perpSize.mul(s.spot.sub(1).mul(wad(c.perpPrice))));
    if (pnl.lt(minSpan)) minSpan = pnl;
  }
  const cash = wad(c.cash);
  const core = minSpan.sub(staticCont);
  let factor = p.imFactor;
  if (stable.lt(p.pegThreshold)) factor = factor.add(p.pegThreshold.sub(stable).mul(p.pegFactor));
  return {
    mtm: totalMtm,
    basisContingency: basis,
    staticContingency: staticCont,
    confidenceContingency: confidence,
    minSpan,
    mm: core.add(totalMtm).add(cash),
    im: core.mul(factor).sub(confidence).add(totalMtm).add(cash),
  };
}
