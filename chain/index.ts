/** The pure core of the hub: types, codecs, the STF and its rules. */
export * from './accounts.ts';
export { linkEvmAddressText } from './auth/link.ts';
export * from './block.ts';
export * from './codec/messages.ts';
export { defineMessage, type MessageCodec, ProtoDecodeError } from './codec/proto.ts';
export * from './crypto.ts';
export * from './errors.ts';
export * from './genesis.ts';
export * from './hyperlane/index.ts';
export * from './keys.ts';
export * from './ledger/index.ts';
export { handlerFor, type MsgContext, type MsgHandler, type MsgResult, registeredTypes } from './msgs.ts';
export * from './params.ts';
export * from './stf/applyBlock.ts';
export { type AnteOpts, anteCheck, executeTx } from './stf/applyTx.ts';
export * from './tx.ts';
