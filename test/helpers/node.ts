/**
 * Starts a hub node in this process for tests: temp home, devnet genesis, LevelDB store, RPC on
 * an ephemeral port. `stop()` closes everything and removes the home unless `keepHome`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Genesis } from '../../chain/index.ts';
import { homePaths, initHome, loadSequencerKey } from '../../chain/node/home.ts';
import { HubNode, type HubNodeOpts } from '../../chain/node/hubNode.ts';
import { openNodeStore } from '../../chain/node/openStore.ts';
import { createRpcServer } from '../../rpc/index.ts';

export interface TestNode {
  node: HubNode;
  url: string;
  home: string;
  genesis: Genesis;
  stop(opts?: { keepHome?: boolean }): Promise<void>;
}

export interface TestNodeOpts {
  blockTimeMs?: number;
  home?: string;
  follow?: string;
  genesisFrom?: string;
  sigThreads?: number;
  extra?: Partial<HubNodeOpts>;
}

export async function startTestNode(opts: TestNodeOpts = {}): Promise<TestNode> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'umg-node-'));
  const paths = homePaths(home);
  let genesis: Genesis;
  if (opts.genesisFrom !== undefined) {
    const { cpSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(home, 'config'), { recursive: true });
    cpSync(homePaths(opts.genesisFrom).genesis, paths.genesis);
    genesis = (await import('../../chain/node/home.ts')).loadGenesis(paths.genesis);
  } else {
    const { existsSync } = await import('node:fs');
    genesis = existsSync(paths.genesis)
      ? (await import('../../chain/node/home.ts')).loadGenesis(paths.genesis)
      : initHome({ home }).genesis;
  }
  const store = await openNodeStore(paths.data);
  const logger = pino({ level: 'silent' });
  const node = await HubNode.open({
    genesis,
    store,
    logger,
    ...(opts.follow !== undefined
      ? { follow: opts.follow }
      : { sequencerKey: loadSequencerKey(paths.sequencerKey) }),
    blockTimeMs: opts.blockTimeMs ?? 100,
    sigThreads: opts.sigThreads ?? 1,
    ...opts.extra,
  });
  const app = await createRpcServer(node);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  node.start();
  return {
    node,
    url: `http://127.0.0.1:${port}`,
    home,
    genesis,
    async stop(o = {}) {
      await node.stop();
      await app.close();
      await store.close();
      if (o.keepHome !== true && opts.home === undefined) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Resolves when `cond()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor<T>(
  cond: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
