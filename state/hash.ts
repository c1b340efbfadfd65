/**
 * Native sha256 for the state tree (`node:crypto`, OpenSSL). Digests are identical to
 * `@noble/hashes` sha256 used by `state/proof.ts` (pinned by a test).
 *
 * `crypto.hash` (Node ≥ 20.12) is used when present. Its digest is taken as a latin1 string, not a
 * Buffer: measured here, a 65-byte hash costs ≈ 4× less that way (a Buffer result allocates an
 * ArrayBuffer per call), and the 32 chars are copied into the caller's array.
 */
import * as nodeCrypto from 'node:crypto';

type OneShot = (algorithm: string, data: Uint8Array, outputEncoding: 'latin1') => string;
const oneShot = (nodeCrypto as unknown as { hash?: OneShot }).hash;

const digestLatin1: (data: Uint8Array) => string =
  oneShot !== undefined
    ? (data) => oneShot('sha256', data, 'latin1')
    : (data) => nodeCrypto.createHash('sha256').update(data).digest('binary');

/** Writes sha256(`data`) into `out[offset .. offset + 32)`. */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  const s = digestLatin1(data);
  for (let i = 0; i < 32; i++) out[offset + i] = s.charCodeAt(i);
}

/** True when sha256(`data`) equals `expected[offset .. offset + 32)`. */
export function sha256Equals(data: Uint8Array, expected: Uint8Array, offset = 0): boolean {
  const s = digestLatin1(data);
  for (let i = 0; i < 32; i++) if (expected[offset + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** sha256 of `data` as a new 32-byte Buffer (native). */
export function sha256(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(32);
  sha256Into(data, out, 0);
  return out;
}
