/** chain/governance: timelocked changes of security-relevant config (pure). See README.md. */
export * from './apply.ts';
export * from './codec.ts';
export * from './endBlock.ts';
export * from './oracleGuard.ts';
export * from './query.ts';
export * from './state.ts';
