// Worker-thread body (plain JavaScript so it loads without a TypeScript loader): verifies packed
// batches of secp256k1 signatures with the native binding, hashing SignDoc bytes itself.
// In: { id, buf } with buf = items of `u32 docLen ‖ doc ‖ sig 64 ‖ pubkey 33` (docLen 0: a ready
// 32-byte digest instead of doc); out: { id, ok: Uint8Array(1 = valid) }. Layout and the same loop
// in TypeScript: sigPool.ts (`packSigBatch`, `verifyPackedBatch`).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const secp = createRequire(import.meta.url)('secp256k1/bindings');

parentPort?.on('message', (msg) => {
  const buf = msg.buf;
  const out = [];
  let o = 0;
  while (o < buf.length) {
    const len = ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
    o += 4;
    let digest;
    if (len === 0) {
      digest = buf.subarray(o, o + 32);
      o += 32;
    } else {
      digest = createHash('sha256').update(buf.subarray(o, o + len)).digest();
      o += len;
    }
    const sig = buf.subarray(o, o + 64);
    const pub = buf.subarray(o + 64, o + 97);
    o += 97;
    let ok = 0;
    try {
      ok = secp.ecdsaVerify(sig, digest, pub) ? 1 : 0;
    } catch {
      ok = 0;
    }
    out.push(ok);
  }
  const ok = Uint8Array.from(out);
  parentPort?.postMessage({ id: msg.id, ok }, [ok.buffer]);
});
