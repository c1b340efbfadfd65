/**
 * MsgConfirmFinality: one checkpoint of an origin signed by its **final** ISM validators finalises
 * every earlier leaf of that origin for which a proof is given (DESIGN "Finality").
 *
 * Checks, in order (each its own receipt code): bridge configured, origin configured
 * (`HUB_ORIGIN_UNKNOWN`), root and message id 32 bytes (`HUB_CHECKPOINT_INVALID`), at most
 * {@link MAX_FINALITY_PROOFS} proofs (`HUB_FINALITY_TOO_MANY_PROOFS`), the final ISM's threshold of
 * signatures over `checkpointDigest(origin, pinned tree hook, root, index, messageId)` in validator
 * order (`BRIDGE_ISM_*` / `BRIDGE_SIG_*`: port of `AbstractMultisigIsm.verify` on that digest), no
 * final checkpoint with another root at that index (`HUB_FINALITY_CONFLICT`: submit reorg evidence
 * instead); then per proof: 1024 bytes (`HUB_FINALITY_PROOF_LENGTH`), leaf ≤ index
 * (`HUB_FINALITY_LEAF_AFTER_CHECKPOINT`), not repeated (`HUB_FINALITY_DUPLICATE_PROOF`),
 * `branchRoot(messageId, proof, leafIndex) = root` (`HUB_FINALITY_PROOF_MISMATCH`, port of
 * `MerkleLib.branchRoot`), a delivered message of this origin (`HUB_FINALITY_ORIGIN_MISMATCH`).
 *
 * Effects: the checkpoint is recorded (origin, index → root) and the origin's final high-water mark
 * advances; each proved message that was delivered provisional becomes final (./inbound.ts
 * `finalizeInbound`); one not delivered yet is recorded as a final attestation and arrives final.
 * Already-final messages are counted, not an error, so relayers can batch without bookkeeping.
 */
import { branchRootBytes, bytesToHex, verifyCheckpoint } from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { bytesEqual, toHex } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import { STAGE } from '../ledger/index.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import {
  FinalAttestationCodec,
  type InboundMessage,
  type MsgConfirmFinality,
  MsgConfirmFinalityResponseCodec,
} from './codec.ts';
import { type OriginRuntime, requireBridge, requireOrigin } from './config.ts';
import { MAX_FINALITY_PROOFS, PROOF_BYTES } from './constants.ts';
import { finalizeInbound } from './inbound.ts';
import { finalAttestationKey, finalCheckpointKey } from './keys.ts';
import { chainErrorOf, getInbound, getOriginState, setInbound, setOriginState } from './records.ts';

/** A MsgConfirmFinality that passed {@link checkConfirmFinality}. */
export interface VerifiedFinality {
  readonly origin: OriginRuntime;
  /** Delivery records of the proved messages (undefined: not delivered yet), in proof order. */
  readonly records: readonly (InboundMessage | undefined)[];
  /** True when this (origin, index) had no final checkpoint recorded. */
  readonly newCheckpoint: boolean;
}

/**
 * Every check of a MsgConfirmFinality in the order of the module comment; throws the first
 * failure's ChainError. Reads state, never writes: CheckTx and the STF both call it.
 */
export function checkConfirmFinality(state: StateReader, msg: MsgConfirmFinality): VerifiedFinality {
  const bridge = requireBridge(state);
  const origin = requireOrigin(bridge, msg.origin);
  if (msg.root.length !== 32 || msg.messageId.length !== 32) {
    throw new ChainError(
      'HUB_CHECKPOINT_INVALID',
      `checkpoint root is ${msg.root.length} bytes and message_id ${msg.messageId.length} bytes; both must be 32`,
    );
  }
  if (msg.proofs.length > MAX_FINALITY_PROOFS) {
    throw new ChainError(
      'HUB_FINALITY_TOO_MANY_PROOFS',
      `${msg.proofs.length} proofs; at most ${MAX_FINALITY_PROOFS} per message`,
      { proofs: msg.proofs.length, limit: MAX_FINALITY_PROOFS },
    );
  }
  const root = bytesToHex(msg.root);
  const v = verifyCheckpoint(
    origin.final,
    {
      origin: origin.domain,
      merkleTreeHook: origin.merkleTreeHook,
      root,
      index: msg.index,
      messageId: bytesToHex(msg.messageId),
    },
    msg.signatures,
  );
  if (!v.ok) throw chainErrorOf(v.error, `final ISM of origin ${origin.domain}`);
  const known = state.get(finalCheckpointKey(origin.domain, msg.index));
  if (known !== undefined && !bytesEqual(known, msg.root)) {
    throw new ChainError(
      'HUB_FINALITY_CONFLICT',
      `origin ${origin.domain} index ${msg.index} has final root 0x${toHex(known)} already, not ${root}: submit MsgSubmitReorgEvidence`,
      { origin: origin.domain, index: msg.index },
    );
  }
  const seen = new Set<string>();
  const records = msg.proofs.map((p, i) => {
    if (p.proof.length !== PROOF_BYTES || p.messageId.length !== 32) {
      throw new ChainError(
        'HUB_FINALITY_PROOF_LENGTH',
        `proofs[${i}]: proof is ${p.proof.length} bytes and message_id ${p.messageId.length}; expected ${PROOF_BYTES} and 32`,
        { proof: i },
      );
    }
    if (p.leafIndex > msg.index) {
      throw new ChainError(
        'HUB_FINALITY_LEAF_AFTER_CHECKPOINT',
        `proofs[${i}]: leaf ${p.leafIndex} is after the checkpoint index ${msg.index}; a checkpoint finalises only earlier leaves`,
        { proof: i, leafIndex: p.leafIndex, index: msg.index },
      );
    }
    const idHex = toHex(p.messageId);
    if (seen.has(idHex)) {
      throw new ChainError(
        'HUB_FINALITY_DUPLICATE_PROOF',
        `proofs[${i}]: message 0x${idHex} is proved twice`,
        { proof: i },
      );
    }
    seen.add(idHex);
    if (!bytesEqual(branchRootBytes(p.messageId, p.proof, p.leafIndex), msg.root)) {
      throw new ChainError(
        'HUB_FINALITY_PROOF_MISMATCH',
        `proofs[${i}]: message 0x${idHex} at leaf ${p.leafIndex} does not reach root ${root}`,
        { proof: i, leafIndex: p.leafIndex },
      );
    }
    const rec = getInbound(state, p.messageId);
    if (rec !== undefined && rec.origin !== origin.domain) {
      throw new ChainError(
        'HUB_FINALITY_ORIGIN_MISMATCH',
        `proofs[${i}]: message 0x${idHex} was delivered from origin ${rec.origin}, not ${origin.domain}`,
        { proof: i },
      );
    }
    return rec;
  });
  return { origin, records, newCheckpoint: known === undefined };
}

/** CheckTx hook: {@link checkConfirmFinality} on committed state. */
export function checkConfirmFinalityTx(state: StateReader, msg: MsgConfirmFinality, _ctx: MsgContext): void {
  checkConfirmFinality(state, msg);
}

/** The STF step (see the module comment). */
export function applyConfirmFinality(state: StateView, msg: MsgConfirmFinality, ctx: MsgContext): MsgResult {
  const { origin, records, newCheckpoint } = checkConfirmFinality(state, msg);
  if (newCheckpoint) state.set(finalCheckpointKey(origin.domain, msg.index), msg.root);
  const events: Event[] = [
    {
      type: 'hyperlane.final_checkpoint',
      attributes: [
        { key: 'origin', value: String(origin.domain) },
        { key: 'index', value: String(msg.index) },
        { key: 'root', value: bytesToHex(msg.root) },
      ],
    },
  ];
  let finalized = 0;
  let alreadyFinal = 0;
  let attested = 0;
  const os = getOriginState(state, origin.domain);
  for (const [i, p] of msg.proofs.entries()) {
    // Re-read: finalising an earlier proof may have moved a hold and re-pointed this record.
    const rec = records[i] === undefined ? undefined : getInbound(state, p.messageId);
    if (rec === undefined) {
      if (state.get(finalAttestationKey(p.messageId)) === undefined) {
        state.set(
          finalAttestationKey(p.messageId),
          FinalAttestationCodec.toBytes({
            origin: origin.domain,
            leafIndex: p.leafIndex,
            checkpointIndex: msg.index,
            height: ctx.height,
          }),
        );
      }
      attested++;
    } else if (rec.stage === STAGE.FINAL) {
      alreadyFinal++;
    } else {
      finalizeInbound(state, { height: ctx.height, timeMs: ctx.timeMs, origin, events }, rec);
      setInbound(state, rec);
      os.finalized += 1n;
      finalized++;
    }
  }
  if (!os.hasFinalCheckpoint || msg.index > os.finalIndex) {
    os.hasFinalCheckpoint = true;
    os.finalIndex = msg.index;
    os.finalRoot = msg.root;
    os.finalHeight = ctx.height;
    os.finalTimeMs = ctx.timeMs;
  }
  setOriginState(state, os);
  events[0]!.attributes.push(
    { key: 'finalized', value: String(finalized) },
    { key: 'already_final', value: String(alreadyFinal) },
    { key: 'attested', value: String(attested) },
  );
  return { events, response: MsgConfirmFinalityResponseCodec.toBytes({ finalized, alreadyFinal, attested }) };
}
