/**
 * Typed access to the Hyperlane state records (keys in ./keys.ts, codecs in ./codec.ts), and the
 * BridgeError → ChainError mapping every STF step uses.
 */
import { BridgeError } from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import { ChainError, type ErrorCode } from '../errors.ts';
import {
  type FinalAttestation,
  FinalAttestationCodec,
  type InboundMessage,
  InboundMessageCodec,
  type OriginState,
  OriginStateCodec,
  type PositionRecord,
  PositionRecordCodec,
  type Settlement,
  SettlementCodec,
} from './codec.ts';
import { finalAttestationKey, inboundKey, originStateKey, positionKey, settlementKey } from './keys.ts';

/**
 * A {@link BridgeError} as the receipt error of the same code (codespace `bridge`, numbered in
 * `chain/errors.ts`); its message and typed metadata carried over.
 */
export function chainErrorOf(e: BridgeError, context?: string): ChainError {
  const meta: Record<string, string | number | bigint | boolean> = {};
  for (const [k, v] of Object.entries(e.meta)) if (v !== undefined) meta[k] = v;
  const text = e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message;
  return new ChainError(e.code as ErrorCode, context === undefined ? text : `${context}: ${text}`, meta);
}

/** Runs `f`, turning a thrown BridgeError into its ChainError. */
export function bridgeCall<T>(f: () => T, context?: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof BridgeError) throw chainErrorOf(e, context);
    throw e;
  }
}

/** The delivery record of an inbound message id, or undefined (not delivered). */
export function getInbound(state: StateReader, id: Uint8Array): InboundMessage | undefined {
  const raw = state.get(inboundKey(id));
  return raw === undefined ? undefined : InboundMessageCodec.decode(raw);
}
/** True when the message id was delivered (the replay check; no decode). */
export function isDelivered(state: StateReader, id: Uint8Array): boolean {
  return state.get(inboundKey(id)) !== undefined;
}
/** Writes an inbound record. */
export function setInbound(state: StateView, r: InboundMessage): void {
  state.set(inboundKey(r.messageId), InboundMessageCodec.toBytes(r));
}

/** A final attestation waiting for its message, or undefined. */
export function getFinalAttestation(state: StateReader, id: Uint8Array): FinalAttestation | undefined {
  const raw = state.get(finalAttestationKey(id));
  return raw === undefined ? undefined : FinalAttestationCodec.decode(raw);
}

/** An origin's progress record (a zero record when absent). */
export function getOriginState(state: StateReader, origin: number): OriginState {
  const raw = state.get(originStateKey(origin));
  return raw === undefined
    ? { ...OriginStateCodec.fromPartial({}), domain: origin }
    : OriginStateCodec.decode(raw);
}
/** Writes an origin's progress record. */
export function setOriginState(state: StateView, s: OriginState): void {
  state.set(originStateKey(s.domain), OriginStateCodec.toBytes(s));
}

/** A mirrored position, or undefined. */
export function getPosition(
  state: StateReader,
  origin: number,
  owner: Uint8Array,
  instrumentId: Uint8Array,
): PositionRecord | undefined {
  const raw = state.get(positionKey(origin, owner, instrumentId));
  return raw === undefined ? undefined : PositionRecordCodec.decode(raw);
}
/** Writes a mirrored position. */
export function setPosition(state: StateView, p: PositionRecord): void {
  state.set(positionKey(p.domain, p.owner, p.instrumentId), PositionRecordCodec.toBytes(p));
}

/** A settlement, or undefined. */
export function getSettlement(state: StateReader, id: Uint8Array): Settlement | undefined {
  const raw = state.get(settlementKey(id));
  return raw === undefined ? undefined : SettlementCodec.decode(raw);
}
/** Writes a settlement. */
export function setSettlement(state: StateView, s: Settlement): void {
  state.set(settlementKey(s.settlementId), SettlementCodec.toBytes(s));
}
