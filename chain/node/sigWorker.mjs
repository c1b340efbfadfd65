// Worker-thread body (plain JavaScript so it loads without a TypeScript loader): runs packed
// batches of secp256k1 verifications (hashing SignDoc bytes itself) and recoveries with the native
// binding. In: { id, buf }; out: { id, ok } — layouts in sigPool.ts's module doc; the same loop in
// TypeScript is sigPool.ts `runPackedBatch` (the inline path, and what the tests compare against).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const secp = createRequire(import.meta.url)('secp256k1/bindings');
const RECOVER_TAG = 0xffffffff;

parentPort?.on('message', (msg) => {
  const buf = msg.buf;
  const out = [];
  let o = 0;
  while (o < buf.length) {
    const len = ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
    o += 4;
    if (len === RECOVER_TAG) {
      const digest = buf.subarray(o, o + 32);
      const sig = buf.subarray(o + 32, o + 97);
      o += 97;
      let pub;
      try {
        pub = secp.ecdsaRecover(sig.subarray(0, 64), sig[64] - 27, digest, false);
      } catch {
        pub = undefined;
      }
      if (pub === undefined) out.push(0);
      else out.push(1, ...pub);
      continue;
    }
    let digest;
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
