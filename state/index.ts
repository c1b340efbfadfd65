/**
 * `state/` public surface: the key-value stores, the hub store (committed state, views, atomic
 * per-block commit, block/tx indexes, historical reads and proofs, verify), the sparse Merkle tree
 * and the pure proof verifier. Browsers and light clients import `state/proof.ts` directly (it has
 * no `node:` imports).
 */
export { bytesEqual, bytesToHex, compareBytes, hexToBytes } from './bytes.ts';
export {
  isStateError,
  STATE_ERROR_CODES,
  StateError,
  type StateErrorCode,
  type StateErrorMeta,
} from './errors.ts';
export { sha256 } from './hash.ts';
export {
  type CommitBlockInput,
  type CommitTx,
  HubStore,
  type HubStoreOpenOpts,
  MAX_TXS_PER_PAGE,
  type StateProofResult,
  type StoredTx,
  type TxsBySenderOpts,
  type VerifyReport,
} from './hubStore.ts';
export { KEY_PREFIX, MAX_SENDER_BYTES } from './keys.ts';
export {
  type KvFaultHook,
  type KvFaultPoint,
  type KvIterateOpts,
  type KvOp,
  type KvStore,
  type KvWriteOpts,
  MemoryKv,
  type MemoryKvOpts,
} from './kv.ts';
export { LevelKv, type LevelKvOpts } from './levelKv.ts';
export {
  decodeProof,
  EMPTY_HASH,
  encodeProof,
  hashKey,
  hashLeaf,
  hashNode,
  hashValue,
  proofFromHex,
  proofRoot,
  proofToHex,
  type SmtProof,
  type SmtTerminal,
  verifyProof,
} from './proof.ts';
export { type PendingTreeUpdate, prepareTreeChanges, SparseMerkleTree, type TreeChanges } from './smt.ts';
export type { StateChanges, StateReader, StateView } from './types.ts';
export { computeRootFromEntries, LeafSet } from './verify.ts';
