/**
 * The margin cache: every account's kernel portfolio and its margin under the current risk arrays,
 * a derived structure outside the authenticated tree (DESIGN "Risk kernel"), rebuilt from state on
 * start and brought in line with state at each end-block from the block's net changes.
 *
 * Equality with a rebuild is the contract (test/property/margin/cache.test.ts): an account's entry
 * is a pure function of (state, block time), and every input it reads is either in the block's
 * changes (ledger, positions, links, allowances, domain status, oracle, config) or a time
 * transition this module detects (an option expiring, a breaker ending).
 */
import { bytesToHex } from '../../bridge/index.ts';
import type { StateChanges, StateReader } from '../../state/types.ts';
import { getAccount, getEvmLink } from '../accounts.ts';
import { fromHex } from '../crypto.ts';
import type { BridgeRuntime } from '../hyperlane/config.ts';
import { positionPrefix } from '../hyperlane/keys.ts';
import { PREFIX } from '../keys.ts';
import { HOLDER } from '../ledger/index.ts';
import {
  type AccountMargin,
  createMarginEngine,
  type Instrument,
  type MarginEngine,
  RiskError,
} from '../risk/index.ts';
import { encodeMarginConfig, type MarginConfig } from './config.ts';
import { MG, snapshotTimeKey } from './keys.ts';
import { type AccountPortfolio, buildAccountPortfolio } from './portfolio.ts';
import { allowancesOf, getDomainStatus } from './records.ts';
import { buildSnapshot } from './snapshot.ts';

/** The cached margin of one account. */
export interface CachedAccount {
  readonly view: AccountPortfolio;
  readonly margin: AccountMargin;
}

const hexOf = (b: Uint8Array) => (bytesToHex(b) as string).slice(2);
const P_LEDGER = PREFIX.ledger.toString(16).padStart(2, '0');
const P_LINK = PREFIX.evmLink.toString(16).padStart(2, '0');
const P_HL_POS = `${PREFIX.hyperlane.toString(16).padStart(2, '0')}0b`;
const P_ORACLE = PREFIX.oracle.toString(16).padStart(2, '0');
const P_MARGIN = PREFIX.margin.toString(16).padStart(2, '0');
const sub = (n: number) => n.toString(16).padStart(2, '0');

/** The snapshot time in state (ms), or undefined before the first oracle update seen by margin. */
export function readSnapshotTime(state: StateReader): bigint | undefined {
  const v = state.get(snapshotTimeKey());
  return v === undefined ? undefined : new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0);
}

/** Every account that has a ledger balance or a linked EVM address owning a mirrored position. */
export function allMarginAccounts(state: StateReader, bridge: BridgeRuntime): string[] {
  const out = new Set<string>();
  for (const [k] of state.entries(Uint8Array.of(PREFIX.ledger, HOLDER.ACCOUNT)))
    out.add(hexOf(k.subarray(2, 22)));
  for (const d of bridge.knownOrigins) {
    for (const [k] of state.entries(positionPrefix(d))) {
      const owner = k.subarray(6, 26);
      const acc = getEvmLink(state, owner);
      if (acc !== undefined) out.add(hexOf(acc));
    }
  }
  return [...out].sort();
}

/** See module doc. One per node; never shared between states. */
export class MarginCache {
  private engine: MarginEngine | undefined;
  private configBytes = '';
  private snapshotTimeMs: bigint | undefined;
  private readonly accounts = new Map<string, CachedAccount>();
  /** evm hex → account hex, as last built (to find the previous account when a link moves). */
  private readonly ownerAccount = new Map<string, string>();
  /** account hex → the evm hexes it claimed in `ownerAccount` at its last build (the reverse index). */
  private readonly accountOwners = new Map<string, string[]>();
  /** Accounts whose cached margin is ok with equity < MM (the liquidation candidates). */
  private readonly belowMm = new Set<string>();
  /** account hex → Σ amountMicro of its allowance records at its last build (absent: none). */
  private readonly allowanceTotals = new Map<string, bigint>();
  /** The config object the cached `configBytes` were encoded from (skips re-encoding per block). */
  private configSeen: MarginConfig | undefined;
  /** See {@link allowanceShrinkCandidates}. */
  private shrinkCandidates: string[] = [];
  /** Breaker/halt state per domain as last seen (a transition re-margins everyone). */
  private domainFlags = '';
  /** Next option expiry (s) after the last sync, and the block time of the last sync. */
  private lastTimeMs = -1n;

  /** Forgets everything (the next sync rebuilds). */
  reset(): void {
    this.engine = undefined;
    this.configBytes = '';
    this.snapshotTimeMs = undefined;
    this.accounts.clear();
    this.ownerAccount.clear();
    this.accountOwners.clear();
    this.belowMm.clear();
    this.allowanceTotals.clear();
    this.configSeen = undefined;
    this.shrinkCandidates = [];
    this.domainFlags = '';
    this.lastTimeMs = -1n;
  }

  /** The cached entry of an account (hex, no 0x), if any. */
  get(accountHex: string): CachedAccount | undefined {
    return this.accounts.get(accountHex);
  }

  /** Every cached account id, sorted. */
  ids(): string[] {
    return [...this.accounts.keys()].sort();
  }

  /**
   * The cached accounts whose margin is known with equity < MM, sorted by id: exactly the ids
   * `ids()` would yield through that filter, kept as entries change so the end-block's
   * liquidation scan does not walk every account.
   */
  liquidationCandidates(): string[] {
    return [...this.belowMm].sort();
  }

  /**
   * Σ amountMicro over the account's allowance records (live or expired) as of its last build, or
   * undefined when it had none. An upper bound of the reserved-but-unused allowance that
   * evaluate.ts adds to IM, so `im + total ≤ equity` proves no shrink is due without a rebuild.
   */
  allowanceTotalMicro(accountHex: string): bigint | undefined {
    return this.allowanceTotals.get(accountHex);
  }

  /**
   * The accounts the last `sync` re-margined whose allowance may have to shrink, in the order of
   * its result: margin known and im + Σ allowance amounts > equity (the end-block evaluates exactly
   * these; for every other re-margined account imEff ≤ equity follows from the cached summary).
   */
  allowanceShrinkCandidates(): readonly string[] {
    return this.shrinkCandidates;
  }

  /** Stores an entry and keeps the liquidation candidate set in step. */
  private put(id: string, entry: CachedAccount): void {
    this.accounts.set(id, entry);
    this.noteMargin(id, entry.margin);
  }

  private noteMargin(id: string, m: AccountMargin): void {
    if (m.ok && m.summary.equity < m.summary.mm) this.belowMm.add(id);
    else if (this.belowMm.size !== 0) this.belowMm.delete(id);
  }

  /** The engine (after a sync with a config). */
  get kernel(): MarginEngine | undefined {
    return this.engine;
  }

  private flagsOf(state: StateReader, config: MarginConfig, timeMs: bigint): string {
    return config.domains
      .map((d) => {
        const s = getDomainStatus(state, d.domain);
        return `${d.domain}:${s.haltedByEvidence || s.haltedByStall ? 1 : 0}${s.breakerUntilMs > timeMs ? 1 : 0}`;
      })
      .join(',');
  }

  private setAccount(
    state: StateReader,
    config: MarginConfig,
    bridge: BridgeRuntime,
    timeMs: bigint,
    id: string,
  ): void {
    const engine = this.engine!;
    const address = fromHex(id)!;
    const view = buildAccountPortfolio(state, config, { timeMs, bridge }, address);
    const empty =
      view.portfolio.collateral.length === 0 &&
      view.portfolio.options.length === 0 &&
      view.portfolio.perps.length === 0;
    // Only owners this account claimed can map to it (ownerAccount is written here alone).
    for (const o of this.accountOwners.get(id) ?? [])
      if (this.ownerAccount.get(o) === id) this.ownerAccount.delete(o);
    const owners = view.evms.map(hexOf);
    for (const o of owners) this.ownerAccount.set(o, id);
    if (owners.length > 0) this.accountOwners.set(id, owners);
    else this.accountOwners.delete(id);
    let allowance: bigint | undefined;
    for (const a of allowancesOf(state, address)) allowance = (allowance ?? 0n) + BigInt(a.amountMicro);
    if (allowance === undefined) this.allowanceTotals.delete(id);
    else this.allowanceTotals.set(id, allowance);
    if (empty && getAccount(state, address) === undefined) {
      engine.removeAccount(id);
      this.accounts.delete(id);
      this.belowMm.delete(id);
      return;
    }
    try {
      engine.setAccount(id, view.portfolio);
      this.put(id, { view, margin: { ok: false, error: pendingError } });
    } catch (e) {
      if (!(e instanceof RiskError)) throw e;
      engine.removeAccount(id);
      this.put(id, { view, margin: { ok: false, error: e } });
    }
  }

  /**
   * Brings the cache in line with `state` at block time `timeMs`. `changes` are the block's net
   * changes (undefined: rebuild everything). Returns the accounts whose margin was recomputed.
   */
  sync(
    state: StateReader,
    config: MarginConfig,
    bridge: BridgeRuntime,
    timeMs: bigint,
    changes: StateChanges | undefined,
  ): ReadonlyMap<string, CachedAccount> {
    // readMarginConfig memoises the decoded object per stored bytes: the same object, the same bytes.
    const cfg =
      config === this.configSeen ? this.configBytes : (bytesToHex(encodeMarginConfig(config)) as string);
    let full = changes === undefined || this.engine === undefined || cfg !== this.configBytes;
    if (full) {
      this.reset();
      const universe = new Map<string, Instrument>();
      for (const l of config.instruments) universe.set(l.instrument.id, l.instrument);
      this.engine = createMarginEngine({ params: config.risk, universe: [...universe.values()] });
      this.configBytes = cfg;
    }
    let engine = this.engine!;
    this.configSeen = config;
    const touched = new Set<string>();
    let changed: readonly string[] = [];

    const snapTime = readSnapshotTime(state);
    if (snapTime !== undefined && snapTime !== this.snapshotTimeMs) {
      try {
        const first = engine.arrays === null;
        changed = engine.setSnapshot(buildSnapshot(state, config, Number(snapTime / 1000n)));
        // The first arrays: every account leaves "unknown", including those exposed to no key
        // (plain settlement cash).
        if (first) full = true;
      } catch (e) {
        if (!(e instanceof RiskError)) throw e;
        // A snapshot the kernel refuses as a whole: every margin is unknown until a valid one
        // (a cold rebuild could not know the previous arrays, so none are kept).
        this.reset();
        const universe = new Map<string, Instrument>();
        for (const l of config.instruments) universe.set(l.instrument.id, l.instrument);
        this.engine = createMarginEngine({ params: config.risk, universe: [...universe.values()] });
        this.configBytes = cfg;
        engine = this.engine;
        full = true;
      }
      this.snapshotTimeMs = snapTime;
    }
    const flags = this.flagsOf(state, config, timeMs);
    if (flags !== this.domainFlags) {
      if (this.domainFlags !== '') full = true;
      this.domainFlags = flags;
    }
    if (full) {
      for (const id of allMarginAccounts(state, bridge)) touched.add(id);
      for (const id of this.accounts.keys()) touched.add(id);
    } else {
      // Options that expired since the last sync leave their holders' portfolios.
      if (this.lastTimeMs >= 0n) {
        for (const l of config.instruments) {
          const i = l.instrument;
          if (i.kind !== 'option') continue;
          const e = BigInt(i.expirySec) * 1000n;
          if (e > this.lastTimeMs && e <= timeMs) for (const id of engine.exposed(i.id)) touched.add(id);
        }
      }
      for (const [k, v] of changes!) this.touchFromKey(state, k, v, touched);
    }
    this.lastTimeMs = timeMs;
    for (const id of [...touched].sort()) this.setAccount(state, config, bridge, timeMs, id);
    if (engine.arrays === null) {
      // No snapshot yet: every margin is unknown.
      const out = new Map<string, CachedAccount>();
      for (const id of [...touched].sort()) {
        const c = this.accounts.get(id);
        if (c !== undefined) {
          const m: AccountMargin = { ok: false, error: noSnapshotError };
          const next = {
            view: c.view,
            margin: c.margin.ok || c.margin.error === pendingError ? m : c.margin,
          };
          this.put(id, next);
          out.set(id, next);
        }
      }
      this.shrinkCandidates = [];
      return out;
    }
    const results = full ? engine.remarginAll() : engine.update(touched, changed);
    const out = new Map<string, CachedAccount>();
    const shrink: string[] = [];
    for (const [id, m] of results) {
      const c = this.accounts.get(id) as { margin: AccountMargin } | undefined;
      if (c === undefined) continue;
      // In place: entries are this cache's own objects, read by callers between syncs (one pass
      // over up to every account per oracle block; no second object and map write per account).
      c.margin = m;
      this.noteMargin(id, m);
      if (m.ok) {
        const total = this.allowanceTotals.get(id);
        if (total !== undefined && m.summary.im + total > m.summary.equity) shrink.push(id);
      }
      out.set(id, c as CachedAccount);
    }
    this.shrinkCandidates = shrink;
    // Accounts whose portfolio failed to compile keep their error.
    for (const id of touched) {
      const c = this.accounts.get(id);
      if (c !== undefined && !out.has(id)) out.set(id, c);
    }
    return out;
  }

  /** Rebuilds and re-margins the given accounts (after end-block writes of their own). */
  refresh(
    state: StateReader,
    config: MarginConfig,
    bridge: BridgeRuntime,
    timeMs: bigint,
    ids: Iterable<string>,
  ): void {
    const engine = this.engine;
    if (engine === undefined) return;
    const set = [...new Set(ids)].sort();
    for (const id of set) this.setAccount(state, config, bridge, timeMs, id);
    if (engine.arrays === null) return;
    for (const [id, m] of engine.update(set, [])) {
      const c = this.accounts.get(id);
      if (c !== undefined) this.put(id, { view: c.view, margin: m });
    }
  }

  private touchFromKey(state: StateReader, k: string, v: Uint8Array | null, touched: Set<string>): void {
    const p = k.slice(0, 2);
    if (p === P_LEDGER) {
      if (k.slice(2, 4) === '01') touched.add(k.slice(4, 44));
    } else if (k.startsWith(P_HL_POS)) {
      // 08 0b origin(4) owner(20) instrument(32)
      const owner = k.slice(12, 52);
      const acc = getEvmLink(state, fromHex(owner)!);
      if (acc !== undefined) touched.add(hexOf(acc));
    } else if (p === P_LINK) {
      const owner = k.slice(2, 42);
      const prev = this.ownerAccount.get(owner);
      if (prev !== undefined) touched.add(prev);
      if (v !== null) touched.add(hexOf(v));
    } else if (p === P_MARGIN && k.slice(2, 4) === sub(MG.allowance)) {
      touched.add(k.slice(4, 44));
    }
    // Oracle (P_ORACLE) changes reach the engine through the snapshot time; unused here.
    void P_ORACLE;
  }
}

const pendingError = new RiskError('RISK_MISSING_FEED', {
  field: 'margin',
  limit: 'computed at the next sync',
});
const noSnapshotError = new RiskError('RISK_MISSING_FEED', {
  field: 'oracle snapshot',
  limit: 'an oracle update first',
});
