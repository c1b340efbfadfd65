// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockERC20
/// @notice Devnet token with configurable decimals and a public, unrestricted mint.
/// @dev Never deploy outside a devnet or a test: anyone can mint.
contract MockERC20 is ERC20 {
    uint8 private immutable _decimals;

    /// @param name_ token name
    /// @param symbol_ token symbol
    /// @param decimals_ decimals (6 for USDC-like, 18 for WETH-like, 8 for WBTC-like)
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` atomic units to `to`. Public on purpose (devnet faucet).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
