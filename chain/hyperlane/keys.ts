/**
 * State keys of the Hyperlane tables: `PREFIX.hyperlane` (chain/keys.ts), one sub-table byte
 * ({@link HL}), then the sub-table's key. The sub-table bytes are an append-only table pinned by
 * test/unit/hyperlane/keys.test.ts. Integers are big-endian so prefix scans run in numeric order.
 */
import { concatBytes, PREFIX } from '../keys.ts';

/** Sub-table bytes under `PREFIX.hyperlane`. Append only; never reuse or renumber. */
export const HL = {
  /** → BridgeConfig */
  config: 0x01,
  /** message id (32) → InboundMessage: the replay set (records delivery, not credit) */
  inbound: 0x02,
  /** message id (32) → FinalAttestation: final proofs that arrived before the message */
  finalAttestation: 0x03,
  /** origin (u32) → OriginState */
  origin: 0x04,
  /** origin (u32) ‖ index (u32) → root (32): checkpoints attested by the final tier */
  finalCheckpoint: 0x05,
  /** → the hub outbound tree, `encodeMerkleTree` (1028 bytes) */
  outTree: 0x06,
  /** level (u8) ‖ index (u32) → hash (32): complete subtree roots of the outbound tree */
  outNode: 0x07,
  /** nonce (u32) → packed outbound message */
  outMessage: 0x08,
  /** message id (32) → nonce (u32) */
  outById: 0x09,
  /** settlement id (32) → Settlement */
  settlement: 0x0a,
  /** origin (u32) ‖ owner (20) ‖ instrument id (32) → PositionRecord */
  position: 0x0b,
  /** origin (u32) ‖ index (u32) ‖ root a (32) ‖ root b (32) → ReorgEvidence (a < b bytewise) */
  reorg: 0x0c,
  /** EVM address (20) ‖ message id (32) → empty: provisional credits held under that address */
  heldPending: 0x0d,
  /** → u64: the next settlement sequence (settlement id = keccak256("unimargin/settlement" ‖ u64)) */
  settlementSeq: 0x0e,
  /** EVM address (20) → empty: something may be held under it (one read instead of two prefix scans) */
  holdMarker: 0x0f,
} as const;

/** A 4-byte big-endian u32. */
export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

const sub = (t: number, ...parts: Uint8Array[]) => concatBytes(Uint8Array.of(PREFIX.hyperlane, t), ...parts);

/** Key of the bridge config singleton. */
export const bridgeConfigKey = () => sub(HL.config);
/** Key of an inbound message record. */
export const inboundKey = (id: Uint8Array) => sub(HL.inbound, id);
/** Key of a final attestation awaiting its message. */
export const finalAttestationKey = (id: Uint8Array) => sub(HL.finalAttestation, id);
/** Key of an origin's progress record. */
export const originStateKey = (origin: number) => sub(HL.origin, u32be(origin));
/** Key of a final checkpoint root. */
export const finalCheckpointKey = (origin: number, index: number) =>
  sub(HL.finalCheckpoint, u32be(origin), u32be(index));
/** Key of the outbound tree state. */
export const outTreeKey = () => sub(HL.outTree);
/** Key of a complete subtree root of the outbound tree. */
export const outNodeKey = (level: number, index: number) =>
  sub(HL.outNode, Uint8Array.of(level), u32be(index));
/** Key of an outbound message by nonce. */
export const outMessageKey = (nonce: number) => sub(HL.outMessage, u32be(nonce));
/** Key of the outbound nonce of a message id. */
export const outByIdKey = (id: Uint8Array) => sub(HL.outById, id);
/** Key of a settlement. */
export const settlementKey = (id: Uint8Array) => sub(HL.settlement, id);
/** Key of a mirrored position. */
export const positionKey = (origin: number, owner: Uint8Array, instrumentId: Uint8Array) =>
  sub(HL.position, u32be(origin), owner, instrumentId);
/** Prefix of every position of one origin (or of one owner there). */
export const positionPrefix = (origin?: number, owner?: Uint8Array) =>
  origin === undefined
    ? sub(HL.position)
    : owner === undefined
      ? sub(HL.position, u32be(origin))
      : sub(HL.position, u32be(origin), owner);
/** Key of recorded reorg evidence. */
export const reorgKey = (origin: number, index: number, rootA: Uint8Array, rootB: Uint8Array) =>
  sub(HL.reorg, u32be(origin), u32be(index), rootA, rootB);
/** Prefix of the reorg evidence of one origin (or all). */
export const reorgPrefix = (origin?: number) =>
  origin === undefined ? sub(HL.reorg) : sub(HL.reorg, u32be(origin));
/** Key of a provisional credit held under an EVM address. */
export const heldPendingKey = (evm: Uint8Array, id: Uint8Array) => sub(HL.heldPending, evm, id);
/** Prefix of the held provisional credits of one EVM address. */
export const heldPendingPrefix = (evm: Uint8Array) => sub(HL.heldPending, evm);
/** Key of the settlement sequence counter. */
export const settlementSeqKey = () => sub(HL.settlementSeq);
/** Key of the marker that something is held under an EVM address. */
export const holdMarkerKey = (evm: Uint8Array) => sub(HL.holdMarker, evm);
