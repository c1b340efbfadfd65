/**
 * MsgOracleUpdate and MsgUpdateOracleConfig.
 *
 * An update is all-or-nothing per message for malformed input (bad decimal, unknown feed id
 * syntax, a signature that does not recover, a signer outside the committee, a signer twice for a
 * feed, an observation outside the window): the message fails with a code naming the observation.
 * A feed with too few observations, or a large move without a super-majority, is an expected
 * outcome, not an error: it is skipped and reported in an event, the other feeds apply.
 */
import type { StateView } from '../../state/types.ts';
import type { Event } from '../codec/messages.ts';
import { bytesEqual, toChecksumAddress, toHex } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import { oracleSecurityFieldChanged } from '../governance/oracleGuard.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import { aggregate, type ValidObservation } from './aggregate.ts';
import {
  type MsgOracleUpdate,
  MsgOracleUpdateResponseCodec,
  type MsgUpdateOracleConfig,
  MsgUpdateOracleConfigResponseCodec,
  type OracleConfig,
} from './codec.ts';
import { observationSigner, parseDecimal } from './observation.ts';
import { readOracleConfig, readPrice, writeOracleConfig, writePrice } from './state.ts';

/** Feed ids: printable ASCII without spaces, 1–96 chars (e.g. `ETH/USD`, `ETH/USD:fwd:1767225600`). */
export const FEED_ID = /^[!-~]{1,96}$/;
export const MAX_OBSERVATIONS_PER_MSG = 512;

/** Throws ORACLE_CONFIG_INVALID naming the field. */
export function validateOracleConfig(c: OracleConfig): void {
  const bad = (field: string, why: string) => {
    throw new ChainError('ORACLE_CONFIG_INVALID', `oracle.${field} ${why}`, { field });
  };
  if (c.signers.length === 0 || c.signers.length > 64)
    bad('signers', `has ${c.signers.length} entries; 1 to 64 allowed`);
  const seen = new Set<string>();
  for (const [i, s] of c.signers.entries()) {
    if (s.length !== 20) bad(`signers[${i}]`, 'is not a 20-byte address');
    if (seen.has(toHex(s))) bad(`signers[${i}]`, 'appears twice');
    seen.add(toHex(s));
  }
  const n = c.signers.length;
  if (c.minObservations < 1 || c.minObservations > n)
    bad('minObservations', `${c.minObservations} is outside [1, ${n}]`);
  if (c.superMajority < c.minObservations || c.superMajority > n) {
    bad('superMajority', `${c.superMajority} is outside [minObservations ${c.minObservations}, ${n}]`);
  }
  if (c.windowMs === 0n || c.windowMs > 3_600_000n) bad('windowMs', `${c.windowMs} is outside (0, 3600000]`);
  if (c.maxJumpPpm === 0n) bad('maxJumpPpm', 'is zero');
  if (c.staleLiquidationsMs < c.staleWithdrawalsMs) {
    bad(
      'staleLiquidationsMs',
      `${c.staleLiquidationsMs} is below staleWithdrawalsMs ${c.staleWithdrawalsMs} (withdrawals stop first)`,
    );
  }
}

export function applyOracleUpdate(state: StateView, msg: MsgOracleUpdate, ctx: MsgContext): MsgResult {
  const config = readOracleConfig(state);
  if (config === undefined)
    throw new ChainError('ORACLE_NOT_CONFIGURED', 'the oracle committee is not configured');
  if (msg.observations.length === 0 || msg.observations.length > MAX_OBSERVATIONS_PER_MSG) {
    throw new ChainError(
      'ORACLE_OBSERVATION_INVALID',
      `${msg.observations.length} observations; 1 to ${MAX_OBSERVATIONS_PER_MSG} allowed`,
    );
  }
  const committee = new Set(config.signers.map(toHex));
  const byFeed = new Map<string, ValidObservation[]>();
  for (const [i, o] of msg.observations.entries()) {
    const where = `observation ${i} (${JSON.stringify(o.feed.slice(0, 40))})`;
    if (!FEED_ID.test(o.feed))
      throw new ChainError(
        'ORACLE_OBSERVATION_INVALID',
        `${where}: feed id must be 1–96 printable ASCII chars`,
      );
    const value = parseDecimal(o.value, true);
    const confidence = parseDecimal(o.confidence, false);
    if (value === undefined)
      throw new ChainError(
        'ORACLE_OBSERVATION_INVALID',
        `${where}: value ${JSON.stringify(o.value.slice(0, 40))} is not an int256 decimal`,
      );
    if (confidence === undefined || confidence > 10n ** 18n) {
      throw new ChainError(
        'ORACLE_OBSERVATION_INVALID',
        `${where}: confidence must be a decimal in [0, 1e18]`,
      );
    }
    const dt = o.timestampMs > ctx.timeMs ? o.timestampMs - ctx.timeMs : ctx.timeMs - o.timestampMs;
    if (dt > config.windowMs) {
      throw new ChainError(
        'ORACLE_OBSERVATION_WINDOW',
        `${where}: timestamp ${o.timestampMs} is ${dt} ms from block time ${ctx.timeMs}; the window is ${config.windowMs} ms`,
      );
    }
    const signer = observationSigner(ctx.chainId, o, value, confidence);
    if (signer === undefined)
      throw new ChainError(
        'ORACLE_SIGNATURE',
        `${where}: the signature does not recover (65 bytes, low s, v 27/28)`,
      );
    const signerHex = toHex(signer);
    if (!committee.has(signerHex)) {
      throw new ChainError(
        'ORACLE_UNKNOWN_SIGNER',
        `${where}: ${toChecksumAddress(signer)} is not an oracle signer`,
      );
    }
    const list = byFeed.get(o.feed) ?? [];
    if (list.some((x) => x.signerHex === signerHex)) {
      throw new ChainError(
        'ORACLE_DUPLICATE_SIGNER',
        `${where}: ${toChecksumAddress(signer)} observed this feed twice`,
      );
    }
    list.push({ signerHex, value, confidence, timestampMs: o.timestampMs });
    byFeed.set(o.feed, list);
  }
  const events: Event[] = [];
  for (const feed of [...byFeed.keys()].sort()) {
    const previous = readPrice(state, feed);
    const r = aggregate(byFeed.get(feed)!, config, previous);
    if (!r.ok) {
      events.push({
        type: 'unimargin.v1.EventOracleSkipped',
        attributes: [
          { key: 'feed', value: feed },
          { key: 'reason', value: r.reason },
          { key: 'observations', value: String(r.count) },
          { key: 'needed', value: String(r.needed) },
        ],
      });
      continue;
    }
    // A price never goes back in time.
    if (previous !== undefined && r.timestampMs <= previous.timestampMs) {
      events.push({
        type: 'unimargin.v1.EventOracleSkipped',
        attributes: [
          { key: 'feed', value: feed },
          { key: 'reason', value: 'NOT_NEWER' },
        ],
      });
      continue;
    }
    writePrice(state, feed, {
      value: r.value.toString(),
      confidence: r.confidence.toString(),
      timestampMs: r.timestampMs,
      height: ctx.height,
      observations: r.count,
    });
    events.push({
      type: 'unimargin.v1.EventOraclePrice',
      attributes: [
        { key: 'feed', value: feed },
        { key: 'value', value: r.value.toString() },
        { key: 'observations', value: String(r.count) },
        { key: 'jump', value: String(r.jump) },
      ],
    });
  }
  return { events, response: MsgOracleUpdateResponseCodec.toBytes({}) };
}

export function applyUpdateOracleConfig(
  state: StateView,
  msg: MsgUpdateOracleConfig,
  ctx: MsgContext,
): MsgResult {
  if (msg.authority !== ctx.authority) {
    throw new ChainError(
      'PARAMS_UNAUTHORIZED',
      `${msg.authority} is not the params authority ${ctx.authority}`,
    );
  }
  if (msg.config === undefined) throw new ChainError('ORACLE_CONFIG_INVALID', 'config missing');
  validateOracleConfig(msg.config);
  const previous = readOracleConfig(state);
  // Committee, k, super-majority and max jump change only through the governance timelock
  // (chain/governance/README.md); the first committee and the liveness fields stay immediate.
  const locked = oracleSecurityFieldChanged(previous, msg.config);
  if (locked !== undefined) {
    throw new ChainError(
      'GOV_TIMELOCK_REQUIRED',
      `oracle.${locked} differs from the committed config; propose it with MsgProposeSecurityChange (it takes effect after the timelock)`,
      { field: locked },
    );
  }
  writeOracleConfig(state, msg.config);
  const changed =
    previous === undefined ||
    previous.signers.length !== msg.config.signers.length ||
    previous.signers.some((s, i) => !bytesEqual(s, msg.config!.signers[i]!));
  return {
    events: [
      {
        type: 'unimargin.v1.EventOracleConfig',
        attributes: [{ key: 'signers_changed', value: String(changed) }],
      },
    ],
    response: MsgUpdateOracleConfigResponseCodec.toBytes({}),
  };
}
