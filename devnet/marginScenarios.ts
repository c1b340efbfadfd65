/**
 * The unified-margin scenarios of `unimargin devnet scenario`: `hedge`, `crash` and `reorg`. Each
 * uses its own trader key (so they can run one after another on one devnet) and prints what it
 * does with the hub's numbers (equity, IM, MM from `/v1/accounts/:address/margin`) and the
 * latencies of every hop; `scenarios.ts` then checks conservation against the vaults.
 *
 * | scenario | key | chains | story |
 * | --- | --- | --- | --- |
 * | `hedge` | 4 | ethdev (long), arbdev (short) | deposits on both, allowances, a perp long on one chain and the opposite short on the other: IM counts the long at once, the short's relief only once its report is final; then both legs close and a withdrawal measures RELEASE → ACK |
 * | `crash` | 5 | opdev | a leveraged long, then the oracle path crashes 25 %: the hub liquidates (CLOSE_POSITION within its price limit, executed on chain and ACKed), the realised loss is paid from the vault to the market, the penalty goes to the insurance fund |
 * | `reorg` | 6 | opdev | a deposit credited provisionally, then reorged out with `anvil_reorg`: a withdrawal of it is refused, the chain's domain halts while the item waits, the item expires and is reverted |
 *
 * Options (`--opt name=value` on the command line): `key-index`, `chains` (hedge: `long,short`),
 * `chain` (crash, reorg), `size` (perp units), `factor` (crash), `deposit` (USDC).
 */
import { type Address, decodeEventLog, formatUnits, type Hex, parseUnits } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { decodeAppPayload, decodeMessage } from '../bridge/index.ts';
import { sampleMarketBaseAbi } from '../contracts-abi/index.ts';
import { devnetDeposit, hubAddressOfKey, hubMessageStatus } from './cli.ts';
import { DevnetError } from './errors.ts';
import { devnetKey, KEY_INDEX } from './keys.ts';
import {
  chainOfWorld,
  clientsOf,
  devnetAllowance,
  devnetOpen,
  devnetWithdraw,
  followAllowance,
  hubSettlement,
  marketPosition,
  requestAllowance,
  setPerpMarks,
  settlementAckLatencyMs,
} from './margin.ts';
import {
  type AccountMarginView,
  accountMargin,
  domainStatus,
  fmtMs,
  fmtUsd,
  insuranceFund,
  LATENCY_BOUNDS_MS,
  liquidationsOf,
  type ScenarioContext,
  sleep,
} from './scenarioKit.ts';
import type { WorldFile } from './up.ts';
import { DEVNET_WORLD, worldChain } from './world.ts';

/** A scenario: one `run` against a running devnet. */
export interface MarginScenario {
  run(ctx: ScenarioContext): Promise<void>;
}

const quiet = () => {};
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

function intOpt(ctx: ScenarioContext, name: string, dflt: number): number {
  const v = ctx.options[name];
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v))
    throw new DevnetError('DEVNET_BAD_ARGUMENT', `--opt ${name}=${JSON.stringify(v)}: expected an integer`, {
      field: name,
      value: v,
    });
  return Number(v);
}

function numOpt(ctx: ScenarioContext, name: string, dflt: number, min: number, max: number): number {
  const v = ctx.options[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--opt ${name}=${JSON.stringify(v)}: expected a number in [${min}, ${max}]`,
      { field: name, value: v },
    );
  return n;
}

/** The hub's accepted price of `feed` (E18 → a float USD), and the height it was read at. */
export async function hubPrice(w: WorldFile, feed: string): Promise<{ usd: number; height: bigint }> {
  const r = await fetch(`${w.hub.url}/dashboard/api/overview`, { signal: AbortSignal.timeout(5000) });
  const o = (await r.json()) as { height: string; oracle: { feed: string; value: string }[] };
  const p = o.oracle.find((x) => x.feed === feed);
  if (p === undefined) throw new Error(`the hub has no ${feed} price yet`);
  return { usd: Number(BigInt(p.value) / 10n ** 12n) / 1e6, height: BigInt(o.height) };
}

/** The hub's outbox entries from `from` on (decoded payloads). */
async function outboxFrom(
  w: WorldFile,
  from: number,
): Promise<{
  count: number;
  messages: {
    nonce: number;
    destination: number;
    message_id: string;
    payload: ReturnType<typeof decodeAppPayload> | undefined;
  }[];
}> {
  const r = await fetch(`${w.hub.url}/v1/bridge/outbox?from=${from}&limit=100`, {
    signal: AbortSignal.timeout(5000),
  });
  const j = (await r.json()) as {
    count: number;
    messages: { nonce: number; destination: number; message_id: string; message: string }[];
  };
  return {
    count: j.count,
    messages: j.messages.map((m) => {
      let payload: ReturnType<typeof decodeAppPayload> | undefined;
      try {
        payload = decodeAppPayload(decodeMessage(m.message as Hex).body, { direction: 'outbound' });
      } catch {
        payload = undefined;
      }
      return { nonce: m.nonce, destination: m.destination, message_id: m.message_id, payload };
    }),
  };
}

async function outboxCount(w: WorldFile): Promise<number> {
  return (await outboxFrom(w, 0).then((o) => o.count)) ?? 0;
}

/** Waits until the hub shows inbound `messageId` at least at `stage`; ms since `t0`, or undefined. */
async function waitInbound(
  w: WorldFile,
  messageId: Hex,
  stage: 'provisional' | 'final',
  t0: number,
  timeoutMs: number,
): Promise<number | undefined> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const s = await hubMessageStatus(w.hub.url, messageId).catch(() => undefined);
    if (s !== undefined && (stage === 'provisional' || s.stage === 'final')) return Date.now() - t0;
    await sleep(100);
  }
  return undefined;
}

const marginLine = (m: AccountMarginView) =>
  `equity ${fmtUsd(m.equity)}, IM ${fmtUsd(m.im)} (effective ${fmtUsd(m.imEffective)} with unused allowance), MM ${fmtUsd(m.mm)}, binding ${m.binding}`;

/** Allowance for `sizeUnits` at `priceUsd` under the adapter's 10 % standalone rate, with 20 % headroom, whole USD. */
function allowanceFor(sizeUnits: number, priceUsd: number, ratePpm = 100_000): string {
  return String(Math.ceil(Math.abs(sizeUnits) * priceUsd * (ratePpm / 1e6) * 1.2));
}

// ---- hedge ----

/** `hedge`: see the module table. */
export const hedgeScenario: MarginScenario = {
  async run(ctx) {
    const w = ctx.w;
    const home = ctx.home === undefined ? {} : { home: ctx.home };
    const keyIndex = intOpt(ctx, 'key-index', 4);
    const [longChain, shortChain] = (ctx.options.chains ?? 'ethdev,arbdev').split(',') as [string, string];
    chainOfWorld(w, longChain);
    chainOfWorld(w, shortChain);
    const size = numOpt(ctx, 'size', 2, 0.001, 1000);
    const account = hubAddressOfKey(devnetKey(keyIndex));
    const owner = privateKeyToAddress(devnetKey(keyIndex));
    ctx.say(
      `Trader key ${keyIndex}: hub account ${account}, EVM ${owner}. Plan: long ${size} ETH-PERP on ${longChain}, short ${size} on ${shortChain}.`,
    );

    ctx.say(`1. Deposit 5,000 USDC on ${longChain} and on ${shortChain}…`);
    const deps = await Promise.all(
      [longChain, shortChain].map((chain) =>
        devnetDeposit({
          ...home,
          chain,
          token: 'USDC',
          amount: '5000',
          keyIndex,
          timeoutMs: 120_000,
          print: quiet,
        }),
      ),
    );
    for (const d of deps) {
      ctx.say(`   ${d.chain}: provisional credit ${fmtMs(d.provisionalMs)}, final ${fmtMs(d.finalMs)}`);
      if (d.finalMs === undefined)
        ctx.violation(`deposit ${d.messageId} on ${d.chain} not final within 120 s`);
    }
    ctx.latency(
      'deposit → provisional credit',
      deps.flatMap((d) => (d.provisionalMs === undefined ? [] : [d.provisionalMs])),
      LATENCY_BOUNDS_MS.provisional,
    );
    ctx.latency(
      'deposit → final',
      deps.flatMap((d) => (d.finalMs === undefined ? [] : [d.finalMs])),
      LATENCY_BOUNDS_MS.final,
    );

    const eth = await hubPrice(w, 'ETH/USD');
    await setPerpMarks(w, [longChain, shortChain], 'ETH-PERP', eth.usd);
    const allowUsd = allowanceFor(size, eth.usd);
    ctx.say(
      `2. Sample perp marks set to the hub's ETH/USD ${eth.usd.toFixed(2)}; request $${allowUsd} of allowance on each chain (the adapter's standalone margin for ${size} ETH is 10 % of notional)…`,
    );
    // One account sends both (one sequence): one after the other on the hub, followed together.
    const sent = [];
    for (const chain of [longChain, shortChain])
      sent.push(await requestAllowance({ ...home, chain, keyIndex, amountUsd: allowUsd, print: quiet }));
    const allowances = await Promise.all(
      sent.map((a) => followAllowance({ ...home, timeoutMs: 120_000, print: quiet }, a)),
    );
    for (const a of allowances) {
      ctx.say(
        `   ${a.chain}: reserved at hub height ${a.height} (sequence ${a.sequence}); on the PositionAdapter after ${fmtMs(a.onChainMs)}, ACK final after ${fmtMs(a.ackFinalMs)}`,
      );
      if (a.onChainMs === undefined) ctx.violation(`ALLOWANCE to ${a.chain} never reached the adapter`);
    }
    ctx.measure(
      'ALLOWANCE: hub tx → on the adapter',
      allowances.flatMap((a) => (a.onChainMs === undefined ? [] : [a.onChainMs])),
    );
    const m0 = await accountMargin(w, account);
    ctx.say(`   margin now: ${marginLine(m0)}`);

    ctx.say(`3. Open the long leg: buy ${size} ETH-PERP on ${longChain}…`);
    const t1 = Date.now();
    const long = await devnetOpen({
      ...home,
      chain: longChain,
      keyIndex,
      instrument: 'ETH-PERP',
      size: String(size),
      wait: false,
      print: quiet,
    });
    const longProv = await waitInbound(w, long.messageId, 'provisional', t1, 120_000);
    const mLongProv = await accountMargin(w, account);
    ctx.say(`   report provisional on the hub after ${fmtMs(longProv)}: ${marginLine(mLongProv)}`);
    const longFinal = await waitInbound(w, long.messageId, 'final', t1, 120_000);
    const mLong = await accountMargin(w, account);
    ctx.say(`   final after ${fmtMs(longFinal)}: ${marginLine(mLong)}`);
    if (longFinal === undefined)
      ctx.violation(`the long leg's POSITION ${long.messageId} never became final`);
    if (mLong.im <= 0n) ctx.violation(`IM of an open ${size} ETH long is ${mLong.im} µUSD; expected > 0`);
    if (mLongProv.im < (mLong.im * 95n) / 100n)
      ctx.violation(
        `IM while the long leg was provisional (${fmtUsd(mLongProv.im)}) is below its final IM ${fmtUsd(mLong.im)}: risk must count at once`,
      );

    ctx.say(`4. Open the hedge: sell ${size} ETH-PERP on ${shortChain}…`);
    const t2 = Date.now();
    const short = await devnetOpen({
      ...home,
      chain: shortChain,
      keyIndex,
      instrument: 'ETH-PERP',
      size: String(-size),
      wait: false,
      print: quiet,
    });
    const shortProv = await waitInbound(w, short.messageId, 'provisional', t2, 120_000);
    const mHedgeProv = await accountMargin(w, account);
    ctx.say(
      `   short report provisional after ${fmtMs(shortProv)}: ${marginLine(mHedgeProv)} — relief waits for finality`,
    );
    const shortFinal = await waitInbound(w, short.messageId, 'final', t2, 120_000);
    const mHedge = await accountMargin(w, account);
    ctx.say(`   final after ${fmtMs(shortFinal)}: ${marginLine(mHedge)} — the hedge is recognised`);
    if (shortFinal === undefined)
      ctx.violation(`the short leg's POSITION ${short.messageId} never became final`);
    // Prices move a little between readings (the feeder's path): compare with a 5 % tolerance.
    if (mHedgeProv.im < (mLong.im * 95n) / 100n)
      ctx.violation(
        `IM with the hedge still provisional (${fmtUsd(mHedgeProv.im)}) fell below the unhedged IM ${fmtUsd(mLong.im)}: relief must wait for finality`,
      );
    if (mHedge.im * 4n > mLong.im)
      ctx.violation(
        `IM with the hedge final (${fmtUsd(mHedge.im)}) is not below a quarter of the unhedged IM ${fmtUsd(mLong.im)}: the cross-chain hedge was not recognised`,
      );
    ctx.say(
      `   IM: unhedged ${fmtUsd(mLong.im)} → hedge provisional ${fmtUsd(mHedgeProv.im)} → hedge final ${fmtUsd(mHedge.im)}`,
    );

    ctx.say('5. Close both legs (reducing risk needs no allowance)…');
    const closes = await Promise.all([
      devnetOpen({
        ...home,
        chain: longChain,
        keyIndex,
        instrument: 'ETH-PERP',
        size: String(-size),
        timeoutMs: 120_000,
        print: quiet,
      }),
      devnetOpen({
        ...home,
        chain: shortChain,
        keyIndex,
        instrument: 'ETH-PERP',
        size: String(size),
        timeoutMs: 120_000,
        print: quiet,
      }),
    ]);
    for (const c of closes) {
      ctx.say(
        `   ${c.chain}: closed at ${formatUnits(c.price, 6)}, realised ${formatUnits(c.realisedPnl, 6)} USDC, report final after ${fmtMs(c.finalMs)}`,
      );
      if (c.finalMs === undefined) ctx.violation(`closing report on ${c.chain} never became final`);
    }
    const mFlat = await accountMargin(w, account);
    ctx.say(`   flat: ${marginLine(mFlat)}`);

    ctx.say(`6. Withdraw 100 USDC on ${longChain} (freeze → RELEASE → final ACK)…`);
    const wd = await devnetWithdraw({
      ...home,
      chain: longChain,
      token: 'USDC',
      amount: '100',
      keyIndex,
      timeoutMs: 120_000,
      print: quiet,
    });
    ctx.say(
      `   RELEASE dispatched at hub height ${wd.height}; tokens on ${longChain} after ${fmtMs(wd.releasedMs)}; ACK(${wd.ackStatus ?? '?'}) on the hub after ${fmtMs(wd.ackMs)}, final after ${fmtMs(wd.ackFinalMs)}`,
    );
    if (wd.ackStatus !== 'executed')
      ctx.violation(`withdrawal ${wd.settlementId} ACK ${wd.ackStatus ?? 'missing'}`);
    ctx.latency('RELEASE → ACK', wd.ackMs === undefined ? [] : [wd.ackMs], LATENCY_BOUNDS_MS.releaseAck);
    ctx.measure('RELEASE → tokens on chain', wd.releasedMs === undefined ? [] : [wd.releasedMs]);
    ctx.measure('RELEASE → ACK final', wd.ackFinalMs === undefined ? [] : [wd.ackFinalMs]);
  },
};

// ---- crash ----

/** `crash`: see the module table. */
export const crashScenario: MarginScenario = {
  async run(ctx) {
    const w = ctx.w;
    const home = ctx.home === undefined ? {} : { home: ctx.home };
    const keyIndex = intOpt(ctx, 'key-index', 5);
    const chain = ctx.options.chain ?? 'opdev';
    const c = chainOfWorld(w, chain);
    const size = numOpt(ctx, 'size', 2, 0.001, 1000);
    const factor = numOpt(ctx, 'factor', 0.75, 0.05, 0.95);
    const depositUsdc = ctx.options.deposit ?? '2000';
    const account = hubAddressOfKey(devnetKey(keyIndex));
    const owner = privateKeyToAddress(devnetKey(keyIndex));
    const perp = c.deployment.app.instruments['ETH-PERP']!;
    ctx.say(`Trader key ${keyIndex}: hub account ${account}, EVM ${owner}, on ${chain}.`);

    // A previous run may have left a position: close it first (reducing risk needs no allowance).
    const left = await marketPosition(w, chain, 'ETH-PERP', owner);
    if (left.sizeE18 !== 0n) {
      const r = await devnetOpen({
        ...home,
        chain,
        keyIndex,
        instrument: 'ETH-PERP',
        size: formatUnits(-left.sizeE18, 18),
        timeoutMs: 120_000,
        print: quiet,
      });
      ctx.say(
        `0. Closed ${formatUnits(left.sizeE18, 18)} ETH-PERP left by an earlier run (final after ${fmtMs(r.finalMs)}).`,
      );
    }

    ctx.say(`1. Deposit ${depositUsdc} USDC on ${chain}…`);
    const d = await devnetDeposit({
      ...home,
      chain,
      token: 'USDC',
      amount: depositUsdc,
      keyIndex,
      timeoutMs: 120_000,
      print: quiet,
    });
    ctx.say(`   provisional ${fmtMs(d.provisionalMs)}, final ${fmtMs(d.finalMs)}`);
    if (d.finalMs === undefined) ctx.violation(`deposit ${d.messageId} not final within 120 s`);

    const eth = await hubPrice(w, 'ETH/USD');
    await setPerpMarks(
      w,
      w.chains.map((x) => x.name),
      'ETH-PERP',
      eth.usd,
    );
    const allowUsd = allowanceFor(size, eth.usd);
    ctx.say(
      `2. Marks set to the hub's ETH/USD ${eth.usd.toFixed(2)}; allowance $${allowUsd}; buy ${size} ETH-PERP…`,
    );
    const a = await devnetAllowance({
      ...home,
      chain,
      keyIndex,
      amountUsd: allowUsd,
      timeoutMs: 120_000,
      print: quiet,
    });
    if (a.onChainMs === undefined) ctx.violation(`ALLOWANCE to ${chain} never reached the adapter`);
    const open = await devnetOpen({
      ...home,
      chain,
      keyIndex,
      instrument: 'ETH-PERP',
      size: String(size),
      timeoutMs: 120_000,
      print: quiet,
    });
    if (open.finalMs === undefined) ctx.violation(`POSITION ${open.messageId} never became final`);
    const m1 = await accountMargin(w, account);
    ctx.say(
      `   long ${formatUnits(open.newSizeE18, 18)} ETH at ${formatUnits(open.price, 6)}: ${marginLine(m1)}`,
    );

    const fundBefore = await insuranceFund(w, chain, 'USDC');
    const outbox0 = await outboxCount(w);
    const crashUsd = eth.usd * factor;
    // The hub's close executes at the market's mark: move it with the oracle, before the oracle.
    await setPerpMarks(
      w,
      w.chains.map((x) => x.name),
      'ETH-PERP',
      crashUsd,
    );
    const fromBlock = await clientsOf(w, chain, KEY_INDEX.deployer).publicClient.getBlockNumber();
    const tShock = Date.now();
    const r = await fetch(`${w.oracle.url}/shock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'ETH', factor }),
    });
    if (!r.ok) throw new Error(`oracle /shock answered ${r.status}`);
    ctx.say(`3. Crash: the feeder's ETH path × ${factor} (≈ ${crashUsd.toFixed(2)}); marks moved with it.`);

    // The hub accepts the jump only with a super-majority of signers (it is > 10 %).
    let tPrice: number | undefined;
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) {
      const p = await hubPrice(w, 'ETH/USD').catch(() => undefined);
      if (p !== undefined && p.usd < eth.usd * (factor + (1 - factor) / 4)) {
        tPrice = Date.now() - tShock;
        ctx.say(
          `   hub price ${p.usd.toFixed(2)} at height ${p.height}, ${s2(tPrice)} after the shock (a super-majority move)`,
        );
        break;
      }
    }
    if (tPrice === undefined) {
      ctx.violation('the hub never accepted the crashed ETH price');
      return;
    }

    // The liquidation: a CLOSE_POSITION for our owner to this chain in the hub's outbox.
    let close:
      | { settlementId: Hex; size: bigint; priceLimit: bigint; messageId: string; atMs: number }
      | undefined;
    for (const end = Date.now() + 60_000; close === undefined && Date.now() < end; await sleep(200)) {
      const o = await outboxFrom(w, outbox0).catch(() => undefined);
      for (const m of o?.messages ?? []) {
        const p = m.payload;
        if (
          p?.kind === 'CLOSE_POSITION' &&
          m.destination === c.domain &&
          p.owner.toLowerCase() === owner.toLowerCase()
        ) {
          close = {
            settlementId: p.settlementId,
            size: p.size,
            priceLimit: p.priceLimit,
            messageId: m.message_id,
            atMs: Date.now(),
          };
          break;
        }
      }
    }
    if (close === undefined) {
      ctx.violation(`no CLOSE_POSITION for ${owner} on ${chain} within 60 s of the crash`);
      return;
    }
    const liq = (await liquidationsOf(w, account))[0];
    ctx.say(
      `4. Liquidated ${s2(close.atMs - tShock)} after the shock${
        liq === undefined
          ? ''
          : ` at height ${liq.height} (${liq.method}): equity ${fmtUsd(liq.equity)} < MM ${fmtUsd(liq.mm)}; closes ${liq.closes.length}, notional ${fmtUsd(liq.closed_notional)}, penalty ${fmtUsd(liq.penalty)}`
      }`,
    );
    ctx.say(
      `   CLOSE_POSITION ${formatUnits(close.size, 18)} ETH-PERP, price limit ≥ ${formatUnits(close.priceLimit, 6)} (oracle − 5 %), settlement ${close.settlementId}`,
    );

    // On chain: the market's Traded event of the close, at a price within the limit.
    const clients = clientsOf(w, chain, KEY_INDEX.deployer);
    let traded: { price: bigint; sizeDelta: bigint; realisedPnl: bigint; atMs: number } | undefined;
    for (const end = Date.now() + 120_000; traded === undefined && Date.now() < end; await sleep(250)) {
      const logs = await clients.publicClient
        .getLogs({ address: perp.market, fromBlock, toBlock: 'latest' })
        .catch(() => []);
      for (const l of logs) {
        try {
          const e = decodeEventLog({ abi: sampleMarketBaseAbi, data: l.data, topics: l.topics });
          if (
            e.eventName === 'Traded' &&
            e.args.owner.toLowerCase() === owner.toLowerCase() &&
            e.args.sizeDelta < 0n
          )
            traded = {
              price: e.args.price,
              sizeDelta: e.args.sizeDelta,
              realisedPnl: e.args.realisedPnl,
              atMs: Date.now(),
            };
        } catch {
          // another event of the market
        }
      }
    }
    if (traded === undefined) ctx.violation(`the close was not executed on ${chain} within 120 s`);
    else {
      const within = traded.price >= close.priceLimit;
      ctx.say(
        `5. Executed on ${chain} ${s2(traded.atMs - close.atMs)} after dispatch: sold ${formatUnits(-traded.sizeDelta, 18)} at ${formatUnits(traded.price, 6)} (limit ${formatUnits(close.priceLimit, 6)} ${within ? '✓' : '✗'}), realised ${formatUnits(traded.realisedPnl, 6)} USDC`,
      );
      if (!within) ctx.violation(`close executed at ${traded.price}, below its limit ${close.priceLimit}`);
    }

    // The ACK of the close, then of the loss payment (RELEASE vault → market).
    let ackMs: number | undefined;
    let ackFinalMs: number | undefined;
    let ackStatus = 'none';
    for (const end = Date.now() + 120_000; ackFinalMs === undefined && Date.now() < end; await sleep(150)) {
      const s = await hubSettlement(w.hub.url, close.settlementId);
      if (s === undefined || s.ack_status === 'none') continue;
      ackStatus = s.ack_status;
      ackMs ??= Date.now() - close.atMs;
      if (s.ack_stage === 'final') ackFinalMs = Date.now() - close.atMs;
    }
    ackMs = (await settlementAckLatencyMs(w.hub.url, close.settlementId)) ?? ackMs;
    ctx.say(
      `   hub: ACK(${ackStatus}) ${fmtMs(ackMs)} after the CLOSE_POSITION was dispatched (hub block times), final ${fmtMs(ackFinalMs)} after we saw it dispatched`,
    );
    if (ackStatus !== 'executed') ctx.violation(`CLOSE_POSITION ${close.settlementId} ACK ${ackStatus}`);
    ctx.latency('CLOSE_POSITION → ACK', ackMs === undefined ? [] : [ackMs], LATENCY_BOUNDS_MS.releaseAck);
    ctx.measure('CLOSE_POSITION → ACK final', ackFinalMs === undefined ? [] : [ackFinalMs]);

    if (traded !== undefined && traded.realisedPnl < 0n) {
      let release: { settlementId: Hex; amount: bigint; atMs: number } | undefined;
      for (const end = Date.now() + 120_000; release === undefined && Date.now() < end; await sleep(200)) {
        const o = await outboxFrom(w, outbox0).catch(() => undefined);
        for (const m of o?.messages ?? []) {
          const p = m.payload;
          if (
            p?.kind === 'RELEASE' &&
            p.toMarket &&
            m.destination === c.domain &&
            p.recipient.toLowerCase() === perp.market.toLowerCase() &&
            p.amount === -traded.realisedPnl
          )
            release = { settlementId: p.settlementId, amount: p.amount, atMs: Date.now() };
        }
      }
      if (release === undefined)
        ctx.violation(`no RELEASE of the realised loss ${-traded.realisedPnl} to the market within 120 s`);
      else {
        let rAck: number | undefined;
        let rStatus = 'none';
        for (const end = Date.now() + 120_000; rAck === undefined && Date.now() < end; await sleep(150)) {
          const s = await hubSettlement(w.hub.url, release.settlementId);
          if (s !== undefined && s.ack_status !== 'none') {
            rAck =
              (await settlementAckLatencyMs(w.hub.url, release.settlementId)) ?? Date.now() - release.atMs;
            rStatus = s.ack_status;
          }
        }
        ctx.say(
          `6. Loss payment: RELEASE ${formatUnits(release.amount, 6)} USDC from the ${chain} vault to the market (once the report was final); ACK(${rStatus}) after ${fmtMs(rAck)}`,
        );
        if (rStatus !== 'executed') ctx.violation(`loss RELEASE ${release.settlementId} ACK ${rStatus}`);
        ctx.latency(
          'RELEASE (loss to market) → ACK',
          rAck === undefined ? [] : [rAck],
          LATENCY_BOUNDS_MS.releaseAck,
        );
      }
    }
    const fundAfter = await insuranceFund(w, chain, 'USDC');
    ctx.say(
      `7. Insurance fund on ${chain} USDC: ${formatUnits(fundBefore, 6)} → ${formatUnits(fundAfter, 6)} (+${formatUnits(fundAfter - fundBefore, 6)}, the penalty)`,
    );
    if (fundAfter <= fundBefore) ctx.violation('the liquidation paid no penalty into the insurance fund');
    const m2 = await accountMargin(w, account);
    ctx.say(
      `   after: ${marginLine(m2)}${m2.liquidatable ? ' — still below MM: the next end-block plans again' : ''}`,
    );
  },
};

// ---- reorg ----

async function anvilRpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const j = (await r.json()) as { result?: unknown; error?: { message: string } };
  if (j.error !== undefined) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

/** Names of the validators of `chain`'s fast tier that halted (a reorg flag). */
async function haltedFastValidators(w: WorldFile, chain: string): Promise<string[]> {
  const st = (await (await fetch(w.agents.statusUrl, { signal: AbortSignal.timeout(3000) })).json()) as {
    validators: { name: string; origin: string; tier: string; halted: unknown }[];
  };
  return st.validators
    .filter((v) => v.origin === chain && v.tier === 'fast' && v.halted !== null && v.halted !== undefined)
    .map((v) => v.name);
}

/** `reorg`: see the module table. */
export const reorgScenario: MarginScenario = {
  async run(ctx) {
    const w = ctx.w;
    const home = ctx.home === undefined ? {} : { home: ctx.home };
    const keyIndex = intOpt(ctx, 'key-index', 6);
    const chain = ctx.options.chain ?? 'opdev';
    const c = chainOfWorld(w, chain);
    const wc = worldChain(DEVNET_WORLD, chain);
    const amount = ctx.options.deposit ?? '300';
    const account = hubAddressOfKey(devnetKey(keyIndex));
    const already = await haltedFastValidators(w, chain);
    if (already.length > 0) {
      throw new DevnetError(
        'DEVNET_SCENARIO_UNAVAILABLE',
        `the fast validators of ${chain} halted on an earlier reorg (${already.join(', ')}): run reorg with another --opt chain=…, or restart the devnet with --fresh`,
        { scenario: 'reorg', chain },
      );
    }
    ctx.say(
      `Trader key ${keyIndex} (${account}) deposits ${amount} USDC on ${chain}; the block is then reorged out.`,
    );
    const clients = clientsOf(w, chain, KEY_INDEX.deployer);
    const token = c.deployment.app.tokens.USDC as Address;
    const vaultOf = () =>
      clients.publicClient.readContract({
        address: token,
        abi: [
          {
            type: 'function',
            name: 'balanceOf',
            stateMutability: 'view',
            inputs: [{ name: 'a', type: 'address' }],
            outputs: [{ name: '', type: 'uint256' }],
          },
        ] as const,
        functionName: 'balanceOf',
        args: [c.deployment.app.vault],
      });

    const t0 = Date.now();
    const d = await devnetDeposit({
      ...home,
      chain,
      token: 'USDC',
      amount,
      keyIndex,
      wait: false,
      print: quiet,
    });
    const receipt = await clients.publicClient.getTransactionReceipt({ hash: d.txHash });
    const provMs = await waitInbound(w, d.messageId, 'provisional', t0, 60_000);
    const st = await hubMessageStatus(w.hub.url, d.messageId);
    if (provMs === undefined || st === undefined) {
      ctx.violation(`deposit ${d.messageId} never credited provisionally`);
      return;
    }
    if (st.stage === 'final') {
      ctx.violation(`deposit ${d.messageId} was already final before the reorg could remove it`);
      return;
    }
    ctx.say(
      `1. Deposit in block ${receipt.blockNumber}; provisional credit on the hub after ${s2(provMs)} (fast validators signed it).`,
    );

    const head = await clients.publicClient.getBlockNumber();
    const depth = Number(head - receipt.blockNumber) + 1;
    const finalizedDepth = 2 * (wc?.slotsInAnEpoch ?? 4);
    if (depth >= finalizedDepth)
      ctx.violation(`the reorg depth ${depth} reaches finalized blocks (${finalizedDepth} deep)`);
    const vaultBefore = await vaultOf();
    const tReorg = Date.now();
    await anvilRpc(c.rpcUrl, 'anvil_reorg', [depth, []]);
    const gone = await clients.publicClient.getTransactionReceipt({ hash: d.txHash }).then(
      () => false,
      () => true,
    );
    const vaultAfter = await vaultOf();
    ctx.say(
      `2. anvil_reorg ${depth} blocks (head ${head}; finalized stays ${finalizedDepth} behind): deposit tx ${gone ? 'gone' : 'STILL THERE'}, vault ${formatUnits(vaultBefore, 6)} → ${formatUnits(vaultAfter, 6)} USDC`,
    );
    if (!gone) ctx.violation(`deposit tx ${d.txHash} survived the reorg`);
    if (vaultBefore - vaultAfter !== parseUnits(amount, 6))
      ctx.violation('the vault balance did not drop by the reorged deposit');

    try {
      await devnetWithdraw({ ...home, chain, token: 'USDC', amount, keyIndex, wait: false, print: quiet });
      ctx.violation('a withdrawal of provisional, reorged-out credit was accepted');
    } catch (e) {
      const why = (e as Error).message.match(/MARGIN_[A-Z_]+/)?.[0] ?? (e as Error).message;
      ctx.say(
        `3. Withdrawal of those ${amount} USDC refused: ${why} (provisional credit is never withdrawable).`,
      );
      if (!/MARGIN_(INSUFFICIENT_BALANCE|DOMAIN_HALTED|IM_UNMET)/.test(why))
        ctx.violation(`withdrawal refused for an unexpected reason: ${why}`);
    }
    const prov = (await accountMargin(w, account)).balances.find(
      (b) => b.domain === c.domain && b.symbol === 'USDC' && b.stage === 'provisional',
    );
    ctx.say(
      `   hub still shows ${formatUnits(BigInt(prov?.amount ?? '0'), 6)} USDC provisional from ${chain}: it cannot know yet.`,
    );

    // The item waits for a final attestation that never comes: the domain halts, then it expires.
    let haltedAt: number | undefined;
    let expiredAt: number | undefined;
    let resumedAt: number | undefined;
    const timeoutMs = wc?.timeoutMs ?? 30_000;
    for (
      const end = Date.now() + timeoutMs + 60_000;
      Date.now() < end && (expiredAt === undefined || resumedAt === undefined);
      await sleep(250)
    ) {
      const ds = await domainStatus(w, c.domain).catch(() => undefined);
      if (ds?.halted_by_stall === true && haltedAt === undefined) {
        haltedAt = Date.now() - t0;
        ctx.say(
          `4. ${chain} halted by the hub ${s2(haltedAt - provMs)} after the credit: a provisional item waited > ${s2(wc?.haltAfterMs ?? 0)} for the final tier (no withdrawals or hedge relief from ${chain})`,
        );
      }
      if (expiredAt === undefined) {
        const s = await hubMessageStatus(w.hub.url, d.messageId).catch(() => undefined);
        if (s?.stage === 'expired') {
          expiredAt = Date.now() - t0;
          ctx.say(
            `5. The credit expired and was reverted ${s2(expiredAt - provMs)} after it was credited (timeout ${s2(timeoutMs)}).`,
          );
        }
      }
      if (expiredAt !== undefined && ds !== undefined && !ds.halted && resumedAt === undefined)
        resumedAt = Date.now() - t0;
    }
    if (expiredAt === undefined) ctx.violation(`the reorged deposit ${d.messageId} never expired`);
    ctx.measure('provisional credit → expired', expiredAt === undefined ? [] : [expiredAt - provMs]);
    if (resumedAt !== undefined)
      ctx.say(`   ${chain} resumed ${s2(resumedAt - (expiredAt ?? 0))} after the expiry.`);
    else ctx.violation(`${chain} stayed halted after the reorged item expired`);
    const after = (await accountMargin(w, account)).balances.find(
      (b) => b.domain === c.domain && b.symbol === 'USDC' && b.stage === 'provisional',
    );
    ctx.say(`   provisional USDC from ${chain} now ${formatUnits(BigInt(after?.amount ?? '0'), 6)}.`);
    if (BigInt(after?.amount ?? '0') !== 0n) ctx.violation('the reverted credit is still on the account');
    const halted = await haltedFastValidators(w, chain);
    ctx.say(
      `6. ${chain}'s fast validators: ${halted.length > 0 ? `${halted.join(', ')} halted with a reorg flag (a root they signed left the chain), as Hyperlane validators do; ${chain} deposits need a fresh devnet now` : 'still signing'}. Elapsed since the reorg: ${s2(Date.now() - tReorg)}.`,
    );
  },
};
