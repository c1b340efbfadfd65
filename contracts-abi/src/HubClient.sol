// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {IMailbox} from "@hyperlane-xyz/core/contracts/interfaces/IMailbox.sol";
import {IMessageRecipient} from "@hyperlane-xyz/core/contracts/interfaces/IMessageRecipient.sol";
import {
    IInterchainSecurityModule,
    ISpecifiesInterchainSecurityModule
} from "@hyperlane-xyz/core/contracts/interfaces/IInterchainSecurityModule.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/security/Pausable.sol";
import {AppPayload} from "./lib/AppPayload.sol";

/// @title HubClient
/// @notice Shared plumbing of the contracts the unimargin hub talks to (MarginVault, PositionAdapter):
///         the mailbox, the hub's domain / sender / recipient / ISM, the guards on `handle`, the
///         terminal record of every settlement id, ACK dispatch, owner pause.
/// @dev Delivery rules (DESIGN "Hyperlane, both ways", "Settlement lifecycle"):
///      - `handle` reverts only on a security violation (not the mailbox, not the hub's origin or
///        sender) or while paused for kinds that move value (the owner's emergency stop: the message
///        stays undelivered and a relayer retries it after `unpause`). Business failures never revert:
///        they are recorded and answered with ACK(failed).
///      - Every outbound settlement id gets exactly one terminal status here (executed, failed or
///        cancelled) and exactly one ACK; a repeated id is ignored (event only, no second ACK).
///      - An outbound kind this contract does not handle is answered ACK(failed, UnsupportedKind).
///      - A body too short to carry a settlement id, or with an inbound kind, is ignored (event only).
///      - ACK dispatches pay `Mailbox.quoteDispatch` from this contract's own ETH balance (0 on the
///        devnet); with too little ETH the delivery reverts and is retried once funded.
abstract contract HubClient is IMessageRecipient, ISpecifiesInterchainSecurityModule, Ownable, Pausable {
    /// @notice Hyperlane domain id of the unimargin hub: ASCII "UMRG".
    uint32 public constant HUB_DOMAIN = 0x554D5247;

    /// @notice This chain's Hyperlane mailbox.
    IMailbox public immutable mailbox;

    /// @notice The hub's sender identity (bytes32) whose messages we accept from HUB_DOMAIN.
    bytes32 public hubSender;
    /// @notice The hub recipient (bytes32) we dispatch to on HUB_DOMAIN.
    bytes32 public hubRecipient;
    /// @notice The ISM verifying hub messages for us (a StaticMessageIdMultisigIsm of hub validators).
    IInterchainSecurityModule public hubIsm;

    /// @notice Terminal status per settlement id: 0 none, 1 executed, 2 failed, 3 cancelled.
    mapping(bytes32 settlementId => uint8 status) public settlementStatus;

    // ============ Errors (also used as ABI-encoded ACK details) ============

    /// @notice `handle` called by `caller`, not the mailbox.
    error NotMailbox(address caller);
    /// @notice Message origin `origin` is not HUB_DOMAIN.
    error NotHubOrigin(uint32 origin);
    /// @notice Message sender `sender` is not the configured hub sender.
    error NotHubSender(bytes32 sender);
    /// @notice A zero address or id where one is required (`field` names it).
    error ZeroValue(string field);
    /// @notice ACK detail: this contract does not execute outbound kind `kind`.
    error UnsupportedKind(uint8 kind);
    /// @notice A settlement's inner call ran out of gas (`gasBefore` available): delivery reverts, retry with more.
    error InsufficientGasForSettlement(uint256 gasBefore);
    /// @notice ACK detail of a CANCEL that came too late: `target` already has status `status`.
    error CancelTargetTerminal(bytes32 target, uint8 status);

    // ============ Events ============

    /// @notice A settlement id reached its terminal status here.
    event SettlementRecorded(bytes32 indexed settlementId, uint8 indexed kind, uint8 status, bytes detail);
    /// @notice A settlement id that already had a terminal status arrived again and was ignored.
    event SettlementRepeatIgnored(bytes32 indexed settlementId, uint8 indexed kind, uint8 status);
    /// @notice An ACK was dispatched to the hub.
    event AckDispatched(bytes32 indexed settlementId, uint8 status, bytes32 messageId);
    /// @notice A hub body we cannot act on (empty, too short, or an inbound kind) was ignored.
    event PayloadIgnored(uint8 kind, uint256 length);
    /// @notice Hub configuration changed.
    event HubConfigured(bytes32 hubSender, bytes32 hubRecipient, address hubIsm);

    /// @param mailbox_ this chain's Mailbox
    /// @param hubSender_ the hub's sender identity on HUB_DOMAIN (bytes32)
    /// @param hubRecipient_ the hub recipient we dispatch to (bytes32)
    /// @param hubIsm_ the ISM for hub messages (returned by `interchainSecurityModule()`)
    /// @param owner_ owner (configuration, pause)
    constructor(address mailbox_, bytes32 hubSender_, bytes32 hubRecipient_, address hubIsm_, address owner_) {
        if (mailbox_ == address(0)) revert ZeroValue("mailbox");
        if (owner_ == address(0)) revert ZeroValue("owner");
        mailbox = IMailbox(mailbox_);
        _setHub(hubSender_, hubRecipient_, hubIsm_);
        _transferOwnership(owner_);
    }

    /// @notice Lets the owner fund ACK / report dispatch fees (0 on the devnet).
    receive() external payable {}

    // ============ Owner ============

    /// @notice Replaces the hub sender, recipient and ISM (security-relevant: owner only).
    function setHub(bytes32 hubSender_, bytes32 hubRecipient_, address hubIsm_) external onlyOwner {
        _setHub(hubSender_, hubRecipient_, hubIsm_);
    }

    /// @notice Emergency stop (see the contract notes for what it stops).
    function pause() external onlyOwner {
        _pause();
    }

    /// @notice Resumes after `pause`.
    function unpause() external onlyOwner {
        _unpause();
    }

    // ============ Hyperlane ============

    /// @inheritdoc ISpecifiesInterchainSecurityModule
    function interchainSecurityModule() external view returns (IInterchainSecurityModule) {
        return hubIsm;
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        if (msg.sender != address(mailbox)) revert NotMailbox(msg.sender);
        if (origin != HUB_DOMAIN) revert NotHubOrigin(origin);
        if (sender != hubSender) revert NotHubSender(sender);
        (uint8 kind, bool hasSettlementId) = AppPayload.kindOf(body);
        if (!hasSettlementId || kind < AppPayload.RELEASE) {
            emit PayloadIgnored(kind, body.length);
            return;
        }
        bytes32 settlementId = AppPayload.settlementIdOf(body);
        uint8 status = settlementStatus[settlementId];
        if (status != AppPayload.STATUS_NONE) {
            emit SettlementRepeatIgnored(settlementId, kind, status);
            return;
        }
        if (kind == AppPayload.CANCEL) {
            _handleCancel(body);
        } else if (!_handleOutbound(kind, settlementId, body)) {
            _settle(settlementId, kind, AppPayload.STATUS_FAILED, abi.encodeWithSelector(UnsupportedKind.selector, kind));
        }
    }

    // ============ Internal ============

    /// @dev Handles one outbound kind other than CANCEL whose settlement id is new. Returns false when
    ///      this contract does not handle `kind` (the caller then ACKs failed). Implementations must
    ///      call `_settle` exactly once on every path that returns true.
    function _handleOutbound(uint8 kind, bytes32 settlementId, bytes calldata body) internal virtual returns (bool);

    /// @dev CANCEL: if the target id has no status yet it becomes cancelled and is ACKed CANCELLED, and the
    ///      CANCEL's own id is ACKed EXECUTED; otherwise the CANCEL's own id is ACKed FAILED with
    ///      CancelTargetTerminal(target, status) and the target's own ACK (already sent) stands.
    ///      CANCEL works while paused: it moves no value and lets the hub unwind stuck settlements.
    function _handleCancel(bytes calldata body) internal {
        AppPayload.Cancel memory c = AppPayload.decodeCancel(body);
        uint8 targetStatus = settlementStatus[c.targetSettlementId];
        if (targetStatus == AppPayload.STATUS_NONE && c.targetSettlementId != c.settlementId) {
            _settle(c.targetSettlementId, AppPayload.CANCEL, AppPayload.STATUS_CANCELLED, "");
            _settle(c.settlementId, AppPayload.CANCEL, AppPayload.STATUS_EXECUTED, "");
        } else {
            _settle(
                c.settlementId,
                AppPayload.CANCEL,
                AppPayload.STATUS_FAILED,
                abi.encodeWithSelector(CancelTargetTerminal.selector, c.targetSettlementId, targetStatus)
            );
        }
    }

    /// @dev Records the terminal status of `settlementId` and dispatches its ACK.
    function _settle(bytes32 settlementId, uint8 kind, uint8 status, bytes memory detail) internal {
        bytes memory d = AppPayload.truncateDetail(detail);
        settlementStatus[settlementId] = status;
        emit SettlementRecorded(settlementId, kind, status, d);
        bytes32 messageId = _dispatchToHub(AppPayload.encodeAck(settlementId, status, d), 0);
        emit AckDispatched(settlementId, status, messageId);
    }

    /// @dev Dispatches `body` to the hub, paying the mailbox's quote from `paid` wei supplied by the
    ///      caller plus this contract's balance for the rest.
    function _dispatchToHub(bytes memory body, uint256 paid) internal returns (bytes32) {
        uint256 fee = mailbox.quoteDispatch(HUB_DOMAIN, hubRecipient, body);
        uint256 value = fee > paid ? fee : paid;
        return mailbox.dispatch{value: value}(HUB_DOMAIN, hubRecipient, body);
    }

    function _setHub(bytes32 hubSender_, bytes32 hubRecipient_, address hubIsm_) private {
        if (hubSender_ == bytes32(0)) revert ZeroValue("hubSender");
        if (hubRecipient_ == bytes32(0)) revert ZeroValue("hubRecipient");
        if (hubIsm_ == address(0)) revert ZeroValue("hubIsm");
        hubSender = hubSender_;
        hubRecipient = hubRecipient_;
        hubIsm = IInterchainSecurityModule(hubIsm_);
        emit HubConfigured(hubSender_, hubRecipient_, hubIsm_);
    }
}
