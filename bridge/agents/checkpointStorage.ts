/**
 * Hyperlane's local checkpoint storage layout (the Rust agents' `file://` checkpoint syncer), written
 * by our validators and read by our relayers — and readable by Hyperlane's own relayer:
 *
 * | file | content |
 * | --- | --- |
 * | `{index}_with_id.json` | a signed (checkpoint, message id), JSON below |
 * | `index.json` | the highest signed index, a bare number |
 * | `announcement.json` | the signed announcement of this storage location |
 * | `metadata_latest.json` | agent metadata `{"git_sha": …}` |
 * | `reorg_flag.json` | the reorg event that halted the validator |
 *
 * A checkpoint file is serde's rendering of `SignedType<CheckpointWithMessageId>`:
 * `{"value":{"checkpoint":{"merkle_tree_hook_address","mailbox_domain","root","index"},"message_id"},
 * "signature":{"r","s","v"},"serialized_signature"}` — words as 0x hex, `r`/`s` as U256 quantities
 * (minimal hex), `v` 27 or 28, `serialized_signature` the 65 bytes `r ‖ s ‖ v`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bytesToHex, type Checkpoint, type Hex, hexToBytes, normalizeBytes32 } from '../index.ts';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from './atomicFile.ts';
import type { ReorgPeriod } from './chainMetadata.ts';
import { AgentError } from './errors.ts';

/** A checkpoint with its 65-byte signature, as stored. */
export interface SignedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** 65 bytes r ‖ s ‖ v. */
  readonly signature: Uint8Array;
}

/** A ValidatorAnnounce announcement (what `announcement.json` and the contract record). */
export interface Announcement {
  /** The validator's EVM address. */
  readonly validator: Hex;
  /** The origin mailbox as bytes32. */
  readonly mailbox: Hex;
  /** The origin domain. */
  readonly domain: number;
  /** Where its checkpoints are (`file:///abs/path`). */
  readonly storageLocation: string;
}

/** What `reorg_flag.json` holds (Hyperlane's `ReorgEvent`). */
export interface ReorgEvent {
  /** The root this validator built and signed. */
  readonly localMerkleRoot: Hex;
  /** The root the origin reports now. */
  readonly canonicalMerkleRoot: Hex;
  /** The checkpoint index at which they differ. */
  readonly checkpointIndex: number;
  /** Detection time, unix seconds. */
  readonly unixTimestamp: number;
  readonly reorgPeriod: ReorgPeriod;
}

function quantity(word: Uint8Array): string {
  const h = bytesToHex(word).slice(2).replace(/^0+/, '');
  return `0x${h === '' ? '0' : h}`;
}

function signatureJson(sig: Uint8Array) {
  return {
    r: quantity(sig.subarray(0, 32)),
    s: quantity(sig.subarray(32, 64)),
    v: sig[64]!,
  };
}

/** Serde rendering of a signed checkpoint (the `{index}_with_id.json` object). */
export function signedCheckpointToJson(sc: SignedCheckpoint): Record<string, unknown> {
  return {
    value: {
      checkpoint: {
        merkle_tree_hook_address: normalizeBytes32(sc.checkpoint.merkleTreeHook),
        mailbox_domain: sc.checkpoint.origin,
        root: normalizeBytes32(sc.checkpoint.root),
        index: sc.checkpoint.index,
      },
      message_id: normalizeBytes32(sc.checkpoint.messageId),
    },
    signature: signatureJson(sc.signature),
    serialized_signature: bytesToHex(sc.signature),
  };
}

function invalid(where: string, what: string): AgentError {
  return new AgentError('AGENT_FILE_INVALID', `${where}: ${what}`, { field: where });
}

/**
 * Parses a `{index}_with_id.json` object. The signature is taken from `serialized_signature` (the
 * bytes the ISM reads); `signature.{r,s,v}` must agree with it. Throws `AGENT_FILE_INVALID`.
 */
export function signedCheckpointFromJson(raw: unknown, where = 'checkpoint'): SignedCheckpoint {
  try {
    const o = raw as {
      value: {
        checkpoint: { merkle_tree_hook_address: string; mailbox_domain: number; root: string; index: number };
        message_id: string;
      };
      signature?: { r: string; s: string; v: number };
      serialized_signature: string;
    };
    const c = o.value.checkpoint;
    if (!Number.isInteger(c.mailbox_domain) || !Number.isInteger(c.index)) throw new Error('domain/index');
    const signature = hexToBytes(o.serialized_signature, 'serialized_signature', 65);
    if (o.signature !== undefined) {
      const parts = signatureJson(signature);
      if (
        BigInt(o.signature.r) !== BigInt(parts.r) ||
        BigInt(o.signature.s) !== BigInt(parts.s) ||
        Number(o.signature.v) !== parts.v
      ) {
        throw new Error('signature {r,s,v} disagrees with serialized_signature');
      }
    }
    return {
      checkpoint: {
        origin: c.mailbox_domain,
        merkleTreeHook: normalizeBytes32(c.merkle_tree_hook_address as Hex),
        root: normalizeBytes32(c.root as Hex),
        index: c.index,
        messageId: normalizeBytes32(o.value.message_id as Hex),
      },
      signature,
    };
  } catch (e) {
    throw invalid(where, `not a signed checkpoint with id (${(e as Error).message})`);
  }
}

/** Serde rendering of a signed announcement (`announcement.json`). */
export function announcementToJson(a: Announcement, signature: Uint8Array): Record<string, unknown> {
  return {
    value: {
      validator: a.validator.toLowerCase(),
      mailbox_address: normalizeBytes32(a.mailbox),
      mailbox_domain: a.domain,
      storage_location: a.storageLocation,
    },
    signature: signatureJson(signature),
    serialized_signature: bytesToHex(signature),
  };
}

/** `file://` URL of a directory (what a validator announces). */
export function storageLocationOf(dir: string): string {
  return pathToFileURL(resolve(dir)).href;
}

/** The directory of a `file://` storage location; `AGENT_CONFIG_INVALID` for other schemes. */
export function storageDirOf(location: string): string {
  if (!location.startsWith('file://')) {
    throw new AgentError(
      'AGENT_CONFIG_INVALID',
      `storage location ${JSON.stringify(location.slice(0, 80))} is not supported: only file:// locations are read`,
      { field: 'storageLocation', value: location.slice(0, 80), limit: 'file://' },
    );
  }
  return fileURLToPath(location);
}

/**
 * One validator's checkpoint directory. Writes are atomic (temp file + rename) so a reader never
 * sees a torn checkpoint.
 */
export class LocalCheckpointStorage {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Creates the directory if needed. */
  ensure(): this {
    mkdirSync(this.dir, { recursive: true });
    return this;
  }

  /** `file://` location of this directory. */
  get location(): string {
    return storageLocationOf(this.dir);
  }

  /** Path of `{index}_with_id.json`. */
  checkpointPath(index: number): string {
    return join(this.dir, `${index}_with_id.json`);
  }

  /** Writes `{index}_with_id.json`. */
  writeCheckpoint(sc: SignedCheckpoint): void {
    writeJsonAtomic(this.checkpointPath(sc.checkpoint.index), signedCheckpointToJson(sc));
  }

  /** Reads `{index}_with_id.json`, or undefined when absent. */
  readCheckpoint(index: number): SignedCheckpoint | undefined {
    const path = this.checkpointPath(index);
    const raw = readJsonFile(path);
    return raw === undefined ? undefined : signedCheckpointFromJson(raw, path);
  }

  /** Writes `index.json` (a bare number, as the Rust syncer does). */
  writeLatestIndex(index: number): void {
    writeFileAtomic(join(this.dir, 'index.json'), String(index));
  }

  /** Reads `index.json`, or undefined. */
  readLatestIndex(): number | undefined {
    const path = join(this.dir, 'index.json');
    if (!existsSync(path)) return undefined;
    const n = Number(readFileSync(path, 'utf8').trim());
    if (!Number.isInteger(n) || n < 0) throw invalid(path, 'not a leaf index');
    return n;
  }

  /** Writes `announcement.json`. */
  writeAnnouncement(a: Announcement, signature: Uint8Array): void {
    writeJsonAtomic(join(this.dir, 'announcement.json'), announcementToJson(a, signature));
  }

  /** Reads `announcement.json` raw, or undefined. */
  readAnnouncement(): Record<string, unknown> | undefined {
    return readJsonFile(join(this.dir, 'announcement.json')) as Record<string, unknown> | undefined;
  }

  /** Writes `metadata_latest.json` (Hyperlane's `AgentMetadata`: `git_sha`). */
  writeMetadata(gitSha: string): void {
    writeJsonAtomic(join(this.dir, 'metadata_latest.json'), { git_sha: gitSha });
  }

  /** Writes `reorg_flag.json` (Hyperlane's `ReorgEvent` field names). */
  writeReorgFlag(ev: ReorgEvent): void {
    writeJsonAtomic(join(this.dir, 'reorg_flag.json'), {
      local_merkle_root: ev.localMerkleRoot,
      canonical_merkle_root: ev.canonicalMerkleRoot,
      checkpoint_index: ev.checkpointIndex,
      unix_timestamp: ev.unixTimestamp,
      reorg_period: ev.reorgPeriod,
    });
  }

  /** Reads `reorg_flag.json`, or undefined when there is none. */
  readReorgFlag(): ReorgEvent | undefined {
    const raw = readJsonFile(join(this.dir, 'reorg_flag.json')) as Record<string, unknown> | undefined;
    if (raw === undefined) return undefined;
    return {
      localMerkleRoot: raw.local_merkle_root as Hex,
      canonicalMerkleRoot: raw.canonical_merkle_root as Hex,
      checkpointIndex: raw.checkpoint_index as number,
      unixTimestamp: raw.unix_timestamp as number,
      reorgPeriod: raw.reorg_period as ReorgPeriod,
    };
  }
}
