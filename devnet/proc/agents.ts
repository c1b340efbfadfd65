/**
 * The devnet's agents process: every validator and the relayer of the devnet, built from
 * `bridge/agents`, in one process (one Node + TypeScript start instead of twenty-odd, which is what
 * keeps `devnet up` within seconds on two cores). Each validator still has its own key, its own
 * checkpoint directory, its own high-water mark and — for hub validators — its own follower node
 * with its own store that re-executes every hub block, so they fail and halt independently.
 *
 * Usage (the devnet starts it): `node --import tsx devnet/proc/agents.ts <home>/agents/config.json`.
 * Serves `GET /status` (JSON), `/metrics` (Prometheus) and `/failures` on 127.0.0.1:`statusPort`.
 * Exits on SIGTERM/SIGINT, or when the supervisor (`parentPid`) is gone.
 */

import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { type Address, createPublicClient, createWalletClient, defineChain, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type AgentChain,
  announcedLocations,
  EvmOriginReader,
  type EvmRoute,
  followerSource,
  type HubApi,
  HubOriginReader,
  hubSignerOf,
  LocalCheckpointStorage,
  loadAgentChain,
  MetricsRegistry,
  Relayer,
  RestHubApi,
  VALIDATOR_ANNOUNCE_ABI,
  Validator,
  writeAnnouncement,
} from '../../bridge/agents/index.ts';
import { addressOfPrivateKey, addressToBytes32, bytesToHex, signAnnouncement } from '../../bridge/index.ts';
import { HUB_DOMAIN, HUB_SENDER } from '../../chain/hyperlane/constants.ts';
import { loadGenesis } from '../../chain/node/home.ts';
import { HubNode } from '../../chain/node/hubNode.ts';
import { openNodeStore } from '../../chain/node/openStore.ts';
import type { AgentsConfig, ValidatorSpec } from '../agentsConfig.ts';

const configPath = process.argv[2];
if (configPath === undefined) {
  process.stderr.write('usage: agents.ts <config.json>\n');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configPath, 'utf8')) as AgentsConfig;
const logger = pino({ level: cfg.logLevel, base: { proc: 'agents' } });

function clientsOf(chain: AgentChain, key?: Hex) {
  const def = defineChain({
    id: Number(chain.metadata.chainId),
    name: chain.metadata.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [chain.metadata.rpcUrls[0]!.http] } },
  });
  const transport = http(chain.metadata.rpcUrls[0]!.http, { retryCount: 2 });
  const publicClient = createPublicClient({ chain: def, transport, pollingInterval: 100 });
  const walletClient =
    key === undefined
      ? undefined
      : createWalletClient({
          chain: def,
          transport,
          account: privateKeyToAccount(key),
          pollingInterval: 100,
        });
  return { publicClient, walletClient };
}

const chains = new Map<string, AgentChain>();
for (const name of cfg.chains) chains.set(name, loadAgentChain(cfg.registryDir, name));

/**
 * Announces every EVM validator's storage location that the chain's ValidatorAnnounce does not list
 * yet: all txs of a chain are sent at once with consecutive nonces (one block instead of one per
 * validator), then awaited.
 */
async function announceAll(specs: readonly ValidatorSpec[]): Promise<void> {
  await Promise.all(
    cfg.chains.map(async (name) => {
      const chain = chains.get(name)!;
      const mine = specs.filter((s) => s.origin === name);
      if (mine.length === 0) return;
      const { publicClient, walletClient } = clientsOf(chain, cfg.gasPayerKey);
      const va = chain.addresses.validatorAnnounce as Address;
      const storages = mine.map((s) => new LocalCheckpointStorage(join(s.dir, 'checkpoints')).ensure());
      const known = await announcedLocations(
        publicClient,
        va,
        mine.map((s) => addressOfPrivateKey(s.privateKey)),
      );
      let nonce = await publicClient.getTransactionCount({
        address: walletClient!.account.address,
        blockTag: 'pending',
      });
      const hashes: Hex[] = [];
      for (let i = 0; i < mine.length; i++) {
        const s = mine[i]!;
        const storage = storages[i]!;
        writeAnnouncement({
          privateKey: s.privateKey,
          storage,
          domain: chain.metadata.domainId,
          mailbox: chain.addresses.mailbox as Hex,
        });
        const validator = addressOfPrivateKey(s.privateKey);
        if ((known.get(validator) ?? []).includes(storage.location)) continue;
        const sig = signAnnouncement(
          s.privateKey,
          chain.metadata.domainId,
          addressToBytes32(chain.addresses.mailbox as Hex),
          storage.location,
        );
        hashes.push(
          await walletClient!.writeContract({
            address: va,
            abi: VALIDATOR_ANNOUNCE_ABI,
            functionName: 'announce',
            args: [validator, storage.location, bytesToHex(sig)],
            nonce: nonce++,
          }),
        );
      }
      for (const hash of hashes) {
        const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
        if (r.status !== 'success')
          throw new Error(`ValidatorAnnounce.announce on ${name} reverted (${hash})`);
      }
    }),
  );
}

interface Running {
  spec: ValidatorSpec;
  validator: Validator;
  follower?: HubNode;
  close?: () => Promise<void>;
}

async function startValidator(spec: ValidatorSpec): Promise<Running> {
  mkdirSync(spec.dir, { recursive: true });
  const storage = new LocalCheckpointStorage(join(spec.dir, 'checkpoints')).ensure();
  if (spec.tier === 'hub') {
    const store = await openNodeStore(join(spec.dir, 'data'));
    const follower = await HubNode.open({
      genesis: loadGenesis(cfg.hubGenesisPath),
      store,
      logger: logger.child({ follower: spec.name }, { level: 'warn' }),
      follow: cfg.hubUrl,
      blockTimeMs: cfg.hubBlockTimeMs,
      sigThreads: 1,
    });
    follower.start();
    writeAnnouncement({ privateKey: spec.privateKey, storage, domain: HUB_DOMAIN, mailbox: HUB_SENDER });
    const validator = new Validator({
      reader: new HubOriginReader(followerSource(follower)),
      privateKey: spec.privateKey,
      storage,
      highWaterMarkPath: join(spec.dir, 'hwm.json'),
      logger: logger.child({ validator: spec.name }),
      pollMs: spec.pollMs,
      gitSha: 'devnet',
    });
    validator.start();
    return {
      spec,
      validator,
      follower,
      close: async () => {
        await follower.stop();
        await store.close();
      },
    };
  }
  const chain = chains.get(spec.origin);
  if (chain === undefined) throw new Error(`validator ${spec.name}: unknown origin ${spec.origin}`);
  const { publicClient } = clientsOf(chain);
  const from = (chain.metadata.index as { from?: number } | undefined)?.from;
  const validator = new Validator({
    reader: new EvmOriginReader({
      client: publicClient,
      domain: chain.metadata.domainId,
      merkleTreeHook: chain.addresses.merkleTreeHook as Address,
      reorgPeriod: spec.reorgPeriod,
      ...(from === undefined ? {} : { fromBlock: BigInt(from) }),
    }),
    privateKey: spec.privateKey,
    storage,
    highWaterMarkPath: join(spec.dir, 'hwm.json'),
    logger: logger.child({ validator: spec.name }),
    pollMs: spec.pollMs,
    gitSha: 'devnet',
  });
  validator.start();
  return { spec, validator };
}

// A seeded generator (mulberry32) for the chaos delays: the same seed replays the same schedule.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A HubApi that waits a random time before each broadcast (chaos: late and reordered deliveries). */
function delayedHubApi(inner: HubApi, maxDelayMs: number, rand: () => number): HubApi {
  // A proxy, so every other method of the interface passes through unchanged as it grows.
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'broadcastTxSync') {
        return async (tx: Uint8Array) => {
          await new Promise((r) => setTimeout(r, Math.floor(rand() * maxDelayMs)));
          return target.broadcastTxSync(tx);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function startRelayer(
  key: Hex,
  dataDir: string,
  pollMs: number,
  hubValidatorLocations: Map<string, string>,
  metrics: MetricsRegistry,
  hub: HubApi,
  name: string,
): Relayer {
  mkdirSync(dataDir, { recursive: true });
  const evm: EvmRoute[] = cfg.chains.map((n) => {
    const chain = chains.get(n)!;
    const { publicClient, walletClient } = clientsOf(chain, key);
    return { chain, client: publicClient, ...(walletClient === undefined ? {} : { wallet: walletClient }) };
  });
  const relayer = new Relayer({
    hub,
    hubSigner: hubSignerOf(key),
    hubValidatorLocations,
    evm: evm as EvmRoute[],
    dataDir,
    logger: logger.child({ relayer: name }),
    metrics,
    pollMs,
    // Validators write a checkpoint within one poll of theirs: look again as often as we poll.
    awaitSignaturesMs: pollMs,
  });
  relayer.start();
  return relayer;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const evmSpecs = cfg.validators.filter((v) => v.tier !== 'hub');
  await announceAll(evmSpecs);
  const running: Running[] = [];
  for (const spec of cfg.validators) running.push(await startValidator(spec));
  const hubValidatorLocations = new Map<string, string>();
  for (const r of running) {
    if (r.spec.tier === 'hub') {
      hubValidatorLocations.set(
        addressOfPrivateKey(r.spec.privateKey).toLowerCase(),
        new LocalCheckpointStorage(join(r.spec.dir, 'checkpoints')).location,
      );
    }
  }
  const metrics = new MetricsRegistry();
  const relayers: { name: string; relayer: Relayer }[] = [];
  if (cfg.relayer !== undefined) {
    const rest = new RestHubApi(cfg.hubUrl);
    const rand = cfg.chaos === undefined ? undefined : mulberry32(cfg.chaos.seed);
    const hub =
      cfg.chaos === undefined || rand === undefined ? rest : delayedHubApi(rest, cfg.chaos.maxDelayMs, rand);
    relayers.push({
      name: 'relayer',
      relayer: startRelayer(
        cfg.relayer.privateKey,
        cfg.relayer.dataDir,
        cfg.relayer.pollMs,
        hubValidatorLocations,
        metrics,
        hub,
        'relayer',
      ),
    });
    if (cfg.chaos !== undefined && rand !== undefined) {
      relayers.push({
        name: 'racer',
        relayer: startRelayer(
          cfg.chaos.racerPrivateKey,
          cfg.chaos.racerDataDir,
          cfg.relayer.pollMs,
          hubValidatorLocations,
          new MetricsRegistry(),
          delayedHubApi(new RestHubApi(cfg.hubUrl), cfg.chaos.maxDelayMs, rand),
          'racer',
        ),
      });
    }
  }

  const status = () => ({
    pid: process.pid,
    uptimeMs: Date.now() - t0,
    validators: running.map((r) => ({
      name: r.spec.name,
      origin: r.spec.origin,
      tier: r.spec.tier,
      address: r.validator.address,
      location: new LocalCheckpointStorage(join(r.spec.dir, 'checkpoints')).location,
      count: r.validator.count,
      stats: { ...r.validator.stats, lastTarget: r.validator.stats.lastTarget.toString() },
      halted: r.validator.halted ?? null,
      followerHeight: r.follower?.height.toString() ?? null,
      followerError: r.follower?.followError?.message ?? null,
    })),
    relayers: relayers.map(({ name, relayer }) => ({
      name,
      idle: relayer.idle,
      lanes: relayer.status(),
      failures: relayer.failures.length,
    })),
  });
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/status') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(status()));
    } else if (url === '/metrics') {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(metrics.render());
    } else if (url === '/failures') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(relayers.map(({ name, relayer }) => ({ name, failures: relayer.failures }))));
    } else {
      res.statusCode = 404;
      res.end('{"error":{"code":"NOT_FOUND","message":"try /status, /metrics or /failures"}}');
    }
  });
  await new Promise<void>((resolve) => server.listen(cfg.statusPort, '127.0.0.1', resolve));
  logger.info({ ms: Date.now() - t0, validators: running.length, relayers: relayers.length }, 'agents ready');

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server.close();
    await Promise.allSettled(relayers.map((r) => r.relayer.stop()));
    await Promise.allSettled(running.map((r) => r.validator.stop()));
    await Promise.allSettled(running.map((r) => r.close?.() ?? Promise.resolve()));
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  setInterval(() => {
    try {
      process.kill(cfg.parentPid, 0);
    } catch {
      logger.warn({ parentPid: cfg.parentPid }, 'supervisor gone; stopping');
      void shutdown(0);
    }
  }, 1000).unref();
}

main().catch((e: unknown) => {
  logger.fatal({ err: e instanceof Error ? e.stack : String(e) }, 'agents failed to start');
  process.exit(1);
});
