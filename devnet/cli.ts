/**
 * What a user does on a running devnet from the command line: deposit on a chain, show an account
 * (hub balances by domain and stage, linked addresses, positions, and token balances on every
 * chain), and relay one message by hand (a user may relay its own message: security comes from
 * the validators' signatures, not from who submits). Each reads `<home>/world.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Address, formatUnits, getAddress, type Hex, parseEventLogs, parseUnits } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { bech32FromPubKey, secp } from '../chain/crypto.ts';
import { marginVaultAbi, mockERC20Abi } from '../contracts-abi/index.ts';
import { DevnetError } from './errors.ts';
import { createEvmClients, waitForSuccess } from './evm/clients.ts';
import { devnetKey } from './keys.ts';
import { defaultDevnetHome, type WorldFile } from './up.ts';

/** Reads `<home>/world.json` of a devnet (`DEVNET_NOT_FOUND` when absent). */
export function readWorldFile(home?: string): WorldFile {
  const h = resolve(home ?? defaultDevnetHome());
  const p = join(h, 'world.json');
  if (!existsSync(p)) {
    throw new DevnetError(
      'DEVNET_NOT_FOUND',
      `no devnet in ${h} (world.json missing); run 'unimargin devnet up' first`,
      {
        home: h,
      },
    );
  }
  return JSON.parse(readFileSync(p, 'utf8')) as WorldFile;
}

/** The hub (bech32) address of a devnet key. */
export function hubAddressOfKey(key: Hex): string {
  return bech32FromPubKey(secp.publicKeyCreate(Buffer.from(key.slice(2), 'hex'), true));
}

function chainOf(w: WorldFile, name: string) {
  const c = w.chains.find((x) => x.name === name);
  if (c === undefined) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--chain ${JSON.stringify(name)} is not a devnet chain; expected one of ${w.chains.map((x) => x.name).join(', ')}`,
      { field: 'chain', value: name },
    );
  }
  return c;
}

/** An inbound message's hub status (`GET /v1/bridge/messages/:id`), or undefined while not delivered. */
export async function hubMessageStatus(
  hubUrl: string,
  messageId: Hex,
): Promise<{ stage: string; delivered: boolean; result: string; [k: string]: unknown } | undefined> {
  const r = await fetch(`${hubUrl}/v1/bridge/messages/${messageId}`, { signal: AbortSignal.timeout(2000) });
  if (r.status === 404) return undefined;
  const j = (await r.json()) as { delivered?: boolean; stage?: string; result?: string };
  if (j.delivered !== true) return undefined;
  return j as { stage: string; delivered: boolean; result: string };
}

/** Options of {@link devnetDeposit}. */
export interface DepositOpts {
  readonly home?: string;
  /** Chain name (`ethdev`, `opdev`, `arbdev`). */
  readonly chain: string;
  /** Token symbol (`USDC`, `WETH`, `WBTC`). */
  readonly token: string;
  /** Whole-token decimal amount ("100", "0.5"); converted with the token's decimals. */
  readonly amount: string;
  /** Devnet key index of the depositor (1–7 are traders). */
  readonly keyIndex: number;
  /** Wait for the hub's provisional and final credit (default true). */
  readonly wait?: boolean;
  /** Give up waiting after this many ms (default 60 000). */
  readonly timeoutMs?: number;
  readonly print?: (line: string) => void;
}

/** What a deposit did, with the latencies the scenarios report. */
export interface DepositResult {
  readonly chain: string;
  readonly token: string;
  readonly amount: bigint;
  readonly depositor: Address;
  readonly txHash: Hex;
  readonly messageId: Hex;
  /** Deposit tx sent → included in a block, ms. */
  readonly includedMs: number;
  /** Deposit tx sent → hub shows the credit provisional (or final, when it arrived final), ms. */
  readonly provisionalMs?: number;
  /** Deposit tx sent → hub shows the credit final, ms. */
  readonly finalMs?: number;
  readonly result?: string;
}

/**
 * Deposits on one chain: mints the devnet MockERC20 to the depositor if its balance is short (a
 * devnet faucet), approves the vault, calls `MarginVault.deposit`, and (with `wait`) follows the
 * DEPOSIT message on the hub to provisional and final credit.
 */
export async function devnetDeposit(opts: DepositOpts): Promise<DepositResult> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const w = readWorldFile(opts.home);
  const c = chainOf(w, opts.chain);
  const token = c.deployment.app.tokens[opts.token];
  const decimals = c.deployment.app.tokenDecimals[opts.token];
  if (token === undefined || decimals === undefined) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--token ${JSON.stringify(opts.token)} is not deployed on ${c.name}; expected one of ${Object.keys(c.deployment.app.tokens).join(', ')}`,
      { field: 'token', value: opts.token },
    );
  }
  if (!/^[0-9]+(\.[0-9]+)?$/.test(opts.amount)) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--amount ${JSON.stringify(opts.amount)} must be a positive decimal number`,
      {
        field: 'amount',
        value: opts.amount,
      },
    );
  }
  const amount = parseUnits(opts.amount, decimals);
  if (amount === 0n) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--amount ${opts.amount} is zero in ${opts.token} units (${decimals} decimals)`,
      {
        field: 'amount',
        value: opts.amount,
      },
    );
  }
  const key = devnetKey(opts.keyIndex);
  const clients = createEvmClients({
    rpcUrl: c.rpcUrl,
    chainId: c.chainId,
    privateKey: key,
    pollingIntervalMs: 50,
  });
  const depositor = clients.walletClient.account.address;
  const vault = c.deployment.app.vault;
  const balance = await clients.publicClient.readContract({
    address: token,
    abi: mockERC20Abi,
    functionName: 'balanceOf',
    args: [depositor],
  });
  // Mint, approve and deposit go out together with consecutive nonces: one block, not three.
  let nonce = await clients.publicClient.getTransactionCount({ address: depositor, blockTag: 'pending' });
  const pre: Hex[] = [];
  if (balance < amount) {
    pre.push(
      await clients.walletClient.writeContract({
        address: token,
        abi: mockERC20Abi,
        functionName: 'mint',
        args: [depositor, amount - balance],
        nonce: nonce++,
      }),
    );
  }
  pre.push(
    await clients.walletClient.writeContract({
      address: token,
      abi: mockERC20Abi,
      functionName: 'approve',
      args: [vault, amount],
      nonce: nonce++,
    }),
  );
  const t0 = Date.now();
  const txHash = await clients.walletClient.writeContract({
    address: vault,
    abi: marginVaultAbi,
    functionName: 'deposit',
    args: [token, amount],
    nonce: nonce++,
    gas: 500_000n,
  });
  for (const h of pre) await waitForSuccess(clients, h, 'mint/approve');
  const receipt = await waitForSuccess(clients, txHash, `MarginVault.deposit on ${c.name}`);
  const includedMs = Date.now() - t0;
  const ev = parseEventLogs({ abi: marginVaultAbi, logs: receipt.logs, eventName: 'Deposited' })[0];
  if (ev === undefined) {
    throw new DevnetError(
      'DEVNET_TX_FAILED',
      `deposit tx ${txHash} on ${c.name} emitted no Deposited event`,
      {
        txHash,
      },
    );
  }
  const messageId = (ev.args as { messageId: Hex }).messageId;
  print(
    `deposited ${opts.amount} ${opts.token} (${amount} atomic) on ${c.name} from ${depositor}: tx ${txHash}, message ${messageId} (block after ${(includedMs / 1000).toFixed(2)}s)`,
  );
  if (opts.wait === false) {
    return { chain: c.name, token: opts.token, amount, depositor, txHash, messageId, includedMs };
  }
  let provisionalMs: number | undefined;
  let finalMs: number | undefined;
  let result: string | undefined;
  const end = t0 + (opts.timeoutMs ?? 60_000);
  while (Date.now() < end && finalMs === undefined) {
    const s = await hubMessageStatus(w.hub.url, messageId).catch(() => undefined);
    if (s !== undefined) {
      result = s.result;
      if (provisionalMs === undefined) {
        provisionalMs = Date.now() - t0;
        print(`  hub: ${s.stage} credit after ${(provisionalMs / 1000).toFixed(2)}s (${s.result})`);
      }
      if (s.stage === 'final') {
        finalMs = Date.now() - t0;
        print(`  hub: final after ${(finalMs / 1000).toFixed(2)}s`);
      }
    }
    if (finalMs === undefined) await new Promise((r) => setTimeout(r, 100));
  }
  if (finalMs === undefined) print(`  hub: not final after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return {
    chain: c.name,
    token: opts.token,
    amount,
    depositor,
    txHash,
    messageId,
    includedMs,
    ...(provisionalMs === undefined ? {} : { provisionalMs }),
    ...(finalMs === undefined ? {} : { finalMs }),
    ...(result === undefined ? {} : { result }),
  };
}

/** Options of {@link devnetAccount}. */
export interface AccountOpts {
  readonly home?: string;
  /** A devnet key index, or an address (`umg1…` hub account or `0x…` EVM address). */
  readonly keyIndex?: number;
  readonly address?: string;
}

/** An account as {@link devnetAccount} gathers it. */
export interface AccountView {
  readonly hubAddress?: string;
  readonly evmAddress?: Address;
  /** `GET /v1/accounts/:address` (number, sequence, linked EVM addresses, fee balances). */
  readonly account?: unknown;
  /** `GET /v1/bridge/balances/:owner` rows: domain, token, symbol, stage, amount. */
  readonly collateral: readonly {
    domain: number;
    token: string;
    symbol: string;
    stage: string;
    amount: string;
  }[];
  /** Collateral held under the EVM address while no account is linked. */
  readonly held: readonly { domain: number; token: string; symbol: string; stage: string; amount: string }[];
  /** `GET /v1/bridge/positions/:owner`. */
  readonly positions: unknown;
  /** Wallet balances per chain and token symbol (atomic units, decimal strings). */
  readonly wallets: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

async function getJsonOr<T>(url: string, dflt: T): Promise<T> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!r.ok) return dflt;
    return (await r.json()) as T;
  } catch {
    return dflt;
  }
}

/** Gathers an account's hub view and its wallets on every chain. */
export async function devnetAccount(opts: AccountOpts): Promise<AccountView> {
  const w = readWorldFile(opts.home);
  let hubAddress: string | undefined;
  let evmAddress: Address | undefined;
  if (opts.keyIndex !== undefined) {
    const key = devnetKey(opts.keyIndex);
    hubAddress = hubAddressOfKey(key);
    evmAddress = privateKeyToAddress(key);
  } else if (opts.address?.startsWith('umg1')) {
    hubAddress = opts.address;
  } else if (opts.address !== undefined && /^0x[0-9a-fA-F]{40}$/.test(opts.address)) {
    evmAddress = getAddress(opts.address);
  } else {
    throw new DevnetError('DEVNET_BAD_ARGUMENT', 'pass --key-index I or --address (umg1… or 0x…)', {
      field: 'address',
      value: opts.address,
    });
  }
  const account =
    hubAddress === undefined
      ? undefined
      : await getJsonOr<unknown>(`${w.hub.url}/v1/accounts/${hubAddress}`, undefined);
  // The hub links a signer's own EVM address automatically: show it as the wallet address.
  if (evmAddress === undefined && account !== undefined) {
    const linked =
      (account as { evm_addresses?: string[]; linked_evm_addresses?: string[] }).evm_addresses ??
      (account as { linked_evm_addresses?: string[] }).linked_evm_addresses;
    if (linked?.[0] !== undefined) evmAddress = getAddress(linked[0]);
  }
  type Row = { domain: number; token: string; symbol: string; stage: string; amount: string };
  const collateral =
    hubAddress === undefined
      ? []
      : (
          await getJsonOr<{ balances: Row[] }>(`${w.hub.url}/v1/bridge/balances/${hubAddress}`, {
            balances: [],
          })
        ).balances;
  const held =
    evmAddress === undefined
      ? []
      : (
          await getJsonOr<{ balances: Row[] }>(
            `${w.hub.url}/v1/bridge/balances/${evmAddress.toLowerCase()}`,
            { balances: [] },
          )
        ).balances;
  // Positions are keyed by the EVM owner on each chain.
  const positions =
    evmAddress === undefined
      ? undefined
      : await getJsonOr<unknown>(`${w.hub.url}/v1/bridge/positions/${evmAddress}`, undefined);
  const wallets: Record<string, Record<string, string>> = {};
  // Keys in world order (the reads below finish in any order).
  for (const c of w.chains) wallets[c.name] = {};
  if (evmAddress !== undefined) {
    await Promise.all(
      w.chains.map(async (c) => {
        const clients = createEvmClients({ rpcUrl: c.rpcUrl, chainId: c.chainId, privateKey: devnetKey(0) });
        const out: Record<string, string> = {};
        for (const [sym, addr] of Object.entries(c.deployment.app.tokens)) {
          const b = await clients.publicClient.readContract({
            address: addr,
            abi: mockERC20Abi,
            functionName: 'balanceOf',
            args: [evmAddress!],
          });
          out[sym] = b.toString();
        }
        wallets[c.name] = out;
      }),
    );
  }
  return {
    ...(hubAddress === undefined ? {} : { hubAddress }),
    ...(evmAddress === undefined ? {} : { evmAddress }),
    ...(account === undefined ? {} : { account }),
    collateral,
    held,
    positions,
    wallets,
  };
}

/** Renders an {@link AccountView} as text (amounts in whole tokens). */
export function renderAccount(v: AccountView, w: WorldFile): string {
  const dec = (sym: string) => w.tokens.find((t) => t.symbol === sym)?.decimals ?? 0;
  const chainName = (domain: number) => w.chains.find((c) => c.domain === domain)?.name ?? String(domain);
  const lines: string[] = [];
  lines.push(`hub account ${v.hubAddress ?? '—'}   EVM ${v.evmAddress ?? '—'}`);
  lines.push('collateral on the hub (by domain and stage):');
  if (v.collateral.length === 0 && v.held.length === 0) lines.push('  none');
  for (const r of v.collateral) {
    lines.push(
      `  ${chainName(r.domain).padEnd(8)} ${r.symbol.padEnd(5)} ${r.stage.padEnd(12)} ${formatUnits(BigInt(r.amount), dec(r.symbol))}`,
    );
  }
  for (const r of v.held) {
    lines.push(
      `  ${chainName(r.domain).padEnd(8)} ${r.symbol.padEnd(5)} ${r.stage.padEnd(12)} ${formatUnits(BigInt(r.amount), dec(r.symbol))} (held for the EVM address; not linked yet)`,
    );
  }
  lines.push('wallets:');
  for (const [chain, toks] of Object.entries(v.wallets)) {
    lines.push(
      `  ${chain.padEnd(8)} ${Object.entries(toks)
        .map(([s, a]) => `${s} ${formatUnits(BigInt(a), dec(s))}`)
        .join('   ')}`,
    );
  }
  const pos = (v.positions as { positions?: unknown[] } | undefined)?.positions ?? [];
  lines.push(`positions mirrored on the hub: ${pos.length}`);
  return lines.join('\n');
}
