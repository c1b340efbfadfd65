/** chain/oracle: the oracle committee, signed observations and their medians (pure). */
export * from './aggregate.ts';
export * from './apply.ts';
export * from './codec.ts';
export * from './observation.ts';
export * from './state.ts';
