// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

/// @title AppPayload
/// @notice The app payload codec shared with the hub: every message body is
///         `kind (1 byte) ‖ abi.encode(fields…)`. Mirror of `bridge/core/payload.ts` (`PAYLOAD_KIND`,
///         `PAYLOAD_ABI`, `POSITION_SIDE`, `ACK_STATUS`, `MAX_ACK_DETAIL_BYTES`) and of
///         `bridge/README.md` "App payloads": field order and types must stay identical.
/// @dev Encoders use `abi.encodePacked(uint8(kind), abi.encode(...))`, which is exactly
///      `kind ‖ abi.encode(...)`. Decoders read `abi.decode(body[1:], (...))`; they revert on a
///      malformed tuple (only the hub, through its ISM, can send us bodies, and its codec is strict).
library AppPayload {
    // ============ Kind bytes ============

    /// @notice Inbound (EVM → hub): an ERC20 deposit into a MarginVault.
    uint8 internal constant DEPOSIT = 0x01;
    /// @notice Inbound: a PositionAdapter's report of one position.
    uint8 internal constant POSITION = 0x02;
    /// @notice Inbound: the outcome of an outbound settlement on this chain.
    uint8 internal constant ACK = 0x03;
    /// @notice Outbound (hub → EVM): the vault transfers tokens to a recipient.
    uint8 internal constant RELEASE = 0x11;
    /// @notice Outbound: the adapter closes (part of) a position within a price limit.
    uint8 internal constant CLOSE_POSITION = 0x12;
    /// @notice Outbound: sets the risk allowance an owner may open on this chain.
    uint8 internal constant ALLOWANCE = 0x13;
    /// @notice Outbound: marks an unexecuted settlement id terminal (cancelled).
    uint8 internal constant CANCEL = 0x14;

    // ============ Enums (byte values) ============

    /// @notice POSITION side: FLAT exactly when size is 0.
    uint8 internal constant SIDE_FLAT = 0;
    uint8 internal constant SIDE_LONG = 1;
    uint8 internal constant SIDE_SHORT = 2;

    /// @notice ACK status (also the terminal status recorded per settlement id; 0 = none yet).
    uint8 internal constant STATUS_NONE = 0;
    uint8 internal constant STATUS_EXECUTED = 1;
    uint8 internal constant STATUS_FAILED = 2;
    uint8 internal constant STATUS_CANCELLED = 3;

    /// @notice The hub rejects an ACK whose detail is longer: longer details are truncated here.
    uint256 internal constant MAX_ACK_DETAIL_BYTES = 1024;

    /// @notice Every outbound kind starts with its settlement id: body[1:33].
    uint256 internal constant OUTBOUND_HEADER_BYTES = 33;

    // ============ Structs (field order = ABI order) ============

    struct Deposit {
        address depositor;
        address token;
        uint256 amount;
        uint64 depositNonce;
    }

    struct Position {
        address owner;
        bytes32 instrumentId;
        uint256 size;
        uint8 side;
        uint256 entryPrice;
        int256 fundingIndex;
        int256 realisedPnl;
        uint64 sequence;
    }

    struct Release {
        bytes32 settlementId;
        address token;
        address recipient;
        uint256 amount;
        bool toMarket;
    }

    struct ClosePosition {
        bytes32 settlementId;
        address owner;
        bytes32 instrumentId;
        uint256 size;
        uint256 priceLimit;
    }

    struct Allowance {
        bytes32 settlementId;
        address owner;
        uint256 amountUsdMicro;
        uint64 sequence;
        uint64 expirySec;
    }

    struct Cancel {
        bytes32 settlementId;
        bytes32 targetSettlementId;
    }

    // ============ Inbound encoders ============

    /// @notice DEPOSIT body.
    function encodeDeposit(Deposit memory d) internal pure returns (bytes memory) {
        return abi.encodePacked(DEPOSIT, abi.encode(d.depositor, d.token, d.amount, d.depositNonce));
    }

    /// @notice POSITION body (the tuple is flat: `abi.encode(struct)` of static fields is the same bytes).
    function encodePosition(Position memory p) internal pure returns (bytes memory) {
        return abi.encodePacked(POSITION, abi.encode(p));
    }

    /// @notice ACK body; `detail` must already be at most MAX_ACK_DETAIL_BYTES (see `truncateDetail`).
    function encodeAck(bytes32 settlementId, uint8 status, bytes memory detail) internal pure returns (bytes memory) {
        return abi.encodePacked(ACK, abi.encode(settlementId, status, detail));
    }

    // ============ Outbound decoders ============

    /// @notice The kind byte of a body, and whether the body is long enough to carry a settlement id.
    function kindOf(bytes calldata body) internal pure returns (uint8 kind, bool hasSettlementId) {
        if (body.length == 0) return (0, false);
        return (uint8(body[0]), body.length >= OUTBOUND_HEADER_BYTES);
    }

    /// @notice The settlement id of any outbound body (its first ABI word).
    function settlementIdOf(bytes calldata body) internal pure returns (bytes32) {
        return bytes32(body[1:OUTBOUND_HEADER_BYTES]);
    }

    function decodeRelease(bytes calldata body) internal pure returns (Release memory r) {
        (r.settlementId, r.token, r.recipient, r.amount, r.toMarket) =
            abi.decode(body[1:], (bytes32, address, address, uint256, bool));
    }

    function decodeClosePosition(bytes calldata body) internal pure returns (ClosePosition memory c) {
        (c.settlementId, c.owner, c.instrumentId, c.size, c.priceLimit) =
            abi.decode(body[1:], (bytes32, address, bytes32, uint256, uint256));
    }

    function decodeAllowance(bytes calldata body) internal pure returns (Allowance memory a) {
        (a.settlementId, a.owner, a.amountUsdMicro, a.sequence, a.expirySec) =
            abi.decode(body[1:], (bytes32, address, uint256, uint64, uint64));
    }

    function decodeCancel(bytes calldata body) internal pure returns (Cancel memory c) {
        (c.settlementId, c.targetSettlementId) = abi.decode(body[1:], (bytes32, bytes32));
    }

    // ============ Helpers ============

    /// @notice Cuts `detail` to MAX_ACK_DETAIL_BYTES so that the hub's decoder accepts the ACK.
    function truncateDetail(bytes memory detail) internal pure returns (bytes memory) {
        if (detail.length <= MAX_ACK_DETAIL_BYTES) return detail;
        bytes memory out = new bytes(MAX_ACK_DETAIL_BYTES);
        for (uint256 i = 0; i < MAX_ACK_DETAIL_BYTES; i++) {
            out[i] = detail[i];
        }
        return out;
    }
}
