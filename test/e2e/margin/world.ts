/**
 * The unified-margin e2e world: the agents' world (two anvil chains with the real Hyperlane core
 * and our contracts, a real hub node, EVM validators fast 2-of-2 at reorg period 1 and final 1-of-1
 * at `finalized`, hub validators 2-of-2 on their own followers, our relayer) plus what margin needs:
 *
 * - a `margin` genesis section from `devnetMarginConfig` listing ETH-PERP on both chains (one kernel
 *   instrument) and chain A's two ETH options (expiry read from the option market), with per-test
 *   overrides (timeouts, halts, oracle staleness) — see {@link MarginWorldOpts};
 * - an oracle committee of three in genesis (k = 2, super-majority 3) and {@link OracleFeeder},
 *   which signs each observation itself with viem (EIP-191 over `abi.encode("UNIMARGIN_ORACLE",
 *   chain id, feed, value, confidence, timestamp ms)`, written here again, not imported from the
 *   hub) and submits MsgOracleUpdate through a stock CosmJS client;
 * - per-chain control of the block driver (pause), of the final-tier validators (stop/start),
 *   helpers to trade on the sample markets, to send hub txs, to read the hub's state and margin,
 *   and the conservation check against the vaults' on-chain balances.
 *
 * Key roles (anvil key i = devnet hub account i): 0 EVM deployer/owner of markets and vaults, hub
 * keeper; 1, 2 fast validators; 3 final validator; 5, 6 hub validators; 8 relayer (hub), 9 relayer
 * (EVM); 2 submits oracle updates on the hub; 4 and 7 are traders.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliverTxResponse, SigningStargateClient } from '@cosmjs/stargate';
import pino from 'pino';
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  keccak256,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type AgentChain,
  announceOnEvm,
  EvmOriginReader,
  followerSource,
  HubOriginReader,
  hubSignerOf,
  LocalCheckpointStorage,
  parseChainAddresses,
  parseChainMetadata,
  Relayer,
  RestHubApi,
  Validator,
} from '../../../bridge/agents/index.ts';
import { bech32FromPubKey, parseBech32, secp } from '../../../chain/crypto.ts';
import { bridgeConfigFromJson, readBridge } from '../../../chain/hyperlane/config.ts';
import { HUB_SENDER } from '../../../chain/hyperlane/constants.ts';
import { accountHolder, getBalance, STAGE } from '../../../chain/ledger/index.ts';
import { MarginCache } from '../../../chain/margin/cache.ts';
import { type MarginConfig, marginConfigToJson, readMarginConfig } from '../../../chain/margin/config.ts';
import { devnetMarginConfig, type ListingSpec } from '../../../chain/margin/defaults.ts';
import { evaluateAccountNow } from '../../../chain/margin/evaluate.ts';
import { conservation } from '../../../chain/margin/flows.ts';
import { ORACLE_TYPE_URL } from '../../../chain/msgs.ts';
import { connectSigner } from '../../../chain/node/client.ts';
import { devnetPrivateKey, initHome } from '../../../chain/node/home.ts';
import type { MarginSummary } from '../../../chain/risk/index.ts';
import {
  marginVaultAbi,
  mockERC20Abi,
  positionAdapterAbi,
  sampleOptionMarketAbi,
  samplePerpMarketAbi,
} from '../../../contracts-abi/index.ts';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import { merkleTreeHookAbi } from '../../../devnet/evm/deployHyperlane.ts';
import { type EvmChainDeployment, startEvmChain } from '../../../devnet/evm/startEvmChain.ts';
import type { StateReader } from '../../../state/types.ts';
import { ANVIL_KEYS } from '../../helpers/anvil.ts';
import { startTestNode, type TestNode, waitFor } from '../../helpers/node.ts';
// The agents' world's key roles (fast 2-of-2, final 1-of-1, hub validators 2-of-2), shared as is.
import { addr, FAST_KEYS, FINAL_KEYS, HUB_VALIDATOR_KEYS } from '../agents/world.ts';

export { addr, FAST_KEYS, FINAL_KEYS, HUB_VALIDATOR_KEYS };

export const E18 = 10n ** 18n;
export const CHAIN_ID = 'unimargin-devnet-1';
/** Hub account that submits oracle updates. */
export const ORACLE_SUBMITTER = 2;
/** Oracle committee keys (devnet mnemonic indices 40–42: not anvil accounts). */
export const ORACLE_KEYS = [40, 41, 42].map(
  (i) => `0x${Buffer.from(devnetPrivateKey(i)).toString('hex')}` as Hex,
);
/** Domains of chains A and B. */
export const DOMAIN_A = 31337;
export const DOMAIN_B = 31338;

/** Lowercase EVM address of anvil key i. */
export const evmOf = (i: number) => addr(ANVIL_KEYS[i] as Hex);
/** bech32 hub account of anvil key i. */
export const accountOf = (i: number) => bech32FromPubKey(secp.publicKeyCreate(devnetPrivateKey(i), true));
/** 20 raw bytes of a 0x address. */
export const bytes20 = (a: string) => Uint8Array.from(Buffer.from(a.slice(2), 'hex'));
/** USDC (6 decimals) atomic units of whole dollars. */
export const usdc = (n: bigint) => n * 1_000_000n;

/** Per-origin overrides of the bridge section. */
export interface OriginOverride {
  readonly expectedFinalityMs?: bigint;
  readonly timeoutMs?: bigint;
}

/** Oracle committee rules (genesis `oracle` section), ms. */
export interface OracleRules {
  readonly windowMs: bigint;
  readonly maxJumpPpm: bigint;
  readonly staleWithdrawalsMs: bigint;
  readonly staleLiquidationsMs: bigint;
  readonly liquidationGraceMs: bigint;
}

/** Options of {@link startMarginWorld}. */
export interface MarginWorldOpts {
  /** Overrides for chain A (index 0) and B (index 1). */
  readonly origins?: readonly [OriginOverride?, OriginOverride?];
  /** Edits the margin config built by `devnetMarginConfig` before it goes into genesis. */
  readonly margin?: (c: MarginConfig) => MarginConfig;
  readonly oracle?: Partial<OracleRules>;
  /** Start the relayer (default true). */
  readonly relayer?: boolean;
}

/** One EVM chain of the world. */
export interface MarginChain {
  readonly index: number;
  readonly domain: number;
  readonly dep: EvmChainDeployment;
  readonly agentChain: AgentChain;
  /** anvil key #0 clients (owner of the markets and the vault). */
  readonly owner: EvmClients;
  readonly fast: Validator[];
  readonly final: Validator[];
  /** Option expiries of the option market (instrument name → unix s). */
  readonly optionExpirySec: Record<string, number>;
}

/** Result of a hub tx: code 0 = success; `log` carries the string code first on failure. */
export interface HubTxResult {
  readonly code: number;
  readonly log: string;
  readonly height: number;
  readonly msgResponses: readonly { typeUrl: string; value: Uint8Array }[];
}

const DEFAULT_ORACLE: OracleRules = {
  windowMs: 30_000n,
  maxJumpPpm: 100_000n,
  staleWithdrawalsMs: 600_000n,
  staleLiquidationsMs: 900_000n,
  liquidationGraceMs: 0n,
};

// ---- oracle signing (written from the DESIGN/oracle README formula, independent of chain/oracle) ----

/** keccak256(abi.encode("UNIMARGIN_ORACLE", chainId, feed, value, confidence, timestampMs)). */
export function oracleDigest(feed: string, value: bigint, confidence: bigint, timestampMs: bigint): Hex {
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

/** Per-feed E18 values. */
export type Prices = Record<string, bigint>;

/**
 * Signs and submits oracle updates; `start(everyMs)` re-submits the last prices with fresh
 * timestamps so that they stay within the staleness limits.
 */
export class OracleFeeder {
  private last: Prices = {};
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  /** Failures of the background re-posts (tests print them when a price goes stale). */
  readonly errors: string[] = [];
  constructor(private readonly w: MarginWorld) {}

  /** The prices last posted. */
  get prices(): Prices {
    return { ...this.last };
  }

  /** Posts `prices` (merged over the last ones) signed by `signers` committee members; returns the tx. */
  async post(prices: Prices, signers = 3): Promise<HubTxResult> {
    const run = async () => {
      this.last = { ...this.last, ...prices };
      const t = BigInt(Date.now());
      const observations = [];
      for (const [feed, value] of Object.entries(this.last)) {
        for (const k of ORACLE_KEYS.slice(0, signers)) {
          const sig = await privateKeyToAccount(k).signMessage({
            message: { raw: oracleDigest(feed, value, E18, t) },
          });
          observations.push({
            feed,
            value: value.toString(),
            confidence: E18.toString(),
            timestampMs: t,
            signature: bytes20hex(sig),
          });
        }
      }
      return this.w.tx(ORACLE_SUBMITTER, [
        {
          typeUrl: ORACLE_TYPE_URL.MsgOracleUpdate,
          value: { submitter: accountOf(ORACLE_SUBMITTER), observations },
        },
      ]);
    };
    const p = this.busy.then(run, run);
    this.busy = p.catch(() => undefined);
    const r = await p;
    if (r.code !== 0) throw new Error(`oracle update failed: ${r.log}`);
    return r;
  }

  /** Re-posts the last prices every `everyMs` until {@link stop}. */
  start(everyMs: number): void {
    this.stop();
    const tick = () => {
      this.timer = setTimeout(() => {
        this.post({})
          .catch((e) => {
            this.errors.push((e as Error).message);
          })
          .finally(() => {
            if (this.timer !== undefined) tick();
          });
      }, everyMs);
    };
    tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Waits for a post in progress. */
  async idle(): Promise<void> {
    await this.busy;
  }
}

function bytes20hex(h: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(h.slice(2), 'hex'));
}

/** The ETH option feeds (forward, rate, SVI raw parameters) of an expiry at `spotE18`. */
export function optionFeeds(expirySec: number, spotE18: bigint): Prices {
  const p = `ETH/USD`;
  // SVI raw: w(k) = a + b(ρ(k − m) + √((k − m)² + σ²)); a flat-ish smile with w(0) = 0.03 (≈ 60 % vol at 30 d).
  return {
    [`${p}:fwd:${expirySec}`]: spotE18,
    [`${p}:rate:${expirySec}`]: 0n,
    [`${p}:svi.a:${expirySec}`]: (2n * E18) / 100n,
    [`${p}:svi.b:${expirySec}`]: E18 / 10n,
    [`${p}:svi.rho:${expirySec}`]: 0n,
    [`${p}:svi.m:${expirySec}`]: 0n,
    [`${p}:svi.sigma:${expirySec}`]: E18 / 10n,
  };
}

// ---- the world ----

export class MarginWorld {
  readonly oracle: OracleFeeder;
  private readonly signers = new Map<number, Promise<{ client: SigningStargateClient; address: string }>>();
  private readonly paused = new Set<number>();
  private miner: NodeJS.Timeout | undefined;
  relayer: Relayer | undefined;

  constructor(
    readonly chains: MarginChain[],
    readonly hub: TestNode,
    readonly followers: TestNode[],
    readonly hubValidators: Validator[],
    readonly hubValidatorLocations: Map<string, string>,
    readonly dir: string,
    readonly config: MarginConfig,
  ) {
    this.oracle = new OracleFeeder(this);
  }

  get a(): MarginChain {
    return this.chains[0]!;
  }
  get b(): MarginChain {
    return this.chains[1]!;
  }

  /** Clients of anvil key `i` on chain `c`. */
  clients(c: number, i: number): EvmClients {
    const ch = this.chains[c]!;
    return createEvmClients({
      rpcUrl: ch.dep.anvil.rpcUrl,
      chainId: ch.dep.anvil.chainId,
      privateKey: ANVIL_KEYS[i] as Hex,
    });
  }

  /** Starts the block driver: an empty block on every unpaused chain every 100 ms. */
  startMining(): void {
    this.miner = setInterval(() => {
      for (const c of this.chains) {
        if (this.paused.has(c.index)) continue;
        c.owner.publicClient
          .request({ method: 'anvil_mine' as never, params: ['0x1'] as never })
          .catch(() => {});
      }
    }, 100);
  }

  /** Pauses or resumes the empty blocks of chain `c` (txs still mine their own block). */
  setMining(c: number, on: boolean): void {
    if (on) this.paused.delete(c);
    else this.paused.add(c);
  }

  /** Starts our relayer (hub key #8, EVM key #9). */
  startRelayer(): Relayer {
    const r = new Relayer({
      hub: new RestHubApi(this.hub.url),
      hubSigner: hubSignerOf(ANVIL_KEYS[8] as Hex),
      hubValidatorLocations: this.hubValidatorLocations,
      evm: this.chains.map((c) => ({
        chain: c.agentChain,
        client: c.owner.publicClient,
        wallet: createEvmClients({
          rpcUrl: c.dep.anvil.rpcUrl,
          chainId: c.dep.anvil.chainId,
          privateKey: ANVIL_KEYS[9] as Hex,
        }).walletClient,
      })),
      dataDir: join(this.dir, 'relayer'),
      pollMs: 100,
      awaitSignaturesMs: 100,
      retry: { baseMs: 100, maxMs: 1000 },
      maxAttempts: 1000,
      logger: pino({ level: 'silent' }),
    });
    r.start();
    this.relayer = r;
    return r;
  }

  /** Stops the final-tier validators of chain `c` (its final tier stalls). */
  async stopFinal(c: number): Promise<void> {
    await Promise.all(this.chains[c]!.final.map((v) => v.stop()));
  }
  /** Restarts them. */
  startFinal(c: number): void {
    for (const v of this.chains[c]!.final) v.start();
  }

  // ---- hub ----

  private signer(i: number) {
    let s = this.signers.get(i);
    if (s === undefined) {
      s = connectSigner(this.hub.url, devnetPrivateKey(i));
      this.signers.set(i, s);
    }
    return s;
  }

  /**
   * Signs and broadcasts `msgs` from hub account `i`; resolves with the included tx's result, or
   * (refused by the fee simulation or CheckTx) with its code and log and height −1. With
   * `simulate: false` the fee is fixed (2M gas at price 0), so a message the STF refuses still
   * enters a block and its receipt carries the code.
   */
  async tx(
    i: number,
    msgs: { typeUrl: string; value: unknown }[],
    opts: { simulate?: boolean } = {},
  ): Promise<HubTxResult> {
    const { client, address } = await this.signer(i);
    const fee = opts.simulate === false ? { amount: [], gas: '2000000' } : 'auto';
    try {
      const r: DeliverTxResponse = await client.signAndBroadcast(address, msgs, fee);
      return {
        code: r.code,
        log: r.rawLog ?? '',
        height: r.height,
        msgResponses: r.msgResponses.map((m) => ({ typeUrl: m.typeUrl, value: m.value })),
      };
    } catch (e) {
      const log = (e as Error).message;
      // Refused by CheckTx ("code N") or by the fee simulation ("Query failed with (N)").
      const code = (/code (\d+)/.exec(log) ?? /Query failed with \((\d+)\)/.exec(log))?.[1];
      if (code === undefined) throw e;
      return { code: Number(code), log, height: -1, msgResponses: [] };
    }
  }

  /** The hub's committed state (a fresh read view). */
  view(): StateReader {
    return this.hub.node.store.view();
  }

  /** Account i's balance on (chain c, symbol) at `stage` (atomic units). */
  balance(i: number, c: number, symbol: string, stage: 'final' | 'provisional'): bigint {
    const ch = this.chains[c]!;
    const acc = bytesOfAccount(i);
    return getBalance(
      this.view(),
      accountHolder(acc),
      ch.domain,
      bytes20(ch.dep.app.tokens[symbol]!),
      stage === 'final' ? STAGE.FINAL : STAGE.PROVISIONAL,
    );
  }

  /**
   * Account i's margin as the hub sees it at its last block: a margin cache rebuilt from the
   * committed state (equal to the node's own by the cache's contract), and the effective IM
   * (kernel IM + unused reserved allowance).
   */
  margin(i: number): { summary: MarginSummary; imEff: bigint; reservedMicro: bigint } {
    const v = this.view();
    const config = readMarginConfig(v)!;
    const bridge = readBridge(v)!;
    const timeMs = this.hub.node.lastBlockTimeMs;
    const cache = new MarginCache();
    cache.sync(v, config, bridge, timeMs, undefined);
    const ev = evaluateAccountNow(v, cache, config, bridge, timeMs, bytesOfAccount(i));
    if (!ev.ok)
      throw new Error(
        `margin of account ${i} unknown: ${ev.failure.reason === 'risk' ? ev.failure.error.message : ev.failure.reason}`,
      );
    return { summary: ev.value.summary, imEff: ev.value.imEff, reservedMicro: ev.value.reservedMicro };
  }

  /** Waits until the hub's block height passes `h` (so that a read sees an end-block after it). */
  async afterHeight(h: bigint): Promise<void> {
    await waitFor(() => (this.hub.node.height > h ? true : undefined), 30_000);
  }

  /** GET a hub REST path as JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read REST JSON field by field
  async get(path: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.hub.url}${path}`);
    return { status: res.status, body: await res.json() };
  }

  /** Waits for an inbound message to reach `stage` on the hub (REST message status). */
  // biome-ignore lint/suspicious/noExplicitAny: REST JSON
  async waitMessage(id: Hex, stage: 'provisional' | 'final' | 'expired', timeoutMs = 40_000): Promise<any> {
    return waitFor(async () => {
      const r = await this.get(`/v1/bridge/messages/${id}`);
      return r.status === 200 && r.body.delivered === true && r.body.stage === stage ? r.body : undefined;
    }, timeoutMs);
  }

  // ---- EVM ----

  /** On-chain ERC20 balance of `holder` for `symbol` on chain `c`. */
  async tokenBalance(c: number, symbol: string, holder: Address): Promise<bigint> {
    const ch = this.chains[c]!;
    return ch.owner.publicClient.readContract({
      address: ch.dep.app.tokens[symbol]!,
      abi: mockERC20Abi,
      functionName: 'balanceOf',
      args: [holder],
    });
  }

  /** Mints, approves and deposits `amount` of `symbol` for anvil key `i` on chain `c`; returns the DEPOSIT id. */
  async deposit(c: number, i: number, symbol: string, amount: bigint): Promise<Hex> {
    const u = this.clients(c, i);
    const ch = this.chains[c]!;
    const app = ch.dep.app;
    const token = app.tokens[symbol]!;
    await this.send(u, {
      address: token,
      abi: mockERC20Abi,
      functionName: 'mint',
      args: [u.walletClient.account.address, amount],
    });
    await this.send(u, {
      address: token,
      abi: mockERC20Abi,
      functionName: 'approve',
      args: [app.vault, amount],
    });
    const r = await this.send(u, {
      address: app.vault,
      abi: marginVaultAbi,
      functionName: 'deposit',
      args: [token, amount],
    });
    const log = r.logs.find(
      (l) => l.address.toLowerCase() === ch.dep.core.mailbox.toLowerCase() && l.topics.length === 2,
    );
    return log!.topics[1]! as Hex;
  }

  /** Sends a contract write and waits for a successful receipt. */
  async send(
    u: EvmClients,
    req: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
  ) {
    const hash = await u.walletClient.writeContract(
      req as Parameters<EvmClients['walletClient']['writeContract']>[0],
    );
    const r = await u.publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new Error(`${req.functionName} reverted`);
    return r;
  }

  /**
   * Trades `sizeDelta` (E18 base units, signed) of `instrument` on chain `c` as anvil key `i`.
   * Resolves with the receipt and the Dispatch (POSITION) message id, or throws the decoded revert
   * (error name and args) after sending the tx on chain with a fixed gas limit and seeing it revert.
   */
  async trade(
    c: number,
    i: number,
    instrument: string,
    sizeDelta: bigint,
  ): Promise<
    | { ok: true; messageId: Hex; blockNumber: bigint }
    | { ok: false; errorName: string; args: readonly unknown[]; status: string }
  > {
    const ch = this.chains[c]!;
    const inst = ch.dep.app.instruments[instrument]!;
    const u = this.clients(c, i);
    const abi = [
      ...(inst.kind === 'perp' ? samplePerpMarketAbi : sampleOptionMarketAbi),
      ...errorsOf(positionAdapterAbi),
    ] as Abi;
    try {
      await u.publicClient.simulateContract({
        account: u.walletClient.account,
        address: inst.market,
        abi,
        functionName: 'trade',
        args: [inst.id, sizeDelta],
      });
    } catch (e) {
      const rev =
        e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : undefined;
      if (!(rev instanceof ContractFunctionRevertedError) || rev.data === undefined) throw e;
      // Send it anyway: the chain itself refuses it (a reverted receipt).
      const hash = await u.walletClient.sendTransaction({
        to: inst.market,
        data: encodeFunctionData({ abi, functionName: 'trade', args: [inst.id, sizeDelta] }),
        gas: 1_000_000n,
      });
      const r = await u.publicClient.waitForTransactionReceipt({ hash });
      return { ok: false, errorName: rev.data.errorName, args: rev.data.args ?? [], status: r.status };
    }
    const r = await this.send(u, {
      address: inst.market,
      abi,
      functionName: 'trade',
      args: [inst.id, sizeDelta],
    });
    const log = r.logs.find(
      (l) => l.address.toLowerCase() === ch.dep.core.mailbox.toLowerCase() && l.topics.length === 2,
    );
    return { ok: true, messageId: log!.topics[1]! as Hex, blockNumber: r.blockNumber };
  }

  /**
   * The origin's checkpoint right after message `id` was dispatched on chain `c`: the
   * MerkleTreeHook's `latestCheckpoint()` (root, index) read at the block of its Dispatch (automine:
   * one dispatch per block), i.e. the checkpoint every honest validator signs for that leaf.
   */
  async checkpointOf(c: number, id: Hex): Promise<{ root: Hex; index: number; blockNumber: bigint }> {
    const ch = this.chains[c]!;
    const pc = ch.owner.publicClient;
    const log = (
      await pc.getContractEvents({
        address: ch.dep.core.mailbox,
        abi: DISPATCH_ID_ABI,
        eventName: 'DispatchId',
        args: { messageId: id },
        fromBlock: 0n,
      })
    )[0];
    if (log === undefined) throw new Error(`no Dispatch of ${id} on chain ${ch.domain}`);
    const [root, index] = await pc.readContract({
      address: ch.dep.core.merkleTreeHook,
      abi: merkleTreeHookAbi,
      functionName: 'latestCheckpoint',
      blockNumber: log.blockNumber,
    });
    return { root: root.toLowerCase() as Hex, index, blockNumber: log.blockNumber };
  }

  /** Sets the mark of a perp on chain `c` (settlement-token atomic units per whole unit). */
  async setMark(c: number, instrument: string, price: bigint): Promise<void> {
    const ch = this.chains[c]!;
    await this.send(ch.owner, {
      address: ch.dep.app.perpMarket,
      abi: samplePerpMarketAbi,
      functionName: 'setMark',
      args: [ch.dep.app.instruments[instrument]!.id, price, 0n],
    });
  }

  /** Adapter allowance in force for anvil key `i` on chain `c`, µUSD. */
  async allowanceOf(c: number, i: number): Promise<bigint> {
    const ch = this.chains[c]!;
    return ch.owner.publicClient.readContract({
      address: ch.dep.app.adapter,
      abi: positionAdapterAbi,
      functionName: 'allowanceOf',
      args: [evmOf(i)],
    });
  }

  /**
   * The conservation invariant per (domain, token): imbalance 0 and the hub's view of the vault
   * (inflow − outflow) ≤ the vault's on-chain balance. Returns the lines with the on-chain balance
   * and the surplus (printed as unattributed).
   *
   * Taken once no release is in flight (waits up to `settleMs`): while a RELEASE has executed on
   * chain and its ACK is not final on the hub yet, the vault holds `inflow − outflow − executed`,
   * below the hub's view by design, so the comparison only holds at rest.
   */
  async conservation(settleMs = 60_000): Promise<
    {
      domain: number;
      token: string;
      imbalance: bigint;
      vaultView: bigint;
      onChain: bigint;
      unattributed: bigint;
    }[]
  > {
    const lines = await waitFor(() => {
      const ls = conservation(this.view());
      return ls.every((l) => l.inFlight === 0n) ? ls : undefined;
    }, settleMs).catch(() => {
      throw new Error(
        `releases still in flight after ${settleMs} ms: ${conservation(this.view())
          .map((l) => `${l.domain}/${l.token} ${l.inFlight}`)
          .join(', ')}`,
      );
    });
    const out = [];
    for (const l of lines) {
      const ch = this.chains.find((c) => c.domain === l.domain);
      if (ch === undefined) throw new Error(`conservation line for unknown domain ${l.domain}`);
      const onChain = await ch.owner.publicClient.readContract({
        address: l.token as Address,
        abi: mockERC20Abi,
        functionName: 'balanceOf',
        args: [ch.dep.app.vault],
      });
      const row = {
        domain: l.domain,
        token: l.token,
        imbalance: l.imbalance,
        vaultView: l.vaultView,
        onChain,
        unattributed: onChain - l.vaultView,
      };
      console.log(
        `conservation ${l.domain}/${l.token}: balances ${l.balances} + in flight ${l.inFlight} (insurance ${l.insurance}) = inflow ${l.inflow} + provisional ${l.provisionalInflow} − outflow ${l.outflow} (imbalance ${l.imbalance}); vault view ${l.vaultView} ≤ on chain ${onChain}; unattributed ${row.unattributed}`,
      );
      out.push(row);
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.miner !== undefined) clearInterval(this.miner);
    this.oracle.stop();
    await this.oracle.idle().catch(() => undefined);
    await this.relayer?.stop();
    for (const s of this.signers.values()) (await s.catch(() => undefined))?.client.disconnect();
    await Promise.all(
      [...this.hubValidators, ...this.chains.flatMap((c) => [...c.fast, ...c.final])].map((v) => v.stop()),
    );
    await Promise.all(this.followers.map((f) => f.stop()));
    await this.hub.stop();
    await Promise.all(this.chains.map((c) => c.dep.anvil.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Mailbox's `DispatchId(bytes32 indexed messageId)` event. */
export const DISPATCH_ID_ABI = [
  { type: 'event', name: 'DispatchId', inputs: [{ name: 'messageId', type: 'bytes32', indexed: true }] },
] as const;

function errorsOf(abi: Abi): Abi {
  return abi.filter((x) => x.type === 'error');
}

/** 20-byte hub account of anvil key i. */
export function bytesOfAccount(i: number): Uint8Array {
  return parseBech32(accountOf(i))!;
}

/** Builds the world (see the module doc): chains A (31337) and B (31338) with USDC registered. */
export async function startMarginWorld(opts: MarginWorldOpts = {}): Promise<MarginWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'umg-margin-'));
  const domains = [DOMAIN_A, DOMAIN_B];
  const deps = await Promise.all(
    domains.map((d) =>
      startEvmChain({
        anvil: { chainId: d, slotsInAnEpoch: 2 },
        domain: d,
        deployerKey: ANVIL_KEYS[0] as Hex,
        hub: { hubSender: HUB_SENDER, hubValidators: HUB_VALIDATOR_KEYS.map(addr), hubThreshold: 2 },
      }),
    ),
  );
  const owners = deps.map((dep) =>
    createEvmClients({
      rpcUrl: dep.anvil.rpcUrl,
      chainId: dep.anvil.chainId,
      privateKey: ANVIL_KEYS[0] as Hex,
    }),
  );
  // Option expiries as the market stores them.
  const expiries: Record<string, number>[] = [];
  for (const [c, dep] of deps.entries()) {
    const e: Record<string, number> = {};
    for (const [name, inst] of Object.entries(dep.app.instruments)) {
      if (inst.kind !== 'option') continue;
      const o = await owners[c]!.publicClient.readContract({
        address: inst.market,
        abi: sampleOptionMarketAbi,
        functionName: 'options',
        args: [inst.id],
      });
      e[name] = Number(o[3]);
    }
    expiries.push(e);
  }

  // Genesis: the devnet one, plus bridge, margin and oracle sections.
  const home = join(dir, 'hub');
  const { paths } = initHome({ home });
  const g = JSON.parse(readFileSync(paths.genesis, 'utf8'));
  const bridgeJson = {
    hub_domain: 0x554d5247,
    origins: deps.map((dep, c) => ({
      domain: domains[c]!,
      name: `anvil${domains[c]}`,
      fast_ism: { type: 'message_id_multisig', validators: FAST_KEYS.map(addr).sort(), threshold: 2 },
      final_ism: { type: 'message_id_multisig', validators: FINAL_KEYS.map(addr).sort(), threshold: 1 },
      merkle_tree_hook: dep.core.merkleTreeHook.toLowerCase(),
      vault: dep.app.vault.toLowerCase(),
      adapter: dep.app.adapter.toLowerCase(),
      expected_finality_ms: (opts.origins?.[c]?.expectedFinalityMs ?? 1000n).toString(),
      timeout_ms: (opts.origins?.[c]?.timeoutMs ?? 600_000n).toString(),
      tokens: [{ token: dep.app.tokens.USDC!.toLowerCase(), decimals: 6, symbol: 'USDC' }],
    })),
  };
  const listings: ListingSpec[] = [];
  for (const [c, dep] of deps.entries()) {
    const usdcToken = dep.app.tokens.USDC!.toLowerCase();
    listings.push({
      domain: domains[c]!,
      instrumentId: dep.app.instruments['ETH-PERP']!.id.toLowerCase(),
      id: 'ETH-PERP',
      kind: 'perp',
      underlying: 'ETH',
      settlementToken: usdcToken,
      market: dep.app.perpMarket.toLowerCase(),
    });
    if (c !== 0) continue;
    for (const [name, strike, isCall] of [
      ['ETH-C-3500-30D', 3500n, true],
      ['ETH-P-2500-30D', 2500n, false],
    ] as const) {
      listings.push({
        domain: domains[c]!,
        instrumentId: dep.app.instruments[name]!.id.toLowerCase(),
        id: `${name}@${domains[c]}`,
        kind: 'option',
        underlying: 'ETH',
        expirySec: expiries[c]![name]!,
        strikeE18: strike * E18,
        isCall,
        settlementToken: usdcToken,
        market: dep.app.optionMarket.toLowerCase(),
      });
    }
  }
  const base = devnetMarginConfig(bridgeConfigFromJson(bridgeJson), listings, { underlyings: ['ETH'] });
  const config = (opts.margin ?? ((c) => c))(base);
  const o = { ...DEFAULT_ORACLE, ...opts.oracle };
  g.bridge = bridgeJson;
  g.margin = marginConfigToJson(config);
  g.oracle = {
    signers: ORACLE_KEYS.map(addr),
    min_observations: 2,
    super_majority: 3,
    window_ms: o.windowMs.toString(),
    max_jump_ppm: o.maxJumpPpm.toString(),
    stale_withdrawals_ms: o.staleWithdrawalsMs.toString(),
    stale_liquidations_ms: o.staleLiquidationsMs.toString(),
    liquidation_grace_ms: o.liquidationGraceMs.toString(),
  };
  writeFileSync(paths.genesis, JSON.stringify(g, null, 2));
  const hub = await startTestNode({ home, blockTimeMs: 100 });
  const followers = await Promise.all(
    HUB_VALIDATOR_KEYS.map((_, i) =>
      startTestNode({ home: join(dir, `follower${i}`), follow: hub.url, genesisFrom: hub.home }),
    ),
  );
  const silent = pino({ level: 'silent' });
  const hubValidatorLocations = new Map<string, string>();
  const hubValidators = HUB_VALIDATOR_KEYS.map((k, i) => {
    const storage = new LocalCheckpointStorage(join(dir, `hubval${i}`, 'checkpoints'));
    hubValidatorLocations.set(addr(k), storage.location);
    return new Validator({
      reader: new HubOriginReader(followerSource(followers[i]!.node)),
      privateKey: k,
      storage,
      highWaterMarkPath: join(dir, `hubval${i}`, 'hwm.json'),
      pollMs: 50,
      logger: silent,
    });
  });
  const chains: MarginChain[] = [];
  for (const [c, dep] of deps.entries()) {
    const domain = domains[c]!;
    const owner = owners[c]!;
    const agentChain: AgentChain = {
      metadata: parseChainMetadata({
        name: `anvil${domain}`,
        chainId: dep.anvil.chainId,
        domainId: domain,
        protocol: 'ethereum',
        rpcUrls: [{ http: dep.anvil.rpcUrl }],
        blocks: { confirmations: 1, reorgPeriod: 1, estimateBlockTime: 1 },
      }),
      addresses: parseChainAddresses(
        {
          mailbox: dep.core.mailbox,
          merkleTreeHook: dep.core.merkleTreeHook,
          validatorAnnounce: dep.core.validatorAnnounce,
          deployedAtBlock: Number(dep.core.deployedAtBlock),
        },
        'ethereum',
      ),
    };
    const tiers: Record<'fast' | 'final', Validator[]> = { fast: [], final: [] };
    for (const [tier, keys] of [
      ['fast', FAST_KEYS],
      ['final', FINAL_KEYS],
    ] as const) {
      for (const k of keys) {
        const d = join(dir, `val-${domain}-${tier}-${addr(k)}`);
        const storage = new LocalCheckpointStorage(join(d, 'checkpoints'));
        await announceOnEvm({
          privateKey: k,
          storage,
          domain,
          mailbox: dep.core.mailbox as Hex,
          publicClient: owner.publicClient,
          walletClient: createEvmClients({
            rpcUrl: dep.anvil.rpcUrl,
            chainId: dep.anvil.chainId,
            privateKey: k,
          }).walletClient,
          validatorAnnounce: dep.core.validatorAnnounce,
        });
        tiers[tier].push(
          new Validator({
            reader: new EvmOriginReader({
              client: owner.publicClient,
              domain,
              merkleTreeHook: dep.core.merkleTreeHook,
              reorgPeriod: tier === 'fast' ? 1 : 'finalized',
              fromBlock: dep.core.deployedAtBlock,
            }),
            privateKey: k,
            storage,
            highWaterMarkPath: join(d, 'hwm.json'),
            pollMs: 50,
            logger: silent,
          }),
        );
      }
    }
    chains.push({
      index: c,
      domain,
      dep,
      agentChain,
      owner,
      fast: tiers.fast,
      final: tiers.final,
      optionExpirySec: expiries[c]!,
    });
  }
  for (const v of [...hubValidators, ...chains.flatMap((c) => [...c.fast, ...c.final])]) v.start();
  const w = new MarginWorld(chains, hub, followers, hubValidators, hubValidatorLocations, dir, config);
  w.startMining();
  if (opts.relayer !== false) w.startRelayer();
  return w;
}
