/**
 * Public surface of the pure bridge core (Hyperlane codecs, tree, digests, ISM verification, app
 * payloads). Pure, synchronous, deterministic: no I/O, clocks or randomness. The off-chain agents
 * have their own entry point in `bridge/agents/`.
 */
export * from './core/bytes.ts';
export * from './core/errors.ts';
export * from './core/payload.ts';
