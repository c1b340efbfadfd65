/**
 * The relayer's durable state: per lane (an EVM origin toward the hub, the hub toward EVM chains)
 * the cursor — the lowest leaf index not yet settled — and, for EVM origins, the finality cursor;
 * plus the list of permanent failures. One JSON file, written atomically after each change, so a
 * restart resumes at the cursor and re-checks everything above it (at-least-once).
 */
import { join } from 'node:path';
import { readJsonFile, writeJsonAtomic } from './atomicFile.ts';
import { AgentError } from './errors.ts';

/** Why a message was given up on (listed over REST; never retried automatically). */
export type FailureKind =
  /** The destination domain has no configured chain. */
  | 'unknown_destination'
  /** The destination refused it for a reason that retrying cannot change (code in `detail`). */
  | 'rejected'
  /** Retryable failures exhausted `maxAttempts`. */
  | 'attempts_exhausted'
  /** The recipient's `handle` reverts on every try. */
  | 'recipient_reverts'
  /** The message bytes do not decode. */
  | 'malformed';

/** One permanent failure. */
export interface FailureRecord {
  readonly lane: string;
  readonly origin: number;
  readonly destination: number;
  readonly index: number;
  readonly messageId: string;
  readonly kind: FailureKind;
  readonly detail: string;
  readonly attempts: number;
  /** Unix ms. */
  readonly atMs: number;
}

/** A lane's cursors. */
export interface LaneCursor {
  /** Lowest leaf index not settled (delivered, already delivered, skipped or failed permanently). */
  next: number;
  /** EVM origins: lowest hub-bound leaf index not yet covered by a final checkpoint sent. */
  finalNext: number;
}

interface StoreFile {
  version: 1;
  lanes: Record<string, LaneCursor>;
  failures: FailureRecord[];
}

/** Most failures kept (oldest dropped first). */
export const MAX_FAILURES_KEPT = 10_000;

/** The store. */
export class RelayerStore {
  private data: StoreFile;
  private dirty = false;
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'relayer-state.json');
    const raw = readJsonFile(this.path) as StoreFile | undefined;
    if (
      raw !== undefined &&
      (raw.version !== 1 || typeof raw.lanes !== 'object' || !Array.isArray(raw.failures))
    ) {
      throw new AgentError('AGENT_FILE_INVALID', `${this.path} is not a relayer state file (version 1)`, {
        field: this.path,
      });
    }
    this.data = raw ?? { version: 1, lanes: {}, failures: [] };
  }

  /** The lane's cursor (created at 0). */
  cursor(lane: string): LaneCursor {
    let c = this.data.lanes[lane];
    if (c === undefined) {
      c = { next: 0, finalNext: 0 };
      this.data.lanes[lane] = c;
    }
    return c;
  }

  /** Moves a cursor forward (never back). */
  advance(lane: string, field: keyof LaneCursor, to: number): void {
    const c = this.cursor(lane);
    if (to > c[field]) {
      c[field] = to;
      this.dirty = true;
    }
  }

  /** Records a permanent failure. */
  fail(rec: FailureRecord): void {
    this.data.failures.push(rec);
    if (this.data.failures.length > MAX_FAILURES_KEPT) this.data.failures.shift();
    this.dirty = true;
  }

  /** Every recorded failure, oldest first. */
  get failures(): readonly FailureRecord[] {
    return this.data.failures;
  }

  /** Writes the file if anything changed. */
  flush(): void {
    if (!this.dirty) return;
    writeJsonAtomic(this.path, this.data);
    this.dirty = false;
  }
}
