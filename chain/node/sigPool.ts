/**
 * A pool of worker threads for CheckTx's secp256k1 work — tx signature verification and the
 * signature recoveries of Hyperlane deliveries — so it runs beside the main thread. Requests are
 * coalesced into batches (one message per worker per tick) packed into one transferable buffer, so
 * a batch costs one `postMessage` without structured cloning of per-item arrays. The
 * SIGN_MODE_DIRECT digest (sha256 of the SignDoc) is computed on the worker too: the main thread
 * only copies the SignDoc bytes into the batch.
 *
 * Batch layout (integers big-endian), per item by its leading u32:
 * - `n` (0 < n < 2^32 − 1): verify over sha256(doc): `u32 n ‖ doc n ‖ sig 64 ‖ pubkey 33`;
 * - `0`: verify over a ready digest: `u32 0 ‖ digest 32 ‖ sig 64 ‖ pubkey 33`;
 * - `0xffffffff`: recover: `u32 ‖ digest 32 ‖ sig 65 (r ‖ s ‖ v, recid = v − 27)`.
 * Answer, per item in order: verify `u8 (1 valid)`; recover `u8 1 ‖ uncompressed pubkey 65` or
 * `u8 0` when libsecp256k1 throws.
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

/** One queued verification: the bytes to hash (or a ready digest), signature and key. */
interface VerifyItem {
  kind: 'verify';
  /** SignDoc bytes to sha256, or undefined when `digest` is given. */
  doc: Uint8Array | undefined;
  digest: Uint8Array | undefined;
  sig: Uint8Array;
  pub: Uint8Array;
  resolve: (ok: boolean) => void;
}

/** One queued recovery. */
interface RecoverItem {
  kind: 'recover';
  digest: Uint8Array;
  sig: Uint8Array;
  resolve: (pub: Uint8Array | null) => void;
}

type Item = VerifyItem | RecoverItem;

/** What {@link packSigBatch} needs of an item. */
export type PackItem =
  | {
      kind: 'verify';
      doc: Uint8Array | undefined;
      digest: Uint8Array | undefined;
      sig: Uint8Array;
      pub: Uint8Array;
    }
  | { kind: 'recover'; digest: Uint8Array; sig: Uint8Array };

const RECOVER_TAG = 0xffffffff;

function w32(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 255;
  out[o + 2] = (v >>> 8) & 255;
  out[o + 3] = v & 255;
}

/** Bytes of a batch for the worker (layout in the module doc). */
export function packSigBatch(items: readonly PackItem[]): Uint8Array {
  let size = 0;
  for (const it of items) {
    size += it.kind === 'recover' ? 4 + 32 + 65 : 4 + (it.doc !== undefined ? it.doc.length : 32) + 64 + 33;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const it of items) {
    if (it.kind === 'recover') {
      // Callers pack only 32-byte digests and 65-byte signatures.
      w32(out, o, RECOVER_TAG);
      out.set(it.digest, o + 4);
      out.set(it.sig, o + 36);
      o += 101;
      continue;
    }
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

/** The native calls a batch needs (libsecp256k1 through `secp256k1/bindings`). */
export interface SecpCalls {
  ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed: boolean): Uint8Array;
}

/** Runs a packed batch (the worker's loop, also used inline when threads = 0); answer layout in the module doc. */
export function runPackedBatch(buf: Uint8Array, secp: SecpCalls): Uint8Array {
  const out: number[] = [];
  let o = 0;
  while (o < buf.length) {
    const len = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
    o += 4;
    if (len === RECOVER_TAG) {
      const digest = buf.subarray(o, o + 32);
      const sig = buf.subarray(o + 32, o + 97);
      o += 97;
      let pub: Uint8Array | undefined;
      try {
        pub = secp.ecdsaRecover(sig.subarray(0, 64), sig[64]! - 27, digest, false);
      } catch {
        pub = undefined;
      }
      if (pub === undefined) out.push(0);
      else out.push(1, ...pub);
      continue;
    }
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
    out.push(safeVerify(secp.ecdsaVerify, sig, digest, pub) ? 1 : 0);
  }
  return Uint8Array.from(out);
}

/** Hands each item its part of a batch answer (layout in the module doc). */
function settle(items: readonly Item[], ans: Uint8Array): void {
  let o = 0;
  for (const it of items) {
    if (it.kind === 'verify') {
      it.resolve(ans[o++] === 1);
    } else if (ans[o++] === 1) {
      it.resolve(ans.slice(o, o + 65));
      o += 65;
    } else {
      it.resolve(null);
    }
  }
}

/** Fewest items a flush sends to one worker before it splits the batch across workers. */
const MIN_SPLIT = 48;

type EcdsaVerify = SecpCalls['ecdsaVerify'];

let native: SecpCalls | undefined;
function nativeCalls(): SecpCalls {
  native ??= createRequire(import.meta.url)('secp256k1/bindings') as SecpCalls;
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
  /** Batches on a worker, by message id. */
  private readonly inflight = new Map<number, Item[]>();
  /** After close(): everything runs inline. */
  private closed = false;
  private queue: Item[] = [];
  private scheduled = false;
  private nextId = 1;
  private rr = 0;
  private readonly maxBatch: number;
  private readonly inline: SecpCalls | undefined;

  constructor(opts: SigPoolOpts = {}) {
    const n = opts.threads ?? cpus().length;
    this.maxBatch = opts.maxBatch ?? 256;
    if (n === 0) {
      this.inline = nativeCalls();
      return;
    }
    this.inline = undefined;
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('./sigWorker.mjs', import.meta.url));
      w.on('message', (m: { id: number; ok: Uint8Array }) => {
        const items = this.inflight.get(m.id);
        this.inflight.delete(m.id);
        if (items !== undefined) settle(items, m.ok);
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** True when (sig64, pubkey33) is a valid signature of digest32. */
  verify(digest: Uint8Array, sig: Uint8Array, pubKey: Uint8Array): Promise<boolean> {
    return this.enqueueVerify(undefined, digest, sig, pubKey);
  }

  /**
   * True when (sig64, pubkey33) is a valid signature of sha256(`doc`) — e.g. the SignDoc bytes of
   * {@link signDocBytes}; the hash is taken on the worker.
   */
  verifyDoc(doc: Uint8Array, sig: Uint8Array, pubKey: Uint8Array): Promise<boolean> {
    if (doc.length === 0)
      return this.enqueueVerify(undefined, createHash('sha256').update(doc).digest(), sig, pubKey);
    return this.enqueueVerify(doc, undefined, sig, pubKey);
  }

  /**
   * libsecp256k1's `ecdsaRecover(sig65[0..64), sig65[64] − 27, digest32, uncompressed)`: the
   * 65-byte public key, or null when it throws (bad recovery id, no point for r, …).
   */
  recover(digest: Uint8Array, sig65: Uint8Array): Promise<Uint8Array | null> {
    if (this.inline !== undefined || this.closed || digest.length !== 32 || sig65.length !== 65) {
      const calls = this.inline ?? nativeCalls();
      try {
        return Promise.resolve(calls.ecdsaRecover(sig65.subarray(0, 64), sig65[64]! - 27, digest, false));
      } catch {
        return Promise.resolve(null);
      }
    }
    return new Promise((resolve) => this.push({ kind: 'recover', digest, sig: sig65, resolve }));
  }

  private enqueueVerify(
    doc: Uint8Array | undefined,
    digest: Uint8Array | undefined,
    sig: Uint8Array,
    pub: Uint8Array,
  ): Promise<boolean> {
    const odd = sig.length !== 64 || pub.length !== 33 || (digest !== undefined && digest.length !== 32);
    if (this.inline !== undefined || this.closed || odd) {
      // Unusual lengths go to the native call as they are (it accepts 65-byte keys and throws on
      // the rest), so the answer never depends on the packing.
      const calls = this.inline ?? nativeCalls();
      const ok = odd
        ? safeVerify(calls.ecdsaVerify, sig, digest ?? createHash('sha256').update(doc!).digest(), pub)
        : runPackedBatch(packSigBatch([{ kind: 'verify', doc, digest, sig, pub }]), calls)[0] === 1;
      return Promise.resolve(ok);
    }
    return new Promise((resolve) => this.push({ kind: 'verify', doc, digest, sig, pub, resolve }));
  }

  private push(item: Item): void {
    this.queue.push(item);
    if (this.queue.length >= this.maxBatch * this.workers.length) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue;
    if (items.length === 0) return;
    this.queue = [];
    if (this.closed) {
      settle(items, runPackedBatch(packSigBatch(items), nativeCalls()));
      return;
    }
    // One message costs the main thread ≈ as much as hashing and verifying a few dozen items
    // costs a worker, so small flushes go to one worker whole rather than split across all.
    const per = Math.min(this.maxBatch, Math.max(MIN_SPLIT, Math.ceil(items.length / this.workers.length)));
    for (let start = 0; start < items.length; start += per) {
      const id = this.nextId++;
      const slice = items.slice(start, start + per);
      this.inflight.set(id, slice);
      const buf = packSigBatch(slice);
      const w = this.workers[this.rr++ % this.workers.length]!;
      w.postMessage({ id, buf }, [buf.buffer as ArrayBuffer]);
    }
  }

  /**
   * Stops the workers. Requests still queued or on a worker are answered inline, and later ones
   * run inline too (a stopped node may still be handed blocks to apply).
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    const left = [...this.inflight.values(), this.queue];
    this.inflight.clear();
    this.queue = [];
    for (const items of left) {
      if (items.length > 0) settle(items, runPackedBatch(packSigBatch(items), nativeCalls()));
    }
  }
}
