/**
 * Multisig ISM metadata codecs. Ports of `MessageIdMultisigIsmMetadata.sol` and
 * `MerkleRootMultisigIsmMetadata.sol`.
 *
 * ```
 * MessageIdMultisig  = treeHook32 ‖ root ‖ u32(index) ‖ SIG_1 ‖ … ‖ SIG_k             (header 68)
 * MerkleRootMultisig = treeHook32 ‖ u32(messageIndex) ‖ signedMessageId ‖ proof(32 × 32)
 *                      ‖ u32(signedIndex) ‖ SIG_1 ‖ … ‖ SIG_k                             (header 1096)
 * SIG = r(32) ‖ s(32) ‖ v(1)
 * ```
 *
 * The decoders here are strict (the signature area must be whole signatures, as the contracts'
 * `signatureCount` requires). Verification (`ism.ts`) reads metadata the way the ISM contracts do:
 * only the first `threshold` signatures, ignoring anything after them.
 */
import {
  assertU32,
  type BytesLike,
  bytesToHex,
  type Hex,
  readU32,
  toBytes,
  toBytes32,
  writeU32,
} from './bytes.ts';
import { BridgeError } from './errors.ts';
import { TREE_DEPTH } from './merkle.ts';

/** Bytes per signature (r ‖ s ‖ v). */
export const SIGNATURE_BYTES = 65;
/** Header bytes of MessageIdMultisig metadata (signatures start here). */
export const MESSAGE_ID_METADATA_HEADER_BYTES = 68;
/** Header bytes of MerkleRootMultisig metadata (signatures start here). */
export const MERKLE_ROOT_METADATA_HEADER_BYTES = 1096;
/** Offset of the signed index in MerkleRootMultisig metadata. */
export const MERKLE_ROOT_SIGNED_INDEX_OFFSET = 1092;

/** Decoded MessageIdMultisig metadata: signatures over checkpoint (origin, hook, root, index, id of the message). */
export interface MessageIdMultisigMetadata {
  /** The origin MerkleTreeHook as bytes32. */
  readonly merkleTreeHook: Hex;
  /** The signed root. */
  readonly root: Hex;
  /** The signed leaf index (u32), the message's own index. */
  readonly index: number;
  /** 65-byte signatures in validator-list order. */
  readonly signatures: readonly Uint8Array[];
}

/** Decoded MerkleRootMultisig metadata: a proof of the message against a later signed checkpoint. */
export interface MerkleRootMultisigMetadata {
  /** The origin MerkleTreeHook as bytes32. */
  readonly merkleTreeHook: Hex;
  /** Leaf index of the message being proved (u32). */
  readonly messageIndex: number;
  /** The message id at the signed index (what the validators signed). */
  readonly signedMessageId: Hex;
  /** 32 siblings from the message's leaf to the root. */
  readonly proof: readonly Hex[];
  /** The signed checkpoint's index (u32, ≥ messageIndex for the ISM to accept). */
  readonly signedIndex: number;
  /** 65-byte signatures in validator-list order. */
  readonly signatures: readonly Uint8Array[];
}

function checkSignatures(signatures: readonly BytesLike[]): Uint8Array[] {
  return signatures.map((s, i) => toBytes(s, `signatures[${i}]`, SIGNATURE_BYTES));
}

function truncated(kind: string, length: number, header: number): BridgeError {
  return new BridgeError(
    'BRIDGE_METADATA_TRUNCATED',
    `${kind} metadata is ${length} bytes, below its ${header}-byte header`,
    { field: 'metadata', value: length, limit: header },
  );
}

function decodeSignatures(kind: string, m: Uint8Array, offset: number): Uint8Array[] {
  const rest = m.length - offset;
  if (rest % SIGNATURE_BYTES !== 0) {
    throw new BridgeError(
      'BRIDGE_METADATA_SIGNATURES_LENGTH',
      `${kind} metadata has ${rest} signature bytes, not a multiple of ${SIGNATURE_BYTES}`,
      { field: 'metadata.signatures', value: rest, limit: SIGNATURE_BYTES },
    );
  }
  const out: Uint8Array[] = [];
  for (let o = offset; o < m.length; o += SIGNATURE_BYTES) out.push(m.slice(o, o + SIGNATURE_BYTES));
  return out;
}

/**
 * Encodes MessageIdMultisig metadata. Throws `BRIDGE_INVALID_FIELD` naming the field when a word
 * is not 32 bytes, the index not a u32, or a signature not 65 bytes.
 */
export function encodeMessageIdMultisigMetadata(m: {
  readonly merkleTreeHook: BytesLike;
  readonly root: BytesLike;
  readonly index: number;
  readonly signatures: readonly BytesLike[];
}): Uint8Array {
  assertU32(m.index, 'index');
  const sigs = checkSignatures(m.signatures);
  const out = new Uint8Array(MESSAGE_ID_METADATA_HEADER_BYTES + SIGNATURE_BYTES * sigs.length);
  out.set(toBytes32(m.merkleTreeHook, 'merkleTreeHook'), 0);
  out.set(toBytes32(m.root, 'root'), 32);
  writeU32(out, 64, m.index);
  sigs.forEach((s, i) => {
    out.set(s, MESSAGE_ID_METADATA_HEADER_BYTES + SIGNATURE_BYTES * i);
  });
  return out;
}

/**
 * Decodes MessageIdMultisig metadata strictly. Throws `BRIDGE_METADATA_TRUNCATED` below 68 bytes
 * and `BRIDGE_METADATA_SIGNATURES_LENGTH` when the rest is not whole 65-byte signatures.
 */
export function decodeMessageIdMultisigMetadata(metadata: BytesLike): MessageIdMultisigMetadata {
  const m = toBytes(metadata, 'metadata');
  if (m.length < MESSAGE_ID_METADATA_HEADER_BYTES) {
    throw truncated('MessageIdMultisig', m.length, MESSAGE_ID_METADATA_HEADER_BYTES);
  }
  return {
    merkleTreeHook: bytesToHex(m.subarray(0, 32)),
    root: bytesToHex(m.subarray(32, 64)),
    index: readU32(m, 64),
    signatures: decodeSignatures('MessageIdMultisig', m, MESSAGE_ID_METADATA_HEADER_BYTES),
  };
}

/**
 * Encodes MerkleRootMultisig metadata. Throws `BRIDGE_INVALID_FIELD` / `BRIDGE_MERKLE_PROOF_LENGTH`
 * naming the field when a word is not 32 bytes, an index not a u32, the proof not 32 words or a
 * signature not 65 bytes.
 */
export function encodeMerkleRootMultisigMetadata(m: {
  readonly merkleTreeHook: BytesLike;
  readonly messageIndex: number;
  readonly signedMessageId: BytesLike;
  readonly proof: readonly BytesLike[];
  readonly signedIndex: number;
  readonly signatures: readonly BytesLike[];
}): Uint8Array {
  assertU32(m.messageIndex, 'messageIndex');
  assertU32(m.signedIndex, 'signedIndex');
  if (m.proof.length !== TREE_DEPTH) {
    throw new BridgeError(
      'BRIDGE_MERKLE_PROOF_LENGTH',
      `proof has ${m.proof.length} siblings, expected ${TREE_DEPTH}`,
      {
        field: 'proof',
        value: m.proof.length,
        limit: TREE_DEPTH,
      },
    );
  }
  const sigs = checkSignatures(m.signatures);
  const out = new Uint8Array(MERKLE_ROOT_METADATA_HEADER_BYTES + SIGNATURE_BYTES * sigs.length);
  out.set(toBytes32(m.merkleTreeHook, 'merkleTreeHook'), 0);
  writeU32(out, 32, m.messageIndex);
  out.set(toBytes32(m.signedMessageId, 'signedMessageId'), 36);
  m.proof.forEach((p, i) => {
    out.set(toBytes32(p, `proof[${i}]`), 68 + 32 * i);
  });
  writeU32(out, MERKLE_ROOT_SIGNED_INDEX_OFFSET, m.signedIndex);
  sigs.forEach((s, i) => {
    out.set(s, MERKLE_ROOT_METADATA_HEADER_BYTES + SIGNATURE_BYTES * i);
  });
  return out;
}

/**
 * Decodes MerkleRootMultisig metadata strictly. Throws `BRIDGE_METADATA_TRUNCATED` below 1096 bytes
 * and `BRIDGE_METADATA_SIGNATURES_LENGTH` when the rest is not whole 65-byte signatures.
 */
export function decodeMerkleRootMultisigMetadata(metadata: BytesLike): MerkleRootMultisigMetadata {
  const m = toBytes(metadata, 'metadata');
  if (m.length < MERKLE_ROOT_METADATA_HEADER_BYTES) {
    throw truncated('MerkleRootMultisig', m.length, MERKLE_ROOT_METADATA_HEADER_BYTES);
  }
  const proof: Hex[] = [];
  for (let i = 0; i < TREE_DEPTH; i++) proof.push(bytesToHex(m.subarray(68 + 32 * i, 100 + 32 * i)));
  return {
    merkleTreeHook: bytesToHex(m.subarray(0, 32)),
    messageIndex: readU32(m, 32),
    signedMessageId: bytesToHex(m.subarray(36, 68)),
    proof,
    signedIndex: readU32(m, MERKLE_ROOT_SIGNED_INDEX_OFFSET),
    signatures: decodeSignatures('MerkleRootMultisig', m, MERKLE_ROOT_METADATA_HEADER_BYTES),
  };
}
