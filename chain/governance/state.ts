/**
 * Governance records in state, under `PREFIX.governance` (0x0b) ‖ a sub-table byte:
 *
 * | sub  | key       | value                                             |
 * | ---- | --------- | ------------------------------------------------- |
 * | 0x00 | —         | `GovernanceConfig` (absent → the default)         |
 * | 0x01 | id u64 BE | pending `SecurityChange` (with its config bytes)  |
 * | 0x02 | —         | last id given (u64 BE)                            |
 * | 0x03 | id u64 BE | closed `SecurityChange` (config bytes dropped)    |
 * | 0x04 | —         | earliest activation height pending (u64 BE)       |
 *
 * 0x04 lets the end-block step answer "nothing due" with one read instead of a prefix scan; it is
 * absent exactly when nothing is pending.
 * Ids are big-endian so a prefix scan of 0x01 yields the pending changes in id order.
 */
import type { StateReader, StateView } from '../../state/types.ts';
import { type BridgeConfig, BridgeConfigCodec } from '../hyperlane/codec.ts';
import { concatBytes, PREFIX, u64be } from '../keys.ts';
import { type OracleConfig, OracleConfigCodec } from '../oracle/codec.ts';
import {
  CHANGE_KIND,
  type GovernanceConfig,
  GovernanceConfigCodec,
  type SecurityChange,
  SecurityChangeCodec,
} from './codec.ts';

/** The timelock when no `GovernanceConfig` is stored (the devnet's genesis default), in blocks. */
export const DEFAULT_TIMELOCK_BLOCKS = 10n;
/** Largest timelock a proposal may set (≈ 29 days of 250 ms blocks). */
export const MAX_TIMELOCK_BLOCKS = 10_000_000n;
/** Most changes pending at once (bounds the end-block scan; the authority cancels to make room). */
export const MAX_PENDING_CHANGES = 64;

/** 0x0b ‖ 0x00 → GovernanceConfig. */
export const governanceConfigKey = (): Uint8Array => Uint8Array.of(PREFIX.governance, 0x00);
/** 0x0b ‖ 0x01: the pending-change table. */
export const pendingChangePrefix = (): Uint8Array => Uint8Array.of(PREFIX.governance, 0x01);
/** 0x0b ‖ 0x01 ‖ id u64 BE → pending SecurityChange. */
export const pendingChangeKey = (id: bigint): Uint8Array => concatBytes(pendingChangePrefix(), u64be(id));
/** 0x0b ‖ 0x02 → last id given (u64 BE). */
export const lastChangeIdKey = (): Uint8Array => Uint8Array.of(PREFIX.governance, 0x02);
/** 0x0b ‖ 0x03 ‖ id u64 BE → closed SecurityChange. */
export const closedChangeKey = (id: bigint): Uint8Array =>
  concatBytes(Uint8Array.of(PREFIX.governance, 0x03), u64be(id));

/** 0x0b ‖ 0x04 → earliest activation height among pending changes (u64 BE); absent when none. */
export const nextActivationKey = (): Uint8Array => Uint8Array.of(PREFIX.governance, 0x04);

const readU64 = (raw: Uint8Array) => new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getBigUint64(0);

/** The earliest activation height among pending changes, or undefined when none is pending. */
export function nextActivationHeight(state: StateReader): bigint | undefined {
  const raw = state.get(nextActivationKey());
  return raw === undefined ? undefined : readU64(raw);
}

/** Recomputes {@link nextActivationHeight} from the pending table (after a removal). */
export function refreshNextActivationHeight(state: StateView): void {
  let min: bigint | undefined;
  for (const r of pendingRecords(state))
    if (min === undefined || r.activationHeight < min) min = r.activationHeight;
  if (min === undefined) state.delete(nextActivationKey());
  else state.set(nextActivationKey(), u64be(min));
}

/** The governance config in state, or the default ({@link DEFAULT_TIMELOCK_BLOCKS}) when absent. */
export function readGovernanceConfig(state: StateReader): GovernanceConfig {
  const raw = state.get(governanceConfigKey());
  return raw === undefined
    ? { paramsTimelockBlocks: DEFAULT_TIMELOCK_BLOCKS }
    : GovernanceConfigCodec.decode(raw);
}

/** Writes the governance singleton (callers validate first; genesis may call it to override the default). */
export function writeGovernanceConfig(state: StateView, c: GovernanceConfig): void {
  state.set(governanceConfigKey(), GovernanceConfigCodec.toBytes(c));
}

/** The last id given to a proposal (0 before the first). */
export function lastChangeId(state: StateReader): bigint {
  const raw = state.get(lastChangeIdKey());
  return raw === undefined ? 0n : readU64(raw);
}

/** Stores the last id given. */
export function writeLastChangeId(state: StateView, id: bigint): void {
  state.set(lastChangeIdKey(), u64be(id));
}

/** A change by id: pending (with its config bytes) or closed (without); undefined if never proposed. */
export function readSecurityChange(state: StateReader, id: bigint): SecurityChange | undefined {
  const raw = state.get(pendingChangeKey(id)) ?? state.get(closedChangeKey(id));
  return raw === undefined ? undefined : SecurityChangeCodec.decode(raw);
}

/** Every pending change as stored, ascending by id. */
export function pendingRecords(state: StateReader): SecurityChange[] {
  const out: SecurityChange[] = [];
  for (const [, v] of state.entries(pendingChangePrefix())) out.push(SecurityChangeCodec.decode(v));
  return out;
}

/** A pending change with its config decoded, for queries (the REST layer maps it to JSON). */
export interface PendingChangeView {
  id: bigint;
  kind: 'bridge' | 'oracle' | 'governance';
  proposedHeight: bigint;
  /** The change is in effect in the state committed at this height (written in its end-block). */
  activationHeight: bigint;
  /** sha256 of the config's canonical protobuf bytes. */
  configHash: Uint8Array;
  bridgeConfig?: BridgeConfig;
  oracleConfig?: OracleConfig;
  governanceConfig?: GovernanceConfig;
}

/**
 * The pending changes, ascending by id, with their configs decoded. Source of truth: the 0x01
 * table; a change leaves it in the end-block of its activation height or when cancelled.
 */
export function pendingChanges(state: StateReader): PendingChangeView[] {
  return pendingRecords(state).map((r): PendingChangeView => {
    const base = {
      id: r.id,
      proposedHeight: r.proposedHeight,
      activationHeight: r.activationHeight,
      configHash: r.configHash,
    };
    if (r.kind === CHANGE_KIND.BRIDGE)
      return { ...base, kind: 'bridge', bridgeConfig: BridgeConfigCodec.decode(r.config) };
    if (r.kind === CHANGE_KIND.ORACLE)
      return { ...base, kind: 'oracle', oracleConfig: OracleConfigCodec.decode(r.config) };
    return { ...base, kind: 'governance', governanceConfig: GovernanceConfigCodec.decode(r.config) };
  });
}
