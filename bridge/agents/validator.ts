/**
 * The validator agent: watches one origin's tree at its signing depth, signs a checkpoint for every
 * leaf (`signCheckpoint`), writes Hyperlane's local checkpoint layout, keeps the durable high-water
 * mark (never a second root for an index), and halts with `reorg_flag.json` when the origin
 * disagrees with what it signed.
 *
 * Per tick, with the origin's tree `(count, root)` at the signing depth and ours `(n, r)`:
 * - `count < n` — leaves we signed are gone at depth: reorg.
 * - `count = n` — `root ≠ r` is a reorg.
 * - `count > n` — take leaves `[n, count)` from the origin, compute the roots they give on top of
 *   ours; the last must equal `root`, else rescan the origin from the start: if the rescanned tree
 *   differs from ours at `n`, reorg; if the rescan itself disagrees with `root`, the origin read is
 *   inconsistent and the tick is retried. Only then raise the mark and write the checkpoints.
 */
import type { Logger } from 'pino';
import {
  addressOfPrivateKey,
  type Checkpoint,
  EMPTY_MERKLE_TREE,
  type Hex,
  IncrementalMerkleTree,
  insertLeaf,
  type MerkleTree,
  normalizeBytes32,
  signCheckpoint,
  treeRoot,
} from '../index.ts';
import type { ReorgPeriod } from './chainMetadata.ts';
import type { LocalCheckpointStorage, ReorgEvent } from './checkpointStorage.ts';
import { AgentError } from './errors.ts';
import { HighWaterMark } from './highWaterMark.ts';

/** The origin's tree at the signing depth. */
export interface OriginTarget {
  /** Leaves in the tree. */
  readonly count: number;
  /** Its root. */
  readonly root: Hex;
  /** Where it was read (block number or hub height; −1 before there is one). */
  readonly at: bigint;
}

/** An origin a validator can watch (an EVM chain, or the hub through a follower). */
export interface OriginReader {
  readonly domain: number;
  /** The tree hook word checkpoints name (bytes32). */
  readonly merkleTreeHook: Hex;
  /** Signing depth, recorded in a reorg flag. */
  readonly reorgPeriod: ReorgPeriod;
  /** The tree at the signing depth. */
  target(): Promise<OriginTarget>;
  /**
   * Message ids of leaves `[from, target.count)` in index order as of `target`; `rescan` re-reads
   * the origin from its first block. `undefined` when the reader cannot produce them all.
   */
  leaves(from: number, target: OriginTarget, rescan: boolean): Promise<Hex[] | undefined>;
}

/** Options of {@link Validator}. */
export interface ValidatorOpts {
  readonly reader: OriginReader;
  /** The validator's secp256k1 key (its EVM address is its identity in the ISM). */
  readonly privateKey: Hex;
  readonly storage: LocalCheckpointStorage;
  /** Path of the high-water mark file (keep it outside the published checkpoint directory). */
  readonly highWaterMarkPath: string;
  readonly logger?: Logger;
  /** Poll interval (default 500 ms). */
  readonly pollMs?: number;
  /** Recorded in `metadata_latest.json`. */
  readonly gitSha?: string;
  /** Unix-seconds clock for the reorg flag (tests). */
  readonly nowSec?: () => number;
}

/** What one tick did. */
export interface ValidatorTickResult {
  /** Checkpoints newly signed. */
  readonly signed: number;
  /** Checkpoint files re-written at or below the mark (after a crash between mark and files). */
  readonly rewritten: number;
  /** Set when this tick detected a reorg and halted. */
  readonly reorg?: ReorgEvent;
}

/** The validator. `start()` runs ticks until `stop()` or a reorg halt. */
export class Validator {
  readonly address: Hex;
  private readonly tree = new IncrementalMerkleTree();
  private readonly hwm: HighWaterMark;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  /** Set once a reorg halted this validator. */
  halted: ReorgEvent | undefined;
  /** Counters for metrics and tests. */
  readonly stats = { ticks: 0, signed: 0, rewritten: 0, errors: 0, lastTarget: -1n, lastIndex: -1 };

  constructor(private readonly opts: ValidatorOpts) {
    this.address = addressOfPrivateKey(opts.privateKey);
    this.hwm = HighWaterMark.open(opts.highWaterMarkPath, opts.reader.domain, opts.reader.merkleTreeHook);
    opts.storage.ensure();
    this.halted = opts.storage.readReorgFlag();
  }

  /** The validator's tree size (leaves it has checked and signed). */
  get count(): number {
    return this.tree.count;
  }

  /** The high-water mark record. */
  get highWaterMark() {
    return this.hwm.current;
  }

  private checkpointAt(index: number, root: Hex, messageId: Hex): Checkpoint {
    return {
      origin: this.opts.reader.domain,
      merkleTreeHook: this.opts.reader.merkleTreeHook,
      root,
      index,
      messageId,
    };
  }

  private raiseReorg(index: number, local: Hex, canonical: Hex): ValidatorTickResult {
    const ev: ReorgEvent = {
      localMerkleRoot: local,
      canonicalMerkleRoot: canonical,
      checkpointIndex: index,
      unixTimestamp: this.opts.nowSec?.() ?? Math.floor(Date.now() / 1000),
      reorgPeriod: this.opts.reader.reorgPeriod,
    };
    this.opts.storage.writeReorgFlag(ev);
    this.halted = ev;
    this.running = false;
    this.opts.logger?.fatal(
      { ...ev },
      'origin disagrees with a signed checkpoint: reorg flag written, halting',
    );
    return { signed: 0, rewritten: 0, reorg: ev };
  }

  /** One pass: read the origin at depth, check, sign what is new. Never signs after a halt. */
  async tick(): Promise<ValidatorTickResult> {
    if (this.halted !== undefined) return { signed: 0, rewritten: 0, reorg: this.halted };
    this.stats.ticks++;
    const reader = this.opts.reader;
    const t = await reader.target();
    this.stats.lastTarget = t.at;
    const n = this.tree.count;
    const mark = this.hwm.current;
    if (t.count < n) return this.raiseReorg(n - 1, this.tree.root(), t.root);
    if (t.count === n) {
      if (normalizeBytes32(t.root) !== this.tree.root())
        return this.raiseReorg(n - 1, this.tree.root(), t.root);
      return { signed: 0, rewritten: 0 };
    }
    // A signed leaf beyond what the origin now has at depth (restart after the chain lost it).
    if (mark !== undefined && t.count <= mark.index) return this.raiseReorg(mark.index, mark.root, t.root);
    let ids = await reader.leaves(n, t, false);
    let roots = ids === undefined ? undefined : rootsOnTop(this.tree.tree, ids);
    if (ids === undefined || roots === undefined || roots[roots.length - 1] !== normalizeBytes32(t.root)) {
      // Our incremental view does not reach the origin's root: re-read everything and decide.
      const all = await reader.leaves(0, t, true);
      const allRoots = all === undefined ? undefined : rootsOnTop(EMPTY_TREE, all);
      if (
        all === undefined ||
        allRoots === undefined ||
        allRoots[allRoots.length - 1] !== normalizeBytes32(t.root)
      ) {
        this.stats.errors++;
        throw new AgentError(
          'AGENT_ORIGIN_INCONSISTENT',
          `origin ${reader.domain} at ${t.at}: its leaves do not rebuild its root ${t.root} (count ${t.count}); retrying`,
          { domain: reader.domain, index: t.count - 1 },
        );
      }
      if (n > 0 && allRoots[n - 1] !== this.tree.root())
        return this.raiseReorg(n - 1, this.tree.root(), allRoots[n - 1]!);
      ids = all.slice(n);
      roots = allRoots.slice(n);
    }
    // Leaves at or below the mark must reproduce the signed root at the mark.
    if (mark !== undefined && mark.index >= n) {
      const r = roots[mark.index - n]!;
      if (r !== mark.root || ids[mark.index - n] !== mark.messageId)
        return this.raiseReorg(mark.index, mark.root, r);
    }
    const key = this.opts.privateKey;
    let rewritten = 0;
    let signed = 0;
    const fresh: Checkpoint[] = [];
    for (let k = 0; k < ids.length; k++) {
      const index = n + k;
      const cp = this.checkpointAt(index, roots[k]!, ids[k]!);
      if (mark !== undefined && index <= mark.index) {
        this.hwm.check(index, cp.root, cp.messageId);
        const existing = this.opts.storage.readCheckpoint(index);
        if (existing === undefined) {
          this.opts.storage.writeCheckpoint({ checkpoint: cp, signature: signCheckpoint(key, cp) });
          rewritten++;
        } else if (existing.checkpoint.root !== cp.root || existing.checkpoint.messageId !== cp.messageId) {
          return this.raiseReorg(index, existing.checkpoint.root, cp.root);
        }
      } else {
        fresh.push(cp);
      }
    }
    if (fresh.length > 0) {
      const last = fresh[fresh.length - 1]!;
      // The mark goes first: after a crash the files below it are re-derived, never re-decided.
      this.hwm.advance({ ...last });
      for (const cp of fresh) {
        this.opts.storage.writeCheckpoint({ checkpoint: cp, signature: signCheckpoint(key, cp) });
        signed++;
      }
    }
    for (const id of ids) this.tree.insert(id);
    this.opts.storage.writeLatestIndex(this.tree.count - 1);
    this.stats.signed += signed;
    this.stats.rewritten += rewritten;
    this.stats.lastIndex = this.tree.count - 1;
    if (signed > 0) this.opts.logger?.info({ from: n, to: this.tree.count - 1 }, 'signed checkpoints');
    return { signed, rewritten };
  }

  /**
   * Writes `metadata_latest.json` and runs ticks every `pollMs` until {@link stop} or a halt.
   * Throws `AGENT_REORG_FLAG_PRESENT` when the directory already holds a reorg flag.
   */
  start(): void {
    if (this.halted !== undefined) {
      throw new AgentError(
        'AGENT_REORG_FLAG_PRESENT',
        `${this.opts.storage.dir}/reorg_flag.json exists (index ${this.halted.checkpointIndex}); investigate the origin and remove it to resume`,
        { field: 'reorg_flag.json', index: this.halted.checkpointIndex },
      );
    }
    this.opts.storage.writeMetadata(this.opts.gitSha ?? 'unknown');
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.tick();
        } catch (e) {
          this.stats.errors++;
          this.opts.logger?.warn({ err: (e as Error).message }, 'validator tick failed; retrying');
        }
        if (!this.running) break;
        await new Promise<void>((r) => {
          const timer = setTimeout(r, this.opts.pollMs ?? 500);
          this.wake = () => {
            clearTimeout(timer);
            r();
          };
        });
      }
    })();
  }

  /** Stops the loop and waits for the current tick. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Resolves when the loop has ended (stopped or halted). */
  get done(): Promise<void> {
    return this.loop;
  }
}

const EMPTY_TREE: MerkleTree = EMPTY_MERKLE_TREE;

/** Roots after inserting each of `ids` on top of `tree` (pure; does not mutate it). */
function rootsOnTop(tree: MerkleTree, ids: readonly Hex[]): Hex[] {
  const out: Hex[] = [];
  let t = tree;
  for (const id of ids) {
    t = insertLeaf(t, id).tree;
    out.push(treeRoot(t));
  }
  return out;
}
