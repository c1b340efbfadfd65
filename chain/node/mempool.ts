/**
 * The mempool: admitted txs per account ordered by sequence, with global and per-account limits.
 *
 * A tx is admitted when it passes decode and the stateless checks, the stateful ante checks
 * against the committed state with the sequence the account will have after its pending txs
 * (state sequence + pending count), and its signature (verified on a worker thread). Gaps are
 * refused (the next sequence only), so reaping in account order always yields an applicable run.
 */

import { toHex } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import type { DecodedTx } from '../tx.ts';

export interface MempoolOpts {
  maxTxs: number;
  maxBytes: number;
  maxPerAccount: number;
}

export const DEFAULT_MEMPOOL_OPTS: MempoolOpts = {
  maxTxs: 50_000,
  maxBytes: 64 * 1024 * 1024,
  maxPerAccount: 1_000,
};

interface Entry {
  tx: DecodedTx;
  /** Admission order, for fairness across accounts when reaping. */
  seq: number;
}

export class Mempool {
  private readonly byAccount = new Map<string, Entry[]>();
  private readonly hashes = new Set<string>();
  private bytes = 0;
  private count = 0;
  private admitted = 0;

  constructor(readonly opts: MempoolOpts = DEFAULT_MEMPOOL_OPTS) {}

  get size(): number {
    return this.count;
  }
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Number of pending txs of an account (hex address). */
  pendingCount(accountHex: string): number {
    return this.byAccount.get(accountHex)?.length ?? 0;
  }

  has(hashHex: string): boolean {
    return this.hashes.has(hashHex);
  }

  /** Throws MEMPOOL_* when the tx cannot be held. Call before the expensive checks. */
  checkCapacity(tx: DecodedTx): void {
    const hashHex = toHex(tx.hash);
    if (this.hashes.has(hashHex))
      throw new ChainError('MEMPOOL_DUPLICATE', `tx ${hashHex.toUpperCase()} is already in the mempool`);
    if (this.count + 1 > this.opts.maxTxs || this.bytes + tx.bytes.length > this.opts.maxBytes) {
      throw new ChainError(
        'MEMPOOL_FULL',
        `mempool is full (${this.count} txs, ${this.bytes} bytes); retry later`,
      );
    }
    const acct = toHex(tx.signer);
    if (this.pendingCount(acct) >= this.opts.maxPerAccount) {
      throw new ChainError(
        'MEMPOOL_ACCOUNT_FULL',
        `account has ${this.opts.maxPerAccount} pending txs, the per-account limit; wait for a block`,
      );
    }
  }

  /** Adds an admitted tx (its sequence must be the account's next). */
  add(tx: DecodedTx): void {
    const acct = toHex(tx.signer);
    let list = this.byAccount.get(acct);
    if (list === undefined) {
      list = [];
      this.byAccount.set(acct, list);
    }
    list.push({ tx, seq: this.admitted++ });
    this.hashes.add(toHex(tx.hash));
    this.bytes += tx.bytes.length;
    this.count++;
  }

  /**
   * Takes txs for a block, at most `maxTxs` and within `maxGas` (by gas limit), in admission order
   * while keeping each account's sequence order. Reaped txs leave the pool.
   */
  reap(maxTxs: number, maxGas: bigint): DecodedTx[] {
    // Heads of each account's queue, merged by admission order.
    const cursors = [...this.byAccount.entries()].map(([acct, list]) => ({ acct, list, i: 0 }));
    const out: DecodedTx[] = [];
    let gas = 0n;
    const heap = cursors.filter((c) => c.list.length > 0).sort((a, b) => a.list[0]!.seq - b.list[0]!.seq);
    while (out.length < maxTxs && heap.length > 0) {
      const c = heap.shift()!;
      const e = c.list[c.i]!;
      if (gas + e.tx.gasLimit > maxGas) break;
      gas += e.tx.gasLimit;
      out.push(e.tx);
      c.i++;
      if (c.i < c.list.length) {
        // Re-insert by next admission seq (lists are short; binary insertion keeps it cheap).
        const s = c.list[c.i]!.seq;
        let lo = 0;
        let hi = heap.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (heap[mid]!.list[heap[mid]!.i]!.seq < s) lo = mid + 1;
          else hi = mid;
        }
        heap.splice(lo, 0, c);
      }
    }
    for (const c of cursors) {
      if (c.i === 0) continue;
      const taken = c.list.splice(0, c.i);
      for (const e of taken) {
        this.hashes.delete(toHex(e.tx.hash));
        this.bytes -= e.tx.bytes.length;
        this.count--;
      }
      if (c.list.length === 0) this.byAccount.delete(c.acct);
    }
    return out;
  }

  /**
   * After a block: drops every pending tx of `accountHex` whose sequence is below the account's
   * committed `sequence`, and the whole queue when its head no longer matches (a gap).
   */
  recheck(sequenceOf: (accountHex: string) => bigint | undefined): DecodedTx[] {
    const removed: DecodedTx[] = [];
    for (const [acct, list] of this.byAccount) {
      const seq = sequenceOf(acct);
      let drop = 0;
      if (seq === undefined) drop = list.length;
      else {
        while (drop < list.length && list[drop]!.tx.sequence < seq) drop++;
        if (drop < list.length && list[drop]!.tx.sequence !== seq) drop = list.length;
      }
      if (drop === 0) continue;
      for (const e of list.splice(0, drop)) {
        this.hashes.delete(toHex(e.tx.hash));
        this.bytes -= e.tx.bytes.length;
        this.count--;
        removed.push(e.tx);
      }
      if (list.length === 0) this.byAccount.delete(acct);
    }
    return removed;
  }

  /** Pending txs returned to the pool (a block failed to commit): pushed back at the head, in order. */
  restore(txs: DecodedTx[]): void {
    const grouped = new Map<string, DecodedTx[]>();
    for (const tx of txs) {
      const a = toHex(tx.signer);
      grouped.set(a, [...(grouped.get(a) ?? []), tx]);
    }
    for (const [acct, list] of grouped) {
      const existing = this.byAccount.get(acct) ?? [];
      const entries = list.map((tx) => ({ tx, seq: -1 }));
      this.byAccount.set(acct, [...entries, ...existing]);
      for (const tx of list) {
        this.hashes.add(toHex(tx.hash));
        this.bytes += tx.bytes.length;
        this.count++;
      }
    }
  }
}
