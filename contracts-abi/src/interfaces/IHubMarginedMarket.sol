// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

/// @title IHubMarginedMarket
/// @notice What a PositionAdapter needs from a protocol market whose positions are margined on the
///         unimargin hub (the market holds no margin of its own for hub accounts).
interface IHubMarginedMarket {
    /// @notice The price the adapter's standalone margin uses for `instrumentId`, in the instrument's
    ///         price exponent (perpetual: its mark; option: the underlying's price).
    function riskPrice(bytes32 instrumentId) external view returns (uint256);

    /// @notice Closes min(`size`, |position|) of `owner`'s position at the market's price if that price
    ///         is no worse than `priceLimit` (≥ it when closing a long, ≤ it when closing a short), and
    ///         reports the result through the adapter. Only the adapter may call it; it reverts with a
    ///         reason (which the adapter forwards as the ACK detail) when it cannot close.
    function closeForHub(address owner, bytes32 instrumentId, uint256 size, uint256 priceLimit) external;
}
