// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice A plain OpenZeppelin ERC-20 with open minting, for tests, benchmarks and the local demo only.
contract TestToken is ERC20 {
    constructor(string memory name, string memory symbol) ERC20(name, symbol) {}

    /// @notice Mints `amount` to `to`. Anyone may call: test token.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @title FeeOnTransferToken
/// @notice An ERC-20 that burns 1% of every transfer, to test that the hub refuses such tokens.
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee On Transfer", "FOT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 burned = value / 100;
            super._update(from, address(0), burned);
            value -= burned;
        }
        super._update(from, to, value);
    }
}
