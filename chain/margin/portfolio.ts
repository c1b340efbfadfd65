/**
 * An account as the risk kernel sees it, built from state: its ledger balances, the positions its
 * linked EVM addresses hold on every origin (mirrored from POSITION reports), and the money in
 * flight that the kernel must count. The rules of DESIGN "Finality" live here:
 *
 * - a position's final size (last final report) is a `final` item; the difference to its latest
 *   provisional report is a `provisional` item, so the kernel's "requirement = max(with, without
 *   provisional items)" makes risk count early and relief late;
 * - provisional positive collateral is capped per account (µUSD, scaled down pro rata) and counts
 *   nothing while its domain's breaker is tripped;
 * - a halted domain's positions all become `provisional` items: its hedges give no relief and its
 *   unrealised gains no equity, while its risk still counts;
 * - a provisional realised loss is a provisional debt; a provisional realised gain counts nothing
 *   until final;
 * - an expired option leaves the kernel: its value at the oracle's settlement price is settlement
 *   cash of its domain until the market's flat report realises it (before a settlement price
 *   exists, only a loss at spot counts).
 */
import { bytesToHex } from '../../bridge/index.ts';
import type { StateReader } from '../../state/types.ts';
import { linkedEvmAddresses } from '../accounts.ts';
import type { PositionRecord, PositionReport } from '../hyperlane/codec.ts';
import { PositionRecordCodec } from '../hyperlane/codec.ts';
import type { BridgeRuntime } from '../hyperlane/config.ts';
import { positionPrefix } from '../hyperlane/keys.ts';
import { accountHolder, balancesOf, STAGE } from '../ledger/index.ts';
import { readPrice } from '../oracle/state.ts';
import type {
  CollateralBalance,
  Instrument,
  OptionPosition,
  PerpPosition,
  Portfolio,
  Stage,
} from '../risk/index.ts';
import { domainParamsOf, type InstrumentListing, listingOf, type MarginConfig } from './config.ts';
import { getDomainStatus, isHalted } from './records.ts';
import { settleFeed, spotFeed } from './snapshot.ts';

const ONE = 10n ** 18n;
const SIDE_SHORT = 2;

/** One mirrored position of an account (what liquidation and queries need besides the kernel items). */
export interface MirroredPosition {
  /** Kernel position id of the final item: `<domain>:<owner hex>:<instrument hex>`. */
  readonly id: string;
  readonly domain: number;
  readonly owner: Uint8Array;
  readonly instrumentId: Uint8Array;
  readonly listing: InstrumentListing;
  /** Signed size of the last final report, E18 base units. */
  readonly finalSizeE18: bigint;
  /** Signed size of the latest report (final or provisional). */
  readonly latestSizeE18: bigint;
  /** True when the latest report is provisional. */
  readonly provisional: boolean;
  /** True when its option has expired (not in the kernel's portfolio). */
  readonly expired: boolean;
}

/** An account's kernel input and its positions. */
export interface AccountPortfolio {
  readonly account: Uint8Array;
  readonly evms: readonly Uint8Array[];
  readonly portfolio: Portfolio;
  readonly positions: readonly MirroredPosition[];
}

/** Context of a build: the block time and the bridge. */
export interface PortfolioContext {
  readonly timeMs: bigint;
  readonly bridge: BridgeRuntime;
}

const hex = (b: Uint8Array) => bytesToHex(b) as string;

/** The signed size of a report (LONG +, SHORT −), E18 base units. */
export function signedSize(r: PositionReport | undefined): bigint {
  if (r === undefined) return 0n;
  const n = BigInt(r.size);
  return r.side === SIDE_SHORT ? -n : n;
}

/** Token decimals of a (domain, token hex) in the bridge registry (default 18). */
export function tokenDecimals(bridge: BridgeRuntime, domain: number, token: string): number {
  return bridge.origins.get(domain)?.tokens.get(token)?.decimals ?? 18;
}

/** Scales settlement-token atomic units per whole unit to E18 (USD, the token taken at par). */
export function toE18Units(v: bigint, decimals: number): bigint {
  return decimals <= 18 ? v * 10n ** BigInt(18 - decimals) : v / 10n ** BigInt(decimals - 18);
}

/** Every position record of the EVM owner across the configured origins. */
export function positionsOfOwner(
  state: StateReader,
  bridge: BridgeRuntime,
  owner: Uint8Array,
): PositionRecord[] {
  const out: PositionRecord[] = [];
  for (const d of bridge.knownOrigins)
    for (const [, v] of state.entries(positionPrefix(d, owner))) out.push(PositionRecordCodec.decode(v));
  return out;
}

/** USD E18 value of `amount` atomic units of an asset, or undefined when unpriced. */
export function assetValueE18(
  state: StateReader,
  config: MarginConfig,
  domain: number,
  token: string,
  amount: bigint,
): bigint | undefined {
  const a = config.risk.assets.find((x) => x.domain === domain && x.token === token);
  if (a === undefined) return undefined;
  let price: bigint | undefined;
  if (a.kind === 'settlement') price = ONE;
  else if (a.kind === 'underlying' && a.underlying !== undefined) {
    const p = readPrice(state, spotFeed(a.underlying));
    price = p === undefined ? undefined : BigInt(p.value);
  } else if (a.priceFeed !== undefined) {
    const p = readPrice(state, a.priceFeed);
    price = p === undefined ? undefined : BigInt(p.value);
  }
  if (price === undefined) return undefined;
  return (amount * price) / 10n ** BigInt(a.decimals);
}

function optionIntrinsicE18(i: Instrument & { kind: 'option' }, underlyingE18: bigint): bigint {
  const d = i.isCall ? underlyingE18 - i.strikeE18 : i.strikeE18 - underlyingE18;
  return d > 0n ? d : 0n;
}

/** `<domain>/<token>` of every kernel asset, per config object (configs are immutable). */
const assetKeysByConfig = new WeakMap<MarginConfig, ReadonlySet<string>>();
function assetKeysOf(config: MarginConfig): ReadonlySet<string> {
  let s = assetKeysByConfig.get(config);
  if (s === undefined) {
    s = new Set(config.risk.assets.map((a) => `${a.domain}/${a.token}`));
    assetKeysByConfig.set(config, s);
  }
  return s;
}

/**
 * Builds the kernel portfolio of `account` at `ctx.timeMs`. Pure in (state, config, ctx).
 */
export function buildAccountPortfolio(
  state: StateReader,
  config: MarginConfig,
  ctx: PortfolioContext,
  account: Uint8Array,
): AccountPortfolio {
  const timeSec = Number(ctx.timeMs / 1000n);
  const assets = assetKeysOf(config);
  // Whether `<U>/USD:funding` exists, read once per underlying per build (state does not change here).
  const fundingCache = new Map<string, boolean>();
  const hasFundingFeed = (u: string) => {
    let f = fundingCache.get(u);
    if (f === undefined) {
      f = readPrice(state, `${u}/USD:funding`) !== undefined;
      fundingCache.set(u, f);
    }
    return f;
  };
  const statusCache = new Map<number, { halted: boolean; breaker: boolean }>();
  const status = (d: number) => {
    let s = statusCache.get(d);
    if (s === undefined) {
      const r = getDomainStatus(state, d);
      s = { halted: isHalted(r), breaker: r.breakerUntilMs > ctx.timeMs };
      statusCache.set(d, s);
    }
    return s;
  };

  const collateral: CollateralBalance[] = [];
  // Provisional positives per domain, for the per-account cap.
  const provisional: { domain: number; token: string; amount: bigint }[] = [];
  for (const e of balancesOf(state, accountHolder(account))) {
    const token = hex(e.token);
    if (!assets.has(`${e.domain}/${token}`)) continue;
    if (e.stage === STAGE.FINAL)
      collateral.push({ domain: e.domain, token, stage: 'final', amount: e.amount });
    else if (e.stage === STAGE.PROVISIONAL) {
      if (e.amount < 0n) collateral.push({ domain: e.domain, token, stage: 'provisional', amount: e.amount });
      else if (!status(e.domain).breaker) provisional.push({ domain: e.domain, token, amount: e.amount });
    }
  }
  // Per-account provisional cap per domain: scale that domain's provisional positives down pro rata.
  const byDomain = new Map<number, { domain: number; token: string; amount: bigint }[]>();
  for (const p of provisional) byDomain.set(p.domain, [...(byDomain.get(p.domain) ?? []), p]);
  for (const [d, items] of byDomain) {
    const cap = domainParamsOf(config, d)?.provisionalCapPerAccountMicro;
    let total = 0n;
    const values = items.map((p) => assetValueE18(state, config, d, p.token, p.amount) ?? 0n);
    for (const v of values) total += v;
    const capE18 = cap === undefined ? undefined : cap * 10n ** 12n;
    items.forEach((p) => {
      const amount = capE18 !== undefined && total > capE18 ? (p.amount * capE18) / total : p.amount;
      if (amount > 0n) collateral.push({ domain: d, token: p.token, stage: 'provisional', amount });
    });
  }

  const options: OptionPosition[] = [];
  const perps: PerpPosition[] = [];
  const positions: MirroredPosition[] = [];
  const evms = linkedEvmAddresses(state, account);
  for (const evm of evms) {
    for (const rec of positionsOfOwner(state, ctx.bridge, evm)) {
      const listing = listingOf(config, rec.domain, hex(rec.instrumentId));
      if (listing === undefined) continue;
      const inst = listing.instrument;
      const dec = tokenDecimals(ctx.bridge, rec.domain, listing.settlementToken);
      const id = `${rec.domain}:${hex(rec.owner)}:${hex(rec.instrumentId)}`;
      const finalSize = signedSize(rec.latestFinal);
      const latestSize = rec.latest === undefined ? finalSize : signedSize(rec.latest);
      const isProvisional = rec.latest !== undefined && rec.latest.stage !== STAGE.FINAL;
      const expired = inst.kind === 'option' && inst.expirySec <= timeSec;
      positions.push({
        id,
        domain: rec.domain,
        owner: rec.owner,
        instrumentId: rec.instrumentId,
        listing,
        finalSizeE18: finalSize,
        latestSizeE18: latestSize,
        provisional: isProvisional,
        expired,
      });
      // A realised loss reported provisionally is a debt now; a provisional gain waits for final.
      const provPnl = BigInt(rec.realisedPnlProvisional);
      if (provPnl < 0n)
        collateral.push({
          domain: rec.domain,
          token: listing.settlementToken,
          stage: 'provisional',
          amount: provPnl,
        });
      const halted = status(rec.domain).halted;
      const finalStage: Stage = halted ? 'provisional' : 'final';
      if (expired && inst.kind === 'option') {
        // Settled outside the kernel: value n·intrinsic at the settlement price, in settlement units.
        const settle = readPrice(state, settleFeed(inst.underlying, inst.expirySec));
        const spot = readPrice(state, spotFeed(inst.underlying));
        const px = settle ?? spot;
        if (px === undefined) continue;
        const valueE18 = (latestSize * optionIntrinsicE18(inst, BigInt(px.value))) / ONE;
        const atomic = dec <= 18 ? valueE18 / 10n ** BigInt(18 - dec) : valueE18 * 10n ** BigInt(dec - 18);
        if (settle !== undefined && atomic !== 0n)
          collateral.push({
            domain: rec.domain,
            token: listing.settlementToken,
            stage: atomic < 0n || !halted ? (isProvisional ? 'provisional' : 'final') : 'provisional',
            amount: atomic,
          });
        else if (atomic < 0n)
          collateral.push({
            domain: rec.domain,
            token: listing.settlementToken,
            stage: 'provisional',
            amount: atomic,
          });
        continue;
      }
      const items: { size: bigint; stage: Stage; report: PositionReport | undefined; suffix: string }[] = [];
      if (finalSize !== 0n)
        items.push({ size: finalSize, stage: finalStage, report: rec.latestFinal, suffix: '' });
      if (latestSize !== finalSize)
        items.push({ size: latestSize - finalSize, stage: 'provisional', report: rec.latest, suffix: ':p' });
      for (const it of items) {
        if (inst.kind === 'option') {
          options.push({
            id: id + it.suffix,
            instrument: inst.id,
            sizeE18: it.size,
            domain: rec.domain,
            stage: it.stage,
          });
        } else {
          const hasFunding = hasFundingFeed(inst.underlying);
          perps.push({
            id: id + it.suffix,
            instrument: inst.id,
            sizeE18: it.size,
            entryPriceE18: toE18Units(BigInt(it.report?.entryPrice ?? '0'), dec),
            fundingIndexE18: hasFunding ? toE18Units(BigInt(it.report?.fundingIndex ?? '0'), dec) : 0n,
            domain: rec.domain,
            stage: it.stage,
          });
        }
      }
    }
  }
  // Canonical order (the kernel compiles in its own canonical order; keep inputs stable anyway).
  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  options.sort(byId);
  perps.sort(byId);
  positions.sort(byId);
  // One line per (domain, token, stage): the kernel refuses duplicates.
  const merged = new Map<string, CollateralBalance>();
  for (const c of collateral) {
    const k = `${c.domain}/${c.token}/${c.stage}`;
    const prev = merged.get(k);
    merged.set(k, prev === undefined ? c : { ...prev, amount: prev.amount + c.amount });
  }
  const lines = [...merged.keys()]
    .sort()
    .map((k) => merged.get(k)!)
    .filter((c) => c.amount !== 0n);
  return { account, evms, portfolio: { collateral: lines, options, perps, lending: [] }, positions };
}
