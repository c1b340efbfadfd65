/**
 * Signing helpers for validators and tests (pure: RFC 6979 deterministic nonces, native
 * libsecp256k1). Produce what Hyperlane's Rust validator produces: 65-byte `r ‖ s ‖ v`, low-s,
 * v = 27 or 28, over the EIP-191 digests of `checkpoint.ts`.
 */
import type { BytesLike } from './bytes.ts';
import { announcementDigest, type Checkpoint, checkpointDigestBytes } from './checkpoint.ts';
import { signDigest } from './ecdsa.ts';

/** Signs a checkpoint: `signDigest(privateKey, checkpointDigest(checkpoint))`, 65 bytes. */
export function signCheckpoint(privateKey: BytesLike, checkpoint: Checkpoint): Uint8Array {
  return signDigest(privateKey, checkpointDigestBytes(checkpoint));
}

/** Signs a ValidatorAnnounce announcement of `storageLocation` for `mailbox` (bytes32) on `domain`. */
export function signAnnouncement(
  privateKey: BytesLike,
  domain: number,
  mailbox: BytesLike,
  storageLocation: string,
): Uint8Array {
  return signDigest(privateKey, announcementDigest(domain, mailbox, storageLocation));
}
