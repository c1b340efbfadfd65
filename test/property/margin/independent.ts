/**
 * The withdrawal rule stated again, independently of chain/margin: an account's portfolio is read
 * straight from the raw state tables (ledger balances, EVM links, position records, domain status,
 * allowances) by code written here, provisional collateral is dropped (provisional debts and
 * provisional realised losses are kept: risk counts early), and the kernel's `marginAccount` is
 * called twice — with and without positions — so that unrealised gains never count:
 *
 *     equity for withdrawals = min(equity with positions, equity of the cash alone)
 *     effective IM           = IM with positions + Σ live allowances max(0, reserved − used)
 *
 * where `used` is the adapter's standalone measure |latest size| × spot × imRate, rounded up (µUSD).
 * A halted domain's positions count as provisional items (no hedge relief). Only the kernel and
 * the record codecs are shared with the code under test.
 */
import { bytesToHex } from '../../../bridge/index.ts';
import { PositionRecordCodec } from '../../../chain/hyperlane/codec.ts';
import { readBridge } from '../../../chain/hyperlane/config.ts';
import { HL } from '../../../chain/hyperlane/keys.ts';
import { PREFIX } from '../../../chain/keys.ts';
import { AllowanceRecordCodec, DomainStatusCodec } from '../../../chain/margin/codec.ts';
import { readMarginConfig } from '../../../chain/margin/config.ts';
import { MG } from '../../../chain/margin/keys.ts';
import { readPrice } from '../../../chain/oracle/index.ts';
import {
  type CollateralBalance,
  type MarginSummary,
  marginAccount,
  type PerpPosition,
  type Portfolio,
  type RiskArrays,
} from '../../../chain/risk/index.ts';
import type { StateReader } from '../../../state/types.ts';

const ONE = 10n ** 18n;

/** What the independent check computed for one account. */
export interface IndependentMargin {
  readonly portfolio: Portfolio;
  readonly all: MarginSummary;
  readonly cashOnly: MarginSummary;
  /** min(all.equity, cashOnly.equity), µUSD. */
  readonly equity: bigint;
  /** Reserved allowance not used by positions, µUSD. */
  readonly reserved: bigint;
  /** all.im + reserved, µUSD. */
  readonly imEff: bigint;
}

const u32At = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const hex = (b: Uint8Array) => bytesToHex(b) as string;

/** The account's margin for withdrawals under `arrays` (see module doc). */
export function independentMargin(
  state: StateReader,
  arrays: RiskArrays,
  account: Uint8Array,
  timeMs: bigint,
): IndependentMargin {
  const config = readMarginConfig(state)!;
  const bridge = readBridge(state)!;
  const listed = new Set(config.risk.assets.map((a) => `${a.domain}/${a.token}`));
  const lines = new Map<string, CollateralBalance>();
  const add = (domain: number, token: string, stage: 'final' | 'provisional', amount: bigint) => {
    const k = `${domain}/${token}/${stage}`;
    const prev = lines.get(k)?.amount ?? 0n;
    lines.set(k, { domain, token, stage, amount: prev + amount });
  };

  // Ledger: PREFIX.ledger ‖ tag 1 ‖ account (20) ‖ domain (4) ‖ token (20) ‖ stage (1).
  for (const [k, v] of state.entries(Uint8Array.of(PREFIX.ledger, 1, ...account))) {
    const domain = u32At(k, 22);
    const token = hex(k.subarray(26, 46));
    const stage = k[46];
    const amount = decodeSigned(v);
    if (!listed.has(`${domain}/${token}`)) continue;
    if (stage === 2) add(domain, token, 'final', amount);
    else if (stage === 1 && amount < 0n) add(domain, token, 'provisional', amount);
  }

  // EVM addresses linked to the account: PREFIX.evmLink ‖ evm (20) → account (20).
  const owners: Uint8Array[] = [];
  for (const [k, v] of state.entries(Uint8Array.of(PREFIX.evmLink)))
    if (same(v, account)) owners.push(k.slice(1, 21));

  const halted = (domain: number) => {
    const key = new Uint8Array(6);
    key[0] = PREFIX.margin;
    key[1] = MG.domainStatus;
    new DataView(key.buffer).setUint32(2, domain);
    const v = state.get(key);
    if (v === undefined) return false;
    const s = DomainStatusCodec.decode(v);
    return s.haltedByEvidence || s.haltedByStall;
  };

  const perps: PerpPosition[] = [];
  // Standalone use per `domain/owner`, for the allowances.
  const used = new Map<string, bigint>();
  const spot = BigInt(readPrice(state, 'ETH/USD')?.value ?? '0');
  for (const [domain, origin] of bridge.origins) {
    for (const owner of owners) {
      const prefix = new Uint8Array(26);
      prefix[0] = PREFIX.hyperlane;
      prefix[1] = HL.position;
      new DataView(prefix.buffer).setUint32(2, domain);
      prefix.set(owner, 6);
      for (const [, v] of state.entries(prefix)) {
        const rec = PositionRecordCodec.decode(v);
        const listing = config.instruments.find(
          (l) => l.domain === domain && l.instrumentId === hex(rec.instrumentId),
        );
        if (listing === undefined) continue;
        if (listing.instrument.kind !== 'perp') throw new Error('the independent check covers perps only');
        const dec = origin.tokens.get(listing.settlementToken)?.decimals ?? 18;
        const toE18 = (atomic: bigint) => atomic * 10n ** BigInt(18 - dec);
        const signed = (r: typeof rec.latest) =>
          r === undefined ? 0n : r.side === 2 ? -BigInt(r.size) : BigInt(r.size);
        const finalSize = signed(rec.latestFinal);
        const latestSize = rec.latest === undefined ? finalSize : signed(rec.latest);
        const id = `${domain}:${hex(rec.owner)}:${hex(rec.instrumentId)}`;
        if (finalSize !== 0n)
          perps.push({
            id,
            instrument: listing.instrument.id,
            sizeE18: finalSize,
            entryPriceE18: toE18(BigInt(rec.latestFinal!.entryPrice)),
            fundingIndexE18: 0n,
            domain,
            stage: halted(domain) ? 'provisional' : 'final',
          });
        if (latestSize !== finalSize)
          perps.push({
            id: `${id}:p`,
            instrument: listing.instrument.id,
            sizeE18: latestSize - finalSize,
            entryPriceE18: toE18(BigInt(rec.latest!.entryPrice)),
            fundingIndexE18: 0n,
            domain,
            stage: 'provisional',
          });
        const provisionalPnl = BigInt(rec.realisedPnlProvisional);
        if (provisionalPnl < 0n) add(domain, listing.settlementToken, 'provisional', provisionalPnl);
        const abs = latestSize < 0n ? -latestSize : latestSize;
        const num = abs * spot * BigInt(listing.imRatePpm);
        const u = num === 0n ? 0n : (num - 1n) / (ONE * ONE) + 1n;
        const k = `${domain}/${hex(owner)}`;
        used.set(k, (used.get(k) ?? 0n) + u);
      }
    }
  }
  if (readPrice(state, 'ETH/USD:funding') !== undefined)
    throw new Error('the independent check assumes no funding feed');

  const collateral = [...lines.keys()]
    .sort()
    .map((k) => lines.get(k)!)
    .filter((c) => c.amount !== 0n);
  perps.sort((a, b) => (a.id < b.id ? -1 : 1));
  const portfolio: Portfolio = { collateral, options: [], perps, lending: [] };
  const all = marginAccount(portfolio, arrays);
  const cashOnly = marginAccount({ ...portfolio, perps: [] }, arrays);

  let reserved = 0n;
  for (const [, v] of state.entries(Uint8Array.of(PREFIX.margin, MG.allowance, ...account))) {
    const a = AllowanceRecordCodec.decode(v);
    if (a.expirySec * 1000n <= timeMs) continue;
    const unused = BigInt(a.amountMicro) - (used.get(`${a.domain}/${hex(a.owner)}`) ?? 0n);
    if (unused > 0n) reserved += unused;
  }
  let equity = all.equity;
  if (cashOnly.equity < equity) equity = cashOnly.equity;
  return { portfolio, all, cashOnly, equity, reserved, imEff: all.im + reserved };
}

/** The ledger's value encoding (sign byte ‖ big-endian magnitude), decoded here independently. */
export function decodeSigned(v: Uint8Array | undefined): bigint {
  if (v === undefined || v.length === 0) return 0n;
  let m = 0n;
  for (let i = 1; i < v.length; i++) m = (m << 8n) | BigInt(v[i]!);
  return v[0] === 1 ? -m : m;
}
