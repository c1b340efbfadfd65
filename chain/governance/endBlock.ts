/**
 * The governance end-block step: every pending change whose activation height has come is written
 * (bridge, oracle or governance config), in id order, so the state committed at
 * `activation_height` holds it and the first block to use it is `activation_height + 1`.
 */
import type { StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { isChainError } from '../errors.ts';
import { BridgeConfigCodec } from '../hyperlane/codec.ts';
import { writeBridgeConfig } from '../hyperlane/config.ts';
import { validateOracleConfig } from '../oracle/apply.ts';
import { OracleConfigCodec } from '../oracle/codec.ts';
import { writeOracleConfig } from '../oracle/state.ts';
import { changeAttributes, validateGovernanceConfig } from './apply.ts';
import {
  CHANGE_KIND,
  CHANGE_STATUS,
  GovernanceConfigCodec,
  type SecurityChange,
  SecurityChangeCodec,
} from './codec.ts';
import {
  closedChangeKey,
  nextActivationHeight,
  pendingChangeKey,
  pendingRecords,
  refreshNextActivationHeight,
  writeGovernanceConfig,
} from './state.ts';

/** What the end-block step sees: the block's height and time, and the block's event list to append to. */
export interface GovernanceEndBlockContext {
  height: bigint;
  /** Block time, unix ms (unused today; part of every end-block step's context). */
  timeMs: bigint;
  /** End-block events of this block; the step appends `governance.activated` / `governance.activation_failed`. */
  events: Event[];
}

function writeChange(state: StateView, c: SecurityChange): void {
  if (c.kind === CHANGE_KIND.BRIDGE) {
    // writeBridgeConfig validates again: the rules of this height, not only those of the proposal's.
    writeBridgeConfig(state, BridgeConfigCodec.decode(c.config));
  } else if (c.kind === CHANGE_KIND.ORACLE) {
    const oracle = OracleConfigCodec.decode(c.config);
    validateOracleConfig(oracle);
    writeOracleConfig(state, oracle);
  } else if (c.kind === CHANGE_KIND.GOVERNANCE) {
    const g = GovernanceConfigCodec.decode(c.config);
    validateGovernanceConfig(g);
    writeGovernanceConfig(state, g);
  } else {
    // Unreachable for records this module wrote; an unknown kind is corrupt state.
    throw new Error(`governance change ${c.id} has unknown kind ${c.kind}`);
  }
}

/**
 * Activates every pending change with `activationHeight ≤ ctx.height`, ascending by id: writes its
 * config, moves its record to the closed table (status ACTIVATED, config bytes dropped) and emits
 * `governance.activated`. A config that no longer passes validation (rules changed by an STF
 * version between proposal and activation) is not written: the change closes as FAILED with the
 * reason, and `governance.activation_failed` is emitted. Cost: one read per block when nothing is
 * due (the earliest pending activation height is kept under 0x0b ‖ 0x04); a scan of the pending
 * table (≤ 64 records) in a block that activates something.
 */
export function applyGovernanceEndBlock(state: StateView, ctx: GovernanceEndBlockContext): void {
  // The common case, every block: nothing due, one read.
  const next = nextActivationHeight(state);
  if (next === undefined || next > ctx.height) return;
  for (const c of pendingRecords(state)) {
    if (c.activationHeight > ctx.height) continue;
    let status: number = CHANGE_STATUS.ACTIVATED;
    let detail = '';
    state.checkpoint();
    try {
      writeChange(state, c);
      state.commit();
    } catch (e) {
      state.revert();
      if (!isChainError(e)) throw e;
      status = CHANGE_STATUS.FAILED;
      detail = e.message;
    }
    const closed: SecurityChange = {
      ...c,
      config: new Uint8Array(0),
      status,
      closedHeight: ctx.height,
      detail,
    };
    state.delete(pendingChangeKey(c.id));
    state.set(closedChangeKey(c.id), SecurityChangeCodec.toBytes(closed));
    ctx.events.push(
      status === CHANGE_STATUS.ACTIVATED
        ? {
            type: 'governance.activated',
            attributes: [...changeAttributes(c), { key: 'height', value: ctx.height.toString() }],
          }
        : {
            type: 'governance.activation_failed',
            attributes: [
              ...changeAttributes(c),
              { key: 'height', value: ctx.height.toString() },
              { key: 'reason', value: detail },
            ],
          },
    );
  }
  refreshNextActivationHeight(state);
}
