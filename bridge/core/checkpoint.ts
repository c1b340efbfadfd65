/**
 * Checkpoint and announcement digests. Ports of `CheckpointLib.sol` (`domainHash`, `digest`),
 * OpenZeppelin 4.9 `ECDSA.toEthSignedMessageHash(bytes32)` and `ValidatorAnnounce.sol`
 * (`getAnnouncementDigest`).
 *
 * ```
 * DOMAIN_HASH(origin, treeHook32) = H(u32(origin) ‖ treeHook32 ‖ "HYPERLANE")
 * CHECKPOINT_HASH = H(DOMAIN_HASH ‖ root ‖ u32(index) ‖ messageId)
 * SIGNED_DIGEST   = H("\x19Ethereum Signed Message:\n32" ‖ CHECKPOINT_HASH)
 * ANNOUNCE_DIGEST = EIP191(H(H(u32(domain) ‖ b32(mailbox) ‖ "HYPERLANE_ANNOUNCEMENT") ‖ utf8(storageLocation)))
 * ```
 */
import { assertU32, type BytesLike, bytesToHex, type Hex, keccak256, toBytes32, writeU32 } from './bytes.ts';

/** A Hyperlane checkpoint: the root of `origin`'s tree (at `merkleTreeHook`) after leaf `index`, whose id is `messageId`. */
export interface Checkpoint {
  /** Origin domain id (u32). */
  readonly origin: number;
  /** The origin's MerkleTreeHook address as bytes32 (12 zero bytes ‖ address on EVM). */
  readonly merkleTreeHook: Hex;
  /** Tree root right after inserting leaf `index`. */
  readonly root: Hex;
  /** Leaf index (u32). */
  readonly index: number;
  /** The message id at leaf `index`. */
  readonly messageId: Hex;
}

const TEXT = new TextEncoder();
const HYPERLANE = TEXT.encode('HYPERLANE');
const HYPERLANE_ANNOUNCEMENT = TEXT.encode('HYPERLANE_ANNOUNCEMENT');
const EIP191_PREFIX_32 = TEXT.encode('\x19Ethereum Signed Message:\n32');

// Memo of domain hashes: a hub sees a handful of (origin, hook) pairs, and this saves one of the
// four keccaks per verified message. A cache of a pure function: results never depend on it.
const DOMAIN_HASH_CACHE = new Map<string, Uint8Array>();
const DOMAIN_HASH_CACHE_MAX = 256;

/** Domain hash as bytes (see {@link domainHash}); a fresh copy each call. */
export function domainHashBytes(origin: number, merkleTreeHook: BytesLike): Uint8Array {
  assertU32(origin, 'origin');
  const hook = toBytes32(merkleTreeHook, 'merkleTreeHook');
  const key = `${origin}:${bytesToHex(hook)}`;
  const hit = DOMAIN_HASH_CACHE.get(key);
  if (hit !== undefined) return hit.slice();
  const buf = new Uint8Array(4 + 32 + HYPERLANE.length);
  writeU32(buf, 0, origin);
  buf.set(hook, 4);
  buf.set(HYPERLANE, 36);
  const h = keccak256(buf);
  if (DOMAIN_HASH_CACHE.size >= DOMAIN_HASH_CACHE_MAX) DOMAIN_HASH_CACHE.clear();
  DOMAIN_HASH_CACHE.set(key, h);
  return h.slice();
}

/**
 * `keccak256(abi.encodePacked(uint32 origin, bytes32 merkleTreeHook, "HYPERLANE"))` — port of
 * `CheckpointLib.domainHash`. `merkleTreeHook` is the 32-byte word (use `addressToBytes32` for an
 * EVM address).
 */
export function domainHash(origin: number, merkleTreeHook: BytesLike): Hex {
  return bytesToHex(domainHashBytes(origin, merkleTreeHook));
}

/**
 * The signed checkpoint digest from raw parts (hot path of ISM verification; no hex round trips).
 * Caller guarantees `origin` and `index` are u32 and the words are 32 bytes.
 */
export function checkpointDigestFromParts(
  origin: number,
  merkleTreeHook: Uint8Array,
  root: Uint8Array,
  index: number,
  messageId: Uint8Array,
): Uint8Array {
  let k = '';
  const parts = [merkleTreeHook, root, messageId];
  if (index >= 0 && index <= 0xffffffff && parts.every((p) => p.length === 32)) {
    k = `${origin}:${index}:`;
    for (const p of parts) for (let i = 0; i < 32; i++) k += String.fromCharCode(p[i]!);
    const hit = DIGEST_MEMO.get(k);
    if (hit !== undefined) return hit.slice();
  }
  const buf = new Uint8Array(32 + 32 + 4 + 32);
  buf.set(domainHashBytes(origin, merkleTreeHook), 0);
  buf.set(root, 32);
  writeU32(buf, 64, index);
  buf.set(messageId, 68);
  const digest = eip191DigestBytes(keccak256(buf));
  if (k !== '') {
    if (DIGEST_MEMO.size >= DIGEST_MEMO_MAX) DIGEST_MEMO.clear();
    DIGEST_MEMO.set(k, digest.slice());
  }
  return digest;
}

// Memo of checkpointDigestFromParts (three keccaks): a node computes the same delivery's digest in
// its recovery prefetch and again in the check. A cache of a pure function; bounded, cleared when
// full; each call gets a fresh copy.
const DIGEST_MEMO = new Map<string, Uint8Array>();
const DIGEST_MEMO_MAX = 8192;

/** Checkpoint hash as bytes (see {@link checkpointHash}). */
export function checkpointHashBytes(checkpoint: Checkpoint): Uint8Array {
  assertU32(checkpoint.index, 'checkpoint.index');
  const buf = new Uint8Array(32 + 32 + 4 + 32);
  buf.set(domainHashBytes(checkpoint.origin, checkpoint.merkleTreeHook), 0);
  buf.set(toBytes32(checkpoint.root, 'checkpoint.root'), 32);
  writeU32(buf, 64, checkpoint.index);
  buf.set(toBytes32(checkpoint.messageId, 'checkpoint.messageId'), 68);
  return keccak256(buf);
}

/** `keccak256(domainHash ‖ root ‖ u32(index) ‖ messageId)`: the checkpoint hash before the EIP-191 wrap. */
export function checkpointHash(checkpoint: Checkpoint): Hex {
  return bytesToHex(checkpointHashBytes(checkpoint));
}

/** EIP-191 wrap as bytes (see {@link eip191Digest}). */
export function eip191DigestBytes(hash32: BytesLike): Uint8Array {
  const buf = new Uint8Array(EIP191_PREFIX_32.length + 32);
  buf.set(EIP191_PREFIX_32, 0);
  buf.set(toBytes32(hash32, 'hash'), EIP191_PREFIX_32.length);
  return keccak256(buf);
}

/**
 * `keccak256("\x19Ethereum Signed Message:\n32" ‖ hash32)` — port of OpenZeppelin 4.9
 * `ECDSA.toEthSignedMessageHash(bytes32)`.
 */
export function eip191Digest(hash32: BytesLike): Hex {
  return bytesToHex(eip191DigestBytes(hash32));
}

/** Signed digest as bytes (see {@link checkpointDigest}). */
export function checkpointDigestBytes(checkpoint: Checkpoint): Uint8Array {
  return eip191DigestBytes(checkpointHashBytes(checkpoint));
}

/**
 * The digest validators sign for a checkpoint: EIP-191 of {@link checkpointHash}. Port of
 * `CheckpointLib.digest(origin, merkleTreeHook, root, index, messageId)`.
 */
export function checkpointDigest(checkpoint: Checkpoint): Hex {
  return bytesToHex(checkpointDigestBytes(checkpoint));
}

/**
 * The digest a validator signs to announce its storage location: port of
 * `ValidatorAnnounce.getAnnouncementDigest`, where the domain separator is
 * `H(u32(localDomain) ‖ b32(mailbox) ‖ "HYPERLANE_ANNOUNCEMENT")` — the mailbox, not the tree hook,
 * and "HYPERLANE_ANNOUNCEMENT", not "HYPERLANE" (one helper in `@hyperlane-xyz/utils` gets this
 * wrong; the contract is the truth). `mailbox` is the 32-byte word; `storageLocation` is hashed as UTF-8.
 */
export function announcementDigest(domain: number, mailbox: BytesLike, storageLocation: string): Hex {
  assertU32(domain, 'domain');
  const sep = new Uint8Array(4 + 32 + HYPERLANE_ANNOUNCEMENT.length);
  writeU32(sep, 0, domain);
  sep.set(toBytes32(mailbox, 'mailbox'), 4);
  sep.set(HYPERLANE_ANNOUNCEMENT, 36);
  const loc = TEXT.encode(storageLocation);
  const buf = new Uint8Array(32 + loc.length);
  buf.set(keccak256(sep), 0);
  buf.set(loc, 32);
  return eip191Digest(keccak256(buf));
}
