/**
 * Deploys our EVM contracts (from `contracts-abi/`'s generated ABIs and bytecode) onto a chain that
 * already has Hyperlane core (`deployHyperlaneCore`): the hub's MessageIdMultisigIsm, MockERC20 tokens,
 * the MarginVault, the PositionAdapter and the sample perpetual and option markets, configured and
 * funded for a devnet.
 */
import { type Address, type Hex, pad, stringToHex } from 'viem';
import {
  marginVaultAbi,
  marginVaultBytecode,
  mockERC20Abi,
  mockERC20Bytecode,
  positionAdapterAbi,
  positionAdapterBytecode,
  sampleOptionMarketAbi,
  sampleOptionMarketBytecode,
  samplePerpMarketAbi,
  samplePerpMarketBytecode,
} from '../../contracts-abi/index.ts';
import { DevnetEvmError } from './anvil.ts';
import { deployBytecode, type EvmClients, waitForSuccess } from './clients.ts';
import { deployMultisigIsm, type HyperlaneCoreAddresses } from './deployHyperlane.ts';

/** The hub's Hyperlane domain id, ASCII "UMRG" (`MarginVault.HUB_DOMAIN`). */
export const HUB_DOMAIN = 0x554d5247;

/** A token to deploy as MockERC20. */
export type TokenSpec = {
  symbol: string;
  name: string;
  /** Decimals (USDC 6, WETH 18, WBTC 8). */
  decimals: number;
  /** Vault release cap per hour window, atomic units; default 10^(decimals + 7) (ten million tokens). */
  releaseCapPerHour?: bigint;
};

/** A perpetual to list on the sample perp market (settled in the settlement token). */
export type PerpSpec = {
  /** Human name, turned into the instrument id by {@link instrumentIdOf} (≤ 32 ASCII bytes). */
  name: string;
  /** Mark price in settlement-token atomic units per whole unit (e.g. 3000e6 for $3000 in USDC). */
  markPrice: bigint;
  /** Standalone IM rate on notional, ppm (default 100 000 = 10 %). */
  imRatePpm?: number;
};

/** A European option to list on the sample option market. */
export type OptionSpec = {
  name: string;
  isCall: boolean;
  /** Strike, settlement-token atomic units per whole unit. */
  strike: bigint;
  /** Expiry, unix seconds. */
  expirySec: bigint;
  /** Premium mark, settlement-token atomic units per whole unit. */
  premiumMark: bigint;
  /** Underlying price, settlement-token atomic units per whole unit (the adapter's risk price). */
  underlyingPrice: bigint;
  /** Standalone IM rate on underlying notional, ppm (default 150 000 = 15 %). */
  imRatePpm?: number;
};

/** Options of {@link deployUnimarginContracts}. */
export type DeployUnimarginOpts = {
  core: HyperlaneCoreAddresses;
  /** The hub's sender identity on HUB_DOMAIN (bytes32) — what `handle` accepts. */
  hubSender: Hex;
  /** Where DEPOSIT / POSITION / ACK go on the hub (bytes32); default `hubSender`. */
  hubRecipient?: Hex;
  /** The hub validators and threshold of the hub's MessageIdMultisigIsm on this chain. */
  hubValidators: readonly Address[];
  hubThreshold: number;
  /** Owner of our contracts; default: the deploying account. */
  owner?: Address;
  /** Tokens; default USDC (6), WETH (18), WBTC (8). The first one settles the sample markets. */
  tokens?: readonly TokenSpec[];
  /** Perpetuals; default ETH-PERP at $3000 and BTC-PERP at $60 000. */
  perps?: readonly PerpSpec[];
  /** Options; default one ETH call and one ETH put, strikes 3500 / 2500, expiring in 30 days. */
  options?: readonly OptionSpec[];
  /** Settlement-token liquidity minted to each market (atomic units); default 10 million tokens. */
  marketLiquidity?: bigint;
};

/** Addresses of our contracts on one chain. */
export type UnimarginEvmAddresses = {
  /** The hub's StaticMessageIdMultisigIsm (what vault and adapter return from `interchainSecurityModule()`). */
  hubIsm: Address;
  vault: Address;
  adapter: Address;
  perpMarket: Address;
  optionMarket: Address;
  /** MockERC20 address by symbol. */
  tokens: Record<string, Address>;
  /** Token decimals by symbol. */
  tokenDecimals: Record<string, number>;
  /** The settlement token of the sample markets (symbol). */
  settlementToken: string;
  /** Instrument id (bytes32) by name, with its market. */
  instruments: Record<string, { id: Hex; market: Address; kind: 'perp' | 'option' }>;
};

/** An instrument id: the ASCII name right-padded to 32 bytes (readable in logs; ≤ 32 bytes). */
export function instrumentIdOf(name: string): Hex {
  if (new TextEncoder().encode(name).length > 32) {
    throw new DevnetEvmError('DEVNET_INSTRUMENT_NAME', `instrument name "${name}" is longer than 32 bytes`, {
      name,
    });
  }
  return stringToHex(name, { size: 32 });
}

/** bytes32 form of an EVM address (12 zero bytes ‖ address). */
export function addressToBytes32(address: Address): Hex {
  return pad(address, { size: 32 }).toLowerCase() as Hex;
}

const DEFAULT_TOKENS: readonly TokenSpec[] = [
  { symbol: 'USDC', name: 'USD Coin (devnet)', decimals: 6 },
  { symbol: 'WETH', name: 'Wrapped Ether (devnet)', decimals: 18 },
  { symbol: 'WBTC', name: 'Wrapped Bitcoin (devnet)', decimals: 8 },
];

// Settlement token with 6 decimals: |size| (1e18 per unit) × price (micro-USD per unit) / 1e18 = micro-USD.
function notionalDivisor(settlementDecimals: number): bigint {
  // USD micro-units = size × price / 1e18 / 10^(decimals − 6); a stablecoin of `decimals` is assumed.
  return 10n ** 18n * 10n ** BigInt(Math.max(0, settlementDecimals - 6));
}

async function write(
  clients: EvmClients,
  what: string,
  request: Parameters<EvmClients['walletClient']['writeContract']>[0],
) {
  const hash = await clients.walletClient.writeContract(request);
  await waitForSuccess(clients, hash, what);
}

/**
 * Deploys and configures our contracts on one chain (see the module comment). Deposits are enabled for
 * every token; the adapter lists every perp and option; markets get settlement-token liquidity.
 */
export async function deployUnimarginContracts(
  clients: EvmClients,
  opts: DeployUnimarginOpts,
): Promise<UnimarginEvmAddresses> {
  const owner = opts.owner ?? clients.walletClient.account.address;
  const deployer = clients.walletClient.account.address;
  const hubRecipient = opts.hubRecipient ?? opts.hubSender;
  const hubIsm = await deployMultisigIsm(clients, opts.core, {
    type: 'messageId',
    validators: opts.hubValidators,
    threshold: opts.hubThreshold,
  });

  const tokenSpecs = opts.tokens ?? DEFAULT_TOKENS;
  const settlement = tokenSpecs[0];
  if (settlement === undefined) {
    throw new DevnetEvmError(
      'DEVNET_NO_TOKENS',
      'at least one token is needed (the first settles the markets)',
    );
  }
  const tokens: Record<string, Address> = {};
  const tokenDecimals: Record<string, number> = {};
  for (const t of tokenSpecs) {
    tokens[t.symbol] = await deployBytecode(
      clients,
      `MockERC20 ${t.symbol}`,
      mockERC20Abi,
      mockERC20Bytecode,
      [t.name, t.symbol, t.decimals],
    );
    tokenDecimals[t.symbol] = t.decimals;
  }
  const settlementToken = tokens[settlement.symbol]!;

  // Deploy with the deployer as owner so that configuration can follow, then hand over.
  const vault = await deployBytecode(clients, 'MarginVault', marginVaultAbi, marginVaultBytecode, [
    opts.core.mailbox,
    opts.hubSender,
    hubRecipient,
    hubIsm,
    deployer,
  ]);
  const adapter = await deployBytecode(
    clients,
    'PositionAdapter',
    positionAdapterAbi,
    positionAdapterBytecode,
    [opts.core.mailbox, opts.hubSender, hubRecipient, hubIsm, deployer, vault],
  );
  const perpMarket = await deployBytecode(
    clients,
    'SamplePerpMarket',
    samplePerpMarketAbi,
    samplePerpMarketBytecode,
    [adapter, settlementToken, deployer],
  );
  const optionMarket = await deployBytecode(
    clients,
    'SampleOptionMarket',
    sampleOptionMarketAbi,
    sampleOptionMarketBytecode,
    [adapter, settlementToken, deployer],
  );

  for (const t of tokenSpecs) {
    const cap = t.releaseCapPerHour ?? 10n ** BigInt(t.decimals + 7);
    await write(clients, `setTokenConfig ${t.symbol}`, {
      address: vault,
      abi: marginVaultAbi,
      functionName: 'setTokenConfig',
      args: [tokens[t.symbol]!, true, cap],
    });
  }

  const divisor = notionalDivisor(settlement.decimals);
  const unit = 10n ** BigInt(settlement.decimals);
  const instruments: UnimarginEvmAddresses['instruments'] = {};
  const perps = opts.perps ?? [
    { name: 'ETH-PERP', markPrice: 3000n * unit },
    { name: 'BTC-PERP', markPrice: 60_000n * unit },
  ];
  for (const p of perps) {
    const id = instrumentIdOf(p.name);
    await write(clients, `listPerp ${p.name}`, {
      address: perpMarket,
      abi: samplePerpMarketAbi,
      functionName: 'listPerp',
      args: [id, p.markPrice],
    });
    await write(clients, `adapter.listInstrument ${p.name}`, {
      address: adapter,
      abi: positionAdapterAbi,
      functionName: 'listInstrument',
      args: [id, perpMarket, settlementToken, p.imRatePpm ?? 100_000, divisor],
    });
    instruments[p.name] = { id, market: perpMarket, kind: 'perp' };
  }
  let options = opts.options;
  if (options === undefined) {
    const now = (await clients.publicClient.getBlock()).timestamp;
    const expirySec = now + 30n * 86_400n;
    options = [
      {
        name: 'ETH-C-3500-30D',
        isCall: true,
        strike: 3500n * unit,
        expirySec,
        premiumMark: 60n * unit,
        underlyingPrice: 3000n * unit,
      },
      {
        name: 'ETH-P-2500-30D',
        isCall: false,
        strike: 2500n * unit,
        expirySec,
        premiumMark: 40n * unit,
        underlyingPrice: 3000n * unit,
      },
    ];
  }
  for (const o of options) {
    const id = instrumentIdOf(o.name);
    await write(clients, `listOption ${o.name}`, {
      address: optionMarket,
      abi: sampleOptionMarketAbi,
      functionName: 'listOption',
      args: [id, o.isCall, o.strike, o.expirySec, o.premiumMark, o.underlyingPrice],
    });
    await write(clients, `adapter.listInstrument ${o.name}`, {
      address: adapter,
      abi: positionAdapterAbi,
      functionName: 'listInstrument',
      args: [id, optionMarket, settlementToken, o.imRatePpm ?? 150_000, divisor],
    });
    instruments[o.name] = { id, market: optionMarket, kind: 'option' };
  }

  const liquidity = opts.marketLiquidity ?? 10_000_000n * unit;
  for (const m of [perpMarket, optionMarket]) {
    await write(clients, 'mint market liquidity', {
      address: settlementToken,
      abi: mockERC20Abi,
      functionName: 'mint',
      args: [m, liquidity],
    });
  }

  if (owner.toLowerCase() !== deployer.toLowerCase()) {
    for (const [address, abi] of [
      [vault, marginVaultAbi],
      [adapter, positionAdapterAbi],
      [perpMarket, samplePerpMarketAbi],
      [optionMarket, sampleOptionMarketAbi],
    ] as const) {
      await write(clients, 'transferOwnership', {
        address,
        abi: abi as typeof marginVaultAbi,
        functionName: 'transferOwnership',
        args: [owner],
      });
    }
  }

  return {
    hubIsm,
    vault,
    adapter,
    perpMarket,
    optionMarket,
    tokens,
    tokenDecimals,
    settlementToken: settlement.symbol,
    instruments,
  };
}
