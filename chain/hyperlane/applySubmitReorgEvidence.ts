/**
 * MsgSubmitReorgEvidence: two checkpoints for one (origin, index) with different roots, each signed
 * by validators of that origin's fast or final set, verified and recorded (DESIGN "Finality"). Its
 * effects — reverting provisional items at or after the index, tripping the domain's breaker,
 * halting on a final-tier conflict — arrive with the unified-margin issue; this step records the
 * evidence and its severity on the origin so they can.
 *
 * Each side's signatures are recovered against `checkpointDigest(origin, pinned tree hook, root,
 * index, messageId)` with OpenZeppelin's rules (`BRIDGE_SIG_*`); every signer must be a validator of
 * the origin (`HUB_REORG_UNKNOWN_SIGNER`), once per side (`HUB_REORG_DUPLICATE_SIGNER`). Order does
 * not matter and no threshold is required: a single validator signing two roots is evidence too.
 * A side's tier is FINAL when its final-set signers reach the final threshold, else FAST when its
 * fast-set signers reach the fast threshold, else 0. Severity: FINAL when both sides are FINAL,
 * FAST when both reach a threshold, else SIGNER. The same pair of roots is recorded once
 * (`HUB_REORG_KNOWN`) unless resubmitted with a higher severity.
 */
import { bytesToHex, checkpointDigestBytes, recoverSignerRaw } from '../../bridge/index.ts';
import type { StateView } from '../../state/types.ts';
import { ChainError, type ErrorCode } from '../errors.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import {
  type MsgSubmitReorgEvidence,
  MsgSubmitReorgEvidenceResponseCodec,
  ReorgEvidenceCodec,
  type SignedCheckpoint,
} from './codec.ts';
import { type OriginRuntime, requireBridge, requireOrigin } from './config.ts';
import { REORG_SEVERITY, TIER } from './constants.ts';
import { reorgKey } from './keys.ts';
import { getOriginState, setOriginState } from './records.ts';

// Unsigned bytewise order (-1, 0, 1).
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Most signatures per side (both validator sets at their largest). */
export const MAX_EVIDENCE_SIGNATURES = 510;

interface SideVerdict {
  tier: number;
  signers: Uint8Array[];
}

function verifySide(name: string, side: SignedCheckpoint, origin: OriginRuntime, index: number): SideVerdict {
  if (side.signatures.length === 0) {
    throw new ChainError('HUB_REORG_NO_SIGNATURE', `${name} has no signature`);
  }
  if (side.signatures.length > MAX_EVIDENCE_SIGNATURES) {
    throw new ChainError(
      'HUB_REORG_NO_SIGNATURE',
      `${name} has ${side.signatures.length} signatures; at most ${MAX_EVIDENCE_SIGNATURES}`,
    );
  }
  const digest = checkpointDigestBytes({
    origin: origin.domain,
    merkleTreeHook: origin.merkleTreeHook,
    root: bytesToHex(side.root),
    index,
    messageId: bytesToHex(side.messageId),
  });
  const fast = new Set(origin.fast.validators);
  const fin = new Set(origin.final.validators);
  const seen = new Set<string>();
  const signers: Uint8Array[] = [];
  let fastCount = 0;
  let finalCount = 0;
  side.signatures.forEach((sig, i) => {
    const r = recoverSignerRaw(digest, sig);
    if (typeof r === 'string') {
      throw new ChainError(r as ErrorCode, `${name}.signatures[${i}] is not a valid signature (${r})`, {
        signature: i,
      });
    }
    const addr = bytesToHex(r);
    if (!fast.has(addr) && !fin.has(addr)) {
      throw new ChainError(
        'HUB_REORG_UNKNOWN_SIGNER',
        `${name}.signatures[${i}] recovers to ${addr}, not a fast or final validator of origin ${origin.domain} for this checkpoint`,
        { signature: i, signer: addr },
      );
    }
    if (seen.has(addr)) {
      throw new ChainError(
        'HUB_REORG_DUPLICATE_SIGNER',
        `${name}.signatures[${i}] repeats validator ${addr}`,
        { signature: i },
      );
    }
    seen.add(addr);
    signers.push(r);
    if (fast.has(addr)) fastCount++;
    if (fin.has(addr)) finalCount++;
  });
  const tier =
    finalCount >= origin.final.threshold ? TIER.FINAL : fastCount >= origin.fast.threshold ? TIER.FAST : 0;
  return { tier, signers };
}

/** The STF step (see the module comment). */
export function applySubmitReorgEvidence(
  state: StateView,
  msg: MsgSubmitReorgEvidence,
  ctx: MsgContext,
): MsgResult {
  const origin = requireOrigin(requireBridge(state), msg.origin);
  const { first, second } = msg;
  if (first === undefined || second === undefined) {
    throw new ChainError(
      'HUB_REORG_MISSING_SIDE',
      `evidence needs two checkpoints; ${first === undefined ? 'first' : 'second'} is missing`,
    );
  }
  for (const [name, s] of [
    ['first', first],
    ['second', second],
  ] as const) {
    if (s.root.length !== 32 || s.messageId.length !== 32) {
      throw new ChainError(
        'HUB_CHECKPOINT_INVALID',
        `${name}: root is ${s.root.length} bytes and message_id ${s.messageId.length}; both must be 32`,
      );
    }
  }
  const cmp = compareBytes(first.root, second.root);
  if (cmp === 0) {
    throw new ChainError(
      'HUB_REORG_SAME_ROOT',
      `both checkpoints have root ${bytesToHex(first.root)}: no conflict`,
    );
  }
  const a = verifySide('first', first, origin, msg.index);
  const b = verifySide('second', second, origin, msg.index);
  const severity =
    a.tier === TIER.FINAL && b.tier === TIER.FINAL
      ? REORG_SEVERITY.FINAL
      : a.tier > 0 && b.tier > 0
        ? REORG_SEVERITY.FAST
        : REORG_SEVERITY.SIGNER;
  const [lo, hi] = cmp < 0 ? [first, second] : [second, first];
  const [vLo, vHi] = cmp < 0 ? [a, b] : [b, a];
  const key = reorgKey(origin.domain, msg.index, lo.root, hi.root);
  const prev = state.get(key);
  if (prev !== undefined && ReorgEvidenceCodec.decode(prev).severity >= severity) {
    throw new ChainError(
      'HUB_REORG_KNOWN',
      `this conflict at origin ${origin.domain} index ${msg.index} is recorded already`,
      {
        origin: origin.domain,
        index: msg.index,
      },
    );
  }
  state.set(
    key,
    ReorgEvidenceCodec.toBytes({
      origin: origin.domain,
      index: msg.index,
      rootA: lo.root,
      rootB: hi.root,
      severity,
      tierA: vLo.tier,
      tierB: vHi.tier,
      signersA: vLo.signers,
      signersB: vHi.signers,
      submitter: msg.submitter,
      height: ctx.height,
    }),
  );
  const os = getOriginState(state, origin.domain);
  if (severity > os.reorgSeverity) os.reorgSeverity = severity;
  os.reorgHeight = ctx.height;
  setOriginState(state, os);
  return {
    events: [
      {
        type: 'hyperlane.reorg_evidence',
        attributes: [
          { key: 'origin', value: String(origin.domain) },
          { key: 'index', value: String(msg.index) },
          { key: 'severity', value: String(severity) },
          { key: 'root_a', value: bytesToHex(lo.root) },
          { key: 'root_b', value: bytesToHex(hi.root) },
        ],
      },
    ],
    response: MsgSubmitReorgEvidenceResponseCodec.toBytes({ severity }),
  };
}
