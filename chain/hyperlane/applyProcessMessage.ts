/**
 * MsgProcessMessage: delivers one Hyperlane message from an origin chain to the hub. Port of
 * `Mailbox.process` (version, destination, replay, ISM, then the recipient's `handle`) with the
 * hub's stricter rules (DESIGN "Hyperlane, both ways"), checked in this order — the cheap ones
 * first, so CheckTx refuses junk before paying for signature recovery:
 *
 * | # | check | receipt code |
 * | --- | --- | --- |
 * | 1 | the chain has a bridge config; `tier` is 0, 1 or 2 | `HUB_BRIDGE_NOT_CONFIGURED`, `HUB_TIER_INVALID` |
 * | 2 | message ≥ 77 bytes, body ≤ 64 KiB, version 3 | `BRIDGE_MESSAGE_TOO_SHORT` / `_TOO_LONG` / `_VERSION` |
 * | 3 | destination = 0x554D5247 | `HUB_WRONG_DESTINATION` |
 * | 4 | message id not delivered yet | `HUB_MESSAGE_REPLAYED` |
 * | 5 | origin configured | `HUB_ORIGIN_UNKNOWN` |
 * | 6 | the origin's ISM for the tier accepts the metadata (exactly what the contract accepts) | `BRIDGE_ISM_*`, `BRIDGE_SIG_*`, `BRIDGE_METADATA_TRUNCATED` |
 * | 7 | the metadata names the tree hook pinned for that origin | `BRIDGE_ISM_TREE_HOOK_UNPINNED` |
 * | 8 | sender is the origin's enrolled vault or adapter | `HUB_SENDER_NOT_ENROLLED` |
 * | 9 | recipient is the hub's (HUB_RECIPIENT) | `HUB_RECIPIENT_UNKNOWN` |
 *
 * Tier: FAST (1) verifies against the fast ISM (→ provisional), FINAL (2) against the final ISM
 * (→ final), AUTO (0) tries fast, then final. Then the body applies (./inbound.ts); business
 * failures are recorded on the message, never failing delivery. The replay set records delivery:
 * a message is delivered once whatever its body did.
 */
import {
  bytesToHex,
  checkpointDigestFromParts,
  hexToBytes,
  type IsmVerifyResult,
  MESSAGE_ID_METADATA_HEADER_BYTES,
  type MultisigIsmConfig,
  type PreparedMessage,
  prepareMessage,
  readU32,
  SIGNATURE_BYTES,
  verifyIsm,
} from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { bytesEqual } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import { STAGE } from '../ledger/index.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import { type InboundMessage, type MsgProcessMessage, MsgProcessMessageResponseCodec } from './codec.ts';
import {
  type BridgeRuntime,
  type OriginRuntime,
  readBridge,
  requireBridge,
  requireOrigin,
} from './config.ts';
import { HUB_DOMAIN, HUB_RECIPIENT, TIER } from './constants.ts';
import { applyInboundBody } from './inbound.ts';
import { finalAttestationKey } from './keys.ts';
import {
  bridgeCall,
  chainErrorOf,
  getFinalAttestation,
  getOriginState,
  isDelivered,
  setInbound,
  setOriginState,
} from './records.ts';

/** A message that passed every check of {@link checkProcessMessage}. */
export interface VerifiedDelivery {
  readonly message: PreparedMessage;
  readonly origin: OriginRuntime;
  /** The tier the metadata met: 1 FAST or 2 FINAL. */
  readonly tier: 1 | 2;
  /** The message's leaf index in its origin tree, as the signatures attest. */
  readonly leafIndex: number;
}

const HUB_RECIPIENT_BYTES = hexToBytes(HUB_RECIPIENT, 'HUB_RECIPIENT', 32);

// Failures where no signature recovered to a validator of the tried set: the metadata may be the
// other tier's, so under AUTO these defer to the other tier's verdict.
const MISMATCH = new Set([
  'BRIDGE_ISM_DIGEST_MISMATCH',
  'BRIDGE_ISM_MESSAGE_MISMATCH',
  'BRIDGE_ISM_PROOF_MISMATCH',
]);

function verifyTier(
  pm: PreparedMessage,
  metadata: Uint8Array,
  ism: MultisigIsmConfig,
  origin: OriginRuntime,
  knownOrigins: readonly number[] | undefined,
): IsmVerifyResult {
  return verifyIsm(pm, metadata, ism, {
    pinnedMerkleTreeHook: origin.merkleTreeHook,
    ...(knownOrigins !== undefined ? { knownOrigins } : {}),
  });
}

function verifyDelivery(
  pm: PreparedMessage,
  msg: MsgProcessMessage,
  origin: OriginRuntime,
  bridge: BridgeRuntime,
): { tier: 1 | 2; leafIndex: number } {
  const leafOf = (ism: MultisigIsmConfig, r: IsmVerifyResult & { ok: true }) =>
    ism.type === 'merkleRootMultisig' ? readU32(msg.metadata, 32) : r.checkpoint.index;
  if (msg.tier === TIER.FAST || msg.tier === TIER.FINAL) {
    const ism = msg.tier === TIER.FAST ? origin.fast : origin.final;
    const r = verifyTier(pm, msg.metadata, ism, origin, bridge.knownOrigins);
    if (!r.ok)
      throw chainErrorOf(
        r.error,
        `${msg.tier === TIER.FAST ? 'fast' : 'final'} ISM of origin ${origin.domain}`,
      );
    return { tier: msg.tier, leafIndex: leafOf(ism, r) };
  }
  // AUTO: fast first (the common case), then final; the diagnosis across origins only when both
  // tiers saw a mismatch (it costs two recoveries per configured origin).
  const fast = verifyTier(pm, msg.metadata, origin.fast, origin, undefined);
  if (fast.ok) return { tier: TIER.FAST, leafIndex: leafOf(origin.fast, fast) };
  const fin = verifyTier(pm, msg.metadata, origin.final, origin, undefined);
  if (fin.ok) return { tier: TIER.FINAL, leafIndex: leafOf(origin.final, fin) };
  if (!MISMATCH.has(fast.error.code)) throw chainErrorOf(fast.error, `fast ISM of origin ${origin.domain}`);
  if (!MISMATCH.has(fin.error.code)) throw chainErrorOf(fin.error, `final ISM of origin ${origin.domain}`);
  const diag = verifyTier(pm, msg.metadata, origin.fast, origin, bridge.knownOrigins);
  throw chainErrorOf(diag.ok ? fast.error : diag.error, `neither ISM of origin ${origin.domain} accepts it`);
}

/**
 * Verdicts of deliveries that passed every check, keyed by the exact tier, message and metadata
 * bytes, so the STF does not recover the same signatures again after CheckTx (as the sequencer
 * skips re-verifying tx signatures CheckTx verified). Sound because everything but the replay
 * check is a pure function of those bytes and of the origin's config: a hit is used only when the
 * origin's config is the very object it was verified under (the config memo returns a new object
 * whenever the stored config bytes change), and the replay check always runs against the state at
 * hand. The STF consumes its hit (a message is delivered once); a follower, which runs no CheckTx,
 * verifies everything. Bounded: cleared when full.
 */
const VERDICTS = new Map<string, VerifiedDelivery>();
/** Most cached verdicts (≈ 0.5 KiB each for a DEPOSIT). */
export const MAX_CACHED_VERDICTS = 20_000;

function verdictKey(msg: MsgProcessMessage): string {
  let s = `${msg.tier}:${msg.message.length}:`;
  for (const part of [msg.message, msg.metadata]) {
    for (let i = 0; i < part.length; i += 4096) {
      s += String.fromCharCode.apply(null, part.subarray(i, i + 4096) as unknown as number[]);
    }
  }
  return s;
}

/** Options of {@link checkProcessMessage}. */
export interface CheckProcessMessageOpts {
  /** Remember a success for the STF (CheckTx). */
  remember?: boolean;
  /** Use and drop a remembered success (the STF). */
  consume?: boolean;
}

/**
 * Every check of a delivery, in the order of the module table; throws the first failure's
 * ChainError. Reads state, never writes: CheckTx and the STF both call it.
 */
export function checkProcessMessage(
  state: StateReader,
  msg: MsgProcessMessage,
  opts: CheckProcessMessageOpts = {},
): VerifiedDelivery {
  const bridge = requireBridge(state);
  if (msg.tier !== TIER.AUTO && msg.tier !== TIER.FAST && msg.tier !== TIER.FINAL) {
    throw new ChainError('HUB_TIER_INVALID', `tier = ${msg.tier}; expected 0 (auto), 1 (fast) or 2 (final)`, {
      tier: msg.tier,
    });
  }
  const key = opts.remember === true || opts.consume === true ? verdictKey(msg) : undefined;
  const hit = key === undefined ? undefined : VERDICTS.get(key);
  if (hit !== undefined && bridge.origins.get(hit.message.origin) === hit.origin) {
    if (opts.consume === true) VERDICTS.delete(key!);
    if (isDelivered(state, hit.message.idBytes)) {
      throw new ChainError('HUB_MESSAGE_REPLAYED', `message ${hit.message.id} was delivered already`, {
        messageId: hit.message.id,
      });
    }
    return hit;
  }
  const v = verifyAll(state, bridge, msg);
  if (opts.remember === true) {
    if (VERDICTS.size >= MAX_CACHED_VERDICTS) VERDICTS.clear();
    VERDICTS.set(key!, v);
  }
  return v;
}

function verifyAll(state: StateReader, bridge: BridgeRuntime, msg: MsgProcessMessage): VerifiedDelivery {
  const pm = bridgeCall(() => prepareMessage(msg.message), 'message');
  if (pm.destination !== HUB_DOMAIN) {
    throw new ChainError(
      'HUB_WRONG_DESTINATION',
      `message destination is ${pm.destination}; the hub is domain ${HUB_DOMAIN} ("UMRG")`,
      { destination: pm.destination, expected: HUB_DOMAIN },
    );
  }
  if (isDelivered(state, pm.idBytes)) {
    throw new ChainError('HUB_MESSAGE_REPLAYED', `message ${pm.id} was delivered already`, {
      messageId: pm.id,
    });
  }
  const origin = requireOrigin(bridge, pm.origin);
  const { tier, leafIndex } = verifyDelivery(pm, msg, origin, bridge);
  const sender = pm.bytes.subarray(9, 41);
  if (!bytesEqual(sender, origin.vault) && !bytesEqual(sender, origin.adapter)) {
    throw new ChainError(
      'HUB_SENDER_NOT_ENROLLED',
      `sender ${pm.sender} is neither the vault ${bytesToHex(origin.vault)} nor the adapter ${bytesToHex(origin.adapter)} enrolled for origin ${origin.domain}`,
      { sender: pm.sender, origin: origin.domain },
    );
  }
  if (!bytesEqual(pm.bytes.subarray(45, 77), HUB_RECIPIENT_BYTES)) {
    throw new ChainError(
      'HUB_RECIPIENT_UNKNOWN',
      `recipient ${pm.recipient} is not the hub's recipient ${HUB_RECIPIENT}`,
      { recipient: pm.recipient, expected: HUB_RECIPIENT },
    );
  }
  return { message: pm, origin, tier, leafIndex };
}

/** A signature recovery a delivery check will make: the 32-byte digest and the 65-byte signature. */
export interface PendingRecovery {
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * The recoveries checking `msg` against `state` makes first, for a node to compute them on worker
 * threads before the check (bridge/core `primeRecovery`): the first `threshold` signatures of
 * MessageId metadata over its checkpoint digest, for the tier's ISM (AUTO: the fast one). Empty
 * when the check stops before recovering (no bridge, bad message, unknown origin, short metadata)
 * or for MerkleRoot metadata. A hint only: the check itself decides, and recomputes any recovery
 * not handed in.
 */
export function deliveryRecoveries(state: StateReader, msg: MsgProcessMessage): PendingRecovery[] {
  const bridge = readBridge(state);
  if (bridge === undefined) return [];
  let pm: PreparedMessage;
  try {
    pm = prepareMessage(msg.message);
  } catch {
    return [];
  }
  const origin = bridge.origins.get(pm.origin);
  if (origin === undefined) return [];
  const ism = msg.tier === TIER.FINAL ? origin.final : origin.fast;
  const m = msg.metadata;
  const t = ism.threshold;
  if (ism.type !== 'messageIdMultisig' || m.length < MESSAGE_ID_METADATA_HEADER_BYTES + SIGNATURE_BYTES * t) {
    return [];
  }
  const digest = checkpointDigestFromParts(
    pm.origin,
    m.subarray(0, 32),
    m.subarray(32, 64),
    readU32(m, 64),
    pm.idBytes,
  );
  const out: PendingRecovery[] = [];
  for (let i = 0; i < t; i++) {
    const o = MESSAGE_ID_METADATA_HEADER_BYTES + SIGNATURE_BYTES * i;
    out.push({ digest, signature: m.subarray(o, o + SIGNATURE_BYTES) });
  }
  return out;
}

/** CheckTx hook: {@link checkProcessMessage} on committed state. */
export function checkProcessMessageTx(state: StateReader, msg: MsgProcessMessage, _ctx: MsgContext): void {
  checkProcessMessage(state, msg, { remember: true });
}

/** The STF step (see the module comment). */
export function applyProcessMessage(state: StateView, msg: MsgProcessMessage, ctx: MsgContext): MsgResult {
  const v = checkProcessMessage(state, msg, { consume: true });
  const pm = v.message;
  // A final attestation that arrived first (MsgConfirmFinality with a proof) makes it final now.
  const attest = getFinalAttestation(state, pm.idBytes);
  const preFinal = attest !== undefined && attest.origin === pm.origin;
  if (attest !== undefined) state.delete(finalAttestationKey(pm.idBytes));
  const stage = v.tier === TIER.FINAL || preFinal ? STAGE.FINAL : STAGE.PROVISIONAL;
  const rec: InboundMessage = {
    messageId: pm.idBytes,
    origin: pm.origin,
    nonce: pm.nonce,
    sender: pm.bytes.slice(9, 41),
    kind: 0,
    stage,
    tier: v.tier,
    leafIndex: v.leafIndex,
    result: 0,
    resultDetail: '',
    relayer: msg.relayer,
    deliveredHeight: ctx.height,
    deliveredTimeMs: ctx.timeMs,
    finalizedHeight: stage === STAGE.FINAL ? ctx.height : 0n,
    holder: new Uint8Array(0),
    token: new Uint8Array(0),
    amount: '',
    body: pm.body,
    settlementId: new Uint8Array(0),
  };
  const events: Event[] = [];
  applyInboundBody(state, { height: ctx.height, timeMs: ctx.timeMs, origin: v.origin, events }, rec);
  setInbound(state, rec);
  const os = getOriginState(state, pm.origin);
  os.delivered += 1n;
  if (stage === STAGE.FINAL) os.finalized += 1n;
  setOriginState(state, os);
  events.unshift({
    type: 'hyperlane.process',
    attributes: [
      { key: 'message_id', value: pm.id },
      { key: 'origin', value: String(pm.origin) },
      { key: 'nonce', value: String(pm.nonce) },
      { key: 'sender', value: pm.sender },
      { key: 'tier', value: v.tier === TIER.FAST ? 'fast' : 'final' },
      { key: 'stage', value: stage === STAGE.FINAL ? 'final' : 'provisional' },
      { key: 'kind', value: String(rec.kind) },
      { key: 'result', value: String(rec.result) },
    ],
  });
  return {
    events,
    response: MsgProcessMessageResponseCodec.toBytes({ messageId: pm.idBytes, stage, result: rec.result }),
  };
}
