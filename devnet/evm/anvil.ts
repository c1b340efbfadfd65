/**
 * Starts local anvil chains as child processes whose PIDs we track, and stops exactly those PIDs.
 *
 * The native binary of `@foundry-rs/anvil`'s platform package is spawned directly (not the
 * `node_modules/.bin/anvil` node wrapper), so the PID we hold is anvil's own and a signal to it stops
 * the chain — the wrapper would leave an orphan behind if it were killed hard.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Options of one anvil chain. */
export type AnvilOpts = {
  /** EIP-155 chain id (anvil's `--chain-id`). */
  chainId: number;
  /** TCP port; a free port is picked when absent. */
  port?: number;
  /**
   * anvil's `--slots-in-an-epoch`: the `safe` tag lags the head by N blocks and `finalized` by 2N.
   * Absent means anvil's default (32).
   */
  slotsInAnEpoch?: number;
  /** Interval mining in seconds (`--block-time`); absent means automine (one block per tx). */
  blockTimeS?: number;
  /** A state file to load on start (`--load-state`). */
  loadStatePath?: string;
  /** A state file written on exit (`--dump-state`). */
  dumpStatePath?: string;
  /** Number of funded dev accounts (`--accounts`, default 10: the standard test mnemonic's first 10). */
  accounts?: number;
  /** Extra arguments appended verbatim. */
  extraArgs?: readonly string[];
  /** How long to wait for the first JSON-RPC answer, in ms (default 15 000). */
  readyTimeoutMs?: number;
};

/** A running anvil chain we started. */
export type AnvilChain = {
  /** `http://127.0.0.1:<port>`. */
  rpcUrl: string;
  /** `ws://127.0.0.1:<port>`. */
  wsUrl: string;
  chainId: number;
  port: number;
  /** The PID of the anvil process itself. */
  pid: number;
  /** Stops this chain (SIGTERM, then SIGKILL after 3 s) and resolves when it has exited. Idempotent. */
  stop: () => Promise<void>;
};

/** Error class of the `devnet/evm` family; `code` is prefixed `DEVNET_`. */
export class DevnetEvmError extends Error {
  readonly code: string;
  readonly meta: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, meta: Readonly<Record<string, unknown>> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DevnetEvmError';
    this.code = code;
    this.meta = meta;
  }
}

/** Resolves the native anvil binary of the installed platform package (falls back to the wrapper). */
export function resolveAnvilBinary(): string {
  const require = createRequire(import.meta.url);
  const platformPkg = `@foundry-rs/anvil-${process.platform === 'win32' ? 'win32' : process.platform}-${
    process.arch === 'x64' ? 'amd64' : process.arch
  }`;
  try {
    const pkgJson = require.resolve(`${platformPkg}/package.json`);
    const bin = join(pkgJson, '..', 'bin', 'anvil');
    if (existsSync(bin)) return bin;
  } catch {
    // not installed for this platform: fall through to the wrapper
  }
  const wrapper = join(process.cwd(), 'node_modules', '.bin', 'anvil');
  if (existsSync(wrapper)) return wrapper;
  throw new DevnetEvmError('DEVNET_ANVIL_NOT_FOUND', `anvil binary not found (looked for ${platformPkg})`, {
    platformPkg,
  });
}

/** Asks the OS for a free TCP port on 127.0.0.1 (the port may be taken again before anvil binds it). */
export async function findFreePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// Every child we started, so that an exiting parent can still stop them (by PID, nothing else).
const live = new Map<number, ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** The PIDs of anvil processes started by this process and still running. */
export function liveAnvilPids(): number[] {
  return [...live.keys()];
}

async function rpcAnswers(rpcUrl: string): Promise<number | undefined> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    const json = (await res.json()) as { result?: string };
    return json.result === undefined ? undefined : Number.parseInt(json.result, 16);
  } catch {
    return undefined;
  }
}

async function startOnce(opts: AnvilOpts, port: number): Promise<AnvilChain> {
  const args = [
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--chain-id',
    String(opts.chainId),
    '--silent',
  ];
  if (opts.slotsInAnEpoch !== undefined) args.push('--slots-in-an-epoch', String(opts.slotsInAnEpoch));
  if (opts.blockTimeS !== undefined) args.push('--block-time', String(opts.blockTimeS));
  if (opts.loadStatePath !== undefined) args.push('--load-state', opts.loadStatePath);
  if (opts.dumpStatePath !== undefined) args.push('--dump-state', opts.dumpStatePath);
  if (opts.accounts !== undefined) args.push('--accounts', String(opts.accounts));
  if (opts.extraArgs !== undefined) args.push(...opts.extraArgs);

  const child = spawn(resolveAnvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) {
    throw new DevnetEvmError('DEVNET_ANVIL_SPAWN', `anvil did not start on port ${port}`, { port });
  }
  live.set(pid, child);
  installExitHook();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(pid);
      resolve();
    });
  });

  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (exited) {
      throw new DevnetEvmError(
        'DEVNET_ANVIL_EXITED',
        `anvil on port ${port} exited before answering: ${stderr}`,
        {
          port,
          stderr,
        },
      );
    }
    const id = await rpcAnswers(rpcUrl);
    if (id !== undefined) {
      if (id !== opts.chainId) {
        child.kill('SIGKILL');
        throw new DevnetEvmError(
          'DEVNET_ANVIL_WRONG_CHAIN',
          `port ${port} answered chain id ${id}, expected ${opts.chainId} (another process owns the port)`,
          { port, chainId: id, expected: opts.chainId },
        );
      }
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DevnetEvmError('DEVNET_ANVIL_TIMEOUT', `anvil on port ${port} did not answer in time`, {
        port,
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 3000);
      await exitPromise;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { rpcUrl, wsUrl: `ws://127.0.0.1:${port}`, chainId: opts.chainId, port, pid, stop };
}

/**
 * Starts one anvil chain and waits until it answers `eth_chainId`. When no port is given a free one is
 * picked, retrying on another port if the chosen one was taken in between (up to 5 attempts).
 */
export async function startAnvil(opts: AnvilOpts): Promise<AnvilChain> {
  if (opts.port !== undefined) return await startOnce(opts, opts.port);
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await findFreePort();
    try {
      return await startOnce(opts, port);
    } catch (err) {
      lastErr = err;
      if (!(err instanceof DevnetEvmError) || err.code === 'DEVNET_ANVIL_NOT_FOUND') throw err;
    }
  }
  throw lastErr;
}

/** Starts several chains in parallel; on any failure stops those already started and rethrows. */
export async function startAnvils(optsList: readonly AnvilOpts[]): Promise<AnvilChain[]> {
  const settled = await Promise.allSettled(optsList.map((o) => startAnvil(o)));
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(ok.map((c) => c.stop()));
    throw failed.reason;
  }
  return ok;
}
