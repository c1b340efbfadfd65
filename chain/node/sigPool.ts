/**
 * A pool of worker threads verifying secp256k1 signatures, so CheckTx's most expensive step runs
 * beside the main thread. Requests are coalesced into batches (one message per worker per tick)
 * to keep the postMessage overhead per signature small.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

interface Pending {
  items: [Uint8Array, Uint8Array, Uint8Array][];
  resolves: ((ok: boolean) => void)[];
}

export interface SigPoolOpts {
  /** Worker count; defaults to the number of CPUs. 0 verifies on the main thread. */
  threads?: number;
  /** Largest batch sent to one worker. */
  maxBatch?: number;
}

export class SigPool {
  private readonly workers: Worker[] = [];
  private readonly inflight = new Map<number, (ok: Uint8Array) => void>();
  private queue: Pending = { items: [], resolves: [] };
  private scheduled = false;
  private nextId = 1;
  private rr = 0;
  private readonly maxBatch: number;
  private readonly inline: ((sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => boolean) | undefined;

  constructor(opts: SigPoolOpts = {}) {
    const n = opts.threads ?? cpus().length;
    this.maxBatch = opts.maxBatch ?? 256;
    if (n === 0) {
      const secp = createRequire(import.meta.url)('secp256k1/bindings');
      this.inline = secp.ecdsaVerify;
      return;
    }
    this.inline = undefined;
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('./sigWorker.mjs', import.meta.url));
      w.on('message', (m: { id: number; ok: Uint8Array }) => {
        const done = this.inflight.get(m.id);
        this.inflight.delete(m.id);
        done?.(m.ok);
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** True when (sig64, pubkey33) is a valid signature of digest32. */
  verify(digest: Uint8Array, sig: Uint8Array, pubKey: Uint8Array): Promise<boolean> {
    if (this.inline !== undefined) {
      try {
        return Promise.resolve(this.inline(sig, digest, pubKey));
      } catch {
        return Promise.resolve(false);
      }
    }
    return new Promise((resolve) => {
      this.queue.items.push([digest, sig, pubKey]);
      this.queue.resolves.push(resolve);
      if (this.queue.items.length >= this.maxBatch * this.workers.length) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const { items, resolves } = this.queue;
    if (items.length === 0) return;
    this.queue = { items: [], resolves: [] };
    const per = Math.min(this.maxBatch, Math.ceil(items.length / this.workers.length));
    for (let start = 0; start < items.length; start += per) {
      const id = this.nextId++;
      const slice = items.slice(start, start + per);
      const rs = resolves.slice(start, start + per);
      this.inflight.set(id, (ok) => {
        for (let i = 0; i < rs.length; i++) rs[i]!(ok[i] === 1);
      });
      const w = this.workers[this.rr++ % this.workers.length]!;
      w.postMessage({ id, items: slice });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
