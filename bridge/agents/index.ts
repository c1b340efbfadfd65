/**
 * Public surface of the off-chain Hyperlane agents (impure: files, clocks, network): validator,
 * relayer, their configuration in Hyperlane's registry format and the local checkpoint layout.
 */
export * from './announce.ts';
export * from './atomicFile.ts';
export * from './chainMetadata.ts';
export * from './checkpointStorage.ts';
export * from './errors.ts';
export * from './evmAbi.ts';
export * from './evmOrigin.ts';
export * from './highWaterMark.ts';
export * from './hubApi.ts';
export * from './hubOrigin.ts';
export * from './hubTx.ts';
export * from './metrics.ts';
export * from './relayer.ts';
export * from './relayerServer.ts';
export * from './relayerStore.ts';
export * from './relayOne.ts';
export * from './retry.ts';
export * from './signatures.ts';
export * from './validator.ts';
