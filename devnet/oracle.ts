/**
 * The devnet oracle: a seeded price path and per-signer observations signed the way the hub's
 * `chain/oracle` verifies them — each signer signs its own observation, EIP-191 `personal_sign` over
 * `keccak256(abi.encode("UNIMARGIN_ORACLE", chainId, feed, value, confidence, timestampMs))`
 * (types string, string, string, int256, uint256, uint64; `observationHash` of `chain/oracle` is the
 * source of truth — this module encodes it again with @noble/hashes and native libsecp256k1 only, so
 * the feeder process starts light, and a unit test checks both agree). Values and confidences are
 * 18-decimal fixed point, sent as decimal strings.
 *
 * Feeds (the names `chain/oracle/README.md` lists, every one the hub's margin snapshot reads):
 * `<U>/USD` spot per underlying, `USDC/USD`, per live (underlying, expiry) `<U>/USD:fwd:<expiry s>`,
 * `:rate:<expiry>` and the SVI raw parameters `:svi.a:<expiry>`, `:svi.b:`, `:svi.rho:`, `:svi.m:`,
 * `:svi.sigma:`, and once an expiry has passed its settlement price `<U>/USD:settle:<expiry>`.
 */
import { keccak_256 } from '@noble/hashes/sha3';
import secp from 'secp256k1';

/** 0x-prefixed hex. */
export type Hex = `0x${string}`;

/** 1.0 in 18-decimal fixed point. */
export const E18 = 10n ** 18n;

/** One underlying the feeder prices. */
export interface OracleUnderlying {
  readonly symbol: string;
  /** Starting price, USD. */
  readonly startUsd: number;
  /** Annualised volatility of the path (0.6 = 60 %). */
  readonly vol: number;
  /** Option expiries to publish forward/rate/SVI for, unix seconds. */
  readonly expiriesSec: readonly number[];
}

/** A signed observation of one feed by one signer. */
export interface Observation {
  readonly feed: string;
  readonly valueE18: bigint;
  readonly confidenceE18: bigint;
  readonly timestampMs: bigint;
  /** The signer's EVM address, lowercase. */
  readonly signer: Hex;
  /** 65 bytes r ‖ s ‖ v (v = 27 or 28). */
  readonly signature: Hex;
}

const utf8 = new TextEncoder();
const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`;

function word(n: bigint): Uint8Array {
  // Two's complement in 256 bits (int256 for negatives, uint for the rest).
  let v = n < 0n ? (1n << 256n) + n : n;
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * `keccak256(abi.encode("UNIMARGIN_ORACLE", chainId, feed, value, confidence, timestampMs))` with
 * types (string, string, string, int256, uint256, uint64): the ABI head (three offsets, then the
 * static words) and the tail (each string's length and bytes, right-padded to 32). Written out here
 * instead of importing viem, to keep the feeder's start light; `chain/oracle`'s `observationHash` is
 * the source of truth and a unit test checks both agree.
 */
export function observationHash(
  chainId: string,
  feed: string,
  value: bigint,
  confidence: bigint,
  timestampMs: bigint,
): Uint8Array {
  const strings = ['UNIMARGIN_ORACLE', chainId, feed].map((s) => utf8.encode(s));
  const tails = strings.map((b) => {
    const padded = new Uint8Array(32 + Math.ceil(b.length / 32) * 32);
    padded.set(word(BigInt(b.length)), 0);
    padded.set(b, 32);
    return padded;
  });
  const head: Uint8Array[] = [];
  let offset = 6 * 32;
  for (const t of tails) {
    head.push(word(BigInt(offset)));
    offset += t.length;
  }
  head.push(word(value), word(confidence), word(timestampMs));
  const all = [...head, ...tails];
  const buf = new Uint8Array(all.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (const b of all) {
    buf.set(b, at);
    at += b.length;
  }
  return keccak_256(buf);
}

/** The EVM address of a private key (keccak of the uncompressed public key, last 20 bytes), lowercase. */
export function evmAddressOf(privateKey: Uint8Array): Hex {
  return hex(keccak_256(secp.publicKeyCreate(privateKey, false).subarray(1)).subarray(12));
}

/** Signs one observation with `privateKey`: EIP-191 `personal_sign` over {@link observationHash}. */
export function signObservation(
  privateKeyHex: Hex,
  chainId: string,
  feed: string,
  valueE18: bigint,
  confidenceE18: bigint,
  timestampMs: bigint,
): Observation {
  const pk = Uint8Array.from(Buffer.from(privateKeyHex.slice(2), 'hex'));
  const hash = observationHash(chainId, feed, valueE18, confidenceE18, timestampMs);
  const prefix = utf8.encode('\x19Ethereum Signed Message:\n32');
  const msg = new Uint8Array(prefix.length + 32);
  msg.set(prefix);
  msg.set(hash, prefix.length);
  const { signature, recid } = secp.ecdsaSign(keccak_256(msg), pk);
  const sig = new Uint8Array(65);
  sig.set(signature);
  sig[64] = 27 + recid;
  return { feed, valueE18, confidenceE18, timestampMs, signer: evmAddressOf(pk), signature: hex(sig) };
}

/** A seeded generator in [0, 1) (mulberry32): the same seed gives the same path on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A geometric Brownian motion per underlying, stepped by wall-clock intervals, with shocks a
 * scenario can apply (`shock('ETH', 0.7)` = a 30 % crash at the next step). Devnet-only code: it
 * uses `Math.exp`/`Math.log`, never part of the deterministic core.
 */
export class PricePath {
  private readonly rand: () => number;
  private readonly prices = new Map<string, number>();
  private readonly pendingShock = new Map<string, number>();
  private spare: number | undefined;

  constructor(
    readonly underlyings: readonly OracleUnderlying[],
    seed: number,
  ) {
    this.rand = seededRandom(seed);
    for (const u of underlyings) this.prices.set(u.symbol, u.startUsd);
  }

  // Standard normal by Box–Muller (two per pair of uniforms).
  private normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u1 = Math.max(this.rand(), 1e-12);
    const u2 = this.rand();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Multiplies an underlying's price by `factor` at the next {@link step}. */
  shock(symbol: string, factor: number): void {
    if (!this.prices.has(symbol)) throw new RangeError(`unknown underlying ${symbol}`);
    if (!(factor > 0)) throw new RangeError(`shock factor ${factor} must be > 0`);
    this.pendingShock.set(symbol, (this.pendingShock.get(symbol) ?? 1) * factor);
  }

  /** Advances every price by `dtMs` of GBM (zero drift) and applies pending shocks; returns USD prices. */
  step(dtMs: number): Map<string, number> {
    const dtYears = dtMs / (365 * 86_400_000);
    for (const u of this.underlyings) {
      const p = this.prices.get(u.symbol)!;
      const z = this.normal();
      const next = p * Math.exp(-0.5 * u.vol * u.vol * dtYears + u.vol * Math.sqrt(dtYears) * z);
      const shock = this.pendingShock.get(u.symbol) ?? 1;
      this.prices.set(u.symbol, next * shock);
    }
    this.pendingShock.clear();
    return new Map(this.prices);
  }

  /** Current USD prices. */
  current(): Map<string, number> {
    return new Map(this.prices);
  }
}

/** A decimal number → 18-decimal fixed point (rounded to the nearest 1e-12; enough for prices). */
export function toE18(x: number): bigint {
  return BigInt(Math.round(x * 1e6)) * 10n ** 12n;
}

/**
 * The feeds and values of one step: spot and forward every step; the slow feeds — rate, the SVI
 * smile, USDC/USD = 1 — only when `slow` is true (the feeder sets it every tenth round: they barely
 * move, and every observation costs a signature recovery in every node that replays the block).
 *
 * An expiry at or before `nowSec` gets no forward, rate or smile (the hub's snapshot leaves expired
 * expiries out) but its settlement price `<U>/USD:settle:<expiry>`: the spot of the first step at
 * or after the expiry, remembered in `settlements` (feed → value) so later rounds repeat the same
 * value; published on that first step and then on slow rounds.
 */
export function feedValues(
  underlyings: readonly OracleUnderlying[],
  prices: ReadonlyMap<string, number>,
  nowSec: number,
  slow = true,
  ratePerYear = 0.05,
  settlements: Map<string, number> = new Map(),
): { feed: string; value: number }[] {
  const out: { feed: string; value: number }[] = [];
  for (const u of underlyings) {
    const s = prices.get(u.symbol)!;
    out.push({ feed: `${u.symbol}/USD`, value: s });
    for (const exp of u.expiriesSec) {
      if (exp <= nowSec) {
        const feed = `${u.symbol}/USD:settle:${exp}`;
        const fixed = settlements.get(feed);
        if (fixed === undefined) {
          settlements.set(feed, s);
          out.push({ feed, value: s });
        } else if (slow) out.push({ feed, value: fixed });
        continue;
      }
      const t = Math.max(exp - nowSec, 0) / (365 * 86_400);
      const f = s * Math.exp(ratePerYear * t);
      // SVI raw with total variance ≈ vol² · T at the money, a mild skew.
      const w = u.vol * u.vol * Math.max(t, 1 / 365);
      const p = `${u.symbol}/USD`;
      out.push({ feed: `${p}:fwd:${exp}`, value: f });
      if (!slow) continue;
      out.push(
        { feed: `${p}:rate:${exp}`, value: ratePerYear },
        { feed: `${p}:svi.a:${exp}`, value: w * 0.8 },
        { feed: `${p}:svi.b:${exp}`, value: w * 0.5 },
        { feed: `${p}:svi.rho:${exp}`, value: -0.3 },
        { feed: `${p}:svi.m:${exp}`, value: 0 },
        { feed: `${p}:svi.sigma:${exp}`, value: 0.4 },
      );
    }
  }
  if (slow) out.push({ feed: 'USDC/USD', value: 1 });
  return out;
}
