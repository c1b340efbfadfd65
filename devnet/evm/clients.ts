/**
 * viem client pairs for a local EVM chain and a deploy helper that waits for the receipt.
 */
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractConstructorArgs,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hash,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DevnetEvmError } from './anvil.ts';

/** A public client and a wallet client (with its signing account) on one chain. */
export type EvmClients = {
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
};

/** Options of {@link createEvmClients}. */
export type CreateEvmClientsOpts = {
  rpcUrl: string;
  chainId: number;
  /** Private key of the account that signs (e.g. anvil key #0). */
  privateKey: Hex;
  /** Receipt polling interval in ms (default 25: anvil mines on send). */
  pollingIntervalMs?: number;
};

/** Creates a viem public + wallet client pair for a local chain. */
export function createEvmClients(opts: CreateEvmClientsOpts): EvmClients {
  const chain = defineChain({
    id: opts.chainId,
    name: `anvil-${opts.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [opts.rpcUrl] } },
  });
  const transport = http(opts.rpcUrl, { retryCount: 0 });
  const pollingInterval = opts.pollingIntervalMs ?? 25;
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval }),
    walletClient: createWalletClient({
      chain,
      transport,
      account: privateKeyToAccount(opts.privateKey),
      pollingInterval,
    }),
  };
}

/** Waits for a transaction's receipt and throws `DEVNET_TX_REVERTED` if it reverted. */
export async function waitForSuccess(clients: EvmClients, hash: Hash, what: string) {
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 25 });
  if (receipt.status !== 'success') {
    throw new DevnetEvmError('DEVNET_TX_REVERTED', `${what} reverted (tx ${hash})`, { hash, what });
  }
  return receipt;
}

/**
 * Deploys a contract from its ABI and creation bytecode and returns its address once mined.
 * `what` names it in errors.
 */
export async function deployBytecode<const abi extends Abi>(
  clients: EvmClients,
  what: string,
  abi: abi,
  bytecode: Hex,
  args: ContractConstructorArgs<abi>,
): Promise<Address> {
  // viem's deployContract conditional types do not narrow through a generic ABI; the call is checked
  // by the `args` parameter type above.
  const hash = await clients.walletClient.deployContract({
    abi: abi as Abi,
    bytecode,
    args: args as readonly unknown[],
  } as unknown as Parameters<typeof clients.walletClient.deployContract>[0]);
  const receipt = await waitForSuccess(clients, hash, `deploy ${what}`);
  if (receipt.contractAddress === null || receipt.contractAddress === undefined) {
    throw new DevnetEvmError('DEVNET_DEPLOY_NO_ADDRESS', `deploy ${what} produced no contract address`, {
      hash,
      what,
    });
  }
  return getAddress(receipt.contractAddress);
}
