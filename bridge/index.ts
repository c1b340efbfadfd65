/**
 * Public surface of the pure bridge core: Hyperlane v3 message codec and id, the depth-32
 * incremental merkle tree with proofs from stored subtree roots, checkpoint / EIP-191 /
 * announcement digests, OpenZeppelin-exact signature recovery on native libsecp256k1, multisig ISM
 * metadata codecs and verification, and the app payload codec shared with the Solidity contracts.
 * Pure, synchronous, deterministic: no I/O, clocks or randomness. The off-chain agents have their
 * own entry point in `bridge/agents/`.
 */
export * from './core/bytes.ts';
export * from './core/checkpoint.ts';
export * from './core/ecdsa.ts';
export * from './core/errors.ts';
export * from './core/ism.ts';
export * from './core/merkle.ts';
export * from './core/message.ts';
export * from './core/metadata.ts';
export * from './core/payload.ts';
export * from './core/sign.ts';
