/**
 * The margin REST routes on a real hub node (no anvil; deliveries signed by simulated origins):
 * every route's shape and numbers against an independent computation here — the risk kernel
 * called on portfolios written by hand from the deposits and reports this test sent, under a
 * snapshot written from the prices it submitted; allowance usage, in-flight deadlines and the
 * conservation sums from the inputs — plus the what-if call's validation (typed 400s naming the
 * field), unknown addresses (404), margin unknown before the first oracle update, a liquidation
 * and the settlement lifecycle of a withdrawal to its final ACK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../bridge/index.ts';
import { bech32FromBytes, fromHex } from '../../../chain/index.ts';
import { MARGIN_TYPE_URL, MsgWithdrawResponseCodec } from '../../../chain/margin/codec.ts';
import { marginConfigToJson } from '../../../chain/margin/config.ts';
import {
  buildRiskArrays,
  buildUniverse,
  compileRiskParams,
  hashRiskParams,
  type Instrument,
  type MarginSummary,
  marginAccount,
  marginReport,
  type Portfolio,
  type RiskArrays,
} from '../../../chain/risk/index.ts';
import { waitFor } from '../../helpers/node.ts';
import {
  accountOf,
  BASE_PRICES,
  deposit,
  E18,
  evmOf,
  feedsOf,
  handSnapshot,
  MarginHub,
  OPTION_ID,
  ORIGIN_A,
  ORIGIN_B,
  PERP_ID,
  type PriceSet,
  position,
  RELAYER,
  USDC_A,
  USDC_B,
  usdc,
  WETH_A,
} from '../dashboard/marginHub.ts';

const ALICE = 0;
const BOB = 1;
const CAROL = 2;
const CRASH: PriceSet = { ...BASE_PRICES, eth: 2600n * E18 };
const JUNK = `0x${'c9'.repeat(20)}`;

type Json = Record<string, unknown>;
interface Figures {
  equity: string;
  im: string;
  mm: string;
  im_effective: string;
  reserved_allowance: string;
  margin: string;
  withdrawal_equity: string | null;
  binding: string;
  liquidatable: boolean;
}

let h: MarginHub;
let arrays: RiskArrays;
let optionKernelId: string;
const delivered: Record<string, { id: string; height: number }> = {};
let withdrawalSid: string;

beforeAll(async () => {
  h = await MarginHub.start();
  optionKernelId = h.config.instruments.find((l) => l.instrumentId === OPTION_ID.toLowerCase())!.instrument
    .id;
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const lower = (s: string) => s.toLowerCase();
const aliceEvm = lower(evmOf(ALICE));
const pid = (who: number, domain: number, instrument: string) =>
  `${domain}:${lower(evmOf(who))}:${lower(instrument)}`;

/** Alice's portfolio as the hub must see it after her withdrawal of 100 USDC on A. */
function alicePortfolio(): Portfolio {
  return {
    collateral: [
      { domain: ORIGIN_A, token: USDC_A, stage: 'final', amount: usdc(9_900n) },
      { domain: ORIGIN_A, token: WETH_A, stage: 'provisional', amount: 2n * E18 },
      { domain: ORIGIN_B, token: USDC_B, stage: 'provisional', amount: usdc(5_000n) },
    ],
    options: [
      {
        id: pid(ALICE, ORIGIN_A, OPTION_ID),
        instrument: optionKernelId,
        sizeE18: E18,
        domain: ORIGIN_A,
        stage: 'final',
      },
    ],
    perps: [
      {
        id: pid(ALICE, ORIGIN_B, PERP_ID),
        instrument: 'ETH-PERP',
        sizeE18: E18,
        entryPriceE18: 3000n * E18,
        fundingIndexE18: 0n,
        domain: ORIGIN_B,
        stage: 'final',
      },
    ],
    lending: [],
  };
}

/** Bob before his liquidation: 3 000 USDC on A, 4 ETH-PERP long on B at 3 000. */
function bobPortfolio(): Portfolio {
  return {
    collateral: [{ domain: ORIGIN_A, token: USDC_A, stage: 'final', amount: usdc(3_000n) }],
    options: [],
    perps: [
      {
        id: pid(BOB, ORIGIN_B, PERP_ID),
        instrument: 'ETH-PERP',
        sizeE18: 4n * E18,
        entryPriceE18: 3000n * E18,
        fundingIndexE18: 0n,
        domain: ORIGIN_B,
        stage: 'final',
      },
    ],
    lending: [],
  };
}

/** The adapter's standalone usage: ⌈|size| · spot · imRate⌉ in µUSD (E18 · E18 · ppm / 1e36). */
const usageMicro = (sizeE18: bigint, spotE18: bigint, ppm: bigint) => {
  const n = sizeE18 * spotE18 * ppm;
  return n === 0n ? 0n : (n - 1n) / (E18 * E18) + 1n;
};

function expectFigures(got: Figures, s: MarginSummary, reserved: bigint, what: string) {
  expect(got.equity, `${what} equity`).toBe(s.equity.toString());
  expect(got.im, `${what} im`).toBe(s.im.toString());
  expect(got.mm, `${what} mm`).toBe(s.mm.toString());
  expect(got.margin, `${what} margin`).toBe((s.equity - s.im).toString());
  expect(got.reserved_allowance, `${what} reserved`).toBe(reserved.toString());
  expect(got.im_effective, `${what} im_effective`).toBe((s.im + reserved).toString());
  expect(got.binding, `${what} binding`).toBe(s.binding);
  expect(got.liquidatable, `${what} liquidatable`).toBe(s.equity < s.mm);
}

/** Withdrawal equity, the rule of DESIGN "Withdrawals" written out: provisional collateral out; min(with, without positions). */
function withdrawalEquityOf(p: Portfolio): bigint {
  const noProv: Portfolio = {
    ...p,
    collateral: p.collateral.filter((c) => c.stage === 'final' || c.amount < 0n),
  };
  const a = marginAccount(noProv, arrays).equity;
  const b = marginAccount({ ...noProv, options: [], perps: [] }, arrays).equity;
  if (a < b) return a;
  return b;
}

describe('margin REST', () => {
  it('reports margin as unknown (not zeros) before the first oracle update', async () => {
    const d = h.deliver(h.a, deposit(CAROL, USDC_A, usdc(500n), 0n), 'final');
    const r = await h.send(RELAYER, [d.msg]);
    expect(r.code, r.rawLog).toBe(0);
    await h.waitHeight(BigInt(r.height) + 1n);
    const m = await h.get<Json>(`/v1/accounts/${accountOf(CAROL)}/margin`);
    expect(m.status).toBe(200);
    expect(m.body).toMatchObject({
      address: accountOf(CAROL),
      status: 'unknown',
      unknown: { reason: 'no_snapshot', code: 'RISK_MISSING_FEED' },
      equity: null,
      im: null,
      mm: null,
      grid: [],
    });
    expect(m.body.balances).toEqual([
      expect.objectContaining({
        domain: ORIGIN_A,
        token: expect.stringMatching(/^0x/i),
        stage: 'final',
        amount: usdc(500n).toString(),
        symbol: 'USDC',
        collateral: true,
      }),
    ]);
    const list = await h.get<{ accounts: Json[] }>('/v1/margin/accounts');
    expect(list.body.accounts).toEqual([
      expect.objectContaining({
        address: accountOf(CAROL),
        status: 'unknown',
        equity: null,
        unknown_code: 'RISK_MISSING_FEED',
      }),
    ]);
  });

  it('serves an account view equal to the kernel on a hand-written portfolio', async () => {
    // One relayer tx: prices, deposits (final and fast), position reports (final).
    const t1 = BigInt(Date.now());
    const aUsdc = h.deliver(h.a, deposit(ALICE, USDC_A, usdc(10_000n), 1n), 'final');
    const aWeth = h.deliver(h.a, deposit(ALICE, WETH_A, 2n * E18, 2n), 'fast');
    const bUsdcA = h.deliver(h.a, deposit(BOB, USDC_A, usdc(3_000n), 3n), 'final');
    const aOpt = h.deliver(h.a, position(ALICE, OPTION_ID, E18, usdc(150n), 1n), 'final');
    const aUsdcB = h.deliver(h.b, deposit(ALICE, USDC_B, usdc(5_000n), 0n), 'fast');
    const aPerp = h.deliver(h.b, position(ALICE, PERP_ID, E18, usdc(3_000n), 1n), 'final');
    const bPerp = h.deliver(h.b, position(BOB, PERP_ID, 4n * E18, usdc(3_000n), 1n), 'final');
    const r1 = await h.send(RELAYER, [
      await h.oracleMsg(feedsOf(BASE_PRICES, h.expirySec), t1),
      ...[aUsdc, aWeth, bUsdcA, aOpt, aUsdcB, aPerp, bPerp].map((x) => x.msg),
    ]);
    expect(r1.code, r1.rawLog).toBe(0);
    delivered.aWeth = { id: aWeth.d.id, height: r1.height };
    delivered.aUsdcB = { id: aUsdcB.d.id, height: r1.height };
    await h.waitHeight(BigInt(r1.height) + 1n);

    // Alice reserves 2 000 USD of allowance on A for her EVM address, then withdraws 100 USDC on A.
    const ra = await h.send(ALICE, [
      {
        typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
        value: {
          sender: accountOf(ALICE),
          domain: ORIGIN_A,
          owner: fromHex(aliceEvm)!,
          amountMicro: usdc(2_000n).toString(),
        },
      },
    ]);
    expect(ra.code, ra.rawLog).toBe(0);
    const rw = await h.send(ALICE, [
      {
        typeUrl: MARGIN_TYPE_URL.MsgWithdraw,
        value: {
          sender: accountOf(ALICE),
          domain: ORIGIN_A,
          token: fromHex(USDC_A)!,
          amount: usdc(100n).toString(),
          recipient: fromHex(aliceEvm)!,
        },
      },
    ]);
    expect(rw.code, rw.rawLog).toBe(0);
    withdrawalSid = bytesToHex(MsgWithdrawResponseCodec.decode(rw.msgResponses[0]!.value).settlementId);

    // The crash: ETH 3 000 → 2 600 (every feed re-observed at t2).
    const t2 = BigInt(Date.now());
    const r2 = await h.send(RELAYER, [await h.oracleMsg(feedsOf(CRASH, h.expirySec), t2)]);
    expect(r2.code, r2.rawLog).toBe(0);
    await h.waitHeight(BigInt(r2.height) + 1n);
    const snapshotMs = await h.blockTimeMs(r2.height);
    const cp = compileRiskParams(h.config.risk);
    const universe = [
      ...new Map(h.config.instruments.map((l) => [l.instrument.id, l.instrument])).values(),
    ] as Instrument[];
    arrays = buildRiskArrays(
      handSnapshot(CRASH, h.expirySec, t2, snapshotMs),
      buildUniverse(universe, cp),
      cp,
    );

    const m = await h.get<Json & Figures>(`/v1/accounts/${accountOf(ALICE)}/margin`);
    expect(m.status).toBe(200);
    const want = marginReport(alicePortfolio(), arrays);
    const reserved = usdc(2_000n) - usageMicro(E18, CRASH.eth, 150_000n);
    expect(m.body.status).toBe('ok');
    expectFigures(m.body, want, reserved, 'alice');
    expect(m.body.withdrawal_equity).toBe(withdrawalEquityOf(alicePortfolio()).toString());
    expect(m.body.grid).toEqual(
      want.grid.map((g) => ({ underlying: g.underlying, pnl: [...g.pnl], basis: g.basis })),
    );
    expect(m.body.greeks).toEqual(want.netGreeks.map((g) => ({ ...g })));
    expect((m.body.scenarios as unknown[]).length).toBe(h.config.risk.scenarios.length);
    expect(m.body.scenarios).toContainEqual({ spot_shock: '1.15', vol: 'up', weight: '1' });
    expect(m.body.evm_addresses).toEqual([expect.stringMatching(new RegExp(`^${aliceEvm}$`, 'i'))]);
    expect(Number(m.body.height)).toBeGreaterThanOrEqual(r2.height);

    // Balances by domain, token, stage (the withdrawal is frozen out of A's final USDC).
    const bal = (m.body.balances as Json[]).map((b) => [
      b.domain,
      lower(b.token as string),
      b.stage,
      b.amount,
    ]);
    expect(bal).toEqual(
      expect.arrayContaining([
        [ORIGIN_A, USDC_A, 'final', usdc(9_900n).toString()],
        [ORIGIN_A, WETH_A, 'provisional', (2n * E18).toString()],
        [ORIGIN_B, USDC_B, 'provisional', usdc(5_000n).toString()],
      ]),
    );
    expect(bal).toHaveLength(3);

    // Positions with their final and latest sizes and listings.
    const pos = m.body.positions as Json[];
    expect(pos.map((p) => [p.id, p.domain, p.final_size, p.latest_size, p.provisional, p.expired])).toEqual([
      [pid(ALICE, ORIGIN_A, OPTION_ID), ORIGIN_A, '1', '1', false, false],
      [pid(ALICE, ORIGIN_B, PERP_ID), ORIGIN_B, '1', '1', false, false],
    ]);
    expect(pos[0]!.listing).toMatchObject({
      instrument: optionKernelId,
      kind: 'option',
      is_call: true,
      strike: '3000',
      im_rate_ppm: 150_000,
    });

    // The allowance: amount, usage by the option on A at the crash price, pending until the adapter's ACK.
    expect(m.body.allowances).toEqual([
      expect.objectContaining({
        domain: ORIGIN_A,
        amount_usd_micro: usdc(2_000n).toString(),
        usage_usd_micro: usageMicro(E18, CRASH.eth, 150_000n).toString(),
        unused_usd_micro: reserved.toString(),
        sequence: '1',
        expired: false,
        status: 'pending',
      }),
    ]);

    // In flight: the two fast deposits (final expected at delivery + 60 s, expiring at + 900 s) and the withdrawal.
    const deliveredMs = await h.blockTimeMs(r1.height);
    const prov = (m.body.in_flight as { provisional: Json[] }).provisional;
    expect(prov.map((p) => p.message_id).sort()).toEqual([delivered.aWeth!.id, delivered.aUsdcB!.id].sort());
    for (const p of prov) {
      expect(p.kind, String(p.message_id)).toBe('deposit');
      expect(p.delivered_time_ms).toBe(deliveredMs.toString());
      expect(p.expected_final_ms).toBe((deliveredMs + 60_000n).toString());
      expect(p.deadline_ms).toBe((deliveredMs + 900_000n).toString());
    }
    const wf = (m.body.in_flight as { withdrawals: Json[] }).withdrawals;
    expect(wf).toEqual([
      expect.objectContaining({
        settlement_id: withdrawalSid,
        domain: ORIGIN_A,
        amount: usdc(100n).toString(),
        status: 'in_flight',
        settlement: { status: 'dispatched', ack_status: 'none', ack_stage: 'none' },
      }),
    ]);
    expect(m.body.liquidations).toEqual([]);

    // The same account through its linked EVM address.
    const viaEvm = await h.get<Json>(`/v1/accounts/${evmOf(ALICE)}/margin`);
    expect(viaEvm.body.address).toBe(accountOf(ALICE));
    expect(viaEvm.body.im).toBe(m.body.im);
  });

  it('liquidates bob after the crash: the record, his view, the close settlement and the insurance fund agree', async () => {
    const liq = await waitFor(async () => {
      const r = await h.get<{ liquidations: Json[] }>('/v1/margin/liquidations');
      return r.body.liquidations.length > 0 ? r.body : undefined;
    });
    const bobAt = marginAccount(bobPortfolio(), arrays);
    expect(bobAt.equity < bobAt.mm).toBe(true);
    expect(liq.liquidations).toHaveLength(1);
    const rec = liq.liquidations[0]!;
    expect(rec).toMatchObject({
      account: accountOf(BOB),
      equity: bobAt.equity.toString(),
      mm: bobAt.mm.toString(),
      im: bobAt.im.toString(),
      keeper: null,
    });
    const closes = rec.closes as string[];
    expect(closes.length).toBeGreaterThan(0);
    const s = await h.get<Json>(`/v1/settlements/${closes[0]}`);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      settlement_id: closes[0],
      kind: 'close_position',
      destination: ORIGIN_B,
      stage: 'dispatched',
      withdrawal: null,
      close: { account: accountOf(BOB), domain: ORIGIN_B, instrument_id: lower(PERP_ID) },
    });
    const bob = await h.get<Json>(`/v1/accounts/${accountOf(BOB)}/margin`);
    expect(bob.body.liquidations).toEqual([rec]);
    expect((bob.body.positions as Json[])[0]!.close_in_flight).toBe(closes[0]);
    // The penalty (µUSD; USDC has 6 decimals, so atomic = µUSD) is paid in the settlement token of
    // the first close's market (USDC on B) into the insurance fund there; bob's B balance owes it.
    const domains = await h.get<{ domains: Json[] }>('/v1/margin/domains');
    const b = domains.body.domains.find((d) => d.domain === ORIGIN_B)!;
    const usdcB = (b.tokens as Json[]).find((t) => lower(t.token as string) === USDC_B)!;
    expect(BigInt(rec.penalty as string) > 0n).toBe(true);
    expect(usdcB.insurance_fund).toBe(rec.penalty);
    const bal = (bob.body.balances as Json[]).map((x) => [
      x.domain,
      lower(x.token as string),
      x.stage,
      x.amount,
    ]);
    expect(bal).toEqual([
      [ORIGIN_A, USDC_A, 'final', usdc(3_000n).toString()],
      [ORIGIN_B, USDC_B, 'final', (-BigInt(rec.penalty as string)).toString()],
    ]);
  });

  it('lists accounts by margin ascending, pages them, and matches each account view', async () => {
    const all = await h.get<{ accounts: Json[]; total: number; next: string | null }>('/v1/margin/accounts');
    expect(all.body.total).toBe(3);
    const rows = all.body.accounts;
    expect(rows.map((r) => r.address).sort()).toEqual(
      [accountOf(ALICE), accountOf(BOB), accountOf(CAROL)].sort(),
    );
    const margins = rows.map((r) => BigInt(r.margin as string));
    expect([...margins].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(margins);
    for (const r of rows) {
      const v = await h.get<Json>(`/v1/accounts/${r.address}/margin`);
      for (const k of ['equity', 'im', 'mm', 'margin'] as const)
        expect(r[k], `${r.address} ${k}`).toBe(v.body[k]);
    }
    // Carol: 500 USDC and nothing else: equity 500 USD, no requirement.
    const carol = rows.find((r) => r.address === accountOf(CAROL))!;
    expect(carol).toMatchObject({ status: 'ok', equity: usdc(500n).toString(), im: '0', mm: '0' });
    const alice = rows.find((r) => r.address === accountOf(ALICE))!;
    expect(alice.im).toBe(marginAccount(alicePortfolio(), arrays).im.toString());

    const p1 = await h.get<{ accounts: Json[]; next: string | null }>('/v1/margin/accounts?limit=2');
    expect(p1.body.accounts).toEqual(rows.slice(0, 2));
    expect(p1.body.next).toBe(rows[1]!.address);
    const p2 = await h.get<{ accounts: Json[]; next: string | null }>(
      `/v1/margin/accounts?limit=2&after=${p1.body.next}`,
    );
    expect(p2.body.accounts).toEqual(rows.slice(2));
    expect(p2.body.next).toBeNull();
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['after=umg1nobody', 'after'],
    ] as const) {
      const r = await h.get<{ error: Json }>(`/v1/margin/accounts?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error, q).toMatchObject({ code: 'QUERY_INVALID_FIELD', field });
    }
  });

  it('answers what-if calls equal to the kernel on the modified portfolio', async () => {
    const path = `/v1/accounts/${accountOf(ALICE)}/what-if`;
    const base = alicePortfolio();
    const reserved = usdc(2_000n) - usageMicro(E18, CRASH.eth, 150_000n);
    const baseSummary = marginAccount(base, arrays);

    // A deposit of 1 000 USDC on A.
    let r = await h.post<Json>(path, {
      deposits: [{ domain: ORIGIN_A, token: USDC_A, amount: usdc(1_000n).toString() }],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expectFigures(r.body.before as Figures, baseSummary, reserved, 'before');
    const dep: Portfolio = {
      ...base,
      collateral: base.collateral.map((c) =>
        c.token === USDC_A ? { ...c, amount: c.amount + usdc(1_000n) } : c,
      ),
    };
    expectFigures(r.body.after as Figures, marginAccount(dep, arrays), reserved, 'after deposit');
    expect((r.body.after as Figures).withdrawal_equity).toBe(withdrawalEquityOf(dep).toString());

    // A hedge: 1 ETH-PERP short on B, entry at the mark (spot: no perp feed).
    r = await h.post<Json>(path, {
      positions: [{ domain: ORIGIN_B, instrument_id: PERP_ID, size: (-E18).toString() }],
    });
    expect(r.status).toBe(200);
    const hedged: Portfolio = {
      ...base,
      perps: [
        ...base.perps,
        {
          id: 'h',
          instrument: 'ETH-PERP',
          sizeE18: -E18,
          entryPriceE18: CRASH.eth,
          fundingIndexE18: 0n,
          domain: ORIGIN_B,
          stage: 'final',
        },
      ],
    };
    expectFigures(r.body.after as Figures, marginAccount(hedged, arrays), reserved, 'after hedge');

    // A second call on A: it uses more of the allowance on A (usage of 2 calls).
    r = await h.post<Json>(path, {
      positions: [{ domain: ORIGIN_A, instrument_id: OPTION_ID, size: E18.toString() }],
    });
    expect(r.status).toBe(200);
    const twoCalls: Portfolio = {
      ...base,
      options: [
        ...base.options,
        { id: 'c', instrument: optionKernelId, sizeE18: E18, domain: ORIGIN_A, stage: 'final' },
      ],
    };
    const reserved2 = usdc(2_000n) - usageMicro(2n * E18, CRASH.eth, 150_000n);
    expectFigures(r.body.after as Figures, marginAccount(twoCalls, arrays), reserved2, 'after second call');

    // Withdrawals: each through the chain's checks; the after figures count them.
    r = await h.post<Json>(path, {
      withdrawals: [
        { domain: ORIGIN_A, token: USDC_A, amount: usdc(50n).toString() },
        { domain: ORIGIN_A, token: USDC_A, amount: usdc(100_000n).toString() },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.withdrawal_checks).toEqual([
      { index: 0, ok: true, code: null, message: null },
      expect.objectContaining({ index: 1, ok: false, code: 'MARGIN_INSUFFICIENT_BALANCE' }),
    ]);
    const wd: Portfolio = {
      ...base,
      collateral: base.collateral.map((c) =>
        c.token === USDC_A ? { ...c, amount: c.amount - usdc(100_050n) } : c,
      ),
    };
    expectFigures(r.body.after as Figures, marginAccount(wd, arrays), reserved, 'after withdrawals');

    // Nothing hypothetical: after = before; after_final counts the provisional deposits as final.
    r = await h.post<Json>(path, {});
    expect(r.status).toBe(200);
    expect(r.body.after).toEqual(r.body.before);
    const allFinal: Portfolio = {
      ...base,
      collateral: base.collateral.map((c) => ({ ...c, stage: 'final' })),
    };
    expectFigures(r.body.after_final as Figures, marginAccount(allFinal, arrays), reserved, 'after_final');
    const deliveredMs = await h.blockTimeMs(delivered.aWeth!.height);
    const prov = (r.body.in_flight as { provisional: Json[] }).provisional;
    expect(prov).toHaveLength(2);
    for (const p of prov) expect(p.expected_final_ms).toBe((deliveredMs + 60_000n).toString());
    expect(r.body.all_final_expected_ms).toBe((deliveredMs + 60_000n).toString());
  });

  it('refuses malformed what-if bodies with typed 400s naming the field', async () => {
    const path = `/v1/accounts/${accountOf(ALICE)}/what-if`;
    const dep = (x: Json) => ({ deposits: [{ domain: ORIGIN_A, token: USDC_A, amount: '1', ...x }] });
    const cases: [string, unknown, string][] = [
      ['array body', [], 'body'],
      ['unknown key', { loans: [] }, 'body.loans'],
      ['deposits not a list', { deposits: {} }, 'deposits'],
      ['deposit entry not an object', { deposits: [7] }, 'deposits[0]'],
      ['unknown domain', dep({ domain: 7 }), 'deposits[0].domain'],
      ['domain as string', dep({ domain: String(ORIGIN_A) }), 'deposits[0].domain'],
      ['token outside the registry', dep({ token: JUNK }), 'deposits[0].token'],
      ['token malformed', dep({ token: '0x12' }), 'deposits[0].token'],
      ['amount as number', dep({ amount: 1 }), 'deposits[0].amount'],
      ['amount zero', dep({ amount: '0' }), 'deposits[0].amount'],
      ['amount negative', dep({ amount: '-5' }), 'deposits[0].amount'],
      ['stage unknown', dep({ stage: 'soon' }), 'deposits[0].stage'],
      ['extra deposit field', dep({ memo: 'x' }), 'deposits[0].memo'],
      [
        'token not on that domain',
        { withdrawals: [{ domain: ORIGIN_B, token: USDC_A, amount: '1' }] },
        'withdrawals[0].token',
      ],
      [
        'instrument not listed there',
        { positions: [{ domain: ORIGIN_B, instrument_id: OPTION_ID, size: '1' }] },
        'positions[0].instrument_id',
      ],
      [
        'size zero',
        { positions: [{ domain: ORIGIN_A, instrument_id: PERP_ID, size: '0' }] },
        'positions[0].size',
      ],
      [
        'entry price negative',
        { positions: [{ domain: ORIGIN_A, instrument_id: PERP_ID, size: '1', entry_price: '-1' }] },
        'positions[0].entry_price',
      ],
      [
        'too many positions',
        {
          positions: Array.from({ length: 33 }, () => ({
            domain: ORIGIN_A,
            instrument_id: PERP_ID,
            size: '1',
          })),
        },
        'positions',
      ],
    ];
    for (const [name, body, field] of cases) {
      const r = await h.post<{ error: Json }>(path, body);
      expect(r.status, name).toBe(400);
      expect(r.body.error, name).toMatchObject({ code: 'QUERY_INVALID_FIELD', field });
      expect(String(r.body.error.message), name).toContain(field);
    }
    const bad = await h.post<{ error: Json }>(path, '{"deposits": [', true);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('QUERY_BAD_JSON');
    const big = await h.post<{ error: Json }>(path, { deposits: [], pad: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('QUERY_BODY_TOO_LARGE');
    const nobody = await h.post<{ error: Json }>(
      `/v1/accounts/${bech32FromBytes(new Uint8Array(20).fill(0xab))}/what-if`,
      {},
    );
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('QUERY_UNKNOWN_ACCOUNT');
  });

  it('answers unknown and malformed addresses with 404 and 400', async () => {
    const cases: [string, number, string][] = [
      [bech32FromBytes(new Uint8Array(20).fill(0xab)), 404, 'QUERY_UNKNOWN_ACCOUNT'],
      [`0x${'ab'.repeat(20)}`, 404, 'QUERY_UNKNOWN_ACCOUNT'],
      ['hello', 400, 'QUERY_BAD_ADDRESS'],
      [`0x${'ab'.repeat(19)}`, 400, 'QUERY_BAD_ADDRESS'],
    ];
    for (const [addr, status, code] of cases) {
      const r = await h.get<{ error: Json }>(`/v1/accounts/${addr}/margin`);
      expect(r.status, addr).toBe(status);
      expect(r.body.error.code, addr).toBe(code);
    }
    const s1 = await h.get<{ error: Json }>('/v1/settlements/0x1234');
    expect([s1.status, s1.body.error.code, s1.body.error.field]).toEqual([400, 'QUERY_INVALID_FIELD', 'id']);
    const s2 = await h.get<{ error: Json }>(`/v1/settlements/0x${'77'.repeat(32)}`);
    expect([s2.status, s2.body.error.code]).toEqual([404, 'QUERY_UNKNOWN_SETTLEMENT']);
  });

  it('serves domains, conservation, config and governance', async () => {
    const d = await h.get<{ domains: Json[]; time_ms: string; height: string }>('/v1/margin/domains');
    expect(d.status).toBe(200);
    const deliveredMs = await h.blockTimeMs(delivered.aWeth!.height);
    for (const [domain, name] of [
      [ORIGIN_A, 'chain-a'],
      [ORIGIN_B, 'chain-b'],
    ] as const) {
      const x = d.body.domains.find((y) => y.domain === domain)!;
      expect(x, name).toMatchObject({
        name,
        halted: false,
        breaker_active: false,
        pending_provisional: 1,
        expected_finality_ms: '60000',
        timeout_ms: '900000',
        oldest_pending_age_ms: (BigInt(d.body.time_ms) - deliveredMs).toString(),
      });
    }

    const c = await h.get<{ lines: Json[]; balanced: boolean }>('/v1/margin/conservation');
    expect(c.body.balanced).toBe(true);
    const line = (domain: number, token: string) =>
      c.body.lines.find((l) => l.domain === domain && lower(l.token as string) === token)!;
    // From the deposits this file sent: final on A 500 + 10 000 + 3 000 USDC; 100 in flight.
    expect(line(ORIGIN_A, USDC_A)).toMatchObject({
      inflow: usdc(13_500n).toString(),
      provisional_inflow: '0',
      in_flight: usdc(100n).toString(),
      outflow: '0',
      balances: usdc(13_400n).toString(),
      imbalance: '0',
      vault_view: usdc(13_500n).toString(),
    });
    expect(line(ORIGIN_A, WETH_A)).toMatchObject({
      inflow: '0',
      provisional_inflow: (2n * E18).toString(),
      imbalance: '0',
    });
    expect(line(ORIGIN_B, USDC_B)).toMatchObject({
      provisional_inflow: usdc(5_000n).toString(),
      imbalance: '0',
    });

    const cfg = await h.get<Json>('/v1/margin/config');
    expect(cfg.body.params_hash).toBe(hashRiskParams(h.config.risk));
    expect(cfg.body.config).toEqual(JSON.parse(JSON.stringify(marginConfigToJson(h.config))));

    const g = await h.get<Json>('/v1/governance');
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ last_id: '0', next_activation_height: null, pending: [] });
    expect(g.body.params_timelock_blocks).toMatch(/^[0-9]+$/);
    expect(g.body.height).toMatch(/^[0-9]+$/);
  });

  it('follows a withdrawal to its final ACK: dispatched → ack_provisional → acknowledged', async () => {
    const s0 = await h.get<Json>(`/v1/settlements/${withdrawalSid}`);
    expect(s0.body).toMatchObject({
      kind: 'release',
      destination: ORIGIN_A,
      stage: 'dispatched',
      withdrawal: { status: 'in_flight', amount: usdc(100n).toString(), account: accountOf(ALICE) },
    });
    const ack = h.deliver(
      h.a,
      { kind: 'ACK', settlementId: withdrawalSid as `0x${string}`, status: 'EXECUTED', detail: '0x' },
      'fast',
    );
    let r = await h.send(RELAYER, [ack.msg]);
    expect(r.code, r.rawLog).toBe(0);
    await h.waitHeight(BigInt(r.height));
    const s1 = await h.get<Json>(`/v1/settlements/${withdrawalSid}`);
    expect(s1.body).toMatchObject({
      stage: 'ack_provisional',
      ack: { status: 'executed', stage: 'provisional' },
    });
    const m1 = await h.get<Json>(`/v1/accounts/${accountOf(ALICE)}/margin`);
    const prov = (m1.body.in_flight as { provisional: Json[] }).provisional;
    expect(prov.find((p) => p.message_id === ack.d.id)).toMatchObject({
      kind: 'ack',
      detail: { settlement_id: withdrawalSid, ack_status: 'executed' },
    });

    r = await h.send(RELAYER, [h.confirm(h.a, [ack.d])]);
    expect(r.code, r.rawLog).toBe(0);
    await h.waitHeight(BigInt(r.height));
    const s2 = await h.get<Json>(`/v1/settlements/${withdrawalSid}`);
    expect(s2.body).toMatchObject({
      stage: 'acknowledged',
      ack: { status: 'executed', stage: 'final' },
      withdrawal: { status: 'executed' },
    });
    const m2 = await h.get<Json>(`/v1/accounts/${accountOf(ALICE)}/margin`);
    expect((m2.body.in_flight as { withdrawals: Json[] }).withdrawals).toEqual([]);
    const c = await h.get<{ lines: Json[] }>('/v1/margin/conservation');
    const a = c.body.lines.find((l) => l.domain === ORIGIN_A && lower(l.token as string) === USDC_A)!;
    expect(a).toMatchObject({ in_flight: '0', outflow: usdc(100n).toString(), imbalance: '0' });
  });
});
