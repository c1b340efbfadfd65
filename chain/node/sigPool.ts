/**
 * A pool of worker threads verifying secp256k1 signatures, so CheckTx's most expensive step runs
 * beside the main thread. Requests are coalesced into batches (one message per worker per tick)
 * packed into one transferable buffer, so a batch costs one `postMessage` without structured
 * cloning of per-item arrays. The SIGN_MODE_DIRECT digest (sha256 of the SignDoc) is computed on
 * the worker too: the main thread only copies the SignDoc bytes into the batch.
 *
 * Batch layout (all integers big-endian): per item `u32 docLen ‖ doc ‖ sig 64 ‖ pubkey 33`, where
 * `doc` is the message to hash (docLen > 0) or, with docLen = 0, the item carries a ready 32-byte
 * digest as `u32 0 ‖ digest 32 ‖ sig 64 ‖ pubkey 33`. Answer: one byte per item, 1 = valid.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface SigPoolOpts {
  /** Worker count; defaults to the number of CPUs. 0 verifies on the main thread. */
  threads?: number;
  /** Largest batch sent to one worker. */
  maxBatch?: number;
}

/** One queued check: the bytes to hash (or a ready digest), signature and key. */
interface Item {
  /** SignDoc bytes to sha256, or undefined when `digest` is given. */
  doc: Uint8Array | undefined;
  digest: Uint8Array | undefined;
  sig: Uint8Array;
  pub: Uint8Array;
  resolve: (ok: boolean) => void;
}

function w32(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 255;
  out[o + 2] = (v >>> 8) & 255;
  out[o + 3] = v & 255;
}

/** Bytes of a batch for the worker (layout in the module doc). */
export function packSigBatch(items: readonly Pick<Item, 'doc' | 'digest' | 'sig' | 'pub'>[]): Uint8Array {
  let size = 0;
  for (const it of items) size += 4 + (it.doc !== undefined ? it.doc.length : 32) + 64 + 33;
  const out = new Uint8Array(size);
  let o = 0;
  for (const it of items) {
    if (it.doc !== undefined) {
      w32(out, o, it.doc.length);
      out.set(it.doc, o + 4);
      o += 4 + it.doc.length;
    } else {
      w32(out, o, 0);
      out.set(it.digest!, o + 4);
      o += 36;
    }
    // Callers pack only 64-byte signatures and 33-byte keys (others are verified directly).
    out.set(it.sig.subarray(0, 64), o);
    out.set(it.pub.subarray(0, 33), o + 64);
    o += 97;
  }
  return out;
}

/**
 * Minimal protobuf varint of `n` as cosmjs-types' `BinaryWriter.uint64` writes it, for
 * 0 ≤ n < 2^31 (above that cosmjs-types encodes some values differently; callers hash those on
 * the main thread with `signDocDigest`).
 */
function varint31(n: number, out: number[]): void {
  let v = n;
  while (v > 127) {
    out.push((v & 127) | 128);
    v >>>= 7;
  }
  out.push(v);
}

/** Largest account number whose SignDoc {@link signDocBytes} writes (see {@link varint31}). */
export const SIGN_DOC_FAST_MAX_ACCOUNT = 0x7fffffffn;

/**
 * The SIGN_MODE_DIRECT sign bytes: `SignDoc{1 bodyBytes, 2 authInfoBytes, 3 chainId, 4
 * accountNumber}` in canonical encoding (defaults omitted) — the bytes cosmjs-types'
 * `SignDoc.encode(…).finish()` gives, for account numbers up to {@link SIGN_DOC_FAST_MAX_ACCOUNT}.
 */
export function signDocBytes(
  bodyBytes: Uint8Array,
  authInfoBytes: Uint8Array,
  chainId: Uint8Array,
  accountNumber: bigint,
): Uint8Array {
  if (accountNumber < 0n || accountNumber > SIGN_DOC_FAST_MAX_ACCOUNT) {
    throw new RangeError(`account number ${accountNumber} outside 0..${SIGN_DOC_FAST_MAX_ACCOUNT}`);
  }
  const head: number[] = [];
  const parts: [number[], Uint8Array][] = [];
  const field = (tag: number, b: Uint8Array) => {
    if (b.length === 0) return;
    const h = [tag];
    varint31(b.length, h);
    parts.push([h, b]);
  };
  field(0x0a, bodyBytes);
  field(0x12, authInfoBytes);
  field(0x1a, chainId);
  if (accountNumber !== 0n) {
    head.push(0x20);
    varint31(Number(accountNumber), head);
  }
  let size = head.length;
  for (const [h, b] of parts) size += h.length + b.length;
  const out = new Uint8Array(size);
  let o = 0;
  for (const [h, b] of parts) {
    out.set(h, o);
    out.set(b, o + h.length);
    o += h.length + b.length;
  }
  out.set(head, o);
  return out;
}

/** Verifies a packed batch (the worker's loop, also used inline when threads = 0). */
export function verifyPackedBatch(
  buf: Uint8Array,
  ecdsaVerify: (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => boolean,
): Uint8Array {
  const results: number[] = [];
  let o = 0;
  while (o < buf.length) {
    const len = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
    o += 4;
    let digest: Uint8Array;
    if (len === 0) {
      digest = buf.subarray(o, o + 32);
      o += 32;
    } else {
      digest = createHash('sha256')
        .update(buf.subarray(o, o + len))
        .digest();
      o += len;
    }
    const sig = buf.subarray(o, o + 64);
    const pub = buf.subarray(o + 64, o + 97);
    o += 97;
    let ok = false;
    try {
      ok = ecdsaVerify(sig, digest, pub);
    } catch {
      ok = false;
    }
    results.push(ok ? 1 : 0);
  }
  return Uint8Array.from(results);
}

type EcdsaVerify = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => boolean;

let native: EcdsaVerify | undefined;
function nativeVerify(): EcdsaVerify {
  native ??= createRequire(import.meta.url)('secp256k1/bindings').ecdsaVerify as EcdsaVerify;
  return native;
}

function safeVerify(f: EcdsaVerify, sig: Uint8Array, digest: Uint8Array, pub: Uint8Array): boolean {
  try {
    return f(sig, digest, pub);
  } catch {
    return false;
  }
}

export class SigPool {
  private readonly workers: Worker[] = [];
  private readonly inflight = new Map<number, (ok: Uint8Array) => void>();
  private queue: Item[] = [];
  private scheduled = false;
  private nextId = 1;
  private rr = 0;
  private readonly maxBatch: number;
  private readonly inline: EcdsaVerify | undefined;

  constructor(opts: SigPoolOpts = {}) {
    const n = opts.threads ?? cpus().length;
    this.maxBatch = opts.maxBatch ?? 256;
    if (n === 0) {
      this.inline = nativeVerify();
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
    return this.enqueue(undefined, digest, sig, pubKey);
  }

  /**
   * True when (sig64, pubkey33) is a valid signature of sha256(`doc`) — e.g. the SignDoc bytes of
   * {@link signDocBytes}; the hash is taken on the worker.
   */
  verifyDoc(doc: Uint8Array, sig: Uint8Array, pubKey: Uint8Array): Promise<boolean> {
    if (doc.length === 0)
      return this.enqueue(undefined, createHash('sha256').update(doc).digest(), sig, pubKey);
    return this.enqueue(doc, undefined, sig, pubKey);
  }

  private enqueue(
    doc: Uint8Array | undefined,
    digest: Uint8Array | undefined,
    sig: Uint8Array,
    pub: Uint8Array,
  ): Promise<boolean> {
    const odd = sig.length !== 64 || pub.length !== 33 || (digest !== undefined && digest.length !== 32);
    if (this.inline !== undefined || odd) {
      // Unusual lengths go to the native call as they are (it accepts 65-byte keys and throws on
      // the rest), so the answer never depends on the packing.
      const verifyNow = this.inline ?? nativeVerify();
      const ok = odd
        ? safeVerify(verifyNow, sig, digest ?? createHash('sha256').update(doc!).digest(), pub)
        : verifyPackedBatch(packSigBatch([{ doc, digest, sig, pub }]), verifyNow)[0] === 1;
      return Promise.resolve(ok);
    }
    return new Promise((resolve) => {
      this.queue.push({ doc, digest, sig, pub, resolve });
      if (this.queue.length >= this.maxBatch * this.workers.length) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue;
    if (items.length === 0) return;
    this.queue = [];
    const per = Math.min(this.maxBatch, Math.ceil(items.length / this.workers.length));
    for (let start = 0; start < items.length; start += per) {
      const id = this.nextId++;
      const slice = items.slice(start, start + per);
      this.inflight.set(id, (ok) => {
        for (let i = 0; i < slice.length; i++) slice[i]!.resolve(ok[i] === 1);
      });
      const buf = packSigBatch(slice);
      const w = this.workers[this.rr++ % this.workers.length]!;
      w.postMessage({ id, buf }, [buf.buffer as ArrayBuffer]);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
