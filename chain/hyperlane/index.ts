/**
 * Hyperlane inside the hub's STF (pure): the bridge config, MsgProcessMessage,
 * MsgConfirmFinality, MsgSubmitReorgEvidence, the hub's outbound mailbox and tree, and the state
 * records REST serves. See ./README.md for message types, REST shapes and decisions.
 */
export * from './applyConfirmFinality.ts';
export * from './applyProcessMessage.ts';
export * from './applySubmitReorgEvidence.ts';
export * from './codec.ts';
export * from './config.ts';
export * from './constants.ts';
export * from './holds.ts';
export * from './inbound.ts';
export * from './keys.ts';
export * from './outbox.ts';
export * from './records.ts';
