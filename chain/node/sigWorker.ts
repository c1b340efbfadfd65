/**
 * Worker-thread body: verifies batches of secp256k1 signatures with the native binding.
 * Message in: { id, items: [digest(32), sig(64), pubkey(33)][] } → out: { id, ok: Uint8Array }.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const secp = createRequire(import.meta.url)('secp256k1/bindings') as {
  ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
};

parentPort?.on('message', (msg: { id: number; items: [Uint8Array, Uint8Array, Uint8Array][] }) => {
  const ok = new Uint8Array(msg.items.length);
  for (let i = 0; i < msg.items.length; i++) {
    const [digest, sig, pub] = msg.items[i]!;
    try {
      ok[i] = secp.ecdsaVerify(sig, digest, pub) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  parentPort?.postMessage({ id: msg.id, ok });
});
