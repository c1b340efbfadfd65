/**
 * The unified-margin end-block, after every tx of a valid block, in this order:
 *
 * 1. the oracle snapshot moves to this block's time when any price changed in the block;
 * 2. finality: reorg evidence of the block takes effect, provisional items past their timeout
 *    expire, stall halts are recomputed, unacknowledged settlements past their deadline are
 *    re-dispatched;
 * 3. the margin cache is brought in line with state (touched and exposed accounts re-margined);
 * 4. allowances of re-margined accounts whose effective IM exceeds equity are shrunk and re-sent;
 * 5. liquidations: accounts with equity < MM in order of shortfall (ties by account number), at
 *    most `maxPerBlock`, unless prices are stale for liquidations (or within the grace period
 *    after they became fresh again).
 */
import type { StateView } from '../../state/types.ts';
import { getAccount } from '../accounts.ts';
import type { Event } from '../codec/messages.ts';
import { fromHex } from '../crypto.ts';
import { readBridge } from '../hyperlane/config.ts';
import { PREFIX } from '../keys.ts';
import { LiquidationError } from '../liquidation/index.ts';
import { RiskError } from '../risk/index.ts';
import { shrinkAllowances } from './allowance.ts';
import type { MarginCache } from './cache.ts';
import { readMarginConfig } from './config.ts';
import { evaluateAccountNow, marginStaleness } from './evaluate.ts';
import { applyReorgEvidence, expireProvisional, redispatchExpired, updateStallHalts } from './finality.ts';
import { oracleGateKey, snapshotTimeKey } from './keys.ts';
import { liquidateAccount } from './liquidate.ts';
import { allowancesOf } from './records.ts';

/** What the end-block needs besides state. */
export interface MarginEndBlockContext {
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly events: Event[];
  readonly cache: MarginCache;
}

const ORACLE_HEX = PREFIX.oracle.toString(16).padStart(2, '0');

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

/**
 * Liquidations pause while prices are stale for liquidations and resume `liquidationGraceMs`
 * after they are fresh again. State: 8 bytes resume-at ms (0 = not paused) ‖ 1 byte stale flag.
 */
function liquidationsAllowed(state: StateView, stale: boolean, graceMs: bigint, timeMs: bigint): boolean {
  const v = state.get(oracleGateKey());
  const wasStale = v !== undefined && v[8] === 1;
  const resumeAt = v === undefined ? 0n : new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0);
  const write = (at: bigint, s: boolean) => {
    const b = new Uint8Array(9);
    b.set(u64(at), 0);
    b[8] = s ? 1 : 0;
    state.set(oracleGateKey(), b);
  };
  if (stale) {
    if (!wasStale) write(0n, true);
    return false;
  }
  if (wasStale) {
    write(timeMs + graceMs, false);
    return false;
  }
  return timeMs >= resumeAt;
}

/** See the module doc. A chain without margin config or bridge does nothing. */
export function applyMarginEndBlock(state: StateView, ctx: MarginEndBlockContext): void {
  const config = readMarginConfig(state);
  const bridge = readBridge(state);
  if (config === undefined || bridge === undefined) return;
  const { height, timeMs, events, cache } = ctx;
  let changes = state.changes();
  let oracleChanged = false;
  for (const k of changes.keys())
    if (k.startsWith(ORACLE_HEX)) {
      oracleChanged = true;
      break;
    }
  if (oracleChanged) state.set(snapshotTimeKey(), u64(timeMs));

  applyReorgEvidence(state, config, changes, timeMs, events);
  expireProvisional(state, timeMs, events);
  updateStallHalts(state, config, bridge, timeMs, events);
  redispatchExpired(state, height, timeMs, events);

  changes = state.changes();
  const synced = cache.sync(state, config, bridge, timeMs, changes);

  // Allowances: shrink where effective IM exceeds equity.
  const refresh = new Set<string>();
  // Exact pre-filter (no rebuild), applied by the sync in its pass over the re-margined accounts:
  // the reserved-but-unused allowance never exceeds the sum of the account's allowance amounts,
  // and the cached summary is the one a rebuild computes (the cache's contract), so for every
  // account of `synced` left out, im + that sum ≤ equity gives imEff ≤ equity below (or it has no
  // allowance records, or no known margin). The candidates keep `synced`'s order.
  for (const id of cache.allowanceShrinkCandidates()) {
    const c = synced.get(id);
    if (c === undefined || !c.margin.ok) continue;
    const account = fromHex(id)!;
    if (allowancesOf(state, account).length === 0) continue;
    const ev = evaluateAccountNow(state, cache, config, bridge, timeMs, account);
    if (!ev.ok || ev.value.imEff <= ev.value.summary.equity) continue;
    const out = shrinkAllowances(state, { height, timeMs, bridge, config }, ev.value);
    if (out.length > 0) {
      events.push(...out);
      refresh.add(id);
    }
  }

  // Liquidations.
  const st = marginStaleness(state, config, timeMs);
  const grace = st.oracle?.liquidationGraceMs ?? 0n;
  if (liquidationsAllowed(state, st.liquidations, grace, timeMs)) {
    const candidates: { id: string; shortfall: bigint; number: bigint }[] = [];
    // The cache keeps the equity < MM set as entries change: no walk over every account.
    for (const id of cache.liquidationCandidates()) {
      const c = cache.get(id)!;
      if (!c.margin.ok) continue;
      const s = c.margin.summary;
      if (s.equity >= s.mm) continue;
      const acc = getAccount(state, fromHex(id)!);
      candidates.push({ id, shortfall: s.mm - s.equity, number: acc?.accountNumber ?? 1n << 64n });
    }
    candidates.sort((a, b) =>
      a.shortfall > b.shortfall
        ? -1
        : a.shortfall < b.shortfall
          ? 1
          : a.number < b.number
            ? -1
            : a.number > b.number
              ? 1
              : 0,
    );
    let done = 0;
    for (const c of candidates) {
      if (done >= config.liquidation.maxPerBlock) break;
      // A kernel or planner error for one account (e.g. a feed it needs is unusable) skips that
      // account with an event; it never halts the chain. Nothing of a failed attempt is kept.
      let rec: ReturnType<typeof liquidateAccount>;
      const mark = events.length;
      state.checkpoint();
      try {
        rec = liquidateAccount(state, { height, timeMs, bridge, config, cache, events }, fromHex(c.id)!);
        state.commit();
      } catch (e) {
        if (!(e instanceof RiskError) && !(e instanceof LiquidationError)) throw e;
        state.revert();
        events.length = mark;
        events.push({
          type: 'margin.liquidation_failed',
          attributes: [
            { key: 'account', value: c.id },
            { key: 'error', value: e.message },
          ],
        });
        continue;
      }
      if (rec !== undefined) {
        done++;
        refresh.add(c.id);
      }
    }
  }
  // Liquidations may move other accounts' balances (socialised losses): re-sync from the block's changes.
  if (refresh.size > 0) cache.sync(state, config, bridge, timeMs, state.changes());
}
