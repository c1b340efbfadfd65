/**
 * Which oracle config fields are security-relevant (DESIGN "Governance and limits"): the committee
 * (`signers`, compared in order), `minObservations` (k), `superMajority`, and `maxJumpPpm` (it
 * decides which moves need the super-majority, so raising it disables that rule). Changing any of
 * them needs the timelock (MsgProposeSecurityChange); the other fields (window, staleness, grace)
 * only tighten or loosen liveness and stay immediate through MsgUpdateOracleConfig.
 *
 * Imports only types from chain/oracle so chain/oracle/apply.ts can call it without a cycle.
 */
import type { OracleConfig } from '../oracle/codec.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The oracle security fields, in the order {@link oracleSecurityFieldChanged} checks them. */
export const ORACLE_SECURITY_FIELDS = ['signers', 'minObservations', 'superMajority', 'maxJumpPpm'] as const;

/**
 * The first security-relevant field that differs between the committed config and a new one, or
 * undefined when they agree on all of them (or when there is no committed config yet: the first
 * committee has nothing to protect and is set immediately).
 */
export function oracleSecurityFieldChanged(
  previous: OracleConfig | undefined,
  next: OracleConfig,
): (typeof ORACLE_SECURITY_FIELDS)[number] | undefined {
  if (previous === undefined) return undefined;
  if (
    previous.signers.length !== next.signers.length ||
    previous.signers.some((s, i) => !sameBytes(s, next.signers[i]!))
  )
    return 'signers';
  if (previous.minObservations !== next.minObservations) return 'minObservations';
  if (previous.superMajority !== next.superMajority) return 'superMajority';
  if (previous.maxJumpPpm !== next.maxJumpPpm) return 'maxJumpPpm';
  return undefined;
}
