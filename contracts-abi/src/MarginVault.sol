// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/security/ReentrancyGuard.sol";
import {HubClient} from "./HubClient.sol";
import {AppPayload} from "./lib/AppPayload.sol";

/// @title MarginVault
/// @notice Holds the ERC20 collateral of unimargin accounts on one chain (one vault per chain per hub).
///         `deposit` pulls tokens and dispatches DEPOSIT to the hub; the hub answers withdrawals and
///         realised losses with RELEASE, which the vault executes (or fails) and ACKs.
/// @dev RELEASE outcomes (DESIGN "Settlement lifecycle"; business failures never revert delivery):
///      - executed: `amount` transferred to `recipient` → ACK(executed);
///      - failed (ACK detail = an ABI-encoded error below): ReleaseCapExceeded (the token's per-hour
///        cap, a breaker against a compromised hub), InsufficientVaultBalance, TransferFailed (the
///        token call reverted or returned false) — the hub restores the funds on the final ACK;
///      - while paused: `handle` reverts with `Pausable: paused` (no decision is taken; relayers retry
///        after `unpause`); CANCEL still works while paused.
///      The cap is a fixed window: at most `releaseCapPerHour` per token per `block.timestamp / 3600`
///      (so at most twice the cap within any 60 minutes straddling a window boundary). A cap of 0
///      fails every release of that token; `type(uint256).max` disables the cap.
contract MarginVault is HubClient, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Per-token configuration.
    struct TokenConfig {
        /// @notice Deposits accepted (the hub's params must list the token); releases do not need it.
        bool depositsEnabled;
        /// @notice Maximum released per hour window, in the token's atomic units.
        uint256 releaseCapPerHour;
    }

    /// @notice Configuration per token.
    mapping(address token => TokenConfig) public tokenConfig;
    /// @notice Released amount per token in the current hour window (see `releaseWindowOf`).
    mapping(address token => uint256) public releasedInWindow;
    /// @notice The hour window (`block.timestamp / 3600`) `releasedInWindow` refers to, per token.
    mapping(address token => uint256) public releaseWindowOf;
    /// @notice Number of deposits so far; the next DEPOSIT carries this value as `depositNonce`.
    uint64 public depositNonce;

    /// @notice Deposit of `token` refused: deposits are not enabled for it.
    error TokenNotEnabled(address token);
    /// @notice Deposit of zero (after transfer fees) refused.
    error ZeroDeposit(address token);
    /// @notice ACK detail: `amount` of `token` would exceed the hour cap (`releasedThisHour` + amount > cap).
    error ReleaseCapExceeded(address token, uint256 amount, uint256 releasedThisHour, uint256 capPerHour);
    /// @notice ACK detail: the vault holds `balance` of `token`, less than `amount`.
    error InsufficientVaultBalance(address token, uint256 amount, uint256 balance);
    /// @notice ACK detail: the token transfer reverted or returned false; `reason` is its revert data.
    error TransferFailed(address token, address recipient, uint256 amount, bytes reason);

    /// @notice A deposit was taken and reported to the hub.
    event Deposited(
        address indexed depositor, address indexed token, uint256 amount, uint64 depositNonce, bytes32 messageId
    );
    /// @notice A RELEASE was executed.
    event Released(
        bytes32 indexed settlementId, address indexed token, address indexed recipient, uint256 amount, bool toMarket
    );
    /// @notice A token's configuration changed.
    event TokenConfigured(address indexed token, bool depositsEnabled, uint256 releaseCapPerHour);

    /// @param mailbox_ this chain's Mailbox
    /// @param hubSender_ the hub's sender identity (bytes32)
    /// @param hubRecipient_ the hub recipient of DEPOSIT and ACK (bytes32)
    /// @param hubIsm_ the hub's MessageIdMultisigIsm on this chain
    /// @param owner_ owner (token configuration, pause, hub configuration)
    constructor(address mailbox_, bytes32 hubSender_, bytes32 hubRecipient_, address hubIsm_, address owner_)
        HubClient(mailbox_, hubSender_, hubRecipient_, hubIsm_, owner_)
    {}

    // ============ Owner ============

    /// @notice Enables or disables deposits of `token` and sets its per-hour release cap (atomic units).
    function setTokenConfig(address token, bool depositsEnabled, uint256 releaseCapPerHour) external onlyOwner {
        if (token == address(0)) revert ZeroValue("token");
        tokenConfig[token] = TokenConfig(depositsEnabled, releaseCapPerHour);
        emit TokenConfigured(token, depositsEnabled, releaseCapPerHour);
    }

    // ============ Deposits ============

    /// @notice Deposits `amount` atomic units of `token` for the caller; see `depositFor`.
    function deposit(address token, uint256 amount) external payable returns (bytes32 messageId) {
        return _deposit(token, amount, msg.sender);
    }

    /// @notice Pulls `amount` of `token` from the caller (who must have approved this vault) and
    ///         dispatches DEPOSIT crediting `depositor` on the hub. The amount reported is what the
    ///         vault's balance actually grew by (fee-on-transfer safe). `msg.value` pays the dispatch fee
    ///         (see `quoteDeposit`; 0 on the devnet).
    /// @return messageId the Hyperlane message id of the DEPOSIT
    function depositFor(address token, uint256 amount, address depositor)
        external
        payable
        returns (bytes32 messageId)
    {
        return _deposit(token, amount, depositor);
    }

    /// @notice The dispatch fee (wei) a deposit must attach.
    function quoteDeposit(address token, uint256 amount, address depositor) external view returns (uint256) {
        bytes memory body = AppPayload.encodeDeposit(AppPayload.Deposit(depositor, token, amount, depositNonce));
        return mailbox.quoteDispatch(HUB_DOMAIN, hubRecipient, body);
    }

    function _deposit(address token, uint256 amount, address depositor)
        private
        whenNotPaused
        nonReentrant
        returns (bytes32 messageId)
    {
        if (!tokenConfig[token].depositsEnabled) revert TokenNotEnabled(token);
        if (depositor == address(0)) revert ZeroValue("depositor");
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received == 0) revert ZeroDeposit(token);
        uint64 nonce = depositNonce++;
        messageId = _dispatchToHub(
            AppPayload.encodeDeposit(AppPayload.Deposit(depositor, token, received, nonce)), msg.value
        );
        emit Deposited(depositor, token, received, nonce, messageId);
    }

    // ============ Hub messages ============

    /// @notice What a release of `amount` of `token` would do now: empty = executes, otherwise the ACK
    ///         detail (ReleaseCapExceeded, TransferFailed for a token without code or `balanceOf`,
    ///         InsufficientVaultBalance). Reverts InsufficientGasForSettlement when `balanceOf` ran out of gas.
    function canRelease(address token, uint256 amount) public view returns (bytes memory failure) {
        uint256 cap = tokenConfig[token].releaseCapPerHour;
        uint256 window = block.timestamp / 3600;
        uint256 released = releaseWindowOf[token] == window ? releasedInWindow[token] : 0;
        if (cap != type(uint256).max && (amount > cap || released > cap - amount)) {
            return abi.encodeWithSelector(ReleaseCapExceeded.selector, token, amount, released, cap);
        }
        if (token.code.length == 0) {
            return abi.encodeWithSelector(TransferFailed.selector, token, address(0), amount, bytes(""));
        }
        uint256 gasBefore = gasleft();
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeCall(IERC20.balanceOf, (address(this))));
        // out of gas chosen by the relayer is not a business outcome (see _handleOutbound)
        if (!ok && gasleft() <= gasBefore / 63) revert InsufficientGasForSettlement(gasBefore);
        if (!ok || ret.length < 32) {
            // not an ERC20 (no balanceOf): a business failure, answered rather than stuck forever
            return abi.encodeWithSelector(TransferFailed.selector, token, address(0), amount, ret);
        }
        uint256 balance = abi.decode(ret, (uint256));
        if (balance < amount) {
            return abi.encodeWithSelector(InsufficientVaultBalance.selector, token, amount, balance);
        }
        return "";
    }

    /// @inheritdoc HubClient
    function _handleOutbound(uint8 kind, bytes32 settlementId, bytes calldata body)
        internal
        override
        nonReentrant
        returns (bool)
    {
        if (kind != AppPayload.RELEASE) return false;
        _requireNotPaused();
        AppPayload.Release memory r = AppPayload.decodeRelease(body);
        bytes memory failure = canRelease(r.token, r.amount);
        if (failure.length == 0) {
            uint256 gasBefore = gasleft();
            (bool ok, bytes memory ret) = r.token.call(abi.encodeCall(IERC20.transfer, (r.recipient, r.amount)));
            // A failure that left at most 1/63 of the gas is taken for out-of-gas chosen by the relayer,
            // not a business outcome: revert so that the message is retried with more gas (EIP-150).
            if (!ok && gasleft() <= gasBefore / 63) revert InsufficientGasForSettlement(gasBefore);
            // ERC20s without a return value count as success; one returning a word must return nonzero.
            if (!ok || (ret.length > 0 && (ret.length < 32 || abi.decode(ret, (uint256)) == 0))) {
                failure = abi.encodeWithSelector(TransferFailed.selector, r.token, r.recipient, r.amount, ret);
            }
        }
        if (failure.length != 0) {
            _settle(settlementId, kind, AppPayload.STATUS_FAILED, failure);
            return true;
        }
        uint256 window = block.timestamp / 3600;
        if (releaseWindowOf[r.token] != window) {
            releaseWindowOf[r.token] = window;
            releasedInWindow[r.token] = 0;
        }
        releasedInWindow[r.token] += r.amount;
        emit Released(settlementId, r.token, r.recipient, r.amount, r.toMarket);
        _settle(settlementId, kind, AppPayload.STATUS_EXECUTED, "");
        return true;
    }
}
