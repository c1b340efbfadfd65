/**
 * The hub's Hyperlane identity and the enumerations its records use. Every number here is
 * consensus (stored in state or returned in responses): append, never renumber.
 */
import { bytesToHex, type Hex, keccak256 } from '../../bridge/index.ts';

export { HOLDER, STAGE, type Stage } from '../ledger/balances.ts';

/** The hub's Hyperlane domain id, ASCII "UMRG" (= `MarginVault.HUB_DOMAIN` in contracts-abi). */
export const HUB_DOMAIN = 0x554d5247;

const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * The hub's sender word on outbound messages (bytes32): keccak256("unimargin/hub/outbox"). An
 * appchain sender need not be an EVM address (notes/hyperlane.md); EVM contracts store this word as
 * `hubSender` and accept `handle` only from it. Constant, not configurable: every deployment's
 * contracts are built against it.
 */
export const HUB_SENDER: Hex = bytesToHex(keccak256(utf8('unimargin/hub/outbox')));
/**
 * The recipient word inbound messages must name (bytes32): the contracts' `hubRecipient`, which
 * defaults to {@link HUB_SENDER} (one hub app, one identity).
 */
export const HUB_RECIPIENT: Hex = HUB_SENDER;
/**
 * The "merkle tree hook" word of the hub's own checkpoints (bytes32): keccak256("unimargin/hub/tree").
 * Hub validators sign `checkpointDigest(HUB_DOMAIN, HUB_TREE_HOOK, root, index, messageId)`; the hub
 * has no hook contract, so this word only separates the hub's checkpoint domain.
 */
export const HUB_TREE_HOOK: Hex = bytesToHex(keccak256(utf8('unimargin/hub/tree')));

/** Hyperlane `IInterchainSecurityModule.Types` values of the two multisig ISMs. */
export const MODULE_TYPE = { MERKLE_ROOT_MULTISIG: 4, MESSAGE_ID_MULTISIG: 5 } as const;

/** Which ISM of the origin a MsgProcessMessage is verified against. */
export const TIER = {
  /** Fast ISM first; when it rejects, the final ISM. */
  AUTO: 0,
  FAST: 1,
  FINAL: 2,
} as const;

/**
 * Business outcome of a delivered message (recorded; delivery never fails for these). Numbers are
 * stored in `InboundMessage.result` and returned in `MsgProcessMessageResponse.result`.
 */
export const RESULT = {
  /** DEPOSIT credited to the depositor's linked account. */
  DEPOSIT_CREDITED: 1,
  /** DEPOSIT credited to a hold under the depositor's EVM address (no account linked yet). */
  DEPOSIT_HELD: 2,
  /** DEPOSIT of a token absent from the origin's registry: not credited, refunded by a RELEASE. */
  DEPOSIT_TOKEN_UNKNOWN: 3,
  /** POSITION applied as the position's latest report. */
  POSITION_RECORDED: 4,
  /** POSITION whose sequence is not above the latest applied: its P&L counted, its state ignored. */
  POSITION_STALE: 5,
  /** ACK recorded on its settlement. */
  ACK_RECORDED: 6,
  /** ACK for a settlement id the hub never dispatched. */
  ACK_UNKNOWN_SETTLEMENT: 7,
  /** ACK for a settlement acknowledged already (by another message). */
  ACK_DUPLICATE: 8,
  /** ACK from a domain or sender other than the settlement's destination and recipient. */
  ACK_WRONG_SOURCE: 9,
  /** The body is not a valid inbound payload (`result_detail` names the BRIDGE_PAYLOAD_* code). */
  PAYLOAD_INVALID: 10,
  /** A kind the sending contract never sends (DEPOSIT from the adapter, POSITION from the vault). */
  KIND_NOT_FROM_SENDER: 11,
  /** Provisional DEPOSIT beyond its domain's provisional cap (unified margin): credited when final. */
  DEPOSIT_AWAITING_FINAL: 12,
} as const;
export type ResultCode = (typeof RESULT)[keyof typeof RESULT];

/** Settlement lifecycle (DESIGN "Settlement lifecycle"). */
export const SETTLEMENT_STATUS = { PENDING: 1, DISPATCHED: 2, ACKNOWLEDGED: 3, CANCELLED: 4 } as const;

/** Severity of recorded reorg evidence (DESIGN "Finality"). */
export const REORG_SEVERITY = {
  /** At least one side below both thresholds: a signer equivocated; trips the breaker (issue 5). */
  SIGNER: 1,
  /** Both sides meet a threshold: provisional items at or after the index revert (issue 5). */
  FAST: 2,
  /** Both sides meet the final threshold: the domain halts (issue 5). */
  FINAL: 3,
} as const;

/** Most proofs one MsgConfirmFinality may carry (a DoS bound; the tx size bounds it further). */
export const MAX_FINALITY_PROOFS = 1024;
/** Bytes of a flat merkle proof (32 siblings × 32 bytes). */
export const PROOF_BYTES = 1024;
