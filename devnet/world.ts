/**
 * The devnet world as data: three anvil chains modelled on real ones (an Ethereum-like L1, an
 * OP-Stack-like L2, an Arbitrum-Nitro-like L2), their Hyperlane identities, finality, validator
 * sets, tokens and the hub. Everything `devnet up` builds is derived from {@link DEVNET_WORLD};
 * its canonical JSON is part of the state-cache key, so changing a figure here rebuilds the cache.
 *
 * Time is compressed so a newcomer sees finality in seconds rather than minutes, keeping the ratios
 * of the real chains: the L2s produce blocks faster than the L1, and each chain's `finalized` tag
 * (anvil: head − 2 × `slotsInAnEpoch`) trails the head by 8 s of blocks — deposit → final ≤ 15 s.
 */

/** One EVM chain of the world. */
export interface WorldChain {
  /** Registry name (`[a-z][a-z0-9]*`): `chains/<name>/metadata.yaml`. */
  readonly name: string;
  readonly displayName: string;
  /** The real chain it imitates (for people reading the summary). */
  readonly modelledOn: 'ethereum' | 'optimism' | 'arbitrum';
  /** Hyperlane registry `technicalStack`. */
  readonly technicalStack: 'other' | 'opstack' | 'arbitrumnitro';
  /** EIP-155 chain id (anvil `--chain-id`). */
  readonly chainId: number;
  /**
   * Hyperlane domain id. Deliberately different from the chain id (Hyperlane allows it; most
   * chains use equal values): any code that confuses the two fails on the devnet, not in production.
   */
  readonly domain: number;
  /** Interval mining, seconds (anvil `--block-time`, fractions allowed). */
  readonly blockTimeS: number;
  /** anvil `--slots-in-an-epoch` N: `safe` = head − N, `finalized` = head − 2N. */
  readonly slotsInAnEpoch: number;
  /** The fast validators' signing depth in blocks (Hyperlane's `reorgPeriod` for this chain, scaled). */
  readonly fastReorgPeriod: number;
  /** Default JSON-RPC port (a free one is used when taken). */
  readonly defaultPort: number;
  /** Fast and final validator sets: `size` keys each (disjoint), `threshold` signatures. */
  readonly fast: { readonly size: number; readonly threshold: number };
  readonly final: { readonly size: number; readonly threshold: number };
  /** Hub bridge config: expected finality and provisional timeout (≥ 2 × expected), ms. */
  readonly expectedFinalityMs: number;
  readonly timeoutMs: number;
  /**
   * Hub margin config: the domain halts when a provisional item has waited this long for the final
   * tier, ms. Below `timeoutMs`, or an item would expire before it could ever halt its domain.
   */
  readonly haltAfterMs: number;
}

/** A token deployed on every chain as MockERC20, with its real-world decimals. */
export interface WorldToken {
  readonly symbol: string;
  readonly name: string;
  readonly decimals: number;
}

/** The whole world. */
export interface World {
  readonly chains: readonly WorldChain[];
  readonly tokens: readonly WorldToken[];
  readonly hub: {
    /** Default RPC/REST/WebSocket port of the hub node. */
    readonly defaultPort: number;
    readonly blockTimeMs: number;
    readonly validators: number;
    readonly threshold: number;
  };
  /** Oracle committee (signers, rules as `chain/oracle`'s OracleConfig), observation interval, path seed. */
  readonly oracle: {
    readonly signers: number;
    readonly committee: {
      readonly minObservations: number;
      readonly superMajority: number;
      readonly windowMs: number;
      readonly maxJumpPpm: number;
      readonly staleWithdrawalsMs: number;
      readonly staleLiquidationsMs: number;
      readonly liquidationGraceMs: number;
    };
    readonly intervalMs: number;
    readonly seed: number;
  };
}

/** The default devnet world. */
export const DEVNET_WORLD: World = {
  chains: [
    {
      name: 'ethdev',
      displayName: 'Ethereum-like L1 (devnet)',
      modelledOn: 'ethereum',
      technicalStack: 'other',
      chainId: 31_001,
      domain: 131_001,
      // Ethereum: 12 s slots, finalized ≈ 2 epochs behind; here 1 s blocks, finalized 8 blocks back.
      blockTimeS: 1,
      slotsInAnEpoch: 4,
      // Hyperlane signs Ethereum at 15 blocks (3 min); here one 1 s block — every chain's fast
      // tier signs about one second behind its head, so deposit → provisional stays within 3 s.
      fastReorgPeriod: 1,
      defaultPort: 8545,
      fast: { size: 3, threshold: 2 },
      final: { size: 3, threshold: 2 },
      expectedFinalityMs: 10_000,
      timeoutMs: 30_000,
      haltAfterMs: 20_000,
    },
    {
      name: 'opdev',
      displayName: 'OP-Stack-like L2 (devnet)',
      modelledOn: 'optimism',
      technicalStack: 'opstack',
      chainId: 31_010,
      domain: 131_010,
      // OP chains: 2 s blocks (4× faster than the L1 here too, relatively: 0.5 s).
      blockTimeS: 0.5,
      slotsInAnEpoch: 8,
      fastReorgPeriod: 2,
      defaultPort: 8546,
      fast: { size: 3, threshold: 2 },
      final: { size: 3, threshold: 2 },
      expectedFinalityMs: 10_000,
      timeoutMs: 30_000,
      haltAfterMs: 20_000,
    },
    {
      name: 'arbdev',
      displayName: 'Arbitrum-Nitro-like L2 (devnet)',
      modelledOn: 'arbitrum',
      technicalStack: 'arbitrumnitro',
      chainId: 31_161,
      domain: 131_161,
      // Arbitrum: 0.25 s blocks; Hyperlane signs it at 5 blocks, here 4 (one second).
      blockTimeS: 0.25,
      slotsInAnEpoch: 16,
      fastReorgPeriod: 4,
      defaultPort: 8547,
      fast: { size: 3, threshold: 2 },
      final: { size: 3, threshold: 2 },
      expectedFinalityMs: 10_000,
      timeoutMs: 30_000,
      haltAfterMs: 20_000,
    },
  ],
  tokens: [
    { symbol: 'USDC', name: 'USD Coin (devnet)', decimals: 6 },
    { symbol: 'WETH', name: 'Wrapped Ether (devnet)', decimals: 18 },
    { symbol: 'WBTC', name: 'Wrapped Bitcoin (devnet)', decimals: 8 },
  ],
  hub: { defaultPort: 26657, blockTimeMs: 250, validators: 3, threshold: 2 },
  // chain/oracle/README.md's devnet figures: 5 signers, k = 3, super-majority 4, window 10 s,
  // max jump 10 %, stale for withdrawals 60 s, for liquidations 300 s, grace 120 s.
  oracle: {
    signers: 5,
    committee: {
      minObservations: 3,
      superMajority: 4,
      windowMs: 10_000,
      maxJumpPpm: 100_000,
      staleWithdrawalsMs: 60_000,
      staleLiquidationsMs: 300_000,
      liquidationGraceMs: 120_000,
    },
    intervalMs: 1000,
    seed: 6,
  },
};

/** The chain named `name`, or undefined. */
export function worldChain(world: World, name: string): WorldChain | undefined {
  return world.chains.find((c) => c.name === name);
}
