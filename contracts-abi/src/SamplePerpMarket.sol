// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {SampleMarketBase} from "./SampleMarketBase.sol";
import {IHubMarginedMarket} from "./interfaces/IHubMarginedMarket.sol";

/// @title SamplePerpMarket
/// @notice A devnet perpetuals market, hub-margined (see SampleMarketBase): trades and hub closes execute
///         at the owner-set mark price; the owner also sets the cumulative funding index, which is only
///         reported (the hub settles funding from index changes; no funding moves on this chain).
contract SamplePerpMarket is SampleMarketBase {
    /// @notice A listed perpetual.
    struct Perp {
        bool listed;
        /// @notice Mark price, settlement-token atomic units per whole unit.
        uint256 markPrice;
        /// @notice Cumulative funding index (reported as is).
        int256 fundingIndex;
    }

    /// @notice Perpetuals by instrument id.
    mapping(bytes32 instrumentId => Perp) public perps;

    /// @notice A mark price of 0 is refused.
    error ZeroPrice(bytes32 instrumentId);

    /// @notice Mark or funding changed.
    event MarkSet(bytes32 indexed instrumentId, uint256 markPrice, int256 fundingIndex);

    /// @param adapter_ the PositionAdapter of this chain
    /// @param settlementToken_ token of realised P&L
    /// @param owner_ owner (listings, marks)
    constructor(address adapter_, address settlementToken_, address owner_)
        SampleMarketBase(adapter_, settlementToken_, owner_)
    {}

    /// @notice Lists `instrumentId` at `markPrice` (the adapter must list it for this market too).
    function listPerp(bytes32 instrumentId, uint256 markPrice) external onlyOwner {
        if (markPrice == 0) revert ZeroPrice(instrumentId);
        perps[instrumentId] = Perp(true, markPrice, 0);
        emit MarkSet(instrumentId, markPrice, 0);
    }

    /// @notice Sets the mark price and the cumulative funding index of a listed perpetual.
    function setMark(bytes32 instrumentId, uint256 markPrice, int256 fundingIndex) external onlyOwner {
        if (!perps[instrumentId].listed) revert NotListed(instrumentId);
        if (markPrice == 0) revert ZeroPrice(instrumentId);
        perps[instrumentId].markPrice = markPrice;
        perps[instrumentId].fundingIndex = fundingIndex;
        emit MarkSet(instrumentId, markPrice, fundingIndex);
    }

    /// @inheritdoc IHubMarginedMarket
    function riskPrice(bytes32 instrumentId) external view returns (uint256) {
        return perps[instrumentId].markPrice;
    }

    function _checkTradable(bytes32 instrumentId) internal view override {
        if (!perps[instrumentId].listed) revert NotListed(instrumentId);
    }

    function _tradePrice(bytes32 instrumentId) internal view override returns (uint256) {
        return perps[instrumentId].markPrice;
    }

    function _closePrice(bytes32 instrumentId) internal view override returns (uint256) {
        return perps[instrumentId].markPrice;
    }

    function _fundingIndex(bytes32 instrumentId) internal view override returns (int256) {
        return perps[instrumentId].fundingIndex;
    }
}
