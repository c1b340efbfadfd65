// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {SampleMarketBase} from "./SampleMarketBase.sol";
import {IHubMarginedMarket} from "./interfaces/IHubMarginedMarket.sol";

/// @title SampleOptionMarket
/// @notice A devnet European options market, hub-margined (see SampleMarketBase). Before expiry, trades
///         and hub closes execute at the owner-set premium mark; the adapter's standalone margin uses the
///         owner-set underlying price. After expiry no user trades; once the owner sets the settlement
///         price, anyone may `settleExpired` a position at intrinsic value (call max(S − K, 0), put
///         max(K − S, 0)), which realises its P&L and reports it flat — the hub's kernel never sees an
///         expired option. Prices are settlement-token atomic units per whole unit of the underlying.
contract SampleOptionMarket is SampleMarketBase {
    /// @notice A listed option.
    struct Option {
        bool listed;
        bool isCall;
        /// @notice Strike price.
        uint256 strike;
        /// @notice Expiry, unix seconds.
        uint64 expirySec;
        /// @notice Premium mark (trade price before expiry).
        uint256 premiumMark;
        /// @notice Underlying price (the adapter's risk price).
        uint256 underlyingPrice;
        /// @notice Underlying settlement price at expiry (0 = not set yet).
        uint256 settlementPrice;
    }

    /// @notice Options by instrument id.
    mapping(bytes32 instrumentId => Option) public options;

    /// @notice `instrumentId` expired at `expirySec`: no more user trades.
    error OptionExpired(bytes32 instrumentId, uint64 expirySec);
    /// @notice `instrumentId` has not expired yet (expires at `expirySec`).
    error OptionNotExpired(bytes32 instrumentId, uint64 expirySec);
    /// @notice The settlement price of `instrumentId` is not set yet.
    error SettlementPriceUnset(bytes32 instrumentId);
    /// @notice A listing with strike 0, an expiry in the past, or an underlying price of 0.
    error InvalidOption(bytes32 instrumentId, string field);

    /// @notice Marks changed.
    event OptionMarked(bytes32 indexed instrumentId, uint256 premiumMark, uint256 underlyingPrice);
    /// @notice The settlement price was set.
    event OptionSettlementPrice(bytes32 indexed instrumentId, uint256 settlementPrice);

    /// @param adapter_ the PositionAdapter of this chain
    /// @param settlementToken_ token of realised P&L
    /// @param owner_ owner (listings, marks, settlement prices)
    constructor(address adapter_, address settlementToken_, address owner_)
        SampleMarketBase(adapter_, settlementToken_, owner_)
    {}

    /// @notice Lists a European option (the adapter must list `instrumentId` for this market too).
    function listOption(
        bytes32 instrumentId,
        bool isCall,
        uint256 strike,
        uint64 expirySec,
        uint256 premiumMark,
        uint256 underlyingPrice
    ) external onlyOwner {
        if (strike == 0) revert InvalidOption(instrumentId, "strike");
        if (expirySec <= block.timestamp) revert InvalidOption(instrumentId, "expirySec");
        if (underlyingPrice == 0) revert InvalidOption(instrumentId, "underlyingPrice");
        options[instrumentId] = Option(true, isCall, strike, expirySec, premiumMark, underlyingPrice, 0);
        emit OptionMarked(instrumentId, premiumMark, underlyingPrice);
    }

    /// @notice Sets the premium mark and the underlying price of a listed option.
    function setMarks(bytes32 instrumentId, uint256 premiumMark, uint256 underlyingPrice) external onlyOwner {
        Option storage o = options[instrumentId];
        if (!o.listed) revert NotListed(instrumentId);
        if (underlyingPrice == 0) revert InvalidOption(instrumentId, "underlyingPrice");
        o.premiumMark = premiumMark;
        o.underlyingPrice = underlyingPrice;
        emit OptionMarked(instrumentId, premiumMark, underlyingPrice);
    }

    /// @notice Sets the underlying settlement price of an expired option.
    function setSettlementPrice(bytes32 instrumentId, uint256 settlementPrice) external onlyOwner {
        Option storage o = options[instrumentId];
        if (!o.listed) revert NotListed(instrumentId);
        if (block.timestamp <= o.expirySec) revert OptionNotExpired(instrumentId, o.expirySec);
        if (settlementPrice == 0) revert InvalidOption(instrumentId, "settlementPrice");
        o.settlementPrice = settlementPrice;
        emit OptionSettlementPrice(instrumentId, settlementPrice);
    }

    /// @notice Settles `owner`'s expired position in `instrumentId` at intrinsic value (anyone may call).
    /// @return realisedPnl P&L realised, settlement-token atomic units
    function settleExpired(address owner, bytes32 instrumentId) external returns (int256 realisedPnl) {
        Position memory p = positions[owner][instrumentId];
        if (p.size == 0) revert NoPosition(owner, instrumentId);
        uint256 value = _settlementValue(instrumentId);
        return _apply(owner, instrumentId, -p.size, value);
    }

    /// @notice Intrinsic value at the settlement price (reverts before expiry or when unset).
    function _settlementValue(bytes32 instrumentId) internal view returns (uint256) {
        Option memory o = options[instrumentId];
        if (block.timestamp <= o.expirySec) revert OptionNotExpired(instrumentId, o.expirySec);
        if (o.settlementPrice == 0) revert SettlementPriceUnset(instrumentId);
        uint256 s = o.settlementPrice;
        if (o.isCall) return s > o.strike ? s - o.strike : 0;
        return o.strike > s ? o.strike - s : 0;
    }

    /// @inheritdoc IHubMarginedMarket
    function riskPrice(bytes32 instrumentId) external view returns (uint256) {
        return options[instrumentId].underlyingPrice;
    }

    function _checkTradable(bytes32 instrumentId) internal view override {
        Option memory o = options[instrumentId];
        if (!o.listed) revert NotListed(instrumentId);
        if (block.timestamp > o.expirySec) revert OptionExpired(instrumentId, o.expirySec);
    }

    function _tradePrice(bytes32 instrumentId) internal view override returns (uint256) {
        return options[instrumentId].premiumMark;
    }

    function _closePrice(bytes32 instrumentId) internal view override returns (uint256) {
        Option memory o = options[instrumentId];
        if (!o.listed) revert NotListed(instrumentId);
        if (block.timestamp > o.expirySec) return _settlementValue(instrumentId);
        return o.premiumMark;
    }

    function _fundingIndex(bytes32) internal pure override returns (int256) {
        return 0;
    }
}
