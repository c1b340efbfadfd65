/**
 * `unimargin` CLI. Commands:
 *   init      write the devnet genesis and the sequencer key under --home
 *   start     run a node (sequencer by default; --follow URL to follow one)
 *   status    print a running node's status
 *   verify    recompute the state root from the stored state and compare it with the committed one
 *   tx link-evm   link an EVM address to a hub account
 *   devnet …      the local three-chain world (devnet/index.ts)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { toHex } from '../chain/index.ts';
import { buildLinkEvmAddress, connectSigner, LINK_TYPE_URL } from '../chain/node/client.ts';
import { faultHookFromEnv } from '../chain/node/fault.ts';
import {
  DEVNET_CHAIN_ID,
  devnetPrivateKey,
  homePaths,
  initHome,
  loadGenesis,
  loadSequencerKey,
} from '../chain/node/home.ts';
import { HubNode } from '../chain/node/hubNode.ts';
import { openNodeStore, verifyStoredRoot } from '../chain/node/openStore.ts';
import { createRpcServer } from '../rpc/index.ts';

const HELP: Record<string, string> = {
  main: `unimargin — cross-chain universal margin hub node

Usage: unimargin <command> [options]

Commands:
  init                 write config/genesis.json (10 devnet accounts from the test mnemonic) and the sequencer key
  start                run a node: a solo sequencer, or a follower with --follow
  status               print the status of a running node
  verify               recompute the state root from stored state and compare with the committed root
  tx link-evm          link an EVM address to your hub account
  devnet up            start the local three-chain world (3 anvils, hub, validators, relayer, oracle)
  devnet down          stop it
  devnet deposit       deposit collateral on a devnet chain
  devnet account       show an account's ledger, positions and margin
  devnet relay         relay pending messages once
  devnet scenario      run a named scenario against the running devnet
  validator            sign Hyperlane checkpoints of an origin (an EVM chain or the hub)
  relayer              carry Hyperlane messages EVM → hub and hub → EVM
  relay <message id>   relay one message yourself, in either direction

Run 'unimargin <command> --help' for the options of a command.`,
  init: `unimargin init [--home DIR] [--chain-id ID] [--accounts N] [--overwrite]

  --home DIR        node home (default ./.home)
  --chain-id ID     chain id (default ${DEVNET_CHAIN_ID})
  --accounts N      devnet accounts from the test mnemonic, m/44'/60'/0'/0/i (default 10)
  --overwrite       replace an existing genesis (discards the chain)`,
  start: `unimargin start [--home DIR] [--rpc-port P] [--block-time-ms MS] [--follow URL] [--sig-threads N]

  --home DIR          node home holding config/ and data/ (default ./.home)
  --rpc-port P        port of the JSON-RPC/REST/WebSocket server on 127.0.0.1 (default 26657)
  --rpc-host H        listen address (default 127.0.0.1)
  --block-time-ms MS  sequencer block interval (default 500)
  --follow URL        follow the sequencer at URL (its RPC base), checking every signature and root
  --sig-threads N     worker threads for signature checks (default: CPU count)
  --log-level L       pino level (default info)`,
  status: `unimargin status [--rpc URL]

  --rpc URL   node RPC (default http://127.0.0.1:26657)`,
  verify: `unimargin verify [--home DIR]

  Recomputes the state root from every stored state value (independently of the stored tree) and
  compares it with the committed root. Exit status 0 when they agree, 1 otherwise. The node must be stopped.`,
  'tx link-evm': `unimargin tx link-evm (--key-index I | --private-key HEX) --evm-private-key HEX [--rpc URL] [--nonce N] [--valid-ms MS]

  --key-index I        sign with devnet key I of the test mnemonic
  --private-key HEX    sign with this secp256k1 key (32 bytes hex)
  --evm-private-key HEX  the EVM key to link; it signs the EIP-191 link text
  --rpc URL            node RPC (default http://127.0.0.1:26657)
  --nonce N            link nonce, above the account's last (default: unix ms now)
  --valid-ms MS        signature validity (default 600000)`,
  devnet: `unimargin devnet <up|down|deposit|account|relay|scenario> [options]

  A local three-chain world (Ethereum-, OP- and Arbitrum-like anvils with Hyperlane core and our
  contracts) around a hub with its validators, a relayer and an oracle feeder. Run
  'unimargin devnet --help' or 'unimargin devnet <command> --help' for details.`,
};

function fail(msg: string): never {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
}

type Values = Record<string, string | undefined> & { help?: boolean; overwrite?: boolean; fresh?: boolean };

function opts(args: string[], spec: Record<string, { type: 'string' | 'boolean' }>): { values: Values } {
  try {
    const r = parseArgs({
      args,
      options: { ...spec, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: r.values as unknown as Values };
  } catch (e) {
    fail((e as Error).message);
  }
}

function intOpt(v: string | boolean | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v))
    fail(`--${name} must be a non-negative integer, got ${String(v)}`);
  return Number(v);
}

async function runNode(home: string, o: Record<string, string | boolean | undefined>): Promise<void> {
  const paths = homePaths(home);
  if (!existsSync(paths.genesis))
    fail(`${paths.genesis} not found; run 'unimargin init --home ${home}' first`);
  const logger = pino({ level: (o['log-level'] as string) ?? 'info' });
  const genesis = loadGenesis(paths.genesis);
  const follow = o.follow as string | undefined;
  const fault = faultHookFromEnv();
  const store = await openNodeStore(paths.data, fault ? { fault } : {});
  const sigThreads = o['sig-threads'] === undefined ? undefined : intOpt(o['sig-threads'], 'sig-threads', 2);
  const node = await HubNode.open({
    genesis,
    store,
    logger,
    ...(follow === undefined ? { sequencerKey: loadSequencerKey(paths.sequencerKey) } : { follow }),
    blockTimeMs: intOpt(o['block-time-ms'], 'block-time-ms', 500),
    ...(sigThreads !== undefined ? { sigThreads } : {}),
    ...(fault ? { fault } : {}),
  });
  const app = await createRpcServer(node, { logger });
  const port = intOpt(o['rpc-port'], 'rpc-port', 26657);
  const host = (o['rpc-host'] as string) ?? '127.0.0.1';
  await app.listen({ port, host });
  logger.info(
    {
      height: node.height.toString(),
      chainId: genesis.chainId,
      rpc: `http://${host}:${port}`,
      role: follow ? 'follower' : 'sequencer',
    },
    'node started',
  );
  node.start();
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await node.stop();
    await app.close();
    await store.close();
    process.exit(code);
  };
  node.on('halt', (e: Error) => {
    process.stderr.write(`${e.message}\n`);
    void shutdown(3);
  });
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const cmd = argv[0];
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`${HELP.main}\n`);
    return;
  }
  const rest = argv.slice(1);
  const homeOf = (v: unknown) => resolve(typeof v === 'string' ? v : '.home');
  switch (cmd) {
    case 'init': {
      const { values } = opts(rest, {
        home: { type: 'string' },
        'chain-id': { type: 'string' },
        accounts: { type: 'string' },
        overwrite: { type: 'boolean' },
      });
      if (values.help) return void process.stdout.write(`${HELP.init}\n`);
      const { genesis, paths } = initHome({
        home: homeOf(values.home),
        ...(values['chain-id'] ? { chainId: values['chain-id'] } : {}),
        accounts: intOpt(values.accounts, 'accounts', 10),
        overwrite: values.overwrite === true,
      });
      process.stdout.write(
        `wrote ${paths.genesis}\nchain id ${genesis.chainId}; authority ${genesis.authority}; ${genesis.accounts.length} accounts\n`,
      );
      return;
    }
    case 'start': {
      const { values } = opts(rest, {
        home: { type: 'string' },
        'rpc-port': { type: 'string' },
        'rpc-host': { type: 'string' },
        'block-time-ms': { type: 'string' },
        follow: { type: 'string' },
        'sig-threads': { type: 'string' },
        'log-level': { type: 'string' },
      });
      if (values.help) return void process.stdout.write(`${HELP.start}\n`);
      return runNode(homeOf(values.home), values);
    }
    case 'status': {
      const { values } = opts(rest, { rpc: { type: 'string' } });
      if (values.help) return void process.stdout.write(`${HELP.status}\n`);
      const url = values.rpc ?? 'http://127.0.0.1:26657';
      const res = await fetch(`${url.replace(/\/$/, '')}/v1/status`).catch((e: Error) =>
        fail(`cannot reach ${url}: ${e.message}`),
      );
      process.stdout.write(`${JSON.stringify(await res.json(), null, 2)}\n`);
      return;
    }
    case 'verify': {
      const { values } = opts(rest, { home: { type: 'string' } });
      if (values.help) return void process.stdout.write(`${HELP.verify}\n`);
      const paths = homePaths(homeOf(values.home));
      if (!existsSync(paths.data)) fail(`${paths.data} does not exist`);
      const r = await verifyStoredRoot(paths.data);
      process.stdout.write(
        `height ${r.height}: committed root ${toHex(r.committed)}\n${r.keys} keys: recomputed root ${toHex(r.recomputed)}\n`,
      );
      if (!r.ok) {
        process.stdout.write('MISMATCH: the stored state does not produce the committed root\n');
        process.exit(1);
      }
      process.stdout.write('ok: roots agree\n');
      return;
    }
    case 'tx': {
      const sub = rest[0];
      if (sub !== 'link-evm')
        fail(`unknown tx subcommand ${JSON.stringify(sub)}; try 'unimargin tx link-evm --help'`);
      const { values } = opts(rest.slice(1), {
        'key-index': { type: 'string' },
        'private-key': { type: 'string' },
        'evm-private-key': { type: 'string' },
        rpc: { type: 'string' },
        nonce: { type: 'string' },
        'valid-ms': { type: 'string' },
      });
      if (values.help) return void process.stdout.write(`${HELP['tx link-evm']}\n`);
      const key =
        values['private-key'] !== undefined
          ? Buffer.from(values['private-key'].replace(/^0x/, ''), 'hex')
          : values['key-index'] !== undefined
            ? devnetPrivateKey(intOpt(values['key-index'], 'key-index', 0))
            : fail('pass --key-index or --private-key');
      if (key.length !== 32) fail('--private-key must be 32 bytes of hex');
      const evmKey = Buffer.from(
        (values['evm-private-key'] ?? fail('--evm-private-key is required')).replace(/^0x/, ''),
        'hex',
      );
      if (evmKey.length !== 32) fail('--evm-private-key must be 32 bytes of hex');
      const rpc = values.rpc ?? 'http://127.0.0.1:26657';
      const { client, address } = await connectSigner(rpc, key);
      const chainId = await client.getChainId();
      const now = BigInt(Date.now());
      const msg = await buildLinkEvmAddress({
        chainId,
        account: address,
        evmPrivateKey: evmKey,
        nonce: values.nonce !== undefined ? BigInt(intOpt(values.nonce, 'nonce', 1)) : now,
        expiryMs: now + BigInt(intOpt(values['valid-ms'], 'valid-ms', 600_000)),
      });
      const r = await client.signAndBroadcast(address, [{ typeUrl: LINK_TYPE_URL, value: msg }], 'auto');
      process.stdout.write(
        `${JSON.stringify({ code: r.code, height: r.height, hash: r.transactionHash, log: r.rawLog ?? '' }, null, 2)}\n`,
      );
      client.disconnect();
      if (r.code !== 0) process.exit(1);
      return;
    }
    case 'devnet': {
      // The multi-chain devnet (devnet/index.ts): up, down, deposit, account, relay, scenario.
      const { runDevnetCli } = await import('../devnet/cliMain.ts');
      return process.exit(await runDevnetCli(rest));
    }
    case 'validator':
    case 'relayer':
    case 'relay': {
      // The Hyperlane agents (bridge/agents); loaded only when used.
      const { runAgentsCli } = await import('./agents.ts');
      return runAgentsCli(argv);
    }
    default:
      fail(`unknown command ${JSON.stringify(cmd)}; run 'unimargin --help'`);
  }
}

await main();
