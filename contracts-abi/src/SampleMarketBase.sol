// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IHubMarginedMarket} from "./interfaces/IHubMarginedMarket.sol";
import {IPositionAdapter} from "./interfaces/IPositionAdapter.sol";

/// @title SampleMarketBase
/// @notice Position bookkeeping shared by the sample markets. Hub-margined: the market takes no margin
///         from hub accounts; every change is reported to the PositionAdapter, which refuses risk beyond
///         the owner's hub allowance. The market is the counterparty of every trade (a devnet house).
/// @dev Units: size in base units with 18 decimals (SIZE_UNIT = 1e18 = one unit of the instrument),
///      signed (+ long, − short); prices in settlement-token atomic units per whole unit. Realised P&L
///      of closing `c` base units at price `p` against entry `e`:
///          pnl = floor(c × (p − e) × dir / SIZE_UNIT)   (dir = +1 long, −1 short; floor toward −∞,
///      so a gain rounds down and a loss rounds up: in the vault's favour). Entry of an increase is the
///      size-weighted average, rounded down; a flip opens the new side at `p`. Realised gains are pulled
///      by the adapter from this market into the vault (the market approves the adapter and must hold
///      the tokens); realised losses arrive later as a RELEASE from the vault.
abstract contract SampleMarketBase is Ownable, IHubMarginedMarket {
    using SafeERC20 for IERC20;

    /// @notice One whole unit of an instrument in base units.
    int256 public constant SIZE_UNIT = 1e18;

    /// @notice The adapter this market reports to.
    IPositionAdapter public immutable adapter;
    /// @notice Token of realised P&L.
    IERC20 public immutable settlementToken;

    /// @notice A position: signed size and average entry price.
    struct Position {
        int256 size;
        uint256 entryPrice;
    }

    /// @notice Positions per owner and instrument.
    mapping(address owner => mapping(bytes32 instrumentId => Position)) public positions;

    /// @notice Only the adapter may call `closeForHub`.
    error NotAdapter(address caller);
    /// @notice A trade of size 0.
    error ZeroSize();
    /// @notice `owner` has no position in `instrumentId`.
    error NoPosition(address owner, bytes32 instrumentId);
    /// @notice The market price `price` is worse than `priceLimit` for closing a long (`isLong`) or a short.
    error PriceBeyondLimit(bytes32 instrumentId, uint256 price, uint256 priceLimit, bool isLong);
    /// @notice `instrumentId` is not listed on this market.
    error NotListed(bytes32 instrumentId);

    /// @notice A position changed at `price`.
    event Traded(
        address indexed owner, bytes32 indexed instrumentId, int256 sizeDelta, uint256 price, int256 newSize, int256 realisedPnl
    );

    /// @param adapter_ the PositionAdapter of this chain
    /// @param settlementToken_ token of realised P&L (approved to the adapter without limit)
    /// @param owner_ owner (listings, prices)
    constructor(address adapter_, address settlementToken_, address owner_) {
        adapter = IPositionAdapter(adapter_);
        settlementToken = IERC20(settlementToken_);
        settlementToken.forceApprove(adapter_, type(uint256).max);
        _transferOwnership(owner_);
    }

    /// @notice Changes the caller's position in `instrumentId` by `sizeDelta` base units at the market
    ///         price. Reverts when the instrument cannot trade now or the adapter refuses the added risk.
    /// @return realisedPnl P&L realised by this trade, settlement-token atomic units
    function trade(bytes32 instrumentId, int256 sizeDelta) external returns (int256 realisedPnl) {
        if (sizeDelta == 0) revert ZeroSize();
        _checkTradable(instrumentId);
        return _apply(msg.sender, instrumentId, sizeDelta, _tradePrice(instrumentId));
    }

    /// @inheritdoc IHubMarginedMarket
    function closeForHub(address owner, bytes32 instrumentId, uint256 size, uint256 priceLimit) external virtual {
        if (msg.sender != address(adapter)) revert NotAdapter(msg.sender);
        Position memory p = positions[owner][instrumentId];
        if (p.size == 0) revert NoPosition(owner, instrumentId);
        if (size == 0) revert ZeroSize();
        uint256 price = _closePrice(instrumentId);
        bool isLong = p.size > 0;
        if (isLong ? price < priceLimit : price > priceLimit) {
            revert PriceBeyondLimit(instrumentId, price, priceLimit, isLong);
        }
        uint256 held = isLong ? uint256(p.size) : uint256(-p.size);
        int256 closing = int256(size < held ? size : held);
        _apply(owner, instrumentId, isLong ? -closing : closing, price);
    }

    // ============ Hooks for the concrete markets ============

    /// @dev Reverts when `instrumentId` cannot be traded by users now.
    function _checkTradable(bytes32 instrumentId) internal view virtual;

    /// @dev Price of a user trade.
    function _tradePrice(bytes32 instrumentId) internal view virtual returns (uint256);

    /// @dev Price of a hub close (may differ, e.g. an expired option's settlement value).
    function _closePrice(bytes32 instrumentId) internal view virtual returns (uint256);

    /// @dev Cumulative funding index reported with the position.
    function _fundingIndex(bytes32 instrumentId) internal view virtual returns (int256);

    // ============ Bookkeeping ============

    function _apply(address owner, bytes32 instrumentId, int256 delta, uint256 price)
        internal
        returns (int256 realisedPnl)
    {
        Position memory p = positions[owner][instrumentId];
        int256 newSize = p.size + delta;
        uint256 newEntry;
        if (p.size == 0 || (p.size > 0) == (delta > 0)) {
            // opening or increasing: size-weighted average entry, rounded down
            uint256 oldAbs = _abs(p.size);
            uint256 addAbs = _abs(delta);
            newEntry = (oldAbs * p.entryPrice + addAbs * price) / (oldAbs + addAbs);
        } else {
            // reducing, closing or flipping
            uint256 heldAbs = _abs(p.size);
            uint256 closedAbs = _abs(delta) < heldAbs ? _abs(delta) : heldAbs;
            int256 dir = p.size > 0 ? int256(1) : int256(-1);
            realisedPnl = _floorDiv(int256(closedAbs) * (int256(price) - int256(p.entryPrice)) * dir, SIZE_UNIT);
            if (newSize == 0) newEntry = 0;
            else if ((newSize > 0) == (p.size > 0)) newEntry = p.entryPrice;
            else newEntry = price;
        }
        positions[owner][instrumentId] = Position(newSize, newEntry);
        emit Traded(owner, instrumentId, delta, price, newSize, realisedPnl);
        adapter.reportPosition(owner, instrumentId, newSize, newEntry, _fundingIndex(instrumentId), realisedPnl);
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    /// @dev floor(a / b) for b > 0 (Solidity's `/` truncates toward zero).
    function _floorDiv(int256 a, int256 b) internal pure returns (int256) {
        int256 q = a / b;
        if (a % b != 0 && a < 0) q -= 1;
        return q;
    }
}
