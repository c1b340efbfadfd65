/**
 * `devnet/evm`: local EVM chains for the devnet and e2e tests — anvil processes tracked by PID,
 * Hyperlane core deployed with viem from `@hyperlane-xyz/core`'s artifacts, and our contracts.
 */
export * from './anvil.ts';
export * from './clients.ts';
export * from './deployHyperlane.ts';
export * from './deployUnimargin.ts';
export * from './startEvmChain.ts';
