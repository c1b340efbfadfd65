/**
 * Gathering validator signatures from checkpoint storage, as a relayer does: read each validator's
 * `{index}_with_id.json`, keep only checkpoints that name the expected origin, tree hook, index and
 * message id and whose signature recovers to that validator, group them by root, and order a
 * quorum the way the ISM reads it (`orderSignatures`: validator-list order, exactly `threshold`).
 */
import {
  type Checkpoint,
  checkpointDigestBytes,
  type Hex,
  type MultisigConfig,
  normalizeBytes32,
  orderSignatures,
  tryRecoverSigner,
} from '../index.ts';
import { LocalCheckpointStorage, type SignedCheckpoint, storageDirOf } from './checkpointStorage.ts';
import { AgentError } from './errors.ts';

/** A validator set with where each member's checkpoints are. */
export interface ValidatorSet extends MultisigConfig {
  /** Storage location (`file://…`) per validator address (lowercase). A validator without one is skipped. */
  readonly locations: ReadonlyMap<string, string>;
}

/** A quorum: the checkpoint and exactly `threshold` signatures in validator order. */
export interface Quorum {
  readonly checkpoint: Checkpoint;
  readonly signatures: Uint8Array[];
}

const storages = new Map<string, LocalCheckpointStorage>();
function storageAt(location: string): LocalCheckpointStorage {
  let s = storages.get(location);
  if (s === undefined) {
    s = new LocalCheckpointStorage(storageDirOf(location));
    storages.set(location, s);
  }
  return s;
}

function signedBy(sc: SignedCheckpoint, validator: string): boolean {
  const r = tryRecoverSigner(checkpointDigestBytes(sc.checkpoint), sc.signature);
  return r.error === null && r.address === validator;
}

/** Reads one validator's checkpoint at `index`; undefined when absent, malformed or not its signature. */
export function readValidatorCheckpoint(
  location: string,
  validator: string,
  index: number,
): SignedCheckpoint | undefined {
  try {
    const sc = storageAt(location).readCheckpoint(index);
    if (sc === undefined || sc.checkpoint.index !== index) return undefined;
    return signedBy(sc, validator.toLowerCase()) ? sc : undefined;
  } catch {
    // A malformed or half-written file counts as no signature yet.
    return undefined;
  }
}

/** A validator's `index.json`, or undefined. */
export function readValidatorLatestIndex(location: string): number | undefined {
  try {
    return storageAt(location).readLatestIndex();
  } catch {
    return undefined;
  }
}

/**
 * The quorum for checkpoint `index` of (`origin`, `merkleTreeHook`): signatures over one root by at
 * least `threshold` validators, and, when `messageId` is given, naming that message id. Throws
 * `AGENT_SIGNATURES_BELOW_THRESHOLD` (how many were found) otherwise.
 */
export function gatherQuorum(
  set: ValidatorSet,
  origin: number,
  merkleTreeHook: Hex,
  index: number,
  messageId?: Hex,
): Quorum {
  const hook = normalizeBytes32(merkleTreeHook);
  const id = messageId === undefined ? undefined : normalizeBytes32(messageId);
  const byRoot = new Map<string, { checkpoint: Checkpoint; sigs: Map<string, Uint8Array> }>();
  for (const v of set.validators) {
    const addr = v.toLowerCase();
    const loc = set.locations.get(addr);
    if (loc === undefined) continue;
    const sc = readValidatorCheckpoint(loc, addr, index);
    if (sc === undefined) continue;
    const c = sc.checkpoint;
    if (c.origin !== origin || c.merkleTreeHook !== hook || (id !== undefined && c.messageId !== id))
      continue;
    const key = `${c.root}/${c.messageId}`;
    let g = byRoot.get(key);
    if (g === undefined) {
      g = { checkpoint: c, sigs: new Map() };
      byRoot.set(key, g);
    }
    g.sigs.set(addr, sc.signature);
  }
  let best = 0;
  for (const g of byRoot.values()) {
    if (g.sigs.size >= set.threshold) {
      return { checkpoint: g.checkpoint, signatures: orderSignatures(set, g.sigs) };
    }
    best = Math.max(best, g.sigs.size);
  }
  throw new AgentError(
    'AGENT_SIGNATURES_BELOW_THRESHOLD',
    `checkpoint ${index} of origin ${origin}: ${best} matching signatures, threshold ${set.threshold}`,
    {
      domain: origin,
      index,
      value: best,
      limit: set.threshold,
      ...(id === undefined ? {} : { messageId: id }),
    },
  );
}

/**
 * The highest checkpoint index at or above `minIndex` with a quorum (for MsgConfirmFinality and
 * MerkleRoot metadata): the `threshold`-th highest announced `index.json`, then lower ones reported
 * by validators, tried in descending order. Undefined when none at or above `minIndex`.
 */
export function latestQuorum(
  set: ValidatorSet,
  origin: number,
  merkleTreeHook: Hex,
  minIndex = 0,
): Quorum | undefined {
  const latest: number[] = [];
  for (const v of set.validators) {
    const loc = set.locations.get(v.toLowerCase());
    if (loc === undefined) continue;
    const i = readValidatorLatestIndex(loc);
    if (i !== undefined) latest.push(i);
  }
  latest.sort((a, b) => b - a);
  const candidates = [...new Set(latest.slice(set.threshold - 1))];
  for (const c of candidates) {
    if (c < minIndex) break;
    try {
      return gatherQuorum(set, origin, merkleTreeHook, c);
    } catch {
      // Validators disagree or have not all written this index: try the next lower one.
    }
  }
  return undefined;
}
