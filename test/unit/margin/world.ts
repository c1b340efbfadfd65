/**
 * A hub driven block by block for the unified-margin tests: devnet genesis accounts (key i's EVM
 * address auto-linked), the fixture bridge with origins A and B (USDC on both, WETH on A), a
 * margin config from `devnetMarginConfig`, an oracle committee of 3 (k = 2), real signed txs
 * through `applyBlock` with the node's margin cache, and simulated origins that dispatch and sign
 * fast or final metadata.
 */
import { Any } from 'cosmjs-types/google/protobuf/any';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { addressOfPrivateKey, bytesToHex, type InboundPayload } from '../../../bridge/index.ts';
import {
  BRIDGE_TYPE_URL,
  MsgConfirmFinalityCodec,
  MsgProcessMessageCodec,
} from '../../../chain/hyperlane/codec.ts';
import type { Event, Genesis } from '../../../chain/index.ts';
import {
  bech32FromPubKey,
  evmAddressBytes,
  initChain,
  secp,
  type TxResult,
  toHex,
} from '../../../chain/index.ts';
import { MarginCache } from '../../../chain/margin/cache.ts';
import type { MarginConfig } from '../../../chain/margin/config.ts';
import { devnetMarginConfig, type ListingSpec } from '../../../chain/margin/defaults.ts';
import { ORACLE_TYPE_URL } from '../../../chain/msgs.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import {
  MsgOracleUpdateCodec,
  type OracleConfig,
  type OracleObservation,
  observationHash,
} from '../../../chain/oracle/index.ts';
import { applyBlock } from '../../../chain/stf/applyBlock.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import type { StateView } from '../../../state/types.ts';
import { signTx } from '../../helpers/txs.ts';
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
} from '../hyperlane/fixtures.ts';

export const CHAIN = 'unimargin-devnet-1';
export const NOW = 1_800_000_000_000n;
export const E18 = 10n ** 18n;
export const USDC_B: Hex = `0x${'d1'.repeat(20)}`;
export const MARKET_A: Hex = `0x${'e1'.repeat(20)}`;
export const MARKET_B: Hex = `0x${'e2'.repeat(20)}`;
export const PERP_ID: Hex = `0x${Buffer.from('ETH-PERP').toString('hex').padEnd(64, '0')}`;
export const RELAYER_INDEX = 9;
const ORACLE_KEYS = [40, 41, 42].map(devnetPrivateKey);
const ORACLE_SIGNERS = ORACLE_KEYS.map((k) => privateKeyToAccount(`0x${toHex(k)}` as Hex));

/** EVM address (lowercase hex) of devnet key i. */
export const evmOf = (i: number): Hex =>
  `0x${toHex(evmAddressBytes(secp.publicKeyCreate(devnetPrivateKey(i), false)))}` as Hex;
/** bech32 of devnet key i. */
export const accountOf = (i: number) => bech32FromPubKey(secp.publicKeyCreate(devnetPrivateKey(i), true));

export const LISTINGS: ListingSpec[] = [
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
];

export function worldBridge() {
  const b = fixtureBridge();
  b.origins[1]!.tokens = [{ token: Buffer.from(USDC_B.slice(2), 'hex'), decimals: 6, symbol: 'USDC' }];
  return b;
}

export const ORACLE: OracleConfig = {
  signers: ORACLE_SIGNERS.map((a) => Buffer.from(a.address.slice(2), 'hex')),
  minObservations: 2,
  superMajority: 3,
  windowMs: 10_000n,
  maxJumpPpm: 500_000n,
  staleWithdrawalsMs: 60_000n,
  staleLiquidationsMs: 300_000n,
  liquidationGraceMs: 0n,
};

/** Wraps a message. */
export const any = (typeUrl: string, value: Uint8Array) => Any.fromPartial({ typeUrl, value });

export class MarginWorld {
  height = 1n;
  readonly seq = new Map<number, bigint>();
  readonly cache = new MarginCache();
  readonly a: OriginSim = simA();
  readonly b: OriginSim = simB();
  lastEndEvents: Event[] = [];

  private constructor(
    readonly store: HubStore,
    readonly view: StateView,
    readonly genesis: Genesis,
    readonly config: MarginConfig,
  ) {}

  static async create(patch: (c: MarginConfig) => MarginConfig = (c) => c): Promise<MarginWorld> {
    const store = await HubStore.open(new MemoryKv());
    const view = store.view();
    const bridge = worldBridge();
    const config = patch(devnetMarginConfig(bridge, LISTINGS));
    const { encodeMarginConfig } = await import('../../../chain/margin/config.ts');
    const genesis: Genesis = {
      ...devnetGenesis(generateSequencerKey().publicKey, { accounts: 10, genesisTimeMs: NOW }),
      bridge,
      marginJson: new TextDecoder().decode(encodeMarginConfig(config)),
      oracle: ORACLE,
    };
    initChain(view, genesis);
    return new MarginWorld(store, view, genesis, config);
  }

  get timeMs(): bigint {
    return NOW + this.height * 1000n;
  }

  /** Applies one block: each entry is (devnet key index, msgs) as one signed tx. Returns receipts. */
  block(txs: [number, Any[]][] = [], opts: { advanceMs?: bigint } = {}): TxResult[] {
    if (opts.advanceMs !== undefined) this.skew += opts.advanceMs;
    const raw = txs.map(([who, msgs]) => {
      const s = this.seq.get(who) ?? 0n;
      this.seq.set(who, s + 1n);
      return signTx({
        privKey: devnetPrivateKey(who),
        accountNumber: BigInt(who),
        sequence: s,
        chainId: CHAIN,
        msgs,
      });
    });
    const timeMs = this.timeMs + this.skew;
    const r = applyBlock(
      this.view,
      { height: this.height, timeMs, txs: raw },
      { chainId: CHAIN, authority: this.genesis.authority },
      { margin: this.cache },
    );
    if (!r.ok) throw new Error(`block ${this.height} invalid: ${r.error.message}`);
    this.lastEndEvents = r.endBlockEvents;
    this.height++;
    return r.results;
  }
  skew = 0n;

  /** The block time the next block will have. */
  get nextTimeMs(): bigint {
    return this.timeMs + this.skew;
  }

  /** An oracle update of `prices` (feed → E18 value) signed by 2 of the 3 signers at the next block time. */
  async oracle(prices: Record<string, bigint>, signers = 2): Promise<Any> {
    const t = this.nextTimeMs;
    const observations: OracleObservation[] = [];
    for (const [feed, value] of Object.entries(prices)) {
      for (const s of ORACLE_SIGNERS.slice(0, signers)) {
        const hash = toHex(observationHash(CHAIN, feed, value, E18, t));
        const sig = await s.signMessage({ message: { raw: `0x${hash}` } });
        observations.push({
          feed,
          value: value.toString(),
          confidence: E18.toString(),
          timestampMs: t,
          signature: Buffer.from(sig.slice(2), 'hex'),
        });
      }
    }
    return any(
      ORACLE_TYPE_URL.MsgOracleUpdate,
      MsgOracleUpdateCodec.toBytes({ submitter: accountOf(RELAYER_INDEX), observations }),
    );
  }

  /** Dispatches `payload` on `sim` and returns (the dispatch, its MsgProcessMessage at `tier`). */
  deliver(
    sim: OriginSim,
    payload: InboundPayload,
    tier: 'fast' | 'final',
    opts: { sender?: Hex } = {},
  ): { d: Dispatched; msg: Any } {
    const sender = opts.sender ?? (payload.kind === 'POSITION' ? sim.adapter : sim.vault);
    const d = sim.dispatch(payload, { sender });
    return { d, msg: this.relay(sim, d, tier) };
  }

  /** The MsgProcessMessage of an already dispatched message. */
  relay(sim: OriginSim, d: Dispatched, tier: 'fast' | 'final'): Any {
    const keys = tier === 'fast' ? FAST_KEYS.slice(0, 2) : FINAL_KEYS.slice(0, 2);
    const metadata = sim.messageIdMetadata(d, keys);
    return any(
      BRIDGE_TYPE_URL.MsgProcessMessage,
      MsgProcessMessageCodec.toBytes({
        relayer: accountOf(RELAYER_INDEX),
        metadata,
        message: d.message,
        tier: tier === 'fast' ? 1 : 2,
      }),
    );
  }

  /** MsgConfirmFinality of `ds` against the final checkpoint at the latest leaf of `sim`. */
  confirm(sim: OriginSim, ds: Dispatched[]): Any {
    const index = sim.tree.count - 1;
    const cp = sim.checkpoint(index, FINAL_KEYS.slice(0, 2));
    return any(
      BRIDGE_TYPE_URL.MsgConfirmFinality,
      MsgConfirmFinalityCodec.toBytes({
        relayer: accountOf(RELAYER_INDEX),
        origin: sim.domain,
        root: cp.root,
        index: cp.index,
        messageId: cp.messageId,
        signatures: cp.signatures,
        proofs: ds.map((d) => ({
          messageId: Buffer.from(d.id.slice(2), 'hex'),
          leafIndex: d.index,
          proof: sim.proof(d.index, index),
        })),
      }),
    );
  }
}

export { addressOfPrivateKey, bytesToHex, ORIGIN_A, ORIGIN_B, USDC_A };
