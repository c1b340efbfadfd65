// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

/// @title IPositionAdapter
/// @notice What a hub-margined market calls after every change of a position.
interface IPositionAdapter {
    /// @notice Reports the new state of `owner`'s position in `instrumentId` (listed for the calling
    ///         market). Reverts when the change adds risk beyond the owner's remaining allowance. A
    ///         positive `realisedPnl` is pulled from the calling market into the vault in this call
    ///         (the market must have approved the adapter for its settlement token).
    /// @param size signed size after the change (+ long, − short), in the instrument's base units
    /// @param entryPrice average entry price, in the instrument's price exponent (0 when flat)
    /// @param fundingIndex the market's cumulative funding index for the instrument
    /// @param realisedPnl P&L realised by this change, in settlement token atomic units (+ gain, − loss)
    /// @return messageId the Hyperlane message id of the POSITION report
    function reportPosition(
        address owner,
        bytes32 instrumentId,
        int256 size,
        uint256 entryPrice,
        int256 fundingIndex,
        int256 realisedPnl
    ) external returns (bytes32 messageId);
}
