/**
 * The hub's outbound mailbox: nonce, dispatch, the incremental tree kept in state, checkpoints and
 * proofs. Port of `Mailbox.dispatch` + `MerkleTreeHook.postDispatch` for an appchain origin: the
 * nonce is the tree count before insertion (one leaf per dispatch), so nonce = leaf index.
 *
 * State: the compact tree (`encodeMerkleTree`, 1028 bytes), every complete subtree root the inserts
 * finish (≈ 2 per insert; `bridge/` merkleProof/rootAtCount rebuild any proof or root at any count
 * from them), each message by nonce, and nonce by message id. A checkpoint of the hub is
 * (root after leaf i, i, message id i); hub validators sign
 * `checkpointDigest(HUB_DOMAIN, HUB_TREE_HOOK, root, i, id)`.
 */
import {
  type BytesLike,
  bytesToHex,
  decodeMerkleTree,
  EMPTY_MERKLE_TREE,
  encodeAppPayload,
  encodeMerkleTree,
  encodeMessage,
  type Hex,
  hexToBytes,
  insertLeaf,
  keccak256,
  MAX_MESSAGE_BODY_BYTES,
  type MerkleTree,
  merkleProof,
  type OutboundPayload,
  PAYLOAD_KIND,
  rootAtCount,
} from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { concatBytes, u64be } from '../keys.ts';
import { HUB_DOMAIN, HUB_SENDER, SETTLEMENT_STATUS } from './constants.ts';
import { outByIdKey, outMessageKey, outNodeKey, outTreeKey, settlementSeqKey } from './keys.ts';
import { bridgeCall, getSettlement, setSettlement } from './records.ts';

/** What to dispatch. */
export interface DispatchInput {
  /** Destination domain (u32, not the hub). */
  destination: number;
  /** Recipient word (bytes32; an EVM recipient has its top 12 bytes zero). */
  recipient: BytesLike;
  /** The app payload bytes. */
  body: Uint8Array;
}

/** A dispatched message. */
export interface DispatchResult {
  /** The hub mailbox nonce = leaf index in the hub tree. */
  nonce: number;
  messageId: Hex;
  /** The packed version-3 message. */
  message: Uint8Array;
  /** `hyperlane.dispatch` event for the caller's receipt. */
  event: Event;
}

/** The outbound tree (empty before the first dispatch). */
export function readOutboundTree(state: StateReader): MerkleTree {
  const raw = state.get(outTreeKey());
  return raw === undefined ? EMPTY_MERKLE_TREE : decodeMerkleTree(raw);
}

/**
 * Dispatches a message from the hub's mailbox (origin HUB_DOMAIN, sender HUB_SENDER): assigns the
 * next nonce, inserts its id into the tree and stores the completed subtree roots. Throws an
 * internal Error when called with the hub as destination or an oversized body (a programming error
 * of the STF step calling it, never user input).
 */
export function dispatchMessage(state: StateView, input: DispatchInput): DispatchResult {
  if (input.destination === HUB_DOMAIN) throw new Error('dispatchMessage: the hub does not send to itself');
  if (input.body.length > MAX_MESSAGE_BODY_BYTES) {
    throw new Error(`dispatchMessage: body of ${input.body.length} bytes exceeds ${MAX_MESSAGE_BODY_BYTES}`);
  }
  const tree = readOutboundTree(state);
  const nonce = tree.count;
  const message = bridgeCall(() =>
    encodeMessage({
      nonce,
      origin: HUB_DOMAIN,
      sender: HUB_SENDER,
      destination: input.destination,
      recipient: input.recipient,
      body: input.body,
    }),
  );
  const id = keccak256(message);
  const ins = bridgeCall(() => insertLeaf(tree, id));
  for (const n of ins.completedNodes) state.set(outNodeKey(n.level, n.index), hexToBytes(n.hash, 'node', 32));
  state.set(outTreeKey(), encodeMerkleTree(ins.tree));
  state.set(outMessageKey(nonce), message);
  const nonceBytes = new Uint8Array(4);
  new DataView(nonceBytes.buffer).setUint32(0, nonce);
  state.set(outByIdKey(id), nonceBytes);
  const messageId = bytesToHex(id);
  return {
    nonce,
    messageId,
    message,
    event: {
      type: 'hyperlane.dispatch',
      attributes: [
        { key: 'message_id', value: messageId },
        { key: 'nonce', value: String(nonce) },
        { key: 'destination', value: String(input.destination) },
        { key: 'recipient', value: bytesToHex(message.subarray(45, 77)) },
      ],
    },
  };
}

/** Number of messages the hub has dispatched (= next nonce = tree count). */
export function outboxCount(state: StateReader): number {
  return readOutboundTree(state).count;
}

/** The packed outbound message of a nonce, or undefined. */
export function outboxMessage(state: StateReader, nonce: number): Uint8Array | undefined {
  return state.get(outMessageKey(nonce));
}

/** The nonce of an outbound message id, or undefined. */
export function outboxNonceOf(state: StateReader, id: Uint8Array): number | undefined {
  const raw = state.get(outByIdKey(id));
  return raw === undefined ? undefined : new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0);
}

const nodeGetter = (state: StateReader) => (level: number, index: number) =>
  state.get(outNodeKey(level, index));

/** A hub checkpoint: root of the tree right after leaf `index`, and that leaf's message id. */
export interface HubCheckpoint {
  origin: number;
  merkleTreeHook: Hex;
  root: Hex;
  index: number;
  messageId: Hex;
}

/** The checkpoint at leaf `index` (any past index), or undefined when `index` ≥ count. */
export function outboundCheckpointAt(
  state: StateReader,
  index: number,
  treeHook: Hex,
): HubCheckpoint | undefined {
  const count = outboxCount(state);
  if (!Number.isInteger(index) || index < 0 || index >= count) return undefined;
  const get = nodeGetter(state);
  const leaf = get(0, index);
  if (leaf === undefined) throw new Error(`outbound leaf ${index} missing from state`);
  return {
    origin: HUB_DOMAIN,
    merkleTreeHook: treeHook,
    root: bridgeCall(() => rootAtCount(index + 1, get)),
    index,
    messageId: bytesToHex(leaf),
  };
}

/** The latest checkpoint (`MerkleTreeHook.latestCheckpoint()`), or undefined before any dispatch. */
export function latestOutboundCheckpoint(state: StateReader, treeHook: Hex): HubCheckpoint | undefined {
  const count = outboxCount(state);
  return count === 0 ? undefined : outboundCheckpointAt(state, count - 1, treeHook);
}

/**
 * The 32-sibling proof of outbound leaf `leafIndex` against the checkpoint at `checkpointIndex`
 * (default: the latest), for MerkleRoot metadata. Undefined when out of range.
 */
export function outboundProof(
  state: StateReader,
  leafIndex: number,
  checkpointIndex?: number,
): Hex[] | undefined {
  const count = outboxCount(state);
  const at = checkpointIndex ?? count - 1;
  if (
    !Number.isInteger(leafIndex) ||
    !Number.isInteger(at) ||
    leafIndex < 0 ||
    leafIndex > at ||
    at >= count
  ) {
    return undefined;
  }
  return bridgeCall(() => merkleProof(leafIndex, at + 1, nodeGetter(state)));
}

/** Next settlement id: keccak256("unimargin/settlement" ‖ u64 sequence); advances the sequence. */
export function nextSettlementId(state: StateView): Uint8Array {
  const raw = state.get(settlementSeqKey());
  const seq = raw === undefined ? 0n : new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0);
  state.set(settlementSeqKey(), u64be(seq + 1n));
  return keccak256(concatBytes(new TextEncoder().encode('unimargin/settlement'), u64be(seq)));
}

/** What {@link dispatchSettlement} sends. */
export interface SettlementInput {
  destination: number;
  /** The vault or adapter on the destination (bytes32). */
  recipient: Uint8Array;
  /** The outbound payload; its `settlementId` must be fresh (from {@link nextSettlementId}). */
  payload: OutboundPayload;
  /** What caused it (e.g. the inbound message id a refund answers); stored on the record. */
  cause?: Uint8Array;
}

/**
 * Dispatches an outbound payload and records its settlement as DISPATCHED (DESIGN "Settlement
 * lifecycle"). Throws an internal Error if the settlement id exists already.
 */
export function dispatchSettlement(state: StateView, height: bigint, input: SettlementInput): DispatchResult {
  const sid = hexToBytes(input.payload.settlementId, 'settlementId', 32);
  if (getSettlement(state, sid) !== undefined) {
    throw new Error(`dispatchSettlement: settlement ${input.payload.settlementId} exists already`);
  }
  const body = bridgeCall(() => encodeAppPayload(input.payload));
  const d = dispatchMessage(state, { destination: input.destination, recipient: input.recipient, body });
  setSettlement(state, {
    settlementId: sid,
    kind: PAYLOAD_KIND[input.payload.kind],
    destination: input.destination,
    recipient: input.recipient,
    messageId: hexToBytes(d.messageId, 'messageId', 32),
    nonce: d.nonce,
    status: SETTLEMENT_STATUS.DISPATCHED,
    ackStatus: 0,
    ackStage: 0,
    ackMessageId: new Uint8Array(0),
    ackDetail: new Uint8Array(0),
    dispatchedHeight: height,
    ackedHeight: 0n,
    cause: input.cause ?? new Uint8Array(0),
  });
  d.event.attributes.push({ key: 'settlement_id', value: input.payload.settlementId });
  return d;
}
