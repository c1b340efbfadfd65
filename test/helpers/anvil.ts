/**
 * Test helper: start N anvil chains on free ports and stop exactly those PIDs on teardown.
 *
 * ```ts
 * let chains: TestChain[];
 * beforeAll(async () => { chains = await startTestChains(2, { slotsInAnEpoch: 2 }); });
 * afterAll(async () => { await stopTestChains(chains); });
 * ```
 * Each chain also has a viem `publicClient` / `walletClient` pair ready (account = anvil key #0).
 */
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type AnvilChain, type AnvilOpts, startAnvils } from '../../devnet/evm/anvil.ts';

/**
 * The first 10 private keys of the standard test mnemonic ("test test … junk", m/44'/60'/0'/0/i):
 * the accounts anvil funds with 10 000 ETH each.
 */
export const ANVIL_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const;

/** One started chain plus viem clients bound to it. */
export type TestChain = AnvilChain & {
  /** A viem chain definition for this anvil (id, name `anvil-<id>`, rpc url). */
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** Wallet client with anvil key #0 as its account. */
  walletClient: WalletClient<Transport, Chain, Account>;
};

/** Options of {@link startTestChains}. */
export type StartTestChainsOpts = {
  /** Chain ids per chain; default 31337 + i. */
  chainIds?: readonly number[];
  /** `--slots-in-an-epoch` for every chain (safe = head − N, finalized = head − 2N). */
  slotsInAnEpoch?: number;
  /** Interval mining in seconds; absent = automine. */
  blockTimeS?: number;
  /** Extra anvil arguments for every chain. */
  extraArgs?: readonly string[];
};

/** Builds a viem chain definition for an anvil at `rpcUrl`. */
export function anvilViemChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `anvil-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * Starts `count` anvil chains in parallel on free ports. Each chain's `stop()` kills only its own PID.
 * On failure the chains already started are stopped before the error propagates.
 */
export async function startTestChains(count: number, opts: StartTestChainsOpts = {}): Promise<TestChain[]> {
  const list: AnvilOpts[] = [];
  for (let i = 0; i < count; i++) {
    const o: AnvilOpts = { chainId: opts.chainIds?.[i] ?? 31337 + i };
    if (opts.slotsInAnEpoch !== undefined) o.slotsInAnEpoch = opts.slotsInAnEpoch;
    if (opts.blockTimeS !== undefined) o.blockTimeS = opts.blockTimeS;
    if (opts.extraArgs !== undefined) o.extraArgs = opts.extraArgs;
    list.push(o);
  }
  const started = await startAnvils(list);
  return started.map((c) => {
    const chain = anvilViemChain(c.chainId, c.rpcUrl);
    const transport = http(c.rpcUrl, { batch: false, retryCount: 0 });
    return {
      ...c,
      chain,
      publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
      walletClient: createWalletClient({ chain, transport, account: privateKeyToAccount(ANVIL_KEYS[0]) }),
    };
  });
}

/** Stops the given chains (each by its own PID) and waits for them to exit. */
export async function stopTestChains(
  chains: readonly { stop: () => Promise<void> }[] | undefined,
): Promise<void> {
  if (chains === undefined) return;
  await Promise.all(chains.map((c) => c.stop()));
}
