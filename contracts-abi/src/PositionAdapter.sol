// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {HubClient} from "./HubClient.sol";
import {AppPayload} from "./lib/AppPayload.sol";
import {IHubMarginedMarket} from "./interfaces/IHubMarginedMarket.sol";
import {IPositionAdapter} from "./interfaces/IPositionAdapter.sol";

/// @title PositionAdapter
/// @notice Bridges hub-margined protocol markets on one chain to the unimargin hub: markets report every
///         position change here and the adapter dispatches POSITION; the hub sends ALLOWANCE (the risk an
///         owner may open here) and CLOSE_POSITION (liquidations), each answered with one ACK.
/// @dev Pre-trade gating (DESIGN "Positions and their money"): each position carries a conservative
///      standalone margin, in USD micro-units (1e-6 USD), rounded up:
///          margin = ceil(|size| × riskPrice × imRatePpm / (notionalDivisor × 1e6))
///      where `riskPrice` comes from the market (perpetual mark, option underlying), `imRatePpm` and
///      `notionalDivisor` from the instrument listing (|size| × riskPrice / notionalDivisor is the USD
///      micro notional). A report that adds risk (|size| grows, or the side flips) is refused unless
///      the owner's total standalone margin after it is within the allowance (0 once expired). A report
///      that reduces risk is always accepted, even over the allowance and while paused. Margins of the
///      owner's other positions are those stored at their last report (not re-priced).
///      Money: a realised gain is pulled from the market into the vault in the reporting transaction;
///      a realised loss is reported as negative `realisedPnl` and paid later by a RELEASE from the vault
///      to the market.
///      Hub messages: ALLOWANCE sets (not adds) an owner's allowance if its sequence is above the last
///      applied one (else ACK(failed, StaleAllowance)); it works while paused. CLOSE_POSITION reverts
///      delivery while paused; otherwise it asks the market to close and ACKs executed, or failed with
///      the market's revert data (price beyond the limit, no position) or UnknownInstrument.
contract PositionAdapter is HubClient, IPositionAdapter {
    using SafeERC20 for IERC20;

    /// @notice A listed instrument.
    struct Instrument {
        /// @notice The market allowed to report it (and asked to close it).
        address market;
        /// @notice Token of its realised P&L (what the vault receives on gains and releases on losses).
        address settlementToken;
        /// @notice Standalone initial-margin rate on notional, in ppm (e.g. 100_000 = 10 %).
        uint32 imRatePpm;
        /// @notice |size| × riskPrice / notionalDivisor = notional in USD micro-units.
        uint256 notionalDivisor;
    }

    /// @notice An owner's allowance as last set by the hub.
    struct OwnerAllowance {
        /// @notice Maximum total standalone margin, USD micro-units.
        uint256 amountUsdMicro;
        /// @notice Hub sequence of the ALLOWANCE that set it.
        uint64 sequence;
        /// @notice Unix time (s) after which it counts as 0.
        uint64 expirySec;
        /// @notice Whether any ALLOWANCE was applied (so that sequence 0 is usable once).
        bool set;
    }

    /// @notice What the adapter remembers of one position.
    struct PositionState {
        /// @notice Signed size (+ long, − short).
        int256 size;
        /// @notice Standalone margin at its last report, USD micro-units.
        uint256 marginUsdMicro;
        /// @notice Sequence of its last POSITION report.
        uint64 sequence;
    }

    /// @notice The vault receiving realised gains.
    address public immutable vault;

    /// @notice Listing per instrument id (market 0 = not listed).
    mapping(bytes32 instrumentId => Instrument) public instruments;
    /// @notice Allowance per owner.
    mapping(address owner => OwnerAllowance) public allowances;
    /// @notice Position state per owner and instrument.
    mapping(address owner => mapping(bytes32 instrumentId => PositionState)) public positions;
    /// @notice Sum of the owner's stored standalone margins, USD micro-units.
    mapping(address owner => uint256) public usedMarginUsdMicro;

    /// @notice `caller` is not the market listed for `instrumentId`.
    error NotListedMarket(address caller, bytes32 instrumentId);
    /// @notice Adding risk would take `owner`'s standalone margin to `requiredUsdMicro` > `allowanceUsdMicro`.
    error AllowanceExceeded(address owner, uint256 requiredUsdMicro, uint256 allowanceUsdMicro);
    /// @notice ACK detail: no instrument `instrumentId` is listed here.
    error UnknownInstrument(bytes32 instrumentId);
    /// @notice ACK detail: ALLOWANCE `sequence` is not above the applied `currentSequence`.
    error StaleAllowance(address owner, uint64 sequence, uint64 currentSequence);
    /// @notice Listing refused: `field` is invalid.
    error InvalidListing(bytes32 instrumentId, string field);

    /// @notice An instrument was listed or its listing changed.
    event InstrumentListed(
        bytes32 indexed instrumentId, address indexed market, address settlementToken, uint32 imRatePpm, uint256 notionalDivisor
    );
    /// @notice The hub set an allowance.
    event AllowanceSet(address indexed owner, uint256 amountUsdMicro, uint64 sequence, uint64 expirySec);
    /// @notice A POSITION was dispatched.
    event PositionReported(
        address indexed owner,
        bytes32 indexed instrumentId,
        int256 size,
        int256 realisedPnl,
        uint64 sequence,
        uint256 marginUsdMicro,
        bytes32 messageId
    );

    /// @param mailbox_ this chain's Mailbox
    /// @param hubSender_ the hub's sender identity (bytes32)
    /// @param hubRecipient_ the hub recipient of POSITION and ACK (bytes32)
    /// @param hubIsm_ the hub's MessageIdMultisigIsm on this chain
    /// @param owner_ owner (listings, pause, hub configuration)
    /// @param vault_ this chain's MarginVault (receives realised gains)
    constructor(
        address mailbox_,
        bytes32 hubSender_,
        bytes32 hubRecipient_,
        address hubIsm_,
        address owner_,
        address vault_
    ) HubClient(mailbox_, hubSender_, hubRecipient_, hubIsm_, owner_) {
        if (vault_ == address(0)) revert ZeroValue("vault");
        vault = vault_;
    }

    // ============ Owner ============

    /// @notice Lists (or re-lists) `instrumentId` for `market`; see `Instrument` for the fields.
    function listInstrument(
        bytes32 instrumentId,
        address market,
        address settlementToken,
        uint32 imRatePpm,
        uint256 notionalDivisor
    ) external onlyOwner {
        if (market == address(0)) revert InvalidListing(instrumentId, "market");
        if (settlementToken == address(0)) revert InvalidListing(instrumentId, "settlementToken");
        if (imRatePpm == 0 || imRatePpm > 1_000_000) revert InvalidListing(instrumentId, "imRatePpm");
        if (notionalDivisor == 0) revert InvalidListing(instrumentId, "notionalDivisor");
        instruments[instrumentId] = Instrument(market, settlementToken, imRatePpm, notionalDivisor);
        emit InstrumentListed(instrumentId, market, settlementToken, imRatePpm, notionalDivisor);
    }

    // ============ Views ============

    /// @notice The allowance in force for `owner` (0 when never set or expired), USD micro-units.
    function allowanceOf(address owner) public view returns (uint256) {
        OwnerAllowance memory a = allowances[owner];
        if (!a.set || block.timestamp > a.expirySec) return 0;
        return a.amountUsdMicro;
    }

    /// @notice Allowance left for new risk: allowance − used margin, floored at 0 (USD micro-units).
    function remainingAllowanceOf(address owner) external view returns (uint256) {
        uint256 a = allowanceOf(owner);
        uint256 used = usedMarginUsdMicro[owner];
        return a > used ? a - used : 0;
    }

    /// @notice Standalone margin of |`size`| of `instrumentId` at `riskPrice`, USD micro-units, rounded up.
    function standaloneMargin(bytes32 instrumentId, int256 size, uint256 riskPrice) public view returns (uint256) {
        Instrument memory inst = instruments[instrumentId];
        if (inst.market == address(0)) revert UnknownInstrument(instrumentId);
        uint256 num = _abs(size) * riskPrice * inst.imRatePpm;
        uint256 den = inst.notionalDivisor * 1_000_000;
        return num == 0 ? 0 : (num - 1) / den + 1;
    }

    // ============ Markets ============

    /// @inheritdoc IPositionAdapter
    function reportPosition(
        address owner,
        bytes32 instrumentId,
        int256 size,
        uint256 entryPrice,
        int256 fundingIndex,
        int256 realisedPnl
    ) external returns (bytes32 messageId) {
        Instrument memory inst = instruments[instrumentId];
        if (inst.market == address(0) || msg.sender != inst.market) revert NotListedMarket(msg.sender, instrumentId);
        PositionState storage p = positions[owner][instrumentId];
        uint256 margin = standaloneMargin(instrumentId, size, IHubMarginedMarket(msg.sender).riskPrice(instrumentId));
        uint256 used = usedMarginUsdMicro[owner] - p.marginUsdMicro + margin;
        bool addsRisk = _abs(size) > _abs(p.size) || (size > 0 && p.size < 0) || (size < 0 && p.size > 0);
        if (addsRisk) {
            _requireNotPaused();
            uint256 allowed = allowanceOf(owner);
            if (used > allowed) revert AllowanceExceeded(owner, used, allowed);
        }
        usedMarginUsdMicro[owner] = used;
        p.size = size;
        p.marginUsdMicro = margin;
        uint64 sequence = ++p.sequence;
        if (realisedPnl > 0) {
            IERC20(inst.settlementToken).safeTransferFrom(msg.sender, vault, uint256(realisedPnl));
        }
        AppPayload.Position memory report = AppPayload.Position({
            owner: owner,
            instrumentId: instrumentId,
            size: _abs(size),
            side: size == 0 ? AppPayload.SIDE_FLAT : size > 0 ? AppPayload.SIDE_LONG : AppPayload.SIDE_SHORT,
            entryPrice: size == 0 ? 0 : entryPrice,
            fundingIndex: fundingIndex,
            realisedPnl: realisedPnl,
            sequence: sequence
        });
        messageId = _dispatchToHub(AppPayload.encodePosition(report), 0);
        emit PositionReported(owner, instrumentId, size, realisedPnl, sequence, margin, messageId);
    }

    // ============ Hub messages ============

    /// @inheritdoc HubClient
    function _handleOutbound(uint8 kind, bytes32 settlementId, bytes calldata body) internal override returns (bool) {
        if (kind == AppPayload.ALLOWANCE) {
            _handleAllowance(settlementId, body);
            return true;
        }
        if (kind == AppPayload.CLOSE_POSITION) {
            _handleClose(settlementId, body);
            return true;
        }
        return false;
    }

    function _handleAllowance(bytes32 settlementId, bytes calldata body) private {
        AppPayload.Allowance memory a = AppPayload.decodeAllowance(body);
        OwnerAllowance storage cur = allowances[a.owner];
        if (cur.set && a.sequence <= cur.sequence) {
            _settle(
                settlementId,
                AppPayload.ALLOWANCE,
                AppPayload.STATUS_FAILED,
                abi.encodeWithSelector(StaleAllowance.selector, a.owner, a.sequence, cur.sequence)
            );
            return;
        }
        allowances[a.owner] = OwnerAllowance(a.amountUsdMicro, a.sequence, a.expirySec, true);
        emit AllowanceSet(a.owner, a.amountUsdMicro, a.sequence, a.expirySec);
        _settle(settlementId, AppPayload.ALLOWANCE, AppPayload.STATUS_EXECUTED, "");
    }

    function _handleClose(bytes32 settlementId, bytes calldata body) private {
        _requireNotPaused();
        AppPayload.ClosePosition memory c = AppPayload.decodeClosePosition(body);
        address market = instruments[c.instrumentId].market;
        if (market == address(0)) {
            _settle(
                settlementId,
                AppPayload.CLOSE_POSITION,
                AppPayload.STATUS_FAILED,
                abi.encodeWithSelector(UnknownInstrument.selector, c.instrumentId)
            );
            return;
        }
        uint256 gasBefore = gasleft();
        try IHubMarginedMarket(market).closeForHub(c.owner, c.instrumentId, c.size, c.priceLimit) {
            _settle(settlementId, AppPayload.CLOSE_POSITION, AppPayload.STATUS_EXECUTED, "");
        } catch (bytes memory reason) {
            // out of gas chosen by the relayer is not a business outcome: revert and let it retry (EIP-150)
            if (gasleft() <= gasBefore / 63) revert InsufficientGasForSettlement(gasBefore);
            _settle(settlementId, AppPayload.CLOSE_POSITION, AppPayload.STATUS_FAILED, reason);
        }
    }

    function _abs(int256 x) private pure returns (uint256) {
        // type(int256).min has no positive counterpart; its magnitude still fits in uint256
        return x >= 0 ? uint256(x) : uint256(-(x + 1)) + 1;
    }
}
