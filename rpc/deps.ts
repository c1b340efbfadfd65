/** What rpc/ uses of the chain and node (one place, so the dependency direction stays visible). */
export {
  BlockCodec,
  bech32FromBytes,
  blockHash,
  fromHex,
  parseBech32,
  TxResultCodec,
  toHex,
} from '../chain/index.ts';
export type { HubNode } from '../chain/node/hubNode.ts';
export { abciQuery } from '../chain/node/queries.ts';
