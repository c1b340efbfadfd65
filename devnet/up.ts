/**
 * `unimargin devnet up`: from nothing (or a cached deployment) to a live three-chain world with the
 * hub, its validators, per-chain fast and final validators, a relayer and an oracle feeder, every
 * process tracked by PID in `<home>/devnet.pids.json`.
 *
 * Order (each line of progress is one of these, with its duration):
 * 1. refuse if this home's pid file lists a live process of ours; `fresh` wipes the home;
 * 2. the deployment cache (cold: deploy on throw-away anvils; warm: reuse, `devnet/deploy.ts`);
 * 3. resume the home's own world (its anvil dumps, hub data and agent state) when it was built from
 *    the same cache entry, else lay out a fresh one (hub genesis with the bridge section);
 * 4. ports, the registry files, the agent and oracle configs;
 * 5. start together: the hub node (`bin/unimargin start`), the three anvils (`--load-state`,
 *    interval mining, `--slots-in-an-epoch`), the agents process, the oracle feeder;
 * 6. wait for each to answer; write `<home>/world.json`; print the summary.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Address, Hex } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { bech32FromPubKey, secp } from '../chain/crypto.ts';
import { HUB_DOMAIN, HUB_SENDER, HUB_TREE_HOOK } from '../chain/hyperlane/constants.ts';
import type { AgentsConfig, ChaosSpec, ValidatorSpec } from './agentsConfig.ts';
import { type CacheEntry, ensureDeployment, type WorldDeployment } from './deploy.ts';
import { DevnetError } from './errors.ts';
import { type AnvilChain, findFreePort, startAnvil } from './evm/anvil.ts';
import { copyHubTemplate } from './hubGenesis.ts';
import { devnetAddress, devnetKey, KEY_INDEX } from './keys.ts';
import type { OracleConfig } from './proc/oracle.ts';
import {
  isAlive,
  isOurs,
  readPidFile,
  removePidFile,
  spawnTracked,
  stopTracked,
  type TrackedProcess,
  writePidFile,
} from './processes.ts';
import { evmChainMetadata, hubChainMetadata, type RegistryEntry, writeRegistry } from './registry.ts';
import { DEVNET_WORLD, type World } from './world.ts';

const repoRoot = join(new URL('.', import.meta.url).pathname, '..');

/** Options of {@link devnetUp}. */
export interface DevnetUpOpts {
  /** Devnet home (default `./.devnet`). */
  readonly home?: string;
  /** Wipe the home first (the deployment cache survives). */
  readonly fresh?: boolean;
  /**
   * `default`: the well-known ports (hub 26657, anvils 8545–8547), a free one where taken;
   * `auto`: free ports everywhere (tests).
   */
  readonly ports?: 'default' | 'auto';
  readonly world?: World;
  readonly cacheDir?: string;
  /** Redeploy even when the cache has an entry. */
  readonly rebuildCache?: boolean;
  /** Progress and summary lines (default: stdout). */
  readonly print?: (line: string) => void;
  /** Pino level of the child processes (default `warn`). */
  readonly logLevel?: string;
  /** Chaos relayer settings (the `chaos` scenario). */
  readonly chaos?: { readonly seed: number; readonly maxDelayMs: number };
  /** Readiness timeout, ms (default 60 000). */
  readonly readyTimeoutMs?: number;
}

/** One EVM chain as running. */
export interface RunningChain {
  readonly name: string;
  readonly chainId: number;
  readonly domain: number;
  readonly rpcUrl: string;
  readonly pid: number;
}

/** `<home>/world.json`: what CLI helpers and scenarios read about a running devnet. */
export interface WorldFile {
  readonly home: string;
  readonly cacheKey: string;
  readonly hub: {
    readonly url: string;
    readonly chainId: string;
    readonly domain: number;
    readonly home: string;
    readonly dashboard: string;
  };
  readonly chains: readonly (RunningChain & { readonly deployment: WorldDeployment['chains'][number] })[];
  readonly agents: {
    readonly statusUrl: string;
    readonly validators: readonly { name: string; address: Address }[];
  };
  readonly oracle: { readonly url: string; readonly signers: readonly Address[] };
  readonly relayer: { readonly evm: Address };
  readonly registryDir: string;
  readonly tokens: World['tokens'];
}

/** A running devnet. */
export interface DevnetHandle {
  readonly home: string;
  readonly world: WorldFile;
  /** Every process started, in start order (PIDs). */
  readonly processes: readonly TrackedProcess[];
  /** Per-step durations, ms. */
  readonly timings: readonly { readonly step: string; readonly ms: number }[];
  /** Start → ready, ms. */
  readonly readyMs: number;
  /** Whether the deployment was built (cold) or taken from the cache (warm), and whether the home resumed. */
  readonly cold: boolean;
  readonly resumed: boolean;
  /** The summary (endpoints, accounts, contract addresses). */
  summary(): string;
  /** Resolves when a process exits while the devnet is up (its role and exit code). */
  readonly exited: Promise<{ role: string; code: number | null }>;
  /** Stops every process this devnet started (by PID), in reverse order; idempotent. */
  stop(): Promise<void>;
}

/** The hub (bech32) address of a key. */
function hubAddressOf(key: Hex): string {
  return bech32FromPubKey(secp.publicKeyCreate(Buffer.from(key.slice(2), 'hex'), true));
}

const ms = (t: number) => `${(t / 1000).toFixed(2)}s`;

async function pickPort(preferred: number | undefined, taken: Set<number>): Promise<number> {
  if (preferred !== undefined && !taken.has(preferred)) {
    const free = await new Promise<boolean>((res) => {
      import('node:net').then(({ createServer }) => {
        const s = createServer();
        s.once('error', () => res(false));
        s.listen(preferred, '127.0.0.1', () => s.close(() => res(true)));
      });
    });
    if (free) {
      taken.add(preferred);
      return preferred;
    }
  }
  for (;;) {
    const p = await findFreePort();
    if (!taken.has(p)) {
      taken.add(p);
      return p;
    }
  }
}

async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  abort: () => string | undefined,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const why = abort();
    if (why !== undefined) throw new DevnetError('DEVNET_PROCESS_EXITED', `${what}: ${why}`, { what });
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new DevnetError('DEVNET_TIMEOUT', `${what} not ready after ${timeoutMs} ms`, { what, timeoutMs });
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
  if (!r.ok) return undefined;
  return await r.json();
}

function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** The option expiries (unix s, ascending) listed for `underlying` on any chain of a deployment. */
export function optionExpiries(deployment: WorldDeployment, underlying: string): number[] {
  const out = new Set<number>();
  for (const c of deployment.chains)
    for (const i of Object.values(c.app.instruments))
      if (i.kind === 'option' && i.underlying === underlying && i.expirySec !== undefined)
        out.add(i.expirySec);
  return [...out].sort((a, b) => a - b);
}

/** Default devnet home: `./.devnet` of the current directory. */
export function defaultDevnetHome(): string {
  return resolve('.devnet');
}

/**
 * Brings the devnet up and resolves once every process answers ("ready"). Throws — after stopping
 * whatever it started — when a process exits or a step times out.
 */
export async function devnetUp(opts: DevnetUpOpts = {}): Promise<DevnetHandle> {
  const t0 = Date.now();
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const world = opts.world ?? DEVNET_WORLD;
  const home = resolve(opts.home ?? defaultDevnetHome());
  const timings: { step: string; ms: number }[] = [];
  let last = t0;
  const step = (name: string, detail = '') => {
    const now = Date.now();
    timings.push({ step: name, ms: now - last });
    print(`[${ms(now - t0).padStart(6)}] ✓ ${name}${detail ? ` — ${detail}` : ''} (${ms(now - last)})`);
    last = now;
  };

  // 1. One devnet per home.
  const prior = readPidFile(home);
  if (prior !== undefined) {
    const live = prior.processes.filter((p) => isOurs(p));
    if (live.length > 0) {
      throw new DevnetError(
        'DEVNET_ALREADY_RUNNING',
        `home ${home} has live devnet processes (${live.map((p) => `${p.role} pid ${p.pid}`).join(', ')}); run 'unimargin devnet down --home ${home}' first`,
        { home, pids: live.map((p) => p.pid).join(',') },
      );
    }
    removePidFile(home);
  }
  if (opts.fresh === true) rmSync(home, { recursive: true, force: true });
  mkdirSync(join(home, 'logs'), { recursive: true });

  // 2. Deployment cache.
  const cache: CacheEntry = await ensureDeployment(world, {
    ...(opts.cacheDir === undefined ? {} : { cacheDir: opts.cacheDir }),
    ...(opts.rebuildCache === true ? { rebuild: true } : {}),
    onChainDeployed: (name, t) =>
      print(`         · deployed Hyperlane core + unimargin contracts on ${name} (${ms(t)})`),
  });
  step(
    cache.built ? 'deployed the world (cold start)' : 'deployment cache hit (warm start)',
    `cache ${cache.deployment.cacheKey}`,
  );

  // 3. Resume or lay out fresh.
  const worldPath = join(home, 'world.json');
  const hubHome = join(home, 'hub');
  const dumpOf = (name: string) => join(home, 'chains', name, 'anvil-state.json');
  let resumed = false;
  if (existsSync(worldPath)) {
    try {
      const prev = JSON.parse(readFileSync(worldPath, 'utf8')) as WorldFile;
      resumed =
        prev.cacheKey === cache.deployment.cacheKey &&
        world.chains.every((c) => existsSync(dumpOf(c.name))) &&
        existsSync(join(hubHome, 'data')) &&
        existsSync(join(hubHome, 'config', 'genesis.json'));
    } catch {
      resumed = false;
    }
  }
  if (!resumed) {
    for (const d of ['chains', 'hub', 'agents', 'oracle', 'registry'])
      rmSync(join(home, d), { recursive: true, force: true });
    copyHubTemplate(cache.hubTemplate, hubHome, Date.now());
  }
  for (const c of world.chains) mkdirSync(join(home, 'chains', c.name), { recursive: true });
  step(
    resumed
      ? 'resuming this home’s chains, hub and agents'
      : 'fresh home: hub genesis with bridge, margin and oracle sections',
    home,
  );

  // 4. Ports, registry, configs.
  const taken = new Set<number>();
  const preferred = (p: number) => (opts.ports === 'auto' ? undefined : p);
  const hubPort = await pickPort(preferred(world.hub.defaultPort), taken);
  const chainPorts = new Map<string, number>();
  for (const c of world.chains) chainPorts.set(c.name, await pickPort(preferred(c.defaultPort), taken));
  const agentsPort = await pickPort(preferred(26690), taken);
  const oraclePort = await pickPort(preferred(26691), taken);
  const hubUrl = `http://127.0.0.1:${hubPort}`;

  // 5. Start: the hub first (its start is the longest), then the rest once configs are written.
  const tracked: TrackedProcess[] = [];
  const children = new Map<string, ChildProcess>();
  const anvils: AnvilChain[] = [];
  let stopping = false;
  let exitedReason: string | undefined;
  let onExit: (v: { role: string; code: number | null }) => void = () => {};
  const exited = new Promise<{ role: string; code: number | null }>((r) => {
    onExit = r;
  });
  const record = (p: TrackedProcess) => {
    tracked.push(p);
    writePidFile(home, [
      {
        role: 'supervisor',
        pid: process.pid,
        marker: String(process.pid),
        command: process.argv.join(' '),
        startedAtMs: t0,
      },
      ...tracked,
    ]);
  };
  const watch = (role: string, child: ChildProcess, log: string) => {
    children.set(role, child);
    child.once('exit', (code) => {
      if (stopping) return;
      exitedReason ??= `${role} exited with code ${code}; see ${log}`;
      onExit({ role, code });
    });
  };
  let anvilWatch: NodeJS.Timeout | undefined;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(anvilWatch);
    // Reverse start order: feeders and agents first, the hub, then the chains (which dump their state).
    const order = [...tracked].reverse().filter((p) => !p.role.startsWith('anvil:'));
    for (const p of order) await stopTracked(p);
    await Promise.all(anvils.map((a) => a.stop()));
    for (const p of tracked) if (p.role.startsWith('anvil:')) await stopTracked(p);
    removePidFile(home);
  };

  const logPath = (n: string) => join(home, 'logs', `${n}.log`);
  const node = process.execPath;
  const hub = spawnTracked({
    role: 'hub',
    command: node,
    args: [
      join(repoRoot, 'bin', 'unimargin'),
      'start',
      '--home',
      hubHome,
      '--rpc-port',
      String(hubPort),
      '--block-time-ms',
      String(world.hub.blockTimeMs),
      '--sig-threads',
      '1',
      '--log-level',
      opts.logLevel ?? 'warn',
    ],
    marker: home,
    logPath: logPath('hub'),
    // The dashboard lists the registry's chains so the page can show messages not yet delivered.
    env: { ...process.env, UNIMARGIN_REGISTRY: join(home, 'registry') },
  });
  record(hub.record);
  watch('hub', hub.child, logPath('hub'));

  // From here on, any failure stops what was started before it propagates.
  let worldFile: WorldFile;
  try {
    const genesisJson = JSON.parse(readFileSync(join(hubHome, 'config', 'genesis.json'), 'utf8')) as {
      chain_id: string;
      oracle?: unknown;
    };
    const registryDir = join(home, 'registry');
    const entries: RegistryEntry[] = world.chains.map((c) => {
      const d = cache.deployment.chains.find((x) => x.name === c.name)!;
      return {
        metadata: evmChainMetadata(c, `http://127.0.0.1:${chainPorts.get(c.name)!}`, d.core.deployedAtBlock),
        addresses: {
          mailbox: d.core.mailbox,
          merkleTreeHook: d.core.merkleTreeHook,
          validatorAnnounce: d.core.validatorAnnounce,
          interchainSecurityModule: d.core.defaultIsm,
          staticMessageIdMultisigIsmFactory: d.core.messageIdMultisigIsmFactory,
          staticMerkleRootMultisigIsmFactory: d.core.merkleRootMultisigIsmFactory,
          protocolFee: d.core.requiredHook,
          unimarginHubIsm: d.app.hubIsm,
          unimarginVault: d.app.vault,
          unimarginPositionAdapter: d.app.adapter,
          samplePerpMarket: d.app.perpMarket,
          sampleOptionMarket: d.app.optionMarket,
          ...Object.fromEntries(Object.entries(d.app.tokens).map(([s, a]) => [`token${s}`, a])),
        },
      };
    });
    entries.push({
      metadata: hubChainMetadata(hubUrl, genesisJson.chain_id, HUB_DOMAIN),
      addresses: { mailbox: HUB_SENDER, merkleTreeHook: HUB_TREE_HOOK },
    });
    writeRegistry(registryDir, entries);

    const validators: ValidatorSpec[] = [];
    for (let i = 0; i < world.hub.validators; i++) {
      validators.push({
        name: `hub-${i}`,
        origin: 'hub',
        tier: 'hub',
        privateKey: devnetKey(KEY_INDEX.hubValidator(i)),
        dir: join(home, 'agents', 'validators', `hub-${i}`),
        reorgPeriod: 0,
        pollMs: 200,
      });
    }
    world.chains.forEach((c, ci) => {
      for (let j = 0; j < c.fast.size; j++) {
        validators.push({
          name: `${c.name}-fast-${j}`,
          origin: c.name,
          tier: 'fast',
          privateKey: devnetKey(KEY_INDEX.fastValidator(ci, j)),
          dir: join(home, 'agents', 'validators', `${c.name}-fast-${j}`),
          reorgPeriod: c.fastReorgPeriod,
          pollMs: 150,
        });
      }
      for (let j = 0; j < c.final.size; j++) {
        validators.push({
          name: `${c.name}-final-${j}`,
          origin: c.name,
          tier: 'final',
          privateKey: devnetKey(KEY_INDEX.finalValidator(ci, j)),
          dir: join(home, 'agents', 'validators', `${c.name}-final-${j}`),
          reorgPeriod: 'finalized',
          pollMs: 500,
        });
      }
    });
    const chaos: ChaosSpec | undefined =
      opts.chaos === undefined
        ? undefined
        : {
            seed: opts.chaos.seed,
            maxDelayMs: opts.chaos.maxDelayMs,
            racerPrivateKey: devnetKey(KEY_INDEX.lastTrader),
            racerDataDir: join(home, 'agents', 'racer'),
          };
    const agentsConfig: AgentsConfig = {
      home,
      hubUrl,
      hubGenesisPath: join(hubHome, 'config', 'genesis.json'),
      hubBlockTimeMs: world.hub.blockTimeMs,
      registryDir,
      chains: world.chains.map((c) => c.name),
      gasPayerKey: devnetKey(KEY_INDEX.gasPayer),
      validators,
      relayer: {
        privateKey: devnetKey(KEY_INDEX.relayer),
        dataDir: join(home, 'agents', 'relayer'),
        pollMs: 200,
      },
      ...(chaos === undefined ? {} : { chaos }),
      statusPort: agentsPort,
      parentPid: process.pid,
      logLevel: opts.logLevel ?? 'warn',
    };
    mkdirSync(join(home, 'agents'), { recursive: true });
    const agentsConfigPath = join(home, 'agents', 'config.json');
    writeFileSync(agentsConfigPath, `${JSON.stringify(agentsConfig, null, 2)}\n`);
    const oracleSigners = Array.from({ length: world.oracle.signers }, (_, k) =>
      devnetKey(KEY_INDEX.oracleSigner(k)),
    );
    const oracleConfig: OracleConfig = {
      home,
      chainId: genesisJson.chain_id,
      hubUrl,
      submitterKey: devnetKey(KEY_INDEX.gasPayer),
      submitterAddress: hubAddressOf(devnetKey(KEY_INDEX.gasPayer)),
      authorityKey: devnetKey(KEY_INDEX.deployer),
      authorityAddress: hubAddressOf(devnetKey(KEY_INDEX.deployer)),
      signerKeys: oracleSigners,
      committee: world.oracle.committee,
      intervalMs: world.oracle.intervalMs,
      seed: world.oracle.seed,
      // The sample markets' prices (ETH-PERP 3000, BTC-PERP 60 000); per underlying, every option
      // expiry the deployment listed (forward, rate and smile until it, its settlement price after).
      underlyings: [
        { symbol: 'ETH', startUsd: 3000, vol: 0.6, expiriesSec: optionExpiries(cache.deployment, 'ETH') },
        { symbol: 'BTC', startUsd: 60_000, vol: 0.5, expiriesSec: optionExpiries(cache.deployment, 'BTC') },
      ],
      // The devnet genesis carries the committee; a home without it gets it from the feeder.
      configureCommittee: genesisJson.oracle === undefined,
      outDir: join(home, 'oracle'),
      port: oraclePort,
      parentPid: process.pid,
    };
    mkdirSync(join(home, 'oracle'), { recursive: true });
    const oracleConfigPath = join(home, 'oracle', 'config.json');
    writeFileSync(oracleConfigPath, `${JSON.stringify(oracleConfig, null, 2)}\n`);
    step('registry, agent and oracle configs', `${registryDir}`);

    const loader = tsxLoaderUrl();
    const agents = spawnTracked({
      role: 'agents',
      command: node,
      args: ['--import', loader, join(repoRoot, 'devnet', 'proc', 'agents.ts'), agentsConfigPath],
      marker: home,
      logPath: logPath('agents'),
    });
    record(agents.record);
    watch('agents', agents.child, logPath('agents'));
    const oracle = spawnTracked({
      role: 'oracle',
      command: node,
      args: ['--import', loader, join(repoRoot, 'devnet', 'proc', 'oracle.ts'), oracleConfigPath],
      marker: home,
      logPath: logPath('oracle'),
    });
    record(oracle.record);
    watch('oracle', oracle.child, logPath('oracle'));

    anvilWatch = setInterval(() => {
      if (stopping) return;
      for (const a of anvils) {
        if (!isAlive(a.pid)) {
          const role = `anvil:${world.chains.find((c) => c.chainId === a.chainId)?.name ?? a.chainId}`;
          exitedReason ??= `${role} (pid ${a.pid}) exited`;
          onExit({ role, code: null });
        }
      }
    }, 1000);
    anvilWatch.unref();

    {
      const started = await Promise.all(
        world.chains.map(async (c) => {
          const a = await startAnvil({
            chainId: c.chainId,
            port: chainPorts.get(c.name)!,
            slotsInAnEpoch: c.slotsInAnEpoch,
            blockTimeS: c.blockTimeS,
            loadStatePath: resumed ? dumpOf(c.name) : cache.stateFiles[c.name]!,
            dumpStatePath: dumpOf(c.name),
          });
          anvils.push(a);
          record({
            role: `anvil:${c.name}`,
            pid: a.pid,
            marker: home,
            command: `anvil --port ${a.port} --chain-id ${c.chainId} --dump-state ${dumpOf(c.name)}`,
            startedAtMs: Date.now(),
          });
          return { c, a };
        }),
      );
      step(
        'anvil chains',
        started
          .map(({ c, a }) => `${c.name} :${a.port} (chain ${c.chainId}, ${c.blockTimeS}s blocks)`)
          .join(', '),
      );

      const timeout = opts.readyTimeoutMs ?? 60_000;
      const abort = () => exitedReason;
      await waitUntil(
        'hub node',
        async () => {
          const s = (await getJson(`${hubUrl}/v1/status`)) as { height?: string } | undefined;
          return s !== undefined && BigInt(s.height ?? '0') >= 1n ? s : undefined;
        },
        timeout,
        abort,
      );
      step('hub node', `${hubUrl} (pid ${hub.record.pid})`);
      await waitUntil(
        'agents',
        async () => {
          const s = (await getJson(`http://127.0.0.1:${agentsPort}/status`)) as
            | { validators: unknown[]; relayers: unknown[] }
            | undefined;
          return s !== undefined && s.validators.length === validators.length ? s : undefined;
        },
        timeout,
        abort,
      );
      step(
        'validators and relayer',
        `${validators.length} validators, ${chaos ? 2 : 1} relayer(s) (pid ${agents.record.pid})`,
      );
      await waitUntil(
        'oracle feeder',
        async () => {
          const s = (await getJson(`http://127.0.0.1:${oraclePort}/status`)) as
            | { submitted?: number }
            | undefined;
          return s !== undefined && (s.submitted ?? 0) >= 1 ? s : undefined;
        },
        timeout,
        abort,
      );
      step('oracle feeder', `${world.oracle.signers} signers (pid ${oracle.record.pid})`);
    }

    worldFile = {
      home,
      cacheKey: cache.deployment.cacheKey,
      hub: {
        url: hubUrl,
        chainId: genesisJson.chain_id,
        domain: HUB_DOMAIN,
        home: hubHome,
        dashboard: `${hubUrl}/dashboard`,
      },
      chains: world.chains.map((c) => {
        const a = anvils.find((x) => x.chainId === c.chainId)!;
        return {
          name: c.name,
          chainId: c.chainId,
          domain: c.domain,
          rpcUrl: a.rpcUrl,
          pid: a.pid,
          deployment: cache.deployment.chains.find((d) => d.name === c.name)!,
        };
      }),
      agents: {
        statusUrl: `http://127.0.0.1:${agentsPort}/status`,
        validators: validators.map((v) => ({ name: v.name, address: privateKeyToAddress(v.privateKey) })),
      },
      oracle: {
        url: `http://127.0.0.1:${oraclePort}`,
        signers: Array.from({ length: world.oracle.signers }, (_, k) =>
          devnetAddress(KEY_INDEX.oracleSigner(k)),
        ),
      },
      relayer: { evm: devnetAddress(KEY_INDEX.relayer) },
      registryDir,
      tokens: world.tokens,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
  writeFileSync(worldPath, `${JSON.stringify(worldFile, null, 2)}\n`);
  const readyMs = Date.now() - t0;
  print(`[${ms(readyMs).padStart(6)}] ready (${cache.built ? 'cold' : 'warm'}${resumed ? ', resumed' : ''})`);

  return {
    home,
    world: worldFile,
    processes: tracked,
    timings,
    readyMs,
    cold: cache.built,
    resumed,
    summary: () => renderSummary(worldFile, tracked),
    exited,
    stop: stopAll,
  };
}

/** The human summary: endpoints, accounts, contract addresses, processes, files. */
export function renderSummary(w: WorldFile, processes: readonly TrackedProcess[]): string {
  const lines: string[] = [];
  lines.push('', 'unimargin devnet', '');
  lines.push('Endpoints');
  lines.push(`  hub RPC/REST     ${w.hub.url}   (chain id ${w.hub.chainId}, domain ${w.hub.domain} "UMRG")`);
  lines.push(`  hub WebSocket    ${w.hub.url.replace(/^http/, 'ws')}/websocket`);
  lines.push(`  dashboard        ${w.hub.dashboard}`);
  for (const c of w.chains) {
    lines.push(`  ${c.name.padEnd(16)} ${c.rpcUrl}   (chain id ${c.chainId}, domain ${c.domain})`);
  }
  lines.push(`  agents status    ${w.agents.statusUrl}`);
  lines.push(`  oracle feed      ${w.oracle.url}/latest`);
  lines.push('', "Accounts (test mnemonic m/44'/60'/0'/0/i; the same key on every chain and the hub)");
  for (const i of [0, 1, 2, 3]) {
    lines.push(`  key ${i}  ${devnetAddress(i)}  ${i === 0 ? '(deployer, hub authority)' : '(trader)'}`);
  }
  lines.push(`  key 9  ${w.relayer.evm}  (relayer)`);
  lines.push('', 'Contracts');
  for (const c of w.chains) {
    const d = c.deployment;
    lines.push(`  ${c.name}`);
    lines.push(`    Mailbox ${d.core.mailbox}   MerkleTreeHook ${d.core.merkleTreeHook}`);
    lines.push(`    MarginVault ${d.app.vault}   PositionAdapter ${d.app.adapter}   hub ISM ${d.app.hubIsm}`);
    lines.push(
      `    markets: perp ${d.app.perpMarket} (${Object.entries(d.app.instruments)
        .filter(([, v]) => v.kind === 'perp')
        .map(([k]) => k)
        .join(', ')}), options ${d.app.optionMarket}`,
    );
    lines.push(
      `    tokens: ${Object.entries(d.app.tokens)
        .map(([s, a]) => `${s} ${a} (${d.app.tokenDecimals[s]} dp)`)
        .join(', ')}`,
    );
  }
  lines.push('', 'Processes (stop with Ctrl-C or `unimargin devnet down`)');
  for (const p of processes)
    lines.push(`  ${p.role.padEnd(14)} pid ${p.pid}${p.log ? `   log ${p.log}` : ''}`);
  lines.push('', `Registry ${w.registryDir}/chains/<name>/metadata.yaml`);
  lines.push(
    'Try: unimargin devnet deposit --chain ethdev --token USDC --amount 5000 --key-index 1',
    '     unimargin devnet allowance --chain ethdev --amount-usd 800 --key-index 1',
    '     unimargin devnet open --chain ethdev --instrument ETH-PERP --size 2 --key-index 1',
    '     unimargin devnet scenario hedge | crash | reorg',
    '',
  );
  return lines.join('\n');
}
