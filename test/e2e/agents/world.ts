/**
 * The agents' e2e world: anvil chains with the real Hyperlane core and our contracts, a real hub
 * node whose genesis enrols them, EVM validators (fast: 2-of-2 at reorg period 1; final: 1-of-1 at
 * the `finalized` tag) announcing on ValidatorAnnounce, hub validators (2-of-2) each on its own
 * follower node, a block driver mining every chain, and a relayer factory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Address, Hex } from 'viem';
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
  type RelayerOpts,
  RestHubApi,
  Validator,
} from '../../../bridge/agents/index.ts';
import { HUB_SENDER } from '../../../chain/hyperlane/constants.ts';
import { initHome } from '../../../chain/node/home.ts';
import { marginVaultAbi, mockERC20Abi } from '../../../contracts-abi/index.ts';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import { type EvmChainDeployment, startEvmChain } from '../../../devnet/evm/startEvmChain.ts';
import { ANVIL_KEYS } from '../../helpers/anvil.ts';
import { startTestNode, type TestNode } from '../../helpers/node.ts';

export const FAST_KEYS = [ANVIL_KEYS[1], ANVIL_KEYS[2]] as Hex[];
export const FINAL_KEYS = [ANVIL_KEYS[3]] as Hex[];
export const HUB_VALIDATOR_KEYS = [ANVIL_KEYS[5], ANVIL_KEYS[6]] as Hex[];
export const addr = (k: Hex) => privateKeyToAccount(k).address.toLowerCase() as Address;
const sorted = (keys: Hex[]) => keys.map(addr);

/** One EVM chain of the world. */
export interface WorldChain {
  readonly domain: number;
  readonly dep: EvmChainDeployment;
  readonly agentChain: AgentChain;
  /** anvil key #0 (deployer) clients. */
  readonly owner: EvmClients;
  readonly validators: Validator[];
}

/** The world. */
export interface World {
  readonly chains: WorldChain[];
  readonly hub: TestNode;
  readonly followers: TestNode[];
  readonly hubValidators: Validator[];
  readonly hubValidatorLocations: Map<string, string>;
  readonly dir: string;
  /** Clients of anvil key `i` on chain `c`. */
  clients(c: number, i: number): EvmClients;
  /** A relayer with defaults filled (hub key #8, EVM key #9). */
  relayer(over?: Partial<RelayerOpts> & { key?: Hex; evmKey?: Hex; name?: string }): Relayer;
  stop(): Promise<void>;
}

/** Bridge genesis JSON for the chains: fast/final MessageId ISMs, `tokens` per chain (symbols). */
function bridgeJson(chains: { domain: number; dep: EvmChainDeployment; tokens: string[] }[]) {
  return {
    hub_domain: 0x554d5247,
    origins: chains.map((c) => ({
      domain: c.domain,
      name: `anvil${c.domain}`,
      fast_ism: { type: 'message_id_multisig', validators: sorted(FAST_KEYS), threshold: 2 },
      final_ism: { type: 'message_id_multisig', validators: sorted(FINAL_KEYS), threshold: 1 },
      merkle_tree_hook: c.dep.core.merkleTreeHook.toLowerCase(),
      vault: c.dep.app.vault.toLowerCase(),
      adapter: c.dep.app.adapter.toLowerCase(),
      expected_finality_ms: '1000',
      timeout_ms: '600000',
      tokens: c.tokens.map((s) => ({
        token: c.dep.app.tokens[s]!.toLowerCase(),
        decimals: c.dep.app.tokenDecimals[s]!,
        symbol: s,
      })),
    })),
  };
}

/** Starts a fresh hub whose genesis enrols `chains` (tokens registered per chain as given). */
export async function startBridgeHub(
  dir: string,
  chains: { domain: number; dep: EvmChainDeployment; tokens: string[] }[],
  name: string,
): Promise<TestNode> {
  const home = join(dir, name);
  const { paths } = initHome({ home });
  const g = JSON.parse(readFileSync(paths.genesis, 'utf8'));
  g.bridge = bridgeJson(chains);
  writeFileSync(paths.genesis, JSON.stringify(g, null, 2));
  return startTestNode({ home, blockTimeMs: 100 });
}

/** Builds the world: `specs` = per chain the domain and the symbols the hub registers. */
export async function startWorld(specs: { domain: number; tokens: string[] }[]): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'umg-agents-'));
  const deps = await Promise.all(
    specs.map((s) =>
      startEvmChain({
        anvil: { chainId: s.domain, slotsInAnEpoch: 2 },
        domain: s.domain,
        deployerKey: ANVIL_KEYS[0] as Hex,
        hub: { hubSender: HUB_SENDER, hubValidators: sorted(HUB_VALIDATOR_KEYS), hubThreshold: 2 },
      }),
    ),
  );
  const hub = await startBridgeHub(
    dir,
    specs.map((s, i) => ({ domain: s.domain, dep: deps[i]!, tokens: s.tokens })),
    'hub',
  );
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
  const chains: WorldChain[] = [];
  for (const [i, dep] of deps.entries()) {
    const domain = specs[i]!.domain;
    const owner = createEvmClients({
      rpcUrl: dep.anvil.rpcUrl,
      chainId: dep.anvil.chainId,
      privateKey: ANVIL_KEYS[0] as Hex,
    });
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
    const validators: Validator[] = [];
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
        validators.push(
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
    chains.push({ domain, dep, agentChain, owner, validators });
  }
  for (const v of [...hubValidators, ...chains.flatMap((c) => c.validators)]) v.start();
  // Block production on the EVM chains: automine gives a block per tx; this adds empty blocks so
  // the fast depth (1) and the finalized tag (4 behind) keep moving.
  const miner = setInterval(() => {
    for (const c of chains) {
      c.owner.publicClient
        .request({ method: 'anvil_mine' as never, params: ['0x1'] as never })
        .catch(() => {});
    }
  }, 100);
  const relayers: Relayer[] = [];
  const world: World = {
    chains,
    hub,
    followers,
    hubValidators,
    hubValidatorLocations,
    dir,
    clients: (c, i) =>
      createEvmClients({
        rpcUrl: chains[c]!.dep.anvil.rpcUrl,
        chainId: chains[c]!.dep.anvil.chainId,
        privateKey: ANVIL_KEYS[i] as Hex,
      }),
    relayer(over = {}) {
      const evmKey = over.evmKey ?? (ANVIL_KEYS[9] as Hex);
      const r = new Relayer({
        hub: new RestHubApi(hub.url),
        hubSigner: hubSignerOf(over.key ?? (ANVIL_KEYS[8] as Hex)),
        hubValidatorLocations,
        evm: chains.map((c) => ({
          chain: c.agentChain,
          client: c.owner.publicClient,
          wallet: createEvmClients({
            rpcUrl: c.dep.anvil.rpcUrl,
            chainId: c.dep.anvil.chainId,
            privateKey: evmKey,
          }).walletClient,
        })),
        dataDir: join(dir, over.name ?? 'relayer'),
        pollMs: 100,
        awaitSignaturesMs: 100,
        retry: { baseMs: 100, maxMs: 1000 },
        logger: silent,
        ...over,
      });
      relayers.push(r);
      return r;
    },
    async stop() {
      clearInterval(miner);
      await Promise.all(relayers.map((r) => r.stop()));
      await Promise.all([...hubValidators, ...chains.flatMap((c) => c.validators)].map((v) => v.stop()));
      await Promise.all(followers.map((f) => f.stop()));
      await hub.stop();
      await Promise.all(chains.map((c) => c.dep.anvil.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Mints `amount` of `symbol` to key `i` on chain `c`, approves the vault and deposits; returns the DEPOSIT message id. */
export async function deposit(w: World, c: number, i: number, symbol: string, amount: bigint): Promise<Hex> {
  const u = w.clients(c, i);
  const app = w.chains[c]!.dep.app;
  const token = app.tokens[symbol]!;
  for (const [fn, args] of [
    ['mint', [u.walletClient.account.address, amount]],
    ['approve', [app.vault, amount]],
  ] as const) {
    const hash = await u.walletClient.writeContract({
      address: token,
      abi: mockERC20Abi,
      functionName: fn,
      args,
    });
    await u.publicClient.waitForTransactionReceipt({ hash });
  }
  const hash = await u.walletClient.writeContract({
    address: app.vault,
    abi: marginVaultAbi,
    functionName: 'deposit',
    args: [token, amount],
  });
  const r = await u.publicClient.waitForTransactionReceipt({ hash });
  if (r.status !== 'success') throw new Error('deposit reverted');
  const topic = r.logs.find(
    (l) => l.address.toLowerCase() === w.chains[c]!.dep.core.mailbox.toLowerCase() && l.topics.length === 2,
  );
  return topic!.topics[1]! as Hex;
}

/** GET a hub REST path as JSON (status and body). */
// biome-ignore lint/suspicious/noExplicitAny: tests read REST JSON field by field
export async function hubGet(w: { hub: TestNode }, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${w.hub.url}${path}`);
  return { status: res.status, body: await res.json() };
}
