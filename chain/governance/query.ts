/**
 * The JSON the REST layer serves for governance (`GET /v1/governance` is the lead's route):
 * heights as decimal strings, bytes as 0x hex, the bridge config in genesis.json's `bridge` form.
 */
import type { StateReader } from '../../state/types.ts';
import { toHex } from '../crypto.ts';
import { type BridgeConfigJson, bridgeConfigToJson } from '../hyperlane/config.ts';
import type { OracleConfig } from '../oracle/codec.ts';
import { lastChangeId, nextActivationHeight, pendingChanges, readGovernanceConfig } from './state.ts';

/** An oracle config in JSON (snake_case, u64 values as decimal strings, signers 0x hex). */
export interface OracleConfigJson {
  signers: string[];
  min_observations: number;
  super_majority: number;
  window_ms: string;
  max_jump_ppm: string;
  stale_withdrawals_ms: string;
  stale_liquidations_ms: string;
  liquidation_grace_ms: string;
}

/** One pending change in JSON. */
export interface PendingChangeJson {
  id: string;
  kind: 'bridge' | 'oracle' | 'governance';
  proposed_height: string;
  activation_height: string;
  config_hash: string;
  config: BridgeConfigJson | OracleConfigJson | { params_timelock_blocks: string };
}

/** The governance state in JSON: the timelock, the last id, the next activation, the pending changes. */
export interface GovernanceJson {
  params_timelock_blocks: string;
  last_id: string;
  /** Earliest pending activation height, or null when nothing is pending. */
  next_activation_height: string | null;
  pending: PendingChangeJson[];
}

const hex = (b: Uint8Array) => `0x${toHex(b)}`;

/** An oracle config as {@link OracleConfigJson}. */
export function oracleConfigToJson(c: OracleConfig): OracleConfigJson {
  return {
    signers: c.signers.map(hex),
    min_observations: c.minObservations,
    super_majority: c.superMajority,
    window_ms: c.windowMs.toString(),
    max_jump_ppm: c.maxJumpPpm.toString(),
    stale_withdrawals_ms: c.staleWithdrawalsMs.toString(),
    stale_liquidations_ms: c.staleLiquidationsMs.toString(),
    liquidation_grace_ms: c.liquidationGraceMs.toString(),
  };
}

/** {@link GovernanceJson} of `state` (pending changes ascending by id). */
export function governanceJson(state: StateReader): GovernanceJson {
  const next = nextActivationHeight(state);
  return {
    params_timelock_blocks: readGovernanceConfig(state).paramsTimelockBlocks.toString(),
    last_id: lastChangeId(state).toString(),
    next_activation_height: next === undefined ? null : next.toString(),
    pending: pendingChanges(state).map((p) => ({
      id: p.id.toString(),
      kind: p.kind,
      proposed_height: p.proposedHeight.toString(),
      activation_height: p.activationHeight.toString(),
      config_hash: hex(p.configHash),
      config:
        p.bridgeConfig !== undefined
          ? bridgeConfigToJson(p.bridgeConfig)
          : p.oracleConfig !== undefined
            ? oracleConfigToJson(p.oracleConfig)
            : { params_timelock_blocks: (p.governanceConfig?.paramsTimelockBlocks ?? 0n).toString() },
    })),
  };
}
