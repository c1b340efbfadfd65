/**
 * MsgProposeSecurityChange and MsgCancelSecurityChange: the genesis authority queues a new bridge,
 * oracle or governance config, validated in full at proposal time, to be written by
 * {@link applyGovernanceEndBlock} at the end of block `height + paramsTimelockBlocks`; or drops a
 * queued one before then. Every check runs before the first write, so a refused message changes
 * nothing.
 */
import type { StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { sha256, toHex } from '../crypto.ts';
import { ChainError, isChainError } from '../errors.ts';
import { BridgeConfigCodec } from '../hyperlane/codec.ts';
import { validateBridgeConfig } from '../hyperlane/config.ts';
import { u64be } from '../keys.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import { validateOracleConfig } from '../oracle/apply.ts';
import { OracleConfigCodec } from '../oracle/codec.ts';
import {
  CHANGE_KIND,
  CHANGE_STATUS,
  type GovernanceConfig,
  GovernanceConfigCodec,
  type MsgCancelSecurityChange,
  MsgCancelSecurityChangeResponseCodec,
  type MsgProposeSecurityChange,
  MsgProposeSecurityChangeResponseCodec,
  type SecurityChange,
  SecurityChangeCodec,
} from './codec.ts';
import {
  closedChangeKey,
  lastChangeId,
  MAX_PENDING_CHANGES,
  MAX_TIMELOCK_BLOCKS,
  nextActivationHeight,
  nextActivationKey,
  pendingChangeKey,
  pendingChangePrefix,
  readGovernanceConfig,
  readSecurityChange,
  refreshNextActivationHeight,
  writeLastChangeId,
} from './state.ts';

/** Type URLs of the governance messages. */
export const GOVERNANCE_TYPE_URL = {
  MsgProposeSecurityChange: '/unimargin.v1.MsgProposeSecurityChange',
  MsgCancelSecurityChange: '/unimargin.v1.MsgCancelSecurityChange',
} as const;

/** The `kind` attribute of governance events, by {@link CHANGE_KIND}. */
export const KIND_NAME: Readonly<Record<number, 'bridge' | 'oracle' | 'governance'>> = {
  [CHANGE_KIND.BRIDGE]: 'bridge',
  [CHANGE_KIND.ORACLE]: 'oracle',
  [CHANGE_KIND.GOVERNANCE]: 'governance',
};

/** Throws GOV_CONFIG_INVALID unless 1 ≤ paramsTimelockBlocks ≤ {@link MAX_TIMELOCK_BLOCKS}. */
export function validateGovernanceConfig(c: GovernanceConfig): void {
  if (c.paramsTimelockBlocks < 1n || c.paramsTimelockBlocks > MAX_TIMELOCK_BLOCKS) {
    throw new ChainError(
      'GOV_CONFIG_INVALID',
      `governance_config.params_timelock_blocks = ${c.paramsTimelockBlocks} is outside [1, ${MAX_TIMELOCK_BLOCKS}]`,
      { field: 'governance_config.params_timelock_blocks' },
    );
  }
}

function requireAuthority(authority: string, ctx: MsgContext): void {
  if (authority !== ctx.authority) {
    throw new ChainError(
      'GOV_UNAUTHORIZED',
      `authority ${JSON.stringify(authority)} is not the genesis authority ${ctx.authority}; only it may change security config`,
      { field: 'authority', got: authority },
    );
  }
}

// Validation errors of the bridge and oracle modules, re-raised in this codespace with the field
// they named (prefixed by the proposal's field) and their own code kept as `cause`.
function wrapInvalid(prefix: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (!isChainError(e)) throw e;
    // bridge names fields `bridge.origins[0]…`, oracle `minObservations`: one form, under the proposal's field.
    const inner = typeof e.meta.field === 'string' ? e.meta.field.replace(/^(bridge|oracle)\./, '') : '';
    throw new ChainError('GOV_CONFIG_INVALID', `${prefix}: ${e.detail}`, {
      field: `${prefix}${inner.length > 0 ? `.${inner}` : ''}`,
      cause: e.code,
    });
  }
}

/** The kind and canonical bytes of the one config a proposal carries, validated. */
export function validateProposal(msg: MsgProposeSecurityChange): { kind: number; config: Uint8Array } {
  const set = [
    msg.bridgeConfig !== undefined ? 'bridge_config' : undefined,
    msg.oracleConfig !== undefined ? 'oracle_config' : undefined,
    msg.governanceConfig !== undefined ? 'governance_config' : undefined,
  ].filter((x) => x !== undefined);
  if (set.length !== 1) {
    throw new ChainError(
      'GOV_PROPOSAL_INVALID',
      `a proposal sets exactly one of bridge_config, oracle_config, governance_config; this one sets ${set.length === 0 ? 'none' : set.join(' and ')}`,
      { field: 'config', count: set.length },
    );
  }
  if (msg.bridgeConfig !== undefined) {
    const c = msg.bridgeConfig;
    wrapInvalid('bridge_config', () => validateBridgeConfig(c));
    return { kind: CHANGE_KIND.BRIDGE, config: BridgeConfigCodec.toBytes(c) };
  }
  if (msg.oracleConfig !== undefined) {
    const c = msg.oracleConfig;
    wrapInvalid('oracle_config', () => validateOracleConfig(c));
    return { kind: CHANGE_KIND.ORACLE, config: OracleConfigCodec.toBytes(c) };
  }
  const c = msg.governanceConfig!;
  validateGovernanceConfig(c);
  return { kind: CHANGE_KIND.GOVERNANCE, config: GovernanceConfigCodec.toBytes(c) };
}

/** Event attributes shared by the governance events. */
export function changeAttributes(c: SecurityChange): Event['attributes'] {
  return [
    { key: 'id', value: c.id.toString() },
    { key: 'kind', value: KIND_NAME[c.kind] ?? String(c.kind) },
    { key: 'config_hash', value: `0x${toHex(c.configHash)}` },
    { key: 'proposed_height', value: c.proposedHeight.toString() },
    { key: 'activation_height', value: c.activationHeight.toString() },
  ];
}

/**
 * Queues the proposal's config as change `last id + 1`, active from the end-block of
 * `ctx.height + paramsTimelockBlocks` (the timelock in force now). Emits `governance.proposed`.
 * @throws ChainError GOV_UNAUTHORIZED, GOV_PROPOSAL_INVALID, GOV_CONFIG_INVALID (naming the field),
 *   GOV_TOO_MANY_PENDING.
 */
export function applyProposeSecurityChange(
  state: StateView,
  msg: MsgProposeSecurityChange,
  ctx: MsgContext,
): MsgResult {
  requireAuthority(msg.authority, ctx);
  const { kind, config } = validateProposal(msg);
  let pending = 0;
  for (const _ of state.entries(pendingChangePrefix())) pending++;
  if (pending >= MAX_PENDING_CHANGES) {
    throw new ChainError(
      'GOV_TOO_MANY_PENDING',
      `${pending} changes are pending; at most ${MAX_PENDING_CHANGES} — cancel one first`,
      { pending, limit: MAX_PENDING_CHANGES },
    );
  }
  const id = lastChangeId(state) + 1n;
  const change: SecurityChange = {
    id,
    kind,
    config,
    configHash: sha256(config),
    proposedHeight: ctx.height,
    activationHeight: ctx.height + readGovernanceConfig(state).paramsTimelockBlocks,
    status: CHANGE_STATUS.PENDING,
    closedHeight: 0n,
    detail: '',
  };
  state.set(pendingChangeKey(id), SecurityChangeCodec.toBytes(change));
  writeLastChangeId(state, id);
  const next = nextActivationHeight(state);
  if (next === undefined || change.activationHeight < next)
    state.set(nextActivationKey(), u64be(change.activationHeight));
  return {
    events: [{ type: 'governance.proposed', attributes: changeAttributes(change) }],
    response: MsgProposeSecurityChangeResponseCodec.toBytes({
      id,
      activationHeight: change.activationHeight,
    }),
  };
}

/**
 * Drops pending change `msg.id`; its record stays under the closed table with status CANCELLED.
 * Emits `governance.cancelled`.
 * @throws ChainError GOV_UNAUTHORIZED, GOV_CHANGE_UNKNOWN (never proposed), GOV_CHANGE_ACTIVATED
 *   (already activated, or failed at activation), GOV_CHANGE_CANCELLED (cancelled before).
 */
export function applyCancelSecurityChange(
  state: StateView,
  msg: MsgCancelSecurityChange,
  ctx: MsgContext,
): MsgResult {
  requireAuthority(msg.authority, ctx);
  const c = readSecurityChange(state, msg.id);
  if (c === undefined) {
    throw new ChainError(
      'GOV_CHANGE_UNKNOWN',
      `id ${msg.id} was never proposed; proposed ids are 1 to ${lastChangeId(state)}`,
      { field: 'id', id: msg.id },
    );
  }
  if (c.status === CHANGE_STATUS.CANCELLED) {
    throw new ChainError('GOV_CHANGE_CANCELLED', `id ${msg.id} was cancelled at height ${c.closedHeight}`, {
      field: 'id',
      id: msg.id,
    });
  }
  if (c.status !== CHANGE_STATUS.PENDING) {
    const what = c.status === CHANGE_STATUS.ACTIVATED ? 'took effect' : `failed (${c.detail})`;
    throw new ChainError(
      'GOV_CHANGE_ACTIVATED',
      `id ${msg.id} ${what} at height ${c.closedHeight}; only a pending change can be cancelled`,
      { field: 'id', id: msg.id },
    );
  }
  const closed: SecurityChange = {
    ...c,
    config: new Uint8Array(0),
    status: CHANGE_STATUS.CANCELLED,
    closedHeight: ctx.height,
  };
  state.delete(pendingChangeKey(c.id));
  state.set(closedChangeKey(c.id), SecurityChangeCodec.toBytes(closed));
  refreshNextActivationHeight(state);
  return {
    events: [
      {
        type: 'governance.cancelled',
        attributes: [...changeAttributes(c), { key: 'height', value: ctx.height.toString() }],
      },
    ],
    response: MsgCancelSecurityChangeResponseCodec.toBytes({}),
  };
}
