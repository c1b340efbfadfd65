// Worker-thread body (plain JavaScript so it loads without a TypeScript loader): verifies batches
// of secp256k1 signatures with the native binding.
// In: { id, items: [digest(32), sig(64), pubkey(33)][] } → out: { id, ok: Uint8Array(1 = valid) }.
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const secp = createRequire(import.meta.url)('secp256k1/bindings');

parentPort?.on('message', (msg) => {
  const ok = new Uint8Array(msg.items.length);
  for (let i = 0; i < msg.items.length; i++) {
    const [digest, sig, pub] = msg.items[i];
    try {
      ok[i] = secp.ecdsaVerify(sig, digest, pub) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  parentPort?.postMessage({ id: msg.id, ok });
});
