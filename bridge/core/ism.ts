/**
 * Multisig ISM verification: ports of `AbstractMultisigIsm.verify`,
 * `AbstractMessageIdMultisigIsm.digest` and `AbstractMerkleRootMultisigIsm.digest`.
 *
 * Acceptance is exactly the contracts': the metadata is read as the contracts slice it (only the
 * first `threshold` signatures, anything after them ignored), each signature goes through
 * OpenZeppelin's `ECDSA.recover` rules, and each recovered signer must appear in the validator list
 * after the previous one (a two-pointer walk, so signatures come in validator-list order). The
 * contracts revert with one reason ("!threshold") for most failures; we return a distinct code for
 * each, found by a diagnosis that runs only on the failure path and never changes the verdict:
 *
 * | code | when |
 * | --- | --- |
 * | `BRIDGE_ISM_CONFIG_INVALID` | threshold 0 or > validators, a bad or repeated validator |
 * | `BRIDGE_MESSAGE_TOO_SHORT` | the message has no full header |
 * | `BRIDGE_METADATA_TRUNCATED` | metadata ends inside its header or inside a needed signature |
 * | `BRIDGE_ISM_INDEX_ORDER` | MerkleRoot: messageIndex > signedIndex |
 * | `BRIDGE_ISM_BELOW_THRESHOLD` | fewer whole signatures than the threshold |
 * | `BRIDGE_SIG_HIGH_S` / `BRIDGE_SIG_BAD_V` / `BRIDGE_SIG_INVALID` | signature i breaks OpenZeppelin's rules |
 * | `BRIDGE_ISM_DUPLICATE_VALIDATOR` | signature i recovers to a validator already counted |
 * | `BRIDGE_ISM_MISORDERED` | signature i recovers to a validator listed before the previous signer |
 * | `BRIDGE_ISM_UNKNOWN_SIGNER` | signature i recovers outside the set while another signature recovers inside it (so the digest is right) |
 * | `BRIDGE_ISM_WRONG_ORIGIN` | no signature recovers inside the set, but the first does for this checkpoint under another of `opts.knownOrigins` |
 * | `BRIDGE_ISM_MESSAGE_MISMATCH` | no signature recovers inside the set: the validators did not sign this message's id (body, nonce, sender… changed) |
 * | `BRIDGE_ISM_PROOF_MISMATCH` | MerkleRoot, same: the root computed from the message id and proof is not the signed one |
 * | `BRIDGE_ISM_TREE_HOOK_UNPINNED` | (hub rule, only with `opts.pinnedMerkleTreeHook`) signatures fine but the metadata's tree hook is not the pinned one |
 *
 * Without a second signature a wrong signer and a wrong digest look the same (both recover to a
 * random address), so with threshold 1 a wrong signer is reported as a mismatch.
 */
import {
  type BytesLike,
  bytesEqual,
  bytesToHex,
  type Hex,
  keccak256,
  readU32,
  toBytes,
  toBytes32,
  writeU32,
} from './bytes.ts';
import { type Checkpoint, checkpointDigestBytes, checkpointDigestFromParts } from './checkpoint.ts';
import { RECOVER_ERROR_TEXT, type RecoverErrorCode, recoverSignerRaw } from './ecdsa.ts';
import { BridgeError } from './errors.ts';
import { branchRootBytes } from './merkle.ts';
import { isPreparedMessage, MESSAGE_BODY_OFFSET, type PreparedMessage } from './message.ts';
import {
  MERKLE_ROOT_METADATA_HEADER_BYTES,
  MERKLE_ROOT_SIGNED_INDEX_OFFSET,
  MESSAGE_ID_METADATA_HEADER_BYTES,
  SIGNATURE_BYTES,
} from './metadata.ts';

/** The multisig ISM types this core verifies (Hyperlane's `MESSAGE_ID_MULTISIG` and `MERKLE_ROOT_MULTISIG`). */
export type IsmType = 'messageIdMultisig' | 'merkleRootMultisig';

/** A validator set: `threshold` of `validators` (EVM addresses, in the order signatures must follow). */
export interface MultisigConfig {
  readonly validators: readonly Hex[];
  readonly threshold: number;
}

/** A multisig ISM: its type and validator set. */
export interface MultisigIsmConfig extends MultisigConfig {
  readonly type: IsmType;
}

/** Options of the message verifiers. */
export interface VerifyIsmOpts {
  /**
   * Other origin domains the hub knows; used only to diagnose a failure as
   * `BRIDGE_ISM_WRONG_ORIGIN` (two extra recoveries per domain, failure path only).
   */
  readonly knownOrigins?: readonly number[];
  /** Hub rule: reject (after the signatures pass) metadata whose tree hook is not this bytes32. */
  readonly pinnedMerkleTreeHook?: BytesLike;
}

/** Result of {@link verifyMultisig} and {@link verifyCheckpoint}. */
export type MultisigResult =
  | { readonly ok: true; readonly signers: readonly Hex[] }
  | { readonly ok: false; readonly error: BridgeError };

/** Result of the message verifiers: on success the message id, the checkpoint the signatures attest and the signers. */
export type IsmVerifyResult =
  | {
      readonly ok: true;
      /** keccak256 of the verified message. */
      readonly messageId: Hex;
      /** The checkpoint the signatures cover (for MerkleRoot: the later signed one, root recomputed from the proof). */
      readonly checkpoint: Checkpoint;
      /** Recovered signers, in order (the first `threshold` signatures). */
      readonly signers: readonly Hex[];
    }
  | { readonly ok: false; readonly error: BridgeError };

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** Most `knownOrigins` a failed verification tries when diagnosing `BRIDGE_ISM_WRONG_ORIGIN`. */
export const MAX_DIAGNOSIS_ORIGINS = 32;

/**
 * Validators present in both sets (case-insensitive), lowercase, in `a`'s order. Params validation
 * uses it to reject overlapping fast and final sets for one origin (DESIGN "Finality": a checkpoint
 * carries no depth, so a shared key's fast signature would count as a final one).
 */
export function overlappingValidators(a: readonly string[], b: readonly string[]): Hex[] {
  const inB = new Set(b.map((v) => v.toLowerCase()));
  return a.map((v) => v.toLowerCase() as Hex).filter((v) => inB.has(v));
}

function configError(
  message: string,
  field: string,
  value: string | number,
  limit?: string | number,
): BridgeError {
  return new BridgeError('BRIDGE_ISM_CONFIG_INVALID', message, {
    field,
    value,
    ...(limit !== undefined ? { limit } : {}),
  });
}

/**
 * Checks a validator set: 1 ≤ threshold ≤ validators.length ≤ 255 (the contracts' threshold is a
 * uint8), every validator a 20-byte address, none repeated (case-insensitively). Returns the
 * validators lowercased; throws `BRIDGE_ISM_CONFIG_INVALID` naming the field otherwise. Params
 * validation should call it for every configured ISM.
 */
export function validateMultisigConfig(config: MultisigConfig): Hex[] {
  const { validators, threshold } = config;
  if (!Array.isArray(validators) || validators.length === 0 || validators.length > 255) {
    throw configError(
      `validators has ${Array.isArray(validators) ? validators.length : 'no'} entries, expected 1..255`,
      'validators',
      Array.isArray(validators) ? validators.length : 0,
      255,
    );
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > validators.length) {
    throw configError(
      `threshold = ${threshold} is not in 1..${validators.length} (the validator count)`,
      'threshold',
      String(threshold),
      validators.length,
    );
  }
  const seen = new Set<string>();
  const out: Hex[] = [];
  validators.forEach((v, i) => {
    if (typeof v !== 'string' || !ADDRESS_RE.test(v)) {
      throw configError(
        `validators[${i}] = ${String(v)} is not a 20-byte 0x address`,
        `validators[${i}]`,
        String(v),
      );
    }
    const lower = v.toLowerCase() as Hex;
    if (seen.has(lower))
      throw configError(`validators[${i}] = ${lower} is listed twice`, `validators[${i}]`, lower);
    seen.add(lower);
    out.push(lower);
  });
  return out;
}

// One failure of the two-pointer walk, before diagnosis.
type WalkFailure =
  | { readonly kind: 'sig'; readonly index: number; readonly code: RecoverErrorCode }
  | { readonly kind: 'duplicate' | 'misordered'; readonly index: number; readonly signer: Hex }
  | {
      readonly kind: 'unknown';
      readonly index: number;
      readonly signer: Hex;
      readonly digestConfirmed: boolean;
    };

/**
 * Port of `AbstractMultisigIsm.verify`'s loop: signatures 0..t−1, each recovered and matched to the
 * validator list after the previous match. `sigAt(i)` yields signature i (65 bytes; callers have
 * checked that t of them exist). Returns the signers or the first failure.
 */
function walk(
  validators: readonly Hex[],
  threshold: number,
  digest: Uint8Array,
  sigAt: (i: number) => Uint8Array,
): { signers: Hex[] } | WalkFailure {
  const signers: Hex[] = [];
  let v = 0;
  for (let i = 0; i < threshold; i++) {
    const r = recoverSignerRaw(digest, sigAt(i));
    if (typeof r === 'string') return { kind: 'sig', index: i, code: r };
    const signer = bytesToHex(r);
    while (v < validators.length && validators[v] !== signer) v++;
    if (v >= validators.length) {
      // Diagnosis only: the contract just reverts "!threshold" here.
      if (signers.includes(signer)) return { kind: 'duplicate', index: i, signer };
      if (validators.includes(signer)) return { kind: 'misordered', index: i, signer };
      let digestConfirmed = i > 0;
      for (let j = i + 1; j < threshold && !digestConfirmed; j++) {
        const other = recoverSignerRaw(digest, sigAt(j));
        if (typeof other !== 'string' && validators.includes(bytesToHex(other))) digestConfirmed = true;
      }
      return { kind: 'unknown', index: i, signer, digestConfirmed };
    }
    signers.push(signer);
    v++;
  }
  return { signers };
}

function walkError(f: WalkFailure, what: string, threshold: number, validatorCount: number): BridgeError {
  switch (f.kind) {
    case 'sig':
      return new BridgeError(f.code, `signatures[${f.index}] ${RECOVER_ERROR_TEXT[f.code]}`, {
        field: `signatures[${f.index}]`,
        signatureIndex: f.index,
      });
    case 'duplicate':
      return new BridgeError(
        'BRIDGE_ISM_DUPLICATE_VALIDATOR',
        `signatures[${f.index}] is a second signature of validator ${f.signer}; ${threshold} distinct validators must sign`,
        { field: `signatures[${f.index}]`, signatureIndex: f.index, signer: f.signer, limit: threshold },
      );
    case 'misordered':
      return new BridgeError(
        'BRIDGE_ISM_MISORDERED',
        `signatures[${f.index}] is by validator ${f.signer}, listed before the previous signer: order signatures as the validator list`,
        { field: `signatures[${f.index}]`, signatureIndex: f.index, signer: f.signer },
      );
    case 'unknown':
      if (f.digestConfirmed) {
        return new BridgeError(
          'BRIDGE_ISM_UNKNOWN_SIGNER',
          `signatures[${f.index}] recovers to ${f.signer}, not one of the ${validatorCount} validators`,
          { field: `signatures[${f.index}]`, signatureIndex: f.index, signer: f.signer },
        );
      }
      return new BridgeError(
        'BRIDGE_ISM_DIGEST_MISMATCH',
        `no signature recovers to a validator: the validators did not sign ${what}`,
        { field: `signatures[${f.index}]`, signatureIndex: f.index, signer: f.signer },
      );
  }
}

function toSignature(s: BytesLike, i: number): Uint8Array {
  // A wrong-length signature is OpenZeppelin's InvalidSignatureLength, reported by recovery; only
  // parse hex here.
  return s instanceof Uint8Array ? s : toBytes(s, `signatures[${i}]`);
}

/**
 * `threshold`-of-`validators` over a 32-byte `digest`, with Hyperlane's rule: only the first
 * `threshold` signatures are read; each recovered signer must appear in the list after the previous
 * one. Returns the signers, or an error: `BRIDGE_ISM_CONFIG_INVALID`, `BRIDGE_ISM_BELOW_THRESHOLD`,
 * `BRIDGE_SIG_*`, `BRIDGE_ISM_DUPLICATE_VALIDATOR`, `BRIDGE_ISM_MISORDERED`,
 * `BRIDGE_ISM_UNKNOWN_SIGNER` or `BRIDGE_ISM_DIGEST_MISMATCH` (no signature matches any validator).
 */
export function verifyMultisig(
  config: MultisigConfig,
  digest: BytesLike,
  signatures: readonly BytesLike[],
): MultisigResult {
  let validators: Hex[];
  let d: Uint8Array;
  let sigs: Uint8Array[];
  try {
    validators = validateMultisigConfig(config);
    d = toBytes32(digest, 'digest');
    sigs = signatures.map(toSignature);
  } catch (e) {
    if (e instanceof BridgeError) return { ok: false, error: e };
    throw e;
  }
  if (sigs.length < config.threshold)
    return { ok: false, error: belowThreshold(sigs.length, config.threshold) };
  const r = walk(validators, config.threshold, d, (i) => sigs[i]!);
  if ('signers' in r) return { ok: true, signers: r.signers };
  return { ok: false, error: walkError(r, `digest ${bytesToHex(d)}`, config.threshold, validators.length) };
}

function belowThreshold(have: number, threshold: number): BridgeError {
  return new BridgeError(
    'BRIDGE_ISM_BELOW_THRESHOLD',
    `${have} signatures given, threshold is ${threshold}`,
    {
      field: 'signatures',
      value: have,
      limit: threshold,
    },
  );
}

/**
 * Verifies `signatures` over a checkpoint (e.g. a final-tier checkpoint in `MsgConfirmFinality`, or
 * each side of reorg evidence) with {@link verifyMultisig} on `checkpointDigest(checkpoint)`.
 */
export function verifyCheckpoint(
  config: MultisigConfig,
  checkpoint: Checkpoint,
  signatures: readonly BytesLike[],
): MultisigResult {
  let digest: Uint8Array;
  try {
    digest = checkpointDigestBytes(checkpoint);
  } catch (e) {
    if (e instanceof BridgeError) return { ok: false, error: e };
    throw e;
  }
  return verifyMultisig(config, digest, signatures);
}

// Reads the signatures area the way the contracts slice it: truncated if the header or a needed
// signature is cut, below threshold if fewer whole signatures than t; trailing bytes ignored.
function checkSignatureArea(
  kind: string,
  m: Uint8Array,
  header: number,
  threshold: number,
): BridgeError | null {
  if (m.length < header) {
    return new BridgeError(
      'BRIDGE_METADATA_TRUNCATED',
      `${kind} metadata is ${m.length} bytes, below its ${header}-byte header`,
      {
        field: 'metadata',
        value: m.length,
        limit: header,
      },
    );
  }
  const need = header + SIGNATURE_BYTES * threshold;
  if (m.length >= need) return null;
  const rest = m.length - header;
  if (rest % SIGNATURE_BYTES !== 0) {
    return new BridgeError(
      'BRIDGE_METADATA_TRUNCATED',
      `${kind} metadata is ${m.length} bytes: signature ${Math.floor(rest / SIGNATURE_BYTES)} is cut (${threshold} signatures need ${need})`,
      { field: 'metadata', value: m.length, limit: need },
    );
  }
  return belowThreshold(rest / SIGNATURE_BYTES, threshold);
}

function messageIdOf(message: Uint8Array): Uint8Array {
  return keccak256(message);
}

// The message with its origin field replaced: a relabelled-origin message's original form.
function withOrigin(message: Uint8Array, origin: number): Uint8Array {
  const m = message.slice();
  writeU32(m, 5, origin);
  return m;
}

// Failure-path diagnosis: do the signatures attest the same checkpoint under another known origin
// (with this message id, or with the id of this message relabelled to that origin)?
function findSignedOrigin(
  validators: readonly Hex[],
  message: Uint8Array,
  origin: number,
  idBytes: Uint8Array,
  digestFor: (origin: number, messageId: Uint8Array) => Uint8Array,
  firstSig: Uint8Array,
  knownOrigins: readonly number[] | undefined,
): number | undefined {
  if (knownOrigins === undefined) return undefined;
  // Bounded: at most MAX_DIAGNOSIS_ORIGINS domains (two recoveries each) on the failure path.
  for (const d of knownOrigins.slice(0, MAX_DIAGNOSIS_ORIGINS)) {
    if (d === origin || !Number.isInteger(d) || d < 0 || d > 0xffffffff) continue;
    for (const candidateId of [idBytes, messageIdOf(withOrigin(message, d))]) {
      const r = recoverSignerRaw(digestFor(d, candidateId), firstSig);
      if (typeof r !== 'string' && validators.includes(bytesToHex(r))) return d;
    }
  }
  return undefined;
}

// The message bytes, origin and id, from raw bytes or a PreparedMessage (whose id is reused).
function messageParts(
  message: BytesLike | PreparedMessage,
): { msg: Uint8Array; origin: number; idBytes: Uint8Array } | BridgeError {
  if (isPreparedMessage(message))
    return { msg: message.bytes, origin: message.origin, idBytes: message.idBytes };
  if (!(message instanceof Uint8Array) && typeof message !== 'string') {
    return new BridgeError(
      'BRIDGE_INVALID_FIELD',
      'message must be bytes, hex or a PreparedMessage from prepareMessage',
      {
        field: 'message',
      },
    );
  }
  let msg: Uint8Array;
  try {
    msg = toBytes(message, 'message');
  } catch (e) {
    if (e instanceof BridgeError) return e;
    throw e;
  }
  if (msg.length < MESSAGE_BODY_OFFSET) return messageTooShort(msg);
  return { msg, origin: readU32(msg, 5), idBytes: messageIdOf(msg) };
}

function validateOrFail(config: MultisigConfig): Hex[] | BridgeError {
  try {
    return validateMultisigConfig(config);
  } catch (e) {
    if (e instanceof BridgeError) return e;
    throw e;
  }
}

function messageTooShort(m: Uint8Array): BridgeError {
  return new BridgeError(
    'BRIDGE_MESSAGE_TOO_SHORT',
    `message is ${m.length} bytes, below the ${MESSAGE_BODY_OFFSET}-byte header`,
    { field: 'message', value: m.length, limit: MESSAGE_BODY_OFFSET },
  );
}

function pinnedHookError(hook: Hex, pinned: BytesLike | undefined): BridgeError | null {
  if (pinned === undefined) return null;
  let p: Hex;
  try {
    p = bytesToHex(toBytes32(pinned, 'pinnedMerkleTreeHook'));
  } catch (e) {
    if (e instanceof BridgeError) return e;
    throw e;
  }
  if (p === hook) return null;
  return new BridgeError(
    'BRIDGE_ISM_TREE_HOOK_UNPINNED',
    `metadata tree hook ${hook} is not the one pinned for this origin (${p})`,
    { field: 'metadata.merkleTreeHook', value: hook, limit: p },
  );
}

function wrongOrigin(origin: number, signedOrigin: number): BridgeError {
  return new BridgeError(
    'BRIDGE_ISM_WRONG_ORIGIN',
    `the signatures attest origin domain ${signedOrigin}, but the message says origin ${origin}`,
    { field: 'message.origin', value: origin, limit: signedOrigin, signedOrigin },
  );
}

/**
 * Verifies a message with MessageIdMultisig metadata (port of `AbstractMessageIdMultisigIsm` +
 * `AbstractMultisigIsm.verify`): the first `threshold` signatures must cover
 * `checkpointDigest(message.origin, metadata.treeHook, metadata.root, metadata.index, messageId)`.
 * See the module comment for the error codes.
 */
export function verifyMessageIdMultisig(
  message: BytesLike | PreparedMessage,
  metadata: BytesLike,
  config: MultisigConfig,
  opts: VerifyIsmOpts = {},
): IsmVerifyResult {
  const validators = validateOrFail(config);
  if (validators instanceof BridgeError) return { ok: false, error: validators };
  const parts = messageParts(message);
  if (parts instanceof BridgeError) return { ok: false, error: parts };
  const { msg, origin, idBytes } = parts;
  let m: Uint8Array;
  try {
    m = toBytes(metadata, 'metadata');
  } catch (e) {
    if (e instanceof BridgeError) return { ok: false, error: e };
    throw e;
  }
  const areaError = checkSignatureArea(
    'MessageIdMultisig',
    m,
    MESSAGE_ID_METADATA_HEADER_BYTES,
    config.threshold,
  );
  if (areaError) return { ok: false, error: areaError };

  const hookBytes = m.subarray(0, 32);
  const rootBytes = m.subarray(32, 64);
  const index = readU32(m, 64);
  const digestFor = (o: number, id: Uint8Array) =>
    checkpointDigestFromParts(o, hookBytes, rootBytes, index, id);
  const sigAt = (i: number) =>
    m.subarray(
      MESSAGE_ID_METADATA_HEADER_BYTES + SIGNATURE_BYTES * i,
      MESSAGE_ID_METADATA_HEADER_BYTES + SIGNATURE_BYTES * (i + 1),
    );
  const r = walk(validators, config.threshold, digestFor(origin, idBytes), sigAt);
  const hook = bytesToHex(hookBytes);
  const id = bytesToHex(idBytes);
  if ('signers' in r) {
    const hookError = pinnedHookError(hook, opts.pinnedMerkleTreeHook);
    if (hookError) return { ok: false, error: hookError };
    const checkpoint: Checkpoint = {
      origin,
      merkleTreeHook: hook,
      root: bytesToHex(rootBytes),
      index,
      messageId: id,
    };
    return { ok: true, messageId: id, checkpoint, signers: r.signers };
  }
  if (r.kind === 'unknown' && !r.digestConfirmed) {
    const signedOrigin = findSignedOrigin(
      validators,
      msg,
      origin,
      idBytes,
      digestFor,
      sigAt(0),
      opts.knownOrigins,
    );
    if (signedOrigin !== undefined) return { ok: false, error: wrongOrigin(origin, signedOrigin) };
    return {
      ok: false,
      error: new BridgeError(
        'BRIDGE_ISM_MESSAGE_MISMATCH',
        `no signature recovers to a validator: they did not sign message ${id} at index ${index} ` +
          `under root ${bytesToHex(rootBytes)} for origin ${origin} (body, sender, nonce or checkpoint changed)`,
        { field: 'message', value: id, signatureIndex: r.index, signer: r.signer },
      ),
    };
  }
  return { ok: false, error: walkError(r, 'this checkpoint', config.threshold, validators.length) };
}

/**
 * Verifies a message with MerkleRootMultisig metadata (port of `AbstractMerkleRootMultisigIsm` +
 * `AbstractMultisigIsm.verify`): requires messageIndex ≤ signedIndex, recomputes
 * `root = branchRoot(messageId, proof, messageIndex)`, and the first `threshold` signatures must cover
 * `checkpointDigest(message.origin, treeHook, root, signedIndex, signedMessageId)`. See the module
 * comment for the error codes.
 */
export function verifyMerkleRootMultisig(
  message: BytesLike | PreparedMessage,
  metadata: BytesLike,
  config: MultisigConfig,
  opts: VerifyIsmOpts = {},
): IsmVerifyResult {
  const validators = validateOrFail(config);
  if (validators instanceof BridgeError) return { ok: false, error: validators };
  const parts = messageParts(message);
  if (parts instanceof BridgeError) return { ok: false, error: parts };
  const { msg, origin, idBytes } = parts;
  let m: Uint8Array;
  try {
    m = toBytes(metadata, 'metadata');
  } catch (e) {
    if (e instanceof BridgeError) return { ok: false, error: e };
    throw e;
  }
  if (m.length < MERKLE_ROOT_METADATA_HEADER_BYTES) {
    return {
      ok: false,
      error: checkSignatureArea(
        'MerkleRootMultisig',
        m,
        MERKLE_ROOT_METADATA_HEADER_BYTES,
        config.threshold,
      )!,
    };
  }
  const messageIndex = readU32(m, 32);
  const signedIndex = readU32(m, MERKLE_ROOT_SIGNED_INDEX_OFFSET);
  // The contract checks this inside digest(), before any signature.
  if (messageIndex > signedIndex) {
    return {
      ok: false,
      error: new BridgeError(
        'BRIDGE_ISM_INDEX_ORDER',
        `metadata messageIndex ${messageIndex} is above signedIndex ${signedIndex}: a checkpoint proves only earlier leaves`,
        { field: 'metadata.messageIndex', value: messageIndex, limit: signedIndex },
      ),
    };
  }
  const areaError = checkSignatureArea(
    'MerkleRootMultisig',
    m,
    MERKLE_ROOT_METADATA_HEADER_BYTES,
    config.threshold,
  );
  if (areaError) return { ok: false, error: areaError };

  const hookBytes = m.subarray(0, 32);
  const signedMessageIdBytes = m.subarray(36, 68);
  const proof = m.subarray(68, MERKLE_ROOT_SIGNED_INDEX_OFFSET);
  const rootBytes = branchRootBytes(idBytes, proof, messageIndex);
  // The signed leaf is fixed by the metadata; only the root depends on the message id.
  const digestFor = (o: number, id: Uint8Array) =>
    checkpointDigestFromParts(
      o,
      hookBytes,
      id === idBytes ? rootBytes : branchRootBytes(id, proof, messageIndex),
      signedIndex,
      signedMessageIdBytes,
    );
  const sigAt = (i: number) =>
    m.subarray(
      MERKLE_ROOT_METADATA_HEADER_BYTES + SIGNATURE_BYTES * i,
      MERKLE_ROOT_METADATA_HEADER_BYTES + SIGNATURE_BYTES * (i + 1),
    );
  const r = walk(validators, config.threshold, digestFor(origin, idBytes), sigAt);
  const id = bytesToHex(idBytes);
  const hook = bytesToHex(hookBytes);
  const signedMessageId = bytesToHex(signedMessageIdBytes);
  const root = bytesToHex(rootBytes);
  if ('signers' in r) {
    const hookError = pinnedHookError(hook, opts.pinnedMerkleTreeHook);
    if (hookError) return { ok: false, error: hookError };
    const checkpoint: Checkpoint = {
      origin,
      merkleTreeHook: hook,
      root,
      index: signedIndex,
      messageId: signedMessageId,
    };
    return { ok: true, messageId: id, checkpoint, signers: r.signers };
  }
  if (r.kind === 'unknown' && !r.digestConfirmed) {
    const signedOrigin = findSignedOrigin(
      validators,
      msg,
      origin,
      idBytes,
      digestFor,
      sigAt(0),
      opts.knownOrigins,
    );
    if (signedOrigin !== undefined) return { ok: false, error: wrongOrigin(origin, signedOrigin) };
    if (messageIndex === signedIndex && !bytesEqual(idBytes, signedMessageIdBytes)) {
      return {
        ok: false,
        error: new BridgeError(
          'BRIDGE_ISM_MESSAGE_MISMATCH',
          `message id ${id} is not the signed message id ${signedMessageId} at index ${signedIndex} (body, sender, nonce… changed)`,
          { field: 'message', value: id, limit: signedMessageId, signatureIndex: r.index, signer: r.signer },
        ),
      };
    }
    return {
      ok: false,
      error: new BridgeError(
        'BRIDGE_ISM_PROOF_MISMATCH',
        `no signature recovers to a validator: root ${root} from message ${id} and the proof at index ` +
          `${messageIndex} is not the root signed at index ${signedIndex} (corrupted proof or changed message)`,
        { field: 'metadata.proof', value: root, signatureIndex: r.index, signer: r.signer },
      ),
    };
  }
  return { ok: false, error: walkError(r, 'this checkpoint', config.threshold, validators.length) };
}

/**
 * Verifies `message` with `metadata` against the ISM `config` of its type (the entry point the STF
 * calls for `MsgProcessMessage`). Never throws for bad input; returns `{ ok: false, error }`
 * (`BRIDGE_ISM_TYPE_UNKNOWN` for an unknown type).
 */
export function verifyIsm(
  message: BytesLike | PreparedMessage,
  metadata: BytesLike,
  config: MultisigIsmConfig,
  opts: VerifyIsmOpts = {},
): IsmVerifyResult {
  switch (config.type) {
    case 'messageIdMultisig':
      return verifyMessageIdMultisig(message, metadata, config, opts);
    case 'merkleRootMultisig':
      return verifyMerkleRootMultisig(message, metadata, config, opts);
    default:
      return {
        ok: false,
        error: new BridgeError(
          'BRIDGE_ISM_TYPE_UNKNOWN',
          `ISM type ${String((config as { type: unknown }).type)} is not messageIdMultisig or merkleRootMultisig`,
          { field: 'config.type', value: String((config as { type: unknown }).type) },
        ),
      };
  }
}

/**
 * Relayer helper: from signatures gathered per validator, picks the first `threshold` in
 * validator-list order (what the ISM's two-pointer walk needs). Throws `BRIDGE_ISM_BELOW_THRESHOLD`
 * when fewer than `threshold` listed validators have a signature. It does not verify them.
 */
export function orderSignatures(
  config: MultisigConfig,
  byValidator: ReadonlyMap<string, BytesLike> | Readonly<Record<string, BytesLike>>,
): Uint8Array[] {
  const validators = validateMultisigConfig(config);
  const lookup = new Map<string, BytesLike>();
  const entries = byValidator instanceof Map ? [...byValidator.entries()] : Object.entries(byValidator);
  for (const [k, v] of entries) lookup.set(k.toLowerCase(), v as BytesLike);
  const out: Uint8Array[] = [];
  for (const v of validators) {
    const s = lookup.get(v);
    if (s !== undefined) out.push(toBytes(s, `signature of ${v}`, SIGNATURE_BYTES));
    if (out.length === config.threshold) return out;
  }
  throw belowThreshold(out.length, config.threshold);
}
