/**
 * The deployed world and its state cache. A cold start deploys Hyperlane core and our contracts on
 * a throw-away automining anvil per chain (fast: no block-time waits), which dumps its state on exit
 * (`--dump-state`); every start then runs the real chains from that state (`--load-state`) with
 * interval mining. The cache is keyed by a hash of everything that shapes the deployed state: the
 * world config, the generated contract artifacts, the deployment code, the Hyperlane core and anvil
 * versions. Entries older than {@link CACHE_MAX_AGE_MS} are rebuilt (sample options expire 30 days
 * after deployment).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { HUB_SENDER } from '../chain/hyperlane/constants.ts';
import { writeHubHome } from './hubGenesis.ts';
import { devnetAddress, devnetKey, KEY_INDEX } from './keys.ts';
import type { World, WorldChain } from './world.ts';

/** A cache entry older than this is rebuilt (7 days; sample options expire after 30). */
export const CACHE_MAX_AGE_MS = 7 * 86_400_000;

/** Bumped when the layout of a cache entry changes. */
const CACHE_FORMAT = 2;

/** A listed instrument of one chain, with what the hub's margin listing needs. */
export interface DeployedInstrument {
  /** bytes32 instrument id (the ASCII name right-padded). */
  readonly id: Hex;
  readonly market: Address;
  readonly kind: 'perp' | 'option';
  /** Underlying symbol (`ETH`, `BTC`). */
  readonly underlying: string;
  /** Options: strike in whole USD, expiry (unix s), call or put. */
  readonly strikeUsd?: number;
  readonly expirySec?: number;
  readonly isCall?: boolean;
}

/** A sample option listed on every chain (one expiry shared by all, so the hub nets them). */
export interface SampleOption {
  readonly name: string;
  readonly underlying: string;
  readonly isCall: boolean;
  readonly strikeUsd: number;
  /** Premium mark and underlying price the market starts with, whole USD. */
  readonly premiumUsd: number;
  readonly underlyingUsd: number;
}

/** The sample options (an ETH call 3500 and put 2500, ETH at 3000), expiring {@link OPTION_DAYS} out. */
export const SAMPLE_OPTIONS: readonly SampleOption[] = [
  {
    name: 'ETH-C-3500-30D',
    underlying: 'ETH',
    isCall: true,
    strikeUsd: 3500,
    premiumUsd: 60,
    underlyingUsd: 3000,
  },
  {
    name: 'ETH-P-2500-30D',
    underlying: 'ETH',
    isCall: false,
    strikeUsd: 2500,
    premiumUsd: 40,
    underlyingUsd: 3000,
  },
];

/** Days from deployment to the sample options' expiry. */
export const OPTION_DAYS = 30;

/**
 * The sample options' expiry for a deployment at `nowMs`: 08:00 UTC (Deribit's expiry hour) of the
 * day {@link OPTION_DAYS} days later — one value for every chain, so the listings on each chain are
 * the same kernel instrument and one set of forward/rate/SVI feeds prices them.
 */
export function optionExpirySec(nowMs: number): number {
  const day = 86_400;
  const t = Math.floor(nowMs / 1000) + OPTION_DAYS * day;
  return Math.floor(t / day) * day + 8 * 3600;
}

/** The underlying of a perp name (`ETH-PERP` → `ETH`). */
export function perpUnderlying(name: string): string {
  return name.replace(/-PERP$/, '');
}

/** Addresses of one deployed chain (JSON-safe: block numbers as numbers). */
export interface ChainDeployment {
  readonly name: string;
  readonly chainId: number;
  readonly domain: number;
  readonly core: {
    readonly mailbox: Address;
    readonly merkleTreeHook: Address;
    readonly requiredHook: Address;
    readonly validatorAnnounce: Address;
    readonly defaultIsm: Address;
    readonly messageIdMultisigIsmFactory: Address;
    readonly merkleRootMultisigIsmFactory: Address;
    readonly deployedAtBlock: number;
  };
  readonly app: {
    readonly hubIsm: Address;
    readonly vault: Address;
    readonly adapter: Address;
    readonly perpMarket: Address;
    readonly optionMarket: Address;
    readonly tokens: Readonly<Record<string, Address>>;
    readonly tokenDecimals: Readonly<Record<string, number>>;
    readonly settlementToken: string;
    readonly instruments: Readonly<Record<string, DeployedInstrument>>;
  };
  /** Fast and final validator addresses of this origin (disjoint). */
  readonly fastValidators: readonly Address[];
  readonly finalValidators: readonly Address[];
}

/** The whole deployment (what `deployment.json` of a cache entry holds). */
export interface WorldDeployment {
  readonly format: number;
  readonly cacheKey: string;
  readonly createdAtMs: number;
  readonly hubValidators: readonly Address[];
  readonly hubSender: Hex;
  readonly chains: readonly ChainDeployment[];
}

/** A usable cache entry: the deployment and each chain's anvil state file. */
export interface CacheEntry {
  readonly dir: string;
  readonly deployment: WorldDeployment;
  /** Chain name → anvil state file to `--load-state`. */
  readonly stateFiles: Readonly<Record<string, string>>;
  /**
   * A hub home template: `config/genesis.json` (with the bridge section) and the sequencer key,
   * generated once per entry; a fresh devnet home copies it with a new genesis time.
   */
  readonly hubTemplate: string;
  /** True when this call deployed (cold), false when the entry was reused (warm). */
  readonly built: boolean;
}

const here = new URL('.', import.meta.url).pathname;
const repoRoot = join(here, '..');

/** Default cache directory: `node_modules/.cache/unimargin-devnet` (survives `--fresh`). */
export function defaultCacheDir(): string {
  return join(repoRoot, 'node_modules', '.cache', 'unimargin-devnet');
}

function pkgVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'absent';
  }
}

/** Fast and final validator addresses of chain number `c`. */
export function validatorSetsOf(chain: WorldChain, c: number): { fast: Address[]; final: Address[] } {
  return {
    fast: Array.from({ length: chain.fast.size }, (_, j) => devnetAddress(KEY_INDEX.fastValidator(c, j))),
    final: Array.from({ length: chain.final.size }, (_, j) => devnetAddress(KEY_INDEX.finalValidator(c, j))),
  };
}

/** Hub validator addresses. */
export function hubValidatorsOf(world: World): Address[] {
  return Array.from({ length: world.hub.validators }, (_, i) => devnetAddress(KEY_INDEX.hubValidator(i)));
}

/**
 * The cache key: sha256 over the world config (canonical JSON), the generated contract artifacts,
 * the deployment code (this file, `devnet/evm/*`, the key derivation) and the versions of
 * `@hyperlane-xyz/core` and anvil.
 */
export function deploymentCacheKey(world: World): string {
  const h = createHash('sha256');
  h.update(`format ${CACHE_FORMAT}\n`);
  h.update(JSON.stringify(world));
  h.update(`core ${pkgVersion('@hyperlane-xyz/core')} anvil ${pkgVersion('@foundry-rs/anvil')}\n`);
  const files = [
    ...readdirSync(join(repoRoot, 'contracts-abi', 'generated'))
      .sort()
      .map((f) => join(repoRoot, 'contracts-abi', 'generated', f)),
    ...readdirSync(join(repoRoot, 'devnet', 'evm'))
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(repoRoot, 'devnet', 'evm', f)),
    join(here, 'deploy.ts'),
    join(here, 'keys.ts'),
    join(here, 'hubGenesis.ts'),
  ];
  for (const f of files) {
    h.update(`${f.slice(repoRoot.length)}\n`);
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 24);
}

function readEntry(dir: string, key: string, world: World): CacheEntry | undefined {
  const depPath = join(dir, 'deployment.json');
  if (!existsSync(depPath)) return undefined;
  try {
    const deployment = JSON.parse(readFileSync(depPath, 'utf8')) as WorldDeployment;
    if (deployment.format !== CACHE_FORMAT || deployment.cacheKey !== key) return undefined;
    if (Date.now() - deployment.createdAtMs > CACHE_MAX_AGE_MS) return undefined;
    const stateFiles: Record<string, string> = {};
    for (const c of world.chains) {
      const f = join(dir, `${c.name}.state.json`);
      if (!existsSync(f) || statSync(f).size === 0) return undefined;
      stateFiles[c.name] = f;
    }
    const hubTemplate = join(dir, 'hub-template');
    if (!existsSync(join(hubTemplate, 'config', 'genesis.json'))) return undefined;
    return { dir, deployment, stateFiles, hubTemplate, built: false };
  } catch {
    return undefined;
  }
}

/** Options of {@link ensureDeployment}. */
export interface EnsureDeploymentOpts {
  readonly cacheDir?: string;
  /** Ignore an existing entry and deploy again. */
  readonly rebuild?: boolean;
  /** Progress callback per chain deployed (cold only). */
  readonly onChainDeployed?: (name: string, ms: number) => void;
}

/**
 * Returns the cache entry for `world`, deploying it first when missing or stale (cold start):
 * per chain in parallel, an automining anvil dumping to the entry, Hyperlane core (default ISM =
 * the hub's MessageId multisig), our contracts (tokens with real-world decimals, vault, adapter,
 * sample perp and option markets), then stop (anvil writes its state).
 */
export async function ensureDeployment(world: World, opts: EnsureDeploymentOpts = {}): Promise<CacheEntry> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const key = deploymentCacheKey(world);
  const dir = join(cacheDir, key);
  if (opts.rebuild !== true) {
    const hit = readEntry(dir, key, world);
    if (hit !== undefined) return hit;
  }
  // Deployment code loads @hyperlane-xyz/core (ethers 5): only on a cold start.
  const { startEvmChain } = await import('./evm/startEvmChain.ts');
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const hubValidators = hubValidatorsOf(world);
  const deployer = devnetKey(KEY_INDEX.deployer);
  const expirySec = optionExpirySec(Date.now());
  // Marks and strikes in the settlement token (the first token) per whole unit.
  const unit = 10n ** BigInt(world.tokens[0]?.decimals ?? 6);
  try {
    const chains = await Promise.all(
      world.chains.map(async (chain, c): Promise<ChainDeployment> => {
        const t0 = Date.now();
        const sets = validatorSetsOf(chain, c);
        const d = await startEvmChain({
          anvil: {
            chainId: chain.chainId,
            slotsInAnEpoch: chain.slotsInAnEpoch,
            dumpStatePath: join(tmp, `${chain.name}.state.json`),
          },
          domain: chain.domain,
          deployerKey: deployer,
          hub: {
            hubSender: HUB_SENDER,
            hubValidators,
            hubThreshold: world.hub.threshold,
            tokens: world.tokens,
            options: SAMPLE_OPTIONS.map((o) => ({
              name: o.name,
              isCall: o.isCall,
              strike: BigInt(o.strikeUsd) * unit,
              expirySec: BigInt(expirySec),
              premiumMark: BigInt(o.premiumUsd) * unit,
              underlyingPrice: BigInt(o.underlyingUsd) * unit,
            })),
          },
        });
        const instruments: Record<string, DeployedInstrument> = {};
        for (const [name, i] of Object.entries(d.app.instruments)) {
          const o = SAMPLE_OPTIONS.find((x) => x.name === name);
          instruments[name] =
            i.kind === 'perp'
              ? { ...i, underlying: perpUnderlying(name) }
              : {
                  ...i,
                  underlying: o?.underlying ?? 'ETH',
                  strikeUsd: o?.strikeUsd ?? 0,
                  expirySec,
                  isCall: o?.isCall ?? true,
                };
        }
        await d.anvil.stop();
        opts.onChainDeployed?.(chain.name, Date.now() - t0);
        return {
          name: chain.name,
          chainId: chain.chainId,
          domain: chain.domain,
          core: {
            mailbox: d.core.mailbox,
            merkleTreeHook: d.core.merkleTreeHook,
            requiredHook: d.core.requiredHook,
            validatorAnnounce: d.core.validatorAnnounce,
            defaultIsm: d.core.defaultIsm,
            messageIdMultisigIsmFactory: d.core.messageIdMultisigIsmFactory,
            merkleRootMultisigIsmFactory: d.core.merkleRootMultisigIsmFactory,
            deployedAtBlock: Number(d.core.deployedAtBlock),
          },
          app: {
            hubIsm: d.app.hubIsm,
            vault: d.app.vault,
            adapter: d.app.adapter,
            perpMarket: d.app.perpMarket,
            optionMarket: d.app.optionMarket,
            tokens: d.app.tokens,
            tokenDecimals: d.app.tokenDecimals,
            settlementToken: d.app.settlementToken,
            instruments,
          },
          fastValidators: sets.fast,
          finalValidators: sets.final,
        };
      }),
    );
    const deployment: WorldDeployment = {
      format: CACHE_FORMAT,
      cacheKey: key,
      createdAtMs: Date.now(),
      hubValidators,
      hubSender: HUB_SENDER,
      chains,
    };
    writeHubHome(join(tmp, 'hub-template'), world, deployment);
    writeFileSync(join(tmp, 'deployment.json'), `${JSON.stringify(deployment, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const entry = readEntry(dir, key, world);
  if (entry === undefined) throw new Error(`deployment cache ${dir} unreadable right after writing it`);
  return { ...entry, built: true };
}
