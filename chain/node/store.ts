/**
 * What the node needs of `state/`: the committed store with a synchronous view for the STF and
 * one atomic batch per block. Implemented by state/'s HubStore (see adapter in openNodeStore).
 */
import type { StateChanges, StateView } from '../../state/types.ts';

export interface CommitTx {
  hash: Uint8Array;
  senders: string[];
  txBytes: Uint8Array;
  resultBytes: Uint8Array;
}

export interface CommitInput {
  height: bigint;
  blockHash: Uint8Array;
  blockBytes: Uint8Array;
  txs: CommitTx[];
  changes: StateChanges;
  /** Node records written in the same batch (key → value). */
  extra: [Uint8Array, Uint8Array][];
}

export interface StoredTx {
  height: bigint;
  index: number;
  txBytes: Uint8Array;
  resultBytes: Uint8Array;
}

export interface NodeStore {
  /** Last committed height (0 after genesis only). */
  readonly height: bigint;
  /** State root after the last committed block. */
  readonly root: Uint8Array;
  view(): StateView;
  commitBlock(input: CommitInput): Promise<Uint8Array>;
  getBlock(height: bigint): Promise<Uint8Array | undefined>;
  getTx(hash: Uint8Array): Promise<StoredTx | undefined>;
  txsBySender(
    sender: string,
    opts: { page: number; perPage: number; order: 'asc' | 'desc' },
  ): Promise<{ total: number; txs: (StoredTx & { hash: Uint8Array })[] }>;
  getAt(key: Uint8Array, height: bigint): Promise<Uint8Array | undefined>;
  rootAt(height: bigint): Promise<Uint8Array | undefined>;
  getExtra(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Value and encoded SMT proof of `key` against the root after block `height`. */
  proof(
    key: Uint8Array,
    height: bigint,
  ): Promise<{ root: Uint8Array; value: Uint8Array | undefined; proof: Uint8Array } | undefined>;
  close(): Promise<void>;
}
