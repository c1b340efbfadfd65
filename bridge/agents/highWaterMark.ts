/**
 * The validator's durable promise never to sign two roots for one index: the highest checkpoint it
 * has signed (index, root, message id), written atomically BEFORE the checkpoint files it covers.
 *
 * Why one record is enough: the validator signs leaves in index order, from one tree. A tree whose
 * root after `index + 1` leaves equals the recorded root holds the same leaves (keccak collision
 * resistance), hence the same root at every earlier index. So on restart the validator rebuilds its
 * tree from the origin and compares its root at the high-water index with the record: equal, and
 * it may (re)write any missing file at or below the mark — the same checkpoint, and with RFC 6979
 * the same signature; different, and the origin disagrees with what was signed: a reorg, halt.
 * Above the mark it signs freely.
 */
import { type Hex, normalizeBytes32 } from '../index.ts';
import { readJsonFile, writeJsonAtomic } from './atomicFile.ts';
import { AgentError } from './errors.ts';

/** The record. */
export interface HighWaterMarkRecord {
  readonly origin: number;
  readonly merkleTreeHook: Hex;
  /** Highest signed leaf index. */
  readonly index: number;
  /** The root signed at `index`. */
  readonly root: Hex;
  /** The message id at `index`. */
  readonly messageId: Hex;
}

/** A high-water mark kept in one JSON file. */
export class HighWaterMark {
  private rec: HighWaterMarkRecord | undefined;

  private constructor(
    readonly path: string,
    rec: HighWaterMarkRecord | undefined,
  ) {
    this.rec = rec;
  }

  /**
   * Opens the file at `path` (absent = nothing signed yet). Throws `AGENT_FILE_INVALID` when the
   * file is malformed, and `AGENT_CONFIG_INVALID` when it belongs to another origin or tree hook.
   */
  static open(path: string, origin: number, merkleTreeHook: Hex): HighWaterMark {
    const raw = readJsonFile(path) as Partial<HighWaterMarkRecord> | undefined;
    if (raw === undefined) return new HighWaterMark(path, undefined);
    if (
      typeof raw.origin !== 'number' ||
      typeof raw.index !== 'number' ||
      typeof raw.root !== 'string' ||
      typeof raw.messageId !== 'string' ||
      typeof raw.merkleTreeHook !== 'string'
    ) {
      throw new AgentError('AGENT_FILE_INVALID', `${path} is not a high-water mark record`, { field: path });
    }
    const hook = normalizeBytes32(merkleTreeHook);
    if (raw.origin !== origin || normalizeBytes32(raw.merkleTreeHook as Hex) !== hook) {
      throw new AgentError(
        'AGENT_CONFIG_INVALID',
        `${path} records origin ${raw.origin} / hook ${raw.merkleTreeHook}, but this validator watches origin ${origin} / hook ${hook}`,
        { field: path, value: raw.origin, limit: origin },
      );
    }
    return new HighWaterMark(path, raw as HighWaterMarkRecord);
  }

  /** The current record, or undefined before the first signature. */
  get current(): HighWaterMarkRecord | undefined {
    return this.rec;
  }

  /**
   * Refuses (`AGENT_DOUBLE_SIGN_REFUSED`) a checkpoint at the mark's index with another root or id;
   * answers whether `index` is above the mark (a fresh signature) or at/below it (only a re-write
   * of a checkpoint the caller has shown to lie on the same tree).
   */
  check(index: number, root: Hex, messageId: Hex): 'above' | 'atOrBelow' {
    const r = this.rec;
    if (r === undefined || index > r.index) return 'above';
    if (
      index === r.index &&
      (normalizeBytes32(root) !== r.root || normalizeBytes32(messageId) !== r.messageId)
    ) {
      throw new AgentError(
        'AGENT_DOUBLE_SIGN_REFUSED',
        `index ${index} was signed with root ${r.root}; refusing to sign root ${root}`,
        { index, value: root, limit: r.root },
      );
    }
    return 'atOrBelow';
  }

  /**
   * Raises the mark to `rec` (durably, before the caller writes any checkpoint file it covers).
   * Throws `AGENT_DOUBLE_SIGN_REFUSED` if `rec.index` is not above the current mark (or equal with
   * the same root: a no-op).
   */
  advance(rec: HighWaterMarkRecord): void {
    const cur = this.rec;
    const next: HighWaterMarkRecord = {
      origin: rec.origin,
      merkleTreeHook: normalizeBytes32(rec.merkleTreeHook),
      index: rec.index,
      root: normalizeBytes32(rec.root),
      messageId: normalizeBytes32(rec.messageId),
    };
    if (cur !== undefined && next.index <= cur.index) {
      if (this.check(next.index, next.root, next.messageId) === 'atOrBelow' && next.index === cur.index)
        return;
      throw new AgentError(
        'AGENT_DOUBLE_SIGN_REFUSED',
        `high-water mark is at index ${cur.index}; cannot move it back to ${next.index}`,
        { index: next.index, limit: cur.index },
      );
    }
    writeJsonAtomic(this.path, next);
    this.rec = next;
  }
}
