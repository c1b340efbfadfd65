/**
 * The agent commands of the `unimargin` CLI: `validator`, `relayer` and `relay <message id>`.
 * `bin/unimargin.ts` calls {@link runAgentsCli} with the arguments after the program name
 * (`['validator', '--origin', 'anvil1', …]`). Argument parsing only; the agents live in
 * `bridge/agents/`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Hex } from 'viem';
import {
  type AgentChain,
  announceOnEvm,
  EvmOriginReader,
  type EvmRoute,
  followerSource,
  HubOriginReader,
  hubSignerOf,
  LocalCheckpointStorage,
  loadAgentChain,
  type OriginReader,
  Relayer,
  RestHubApi,
  relayMessage,
  reorgPeriodOf,
  rpcUrlOf,
  startRelayerServer,
  Validator,
  writeAnnouncement,
} from '../bridge/agents/index.ts';
import { HUB_SENDER } from '../chain/hyperlane/constants.ts';
import { loadGenesis } from '../chain/node/home.ts';
import { HubNode } from '../chain/node/hubNode.ts';
import { openNodeStore } from '../chain/node/openStore.ts';
import { createEvmClients } from '../devnet/evm/clients.ts';

/** --help texts of the agent commands. */
export const AGENTS_HELP: Readonly<Record<'validator' | 'relayer' | 'relay', string>> = {
  validator: `unimargin validator --key HEX --checkpoints DIR (--origin NAME --registry DIR | --origin hub --follow URL --genesis FILE)

Signs a checkpoint for every leaf of one origin's Hyperlane tree and writes Hyperlane's local
checkpoint layout ({index}_with_id.json, index.json, announcement.json, metadata_latest.json,
reorg_flag.json). Never signs a second root for an index; halts with reorg_flag.json when the
origin disagrees with what it signed (remove the flag after investigating to resume).

  --origin NAME        registry chain name of an EVM origin, or "hub"
  --registry DIR       registry directory: chains/<name>/metadata.json and addresses.json
  --key HEX            the validator's secp256k1 private key (0x…); its EVM address is its identity
  --checkpoints DIR    checkpoint directory (announced as file://DIR)
  --db DIR             validator state (high-water mark); default <checkpoints>/../validator-db
  --reorg-period P     blocks behind the tip, or "finalized"/"safe" (default: the registry's blocks.reorgPeriod)
  --poll-ms MS         poll interval (default 1000)
  --no-announce        do not send ValidatorAnnounce.announce (announcement.json is still written)
  --tx-key HEX         key paying for the announce tx (default --key)
  --follow URL         hub origin: the sequencer RPC this validator's own follower replays
  --genesis FILE       hub origin: the hub genesis.json for the follower
  --home DIR           hub origin: the follower's data directory (default <db>/follower)
  --log-level L        pino level (default info)`,
  relayer: `unimargin relayer --registry DIR --chains A,B --hub-url URL --hub-key HEX --evm-key HEX --data DIR

Delivers messages EVM → hub (MsgProcessMessage with fast-tier metadata, then MsgConfirmFinality in
batches) and hub → EVM (Mailbox.process). At least once, with a durable cursor per origin; retries
on a growing schedule; permanent failures at GET /failures, Prometheus at GET /metrics.

  --registry DIR         registry directory (chains/<name>/metadata.json, addresses.json)
  --chains A,B           EVM chains to serve (origins and destinations)
  --hub-url URL          hub node RPC/REST root (e.g. http://127.0.0.1:26657)
  --hub-key HEX          hub account key signing MsgProcessMessage / MsgConfirmFinality
  --evm-key HEX          EVM key sending Mailbox.process (needs gas on every chain)
  --data DIR             relayer state (relayer-state.json)
  --hub-validators FILE  JSON {"0xvalidator": "file:///dir", …}: where hub validators write checkpoints
  --hub-validator A=LOC  the same, one at a time (repeatable)
  --port P               REST port for /health, /status, /failures, /metrics (default 9090; 0 = any)
  --lanes L              comma list of to-hub, from-hub, finality (default all)
  --batch N              MsgProcessMessage per hub tx (default 32)
  --poll-ms MS           pause between passes (default 500)
  --log-level L          pino level (default info)`,
  relay: `unimargin relay <message id> --registry DIR --chains A,B --hub-url URL [--hub-key HEX] [--evm-key HEX]

Relays one message yourself, in either direction, with metadata gathered from the validators:
a message in the hub outbox goes to its EVM destination through Mailbox.process (needs --evm-key
and the hub validators' locations); a message dispatched on an EVM origin goes to the hub as a
MsgProcessMessage signed by --hub-key. Prints what it did as JSON.

  --registry DIR, --chains A,B, --hub-url URL   as for 'unimargin relayer'
  --hub-key HEX          your hub account key (EVM → hub)
  --evm-key HEX          your EVM key (hub → EVM)
  --hub-validators FILE, --hub-validator A=LOC  hub validators' checkpoint locations (hub → EVM)`,
};

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  'log-level': { type: 'string' },
} as const;

function fail(message: string): never {
  throw new Error(message);
}

function need(v: string | undefined, name: string, cmd: string): string {
  if (v === undefined || v === '') fail(`--${name} is required; see 'unimargin ${cmd} --help'`);
  return v;
}

function hexKey(v: string | undefined, name: string, cmd: string): Hex {
  const k = need(v, name, cmd);
  if (!/^0x[0-9a-fA-F]{64}$/.test(k)) fail(`--${name} must be 0x and 64 hex digits`);
  return k as Hex;
}

function hubValidatorLocations(
  file: string | undefined,
  pairs: readonly string[] | undefined,
): Map<string, string> {
  const out = new Map<string, string>();
  if (file !== undefined) {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    for (const [k, v] of Object.entries(j)) out.set(k.toLowerCase(), v);
  }
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    if (i < 0) fail(`--hub-validator ${JSON.stringify(p)} must be ADDRESS=LOCATION`);
    out.set(p.slice(0, i).toLowerCase(), p.slice(i + 1));
  }
  return out;
}

function evmRoutes(registry: string, chains: string, evmKey: Hex | undefined): EvmRoute[] {
  return chains
    .split(',')
    .filter((n) => n !== '')
    .map((name) => {
      const chain: AgentChain = loadAgentChain(registry, name);
      const c = createEvmClients({
        rpcUrl: rpcUrlOf(chain),
        chainId: Number(chain.metadata.chainId),
        privateKey: evmKey ?? (`0x${'11'.repeat(32)}` as Hex),
      });
      return { chain, client: c.publicClient, ...(evmKey === undefined ? {} : { wallet: c.walletClient }) };
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  });
}

async function runValidator(argv: string[]): Promise<void> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      ...COMMON,
      origin: { type: 'string' },
      registry: { type: 'string' },
      key: { type: 'string' },
      checkpoints: { type: 'string' },
      db: { type: 'string' },
      'reorg-period': { type: 'string' },
      'poll-ms': { type: 'string' },
      'no-announce': { type: 'boolean' },
      'tx-key': { type: 'string' },
      follow: { type: 'string' },
      genesis: { type: 'string' },
      home: { type: 'string' },
    },
  });
  if (o.help === true) {
    process.stdout.write(`${AGENTS_HELP.validator}\n`);
    return;
  }
  const logger = pino({ level: o['log-level'] ?? 'info' });
  const key = hexKey(o.key, 'key', 'validator');
  const origin = need(o.origin, 'origin', 'validator');
  const checkpoints = resolve(need(o.checkpoints, 'checkpoints', 'validator'));
  const db = resolve(o.db ?? join(checkpoints, '..', 'validator-db'));
  mkdirSync(db, { recursive: true });
  const storage = new LocalCheckpointStorage(checkpoints).ensure();
  let reader: OriginReader;
  let stopFollower: () => Promise<void> = async () => {};
  if (origin === 'hub') {
    const follow = need(o.follow, 'follow', 'validator');
    const genesis = loadGenesis(need(o.genesis, 'genesis', 'validator'));
    const store = await openNodeStore(resolve(o.home ?? join(db, 'follower')));
    const node = await HubNode.open({
      genesis,
      store,
      logger: logger.child({ part: 'follower' }),
      follow,
      sigThreads: 1,
    });
    node.start();
    stopFollower = async () => {
      await node.stop();
      await store.close();
    };
    reader = new HubOriginReader(followerSource(node));
    // The hub has no ValidatorAnnounce: the signed announcement file is the record relayers read.
    writeAnnouncement({ privateKey: key, storage, domain: reader.domain, mailbox: HUB_SENDER });
    logger.info(
      { location: storage.location },
      'hub validator: wrote announcement.json (no on-hub record yet)',
    );
  } else {
    const chain = loadAgentChain(need(o.registry, 'registry', 'validator'), origin);
    const rp = o['reorg-period'];
    const reorgPeriod =
      rp === undefined
        ? reorgPeriodOf(chain)
        : rp === 'finalized' || rp === 'safe'
          ? rp
          : Number.parseInt(rp, 10);
    if (typeof reorgPeriod === 'number' && (!Number.isInteger(reorgPeriod) || reorgPeriod < 0)) {
      fail(`--reorg-period ${JSON.stringify(rp)} is not a block count ≥ 0, "finalized" or "safe"`);
    }
    const clients = createEvmClients({
      rpcUrl: rpcUrlOf(chain),
      chainId: Number(chain.metadata.chainId),
      privateKey: o['tx-key'] === undefined ? key : hexKey(o['tx-key'], 'tx-key', 'validator'),
    });
    reader = new EvmOriginReader({
      client: clients.publicClient,
      domain: chain.metadata.domainId,
      merkleTreeHook: chain.addresses.merkleTreeHook as Hex,
      reorgPeriod,
      fromBlock: BigInt(chain.addresses.deployedAtBlock ?? 0),
    });
    if (o['no-announce'] === true || chain.addresses.validatorAnnounce === undefined) {
      writeAnnouncement({
        privateKey: key,
        storage,
        domain: chain.metadata.domainId,
        mailbox: chain.addresses.mailbox as Hex,
      });
    } else {
      const r = await announceOnEvm({
        privateKey: key,
        storage,
        domain: chain.metadata.domainId,
        mailbox: chain.addresses.mailbox as Hex,
        publicClient: clients.publicClient,
        walletClient: clients.walletClient,
        validatorAnnounce: chain.addresses.validatorAnnounce as Hex,
      });
      logger.info({ location: r.location, sent: r.sent }, 'announced storage location');
    }
  }
  const v = new Validator({
    reader,
    privateKey: key,
    storage,
    highWaterMarkPath: join(db, 'high-water-mark.json'),
    logger,
    pollMs: Number(o['poll-ms'] ?? 1000),
  });
  v.start();
  logger.info({ validator: v.address, origin: reader.domain, checkpoints }, 'validator running');
  await Promise.race([waitForSignal(), v.done]);
  await v.stop();
  await stopFollower();
  if (v.halted !== undefined) {
    process.exitCode = 2;
    logger.fatal({ flag: join(checkpoints, 'reorg_flag.json') }, 'halted on a reorg');
  }
}

async function runRelayer(argv: string[]): Promise<void> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      ...COMMON,
      registry: { type: 'string' },
      chains: { type: 'string' },
      'hub-url': { type: 'string' },
      'hub-key': { type: 'string' },
      'evm-key': { type: 'string' },
      data: { type: 'string' },
      'hub-validators': { type: 'string' },
      'hub-validator': { type: 'string', multiple: true },
      port: { type: 'string' },
      lanes: { type: 'string' },
      batch: { type: 'string' },
      'poll-ms': { type: 'string' },
    },
  });
  if (o.help === true) {
    process.stdout.write(`${AGENTS_HELP.relayer}\n`);
    return;
  }
  const logger = pino({ level: o['log-level'] ?? 'info' });
  const lanes = new Set((o.lanes ?? 'to-hub,from-hub,finality').split(','));
  for (const l of lanes)
    if (!['to-hub', 'from-hub', 'finality'].includes(l)) fail(`--lanes: unknown lane ${l}`);
  const relayer = new Relayer({
    hub: new RestHubApi(need(o['hub-url'], 'hub-url', 'relayer')),
    hubSigner: hubSignerOf(hexKey(o['hub-key'], 'hub-key', 'relayer')),
    hubValidatorLocations: hubValidatorLocations(o['hub-validators'], o['hub-validator']),
    evm: evmRoutes(
      need(o.registry, 'registry', 'relayer'),
      need(o.chains, 'chains', 'relayer'),
      hexKey(o['evm-key'], 'evm-key', 'relayer'),
    ),
    dataDir: resolve(need(o.data, 'data', 'relayer')),
    logger,
    pollMs: Number(o['poll-ms'] ?? 500),
    batchSize: Number(o.batch ?? 32),
    lanes: { toHub: lanes.has('to-hub'), fromHub: lanes.has('from-hub'), finality: lanes.has('finality') },
  });
  const server = await startRelayerServer(relayer, { port: Number(o.port ?? 9090) });
  relayer.start();
  logger.info({ rest: server.url }, 'relayer running');
  await waitForSignal();
  await relayer.stop();
  await server.close();
}

async function runRelay(argv: string[]): Promise<void> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON,
      registry: { type: 'string' },
      chains: { type: 'string' },
      'hub-url': { type: 'string' },
      'hub-key': { type: 'string' },
      'evm-key': { type: 'string' },
      'hub-validators': { type: 'string' },
      'hub-validator': { type: 'string', multiple: true },
    },
  });
  if (o.help === true) {
    process.stdout.write(`${AGENTS_HELP.relay}\n`);
    return;
  }
  const id = positionals[0];
  if (id === undefined || !/^0x[0-9a-fA-F]{64}$/.test(id))
    fail('give the message id: unimargin relay 0x<64 hex digits>');
  const r = await relayMessage(
    {
      hub: new RestHubApi(need(o['hub-url'], 'hub-url', 'relay')),
      ...(o['hub-key'] === undefined
        ? {}
        : { hubSigner: hubSignerOf(hexKey(o['hub-key'], 'hub-key', 'relay')) }),
      evm: evmRoutes(
        need(o.registry, 'registry', 'relay'),
        need(o.chains, 'chains', 'relay'),
        o['evm-key'] === undefined ? undefined : hexKey(o['evm-key'], 'evm-key', 'relay'),
      ),
      hubValidatorLocations: hubValidatorLocations(o['hub-validators'], o['hub-validator']),
    },
    id as Hex,
  );
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

/**
 * Runs one agent command: `argv[0]` is `validator`, `relayer` or `relay`, the rest its options.
 * Resolves when the command ends (long-running ones on SIGINT/SIGTERM); throws an Error with a
 * message for the user on bad arguments or a failed relay.
 */
export async function runAgentsCli(argv: readonly string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'validator':
      return runValidator(rest);
    case 'relayer':
      return runRelayer(rest);
    case 'relay':
      return runRelay(rest);
    default:
      fail(`unknown agent command ${JSON.stringify(cmd)}; expected validator, relayer or relay`);
  }
}

// Run directly: `tsx bin/agents.ts relayer …`.
if (import.meta.url === `file://${process.argv[1]}`) {
  runAgentsCli(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
