/**
 * A real hub node with unified margin for the REST and dashboard e2e tests, without EVM chains:
 * a genesis with a bridge section (the Hyperlane fixtures' origins A and B, USDC on both, WETH on
 * A, long timeouts so nothing expires or halts during a test), a margin section from
 * `devnetMarginConfig` (ETH-PERP listed on A and B, one ETH call listed on A) and an oracle
 * committee of three devnet keys (k = 2). Deliveries are simulated with the fixtures' `OriginSim`
 * (the bridge ISM accepts the fixture validator keys put in genesis); txs go through a stock CosmJS
 * signing client; oracle observations are signed here with viem.
 *
 * Also the independent side of the checks: {@link handSnapshot} builds the kernel's oracle
 * snapshot straight from the prices this helper submitted (not from state), so a test can call
 * the kernel on a portfolio it writes by hand.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliverTxResponse, SigningStargateClient } from '@cosmjs/stargate';
import { encodeAbiParameters, type Hex, keccak256, toHex as viemHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { InboundPayload } from '../../../bridge/index.ts';
import {
  BRIDGE_TYPE_URL,
  bech32FromPubKey,
  evmAddressBytes,
  type Genesis,
  genesisToJson,
  secp,
  TIER,
  toHex,
} from '../../../chain/index.ts';
import { encodeMarginConfig, type MarginConfig } from '../../../chain/margin/config.ts';
import { devnetMarginConfig, type ListingSpec } from '../../../chain/margin/defaults.ts';
import { ORACLE_TYPE_URL } from '../../../chain/msgs.ts';
import { connectSigner } from '../../../chain/node/client.ts';
import { devnetPrivateKey, homePaths, initHome } from '../../../chain/node/home.ts';
import type { OracleConfig } from '../../../chain/oracle/index.ts';
import type { OracleSnapshot } from '../../../chain/risk/index.ts';
import { startTestNode, type TestNode, waitFor } from '../../helpers/node.ts';
import {
  type Dispatched,
  FAST_KEYS,
  FINAL_KEYS,
  fixtureBridge,
  ORIGIN_A,
  ORIGIN_B,
  type OriginSim,
  simA,
  simB,
  USDC_A,
  WETH_A,
} from '../../unit/hyperlane/fixtures.ts';

export { ORIGIN_A, ORIGIN_B, USDC_A, WETH_A };
export const E18 = 10n ** 18n;
export const CHAIN_ID = 'unimargin-devnet-1';
export const USDC_B: Hex = `0x${'d1'.repeat(20)}`;
export const MARKET_A: Hex = `0x${'e1'.repeat(20)}`;
export const MARKET_B: Hex = `0x${'e2'.repeat(20)}`;
export const PERP_ID: Hex = `0x${Buffer.from('ETH-PERP').toString('hex').padEnd(64, '0')}`;
export const OPTION_ID: Hex = `0x${Buffer.from('ETH-C-3000').toString('hex').padEnd(64, '0')}`;
/** The relayer and oracle submitter (devnet key 9). */
export const RELAYER = 9;
const ORACLE_KEYS = [40, 41, 42].map(devnetPrivateKey);
const ORACLE_SIGNERS = ORACLE_KEYS.map((k) => privateKeyToAccount(`0x${toHex(k)}` as Hex));

// Key derivation from the mnemonic costs a PBKDF2 run (tens of ms): derive each key once.
const keys = new Map<number, Uint8Array>();
const keyOf = (i: number) => {
  let k = keys.get(i);
  if (k === undefined) {
    k = devnetPrivateKey(i);
    keys.set(i, k);
  }
  return k;
};
/** EVM address (lowercase) of devnet key i. */
export const evmOf = (i: number): Hex =>
  `0x${toHex(evmAddressBytes(secp.publicKeyCreate(keyOf(i), false)))}` as Hex;
/** bech32 account of devnet key i. */
export const accountOf = (i: number) => bech32FromPubKey(secp.publicKeyCreate(keyOf(i), true));

/** The ETH call's strike (E18) and expiry (unix s, 30 days after the hub starts, at 08:00 UTC). */
export const STRIKE_E18 = 3000n * E18;

/** Feeds of one price set: spot per underlying, the stable, and the option expiry's forward/rate/SVI. */
export interface PriceSet {
  eth: bigint;
  btc: bigint;
  usdc: bigint;
  /** SVI raw parameters (E18) of the expiry. */
  svi: { a: bigint; b: bigint; rho: bigint; m: bigint; sigma: bigint };
  rate: bigint;
}

export const BASE_PRICES: PriceSet = {
  eth: 3000n * E18,
  btc: 60_000n * E18,
  usdc: E18,
  svi: { a: 2n * 10n ** 16n, b: 5n * 10n ** 16n, rho: -3n * 10n ** 17n, m: 0n, sigma: 2n * 10n ** 17n },
  rate: 3n * 10n ** 16n,
};

/** The feed → value map of a price set for expiry `expirySec` (forward = spot: rates are small). */
export function feedsOf(p: PriceSet, expirySec: number): Record<string, bigint> {
  const e = expirySec;
  return {
    'ETH/USD': p.eth,
    'BTC/USD': p.btc,
    'USDC/USD': p.usdc,
    [`ETH/USD:fwd:${e}`]: p.eth,
    [`ETH/USD:rate:${e}`]: p.rate,
    [`ETH/USD:svi.a:${e}`]: p.svi.a,
    [`ETH/USD:svi.b:${e}`]: p.svi.b,
    [`ETH/USD:svi.rho:${e}`]: p.svi.rho,
    [`ETH/USD:svi.m:${e}`]: p.svi.m,
    [`ETH/USD:svi.sigma:${e}`]: p.svi.sigma,
  };
}

/**
 * The kernel snapshot of a price set submitted at `timestampMs`, taken by a block at
 * `snapshotTimeMs` — written from the inputs, as chain/margin/snapshot.ts documents the mapping
 * (confidence 1e18 as submitted, perp = spot without a perp feed, funding 0).
 */
export function handSnapshot(
  p: PriceSet,
  expirySec: number,
  timestampMs: bigint,
  snapshotTimeMs: bigint,
): OracleSnapshot {
  const at = Number(timestampMs / 1000n);
  const feed = (v: bigint) => ({ priceE18: v, confidenceE18: E18, updatedAtSec: at });
  return {
    timeSec: Number(snapshotTimeMs / 1000n),
    stable: feed(p.usdc),
    underlyings: [
      { underlying: 'BTC', spot: feed(p.btc), perp: { ...feed(p.btc), fundingIndexE18: 0n }, expiries: [] },
      {
        underlying: 'ETH',
        spot: feed(p.eth),
        perp: { ...feed(p.eth), fundingIndexE18: 0n },
        expiries: [
          {
            expirySec,
            forwardE18: p.eth,
            rateE18: p.rate,
            svi: { aE18: p.svi.a, bE18: p.svi.b, rhoE18: p.svi.rho, mE18: p.svi.m, sigmaE18: p.svi.sigma },
            forwardConfidenceE18: E18,
            rateConfidenceE18: E18,
            volConfidenceE18: E18,
            updatedAtSec: at,
          },
        ],
      },
    ],
    prices: [],
  };
}

/** The oracle observation digest, written again from DESIGN "Oracle" (not imported from the hub). */
function observationDigest(feed: string, value: bigint, confidence: bigint, timestampMs: bigint): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'string' },
        { type: 'string' },
        { type: 'string' },
        { type: 'int256' },
        { type: 'uint256' },
        { type: 'uint64' },
      ],
      ['UNIMARGIN_ORACLE', CHAIN_ID, feed, value, confidence, timestampMs],
    ),
  );
}

export interface MarginHubOpts {
  /** Kernel id of the listed ETH call (an on-chain string the dashboard must escape). */
  optionKernelId?: string;
  blockTimeMs?: number;
  /** Genesis with no margin section (a hub that does not serve margin). */
  withoutMargin?: boolean;
}

/** A started hub with margin, its simulated origins and clients. */
export class MarginHub {
  readonly a: OriginSim = simA();
  readonly b: OriginSim = simB();
  private readonly clients = new Map<number, Promise<{ client: SigningStargateClient; address: string }>>();
  private queue = new Map<number, Promise<unknown>>();

  private constructor(
    readonly hub: TestNode,
    readonly home: string,
    readonly config: MarginConfig,
    readonly expirySec: number,
  ) {}

  static async start(opts: MarginHubOpts = {}): Promise<MarginHub> {
    const home = mkdtempSync(join(tmpdir(), 'umg-margin-rest-'));
    const { genesis } = initHome({ home, accounts: 10 });
    const bridge = fixtureBridge();
    // Long timeouts: nothing expires during a test.
    for (const o of bridge.origins) {
      o.expectedFinalityMs = 60_000n;
      o.timeoutMs = 900_000n;
    }
    bridge.origins[1]!.tokens = [{ token: Buffer.from(USDC_B.slice(2), 'hex'), decimals: 6, symbol: 'USDC' }];
    const day = 86_400;
    const expirySec = (Math.floor(Date.now() / 1000 / day) + 30) * day + 8 * 3600;
    const listings: ListingSpec[] = [
      {
        domain: ORIGIN_A,
        instrumentId: PERP_ID,
        id: 'ETH-PERP',
        kind: 'perp',
        underlying: 'ETH',
        settlementToken: USDC_A,
        market: MARKET_A,
      },
      {
        domain: ORIGIN_B,
        instrumentId: PERP_ID,
        id: 'ETH-PERP',
        kind: 'perp',
        underlying: 'ETH',
        settlementToken: USDC_B,
        market: MARKET_B,
      },
      {
        domain: ORIGIN_A,
        instrumentId: OPTION_ID,
        id: opts.optionKernelId ?? `ETH-${expirySec}-C-3000`,
        kind: 'option',
        underlying: 'ETH',
        expirySec,
        strikeE18: STRIKE_E18,
        isCall: true,
        settlementToken: USDC_A,
        market: MARKET_A,
      },
    ];
    const base = devnetMarginConfig(bridge, listings);
    // No stall halt during a test (a provisional item waits for the final tier on purpose).
    const config: MarginConfig = {
      ...base,
      domains: base.domains.map((d) => ({ ...d, haltAfterMs: 3_600_000n })),
    };
    const oracle: OracleConfig = {
      signers: ORACLE_SIGNERS.map((a) => Buffer.from(a.address.slice(2), 'hex')),
      minObservations: 2,
      superMajority: 3,
      windowMs: 30_000n,
      maxJumpPpm: 500_000n,
      staleWithdrawalsMs: 600_000n,
      staleLiquidationsMs: 900_000n,
      liquidationGraceMs: 0n,
    };
    const g: Genesis = {
      ...genesis,
      bridge,
      ...(opts.withoutMargin ? {} : { marginJson: new TextDecoder().decode(encodeMarginConfig(config)) }),
      oracle,
    };
    writeFileSync(homePaths(home).genesis, JSON.stringify(genesisToJson(g)));
    const hub = await startTestNode({ home, blockTimeMs: opts.blockTimeMs ?? 150 });
    return new MarginHub(hub, home, config, expirySec);
  }

  get url(): string {
    return this.hub.url;
  }

  async stop(): Promise<void> {
    for (const c of this.clients.values()) (await c).client.disconnect();
    await this.hub.stop();
    rmSync(this.home, { recursive: true, force: true });
  }

  private client(i: number) {
    let c = this.clients.get(i);
    if (c === undefined) {
      // A copy: the signer keeps (and may wipe) the array it is given.
      c = connectSigner(this.url, keyOf(i).slice());
      this.clients.set(i, c);
    }
    return c;
  }

  /** Signs and broadcasts `msgs` from devnet key `i` (one at a time per key); waits for inclusion. */
  send(i: number, msgs: { typeUrl: string; value: unknown }[]): Promise<DeliverTxResponse> {
    const prev = this.queue.get(i) ?? Promise.resolve();
    const next = prev
      .catch(() => undefined)
      .then(async () => {
        const { client, address } = await this.client(i);
        return client.signAndBroadcast(address, msgs as never, 'auto');
      });
    this.queue.set(i, next);
    return next;
  }

  /** A MsgOracleUpdate of `feeds` observed at `timestampMs` by `signers` of the three. */
  async oracleMsg(feeds: Record<string, bigint>, timestampMs: bigint, signers = 2) {
    const observations = [];
    for (const [feed, value] of Object.entries(feeds)) {
      for (const s of ORACLE_SIGNERS.slice(0, signers)) {
        const sig = await s.signMessage({
          message: { raw: observationDigest(feed, value, E18, timestampMs) },
        });
        observations.push({
          feed,
          value: value.toString(),
          confidence: E18.toString(),
          timestampMs,
          signature: Buffer.from(sig.slice(2), 'hex'),
        });
      }
    }
    return {
      typeUrl: ORACLE_TYPE_URL.MsgOracleUpdate,
      value: { submitter: accountOf(RELAYER), observations },
    };
  }

  /** Dispatches `payload` on `sim` (DEPOSIT from the vault, POSITION from the adapter) and its MsgProcessMessage at `tier`. */
  deliver(sim: OriginSim, payload: InboundPayload, tier: 'fast' | 'final') {
    const sender = payload.kind === 'POSITION' ? sim.adapter : sim.vault;
    const d = sim.dispatch(payload, { sender });
    return { d, msg: this.relay(sim, d, tier) };
  }

  /** The MsgProcessMessage of a dispatched message with fast or final metadata. */
  relay(sim: OriginSim, d: Dispatched, tier: 'fast' | 'final') {
    const keys = tier === 'fast' ? FAST_KEYS.slice(0, 2) : FINAL_KEYS.slice(0, 2);
    return {
      typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
      value: {
        relayer: accountOf(RELAYER),
        metadata: sim.messageIdMetadata(d, keys),
        message: d.message,
        tier: tier === 'fast' ? TIER.FAST : TIER.FINAL,
      },
    };
  }

  /** MsgConfirmFinality of `ds` against the final checkpoint at the latest leaf of `sim`. */
  confirm(sim: OriginSim, ds: Dispatched[]) {
    const index = sim.tree.count - 1;
    return {
      typeUrl: BRIDGE_TYPE_URL.MsgConfirmFinality,
      value: {
        relayer: accountOf(RELAYER),
        origin: sim.domain,
        ...sim.checkpoint(index, FINAL_KEYS.slice(0, 2)),
        proofs: ds.map((d) => ({
          messageId: Buffer.from(d.id.slice(2), 'hex'),
          leafIndex: d.index,
          proof: sim.proof(d.index, index),
        })),
      },
    };
  }

  /** GET a JSON route. */
  async get<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
    const r = await fetch(`${this.url}${path}`);
    return { status: r.status, body: (await r.json()) as T };
  }

  /** POST JSON (or a raw string) to a route. */
  async post<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    raw = false,
  ): Promise<{ status: number; body: T }> {
    const r = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ? (body as string) : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as T };
  }

  /** The block time (ms) of a committed height. */
  async blockTimeMs(height: number | bigint): Promise<bigint> {
    const b = await this.get<{ time_ms: string }>(`/v1/blocks/${height}`);
    return BigInt(b.body.time_ms);
  }

  /** Waits until the hub's committed height reaches `h`. */
  async waitHeight(h: bigint): Promise<void> {
    await waitFor(() => (this.hub.node.height >= h ? true : undefined), 20_000);
  }
}

/** A DEPOSIT payload. */
export const deposit = (who: number, token: Hex, amount: bigint, nonce: bigint): InboundPayload => ({
  kind: 'DEPOSIT',
  depositor: evmOf(who),
  token,
  amount,
  depositNonce: nonce,
});

/** A POSITION report payload (signed size → side). */
export const position = (
  who: number,
  instrumentId: Hex,
  sizeE18: bigint,
  entryPrice: bigint,
  sequence: bigint,
  realisedPnl = 0n,
): InboundPayload => ({
  kind: 'POSITION',
  owner: evmOf(who),
  instrumentId,
  size: sizeE18 < 0n ? -sizeE18 : sizeE18,
  side: sizeE18 === 0n ? 'FLAT' : sizeE18 < 0n ? 'SHORT' : 'LONG',
  entryPrice,
  fundingIndex: 0n,
  realisedPnl,
  sequence,
});

export const usdc = (n: bigint) => n * 1_000_000n;
export { viemHex };
