// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IBatchSettlement} from "../interfaces/IBatchSettlement.sol";
import {IEnclaveRegistry} from "../interfaces/IEnclaveRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IOperatorRegistry} from "../interfaces/IOperatorRegistry.sol";
import {IResultVerifier} from "../interfaces/IResultVerifier.sol";

/// @title BatchSettlement
/// @notice The BATCH mode's deposits, vouchers, batch roots and receipt slashing (see IBatchSettlement).
/// @dev A module of the operator registry (`setBatchSettlement`, once): it locks operators' bonds there and slashes
/// them. It holds the requesters' native deposits; its balance is always the sum of the channels' balances.
/// Storage per batch: one slot (keccak256 of its root and count), under the operator and its first sequence.
contract BatchSettlement is IBatchSettlement, EIP712, ReentrancyGuardTransient {
    bytes32 private constant _RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 requestId,address requester,address operator,bytes32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash,uint256 price,uint64 sequence,uint64 time)"
    );
    bytes32 private constant _VOUCHER_TYPEHASH =
        keccak256("Voucher(address requester,address operator,uint256 cumulativeAmount)");
    bytes32 private constant _BATCH_TYPEHASH =
        keccak256("BatchRoot(address operator,uint64 firstSequence,uint64 count,bytes32 root,string uri)");
    /// @dev The delivery form of inline output: keccak256 of the empty URI.
    bytes32 private constant _INLINE_OUTPUT = keccak256("");
    uint64 private constant _MIN_DELAY = 1 hours;
    uint64 private constant _MAX_DELAY = 30 days;
    uint64 private constant _MAX_BATCH = 2 ** 32;

    address private immutable _hub;
    IOperatorRegistry private immutable _operators;
    IEnclaveRegistry private immutable _enclaves;
    uint256 private immutable _minBond;
    uint64 private immutable _withdrawalDelay;
    uint64 private immutable _bondReleaseDelay;

    mapping(address requester => mapping(address operator => Channel)) private _channels;
    mapping(address operator => Bond) private _bonds;
    mapping(address operator => mapping(uint64 firstSequence => bytes32 commitment)) private _batches;
    /// @dev The sequences an operator was slashed for: each is one offence, so its evidence slashes once, whatever
    /// bond the operator posts later.
    mapping(address operator => mapping(uint64 sequence => bool)) private _slashedSequences;

    /// @param hub_ The hub (the model registry that ZK fraud proofs read circuits from).
    /// @param operators_ The operator registry whose stake backs the bonds (it must name this contract with
    /// `setBatchSettlement` before anyone can bond).
    /// @param enclaves_ The enclave registry whose keys may sign receipts and roots for their operators.
    /// @param minBond_ The least bond that settles batches (at least 1 wei).
    /// @param withdrawalDelay_ How long a requested withdrawal waits (1 hour .. 30 days): the operator's window to
    /// claim its latest voucher.
    /// @param bondReleaseDelay_ How long an unbonding bond stays slashable (1 hour .. 30 days): the window to prove
    /// a receipt wrong after the operator stops.
    constructor(
        address hub_,
        address operators_,
        address enclaves_,
        uint256 minBond_,
        uint64 withdrawalDelay_,
        uint64 bondReleaseDelay_
    ) EIP712("Verity", "1") {
        if (hub_ == address(0) || operators_ == address(0) || enclaves_ == address(0)) revert BatchZeroAddress();
        if (withdrawalDelay_ < _MIN_DELAY || withdrawalDelay_ > _MAX_DELAY) revert BatchInvalidDelay(withdrawalDelay_);
        if (bondReleaseDelay_ < _MIN_DELAY || bondReleaseDelay_ > _MAX_DELAY) revert BatchInvalidDelay(bondReleaseDelay_);
        _hub = hub_;
        _operators = IOperatorRegistry(operators_);
        _enclaves = IEnclaveRegistry(enclaves_);
        _minBond = minBond_ == 0 ? 1 : minBond_;
        _withdrawalDelay = withdrawalDelay_;
        _bondReleaseDelay = bondReleaseDelay_;
    }

    // ──────────────────────────────────────────── deposits ────────────────────────────────────────

    /// @inheritdoc IBatchSettlement
    function deposit(address operator) external payable {
        if (operator == address(0)) revert BatchZeroAddress();
        if (msg.value == 0) revert BatchZeroAmount();
        Channel storage c = _channels[msg.sender][operator];
        uint256 balance = uint256(c.balance) + msg.value;
        if (balance > type(uint128).max) revert BatchAmountTooLarge(msg.value);
        c.balance = uint128(balance);
        emit Deposited(msg.sender, operator, msg.value, balance);
    }

    /// @inheritdoc IBatchSettlement
    function requestWithdrawal(address operator, uint256 amount) external {
        if (amount == 0) revert BatchZeroAmount();
        Channel storage c = _channels[msg.sender][operator];
        if (amount > c.balance) revert BatchWithdrawalTooLarge(amount, c.balance);
        uint64 unlockAt = uint64(block.timestamp) + _withdrawalDelay;
        c.pendingWithdrawal = uint128(amount);
        c.unlockAt = unlockAt;
        emit WithdrawalRequested(msg.sender, operator, amount, unlockAt);
    }

    /// @inheritdoc IBatchSettlement
    function withdraw(address operator) external nonReentrant returns (uint256 amount) {
        Channel storage c = _channels[msg.sender][operator];
        uint64 unlockAt = c.unlockAt;
        if (unlockAt == 0 || block.timestamp < unlockAt) revert BatchWithdrawalLocked(unlockAt);
        amount = c.pendingWithdrawal < c.balance ? c.pendingWithdrawal : c.balance;
        // Cannot underflow: amount <= balance.
        unchecked {
            c.balance -= uint128(amount);
        }
        c.pendingWithdrawal = 0;
        c.unlockAt = 0;
        emit Withdrawn(msg.sender, operator, amount);
        _send(msg.sender, amount);
    }

    /// @inheritdoc IBatchSettlement
    function claim(Voucher calldata voucher, bytes calldata signature) external nonReentrant returns (uint256 amount) {
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(_VOUCHER_TYPEHASH, voucher.requester, voucher.operator, voucher.cumulativeAmount))
        );
        address signer = _recover(digest, signature);
        if (signer != voucher.requester || signer == address(0)) {
            revert VoucherInvalidSignature(voucher.requester, signer);
        }
        Channel storage c = _channels[voucher.requester][voucher.operator];
        uint256 paid = c.paid;
        if (voucher.cumulativeAmount <= paid) revert VoucherAlreadyClaimed(voucher.cumulativeAmount, paid);
        // Cannot underflow: cumulativeAmount > paid.
        unchecked {
            amount = voucher.cumulativeAmount - paid;
        }
        uint256 balance = c.balance;
        if (amount > balance) revert VoucherExceedsDeposit(amount, balance);
        // Cannot overflow or underflow: amount <= balance < 2^128, and paid + amount = cumulativeAmount, which is
        // at most paid + balance, the channel's deposits so far (each below 2^128 at deposit).
        unchecked {
            c.balance = uint128(balance - amount);
            c.paid = uint128(voucher.cumulativeAmount);
        }
        emit VoucherClaimed(voucher.requester, voucher.operator, voucher.cumulativeAmount, amount);
        _send(voucher.operator, amount);
    }

    // ───────────────────────────────────────────── bonds ──────────────────────────────────────────

    /// @inheritdoc IBatchSettlement
    function bond(uint256 amount) external nonReentrant {
        if (amount == 0) revert BatchZeroAmount();
        Bond storage b = _bonds[msg.sender];
        if (b.releaseAt != 0) revert BatchBondUnbonding(msg.sender, b.releaseAt);
        uint256 total = uint256(b.amount) + amount;
        if (total > type(uint128).max) revert BatchAmountTooLarge(amount);
        // Reverts OperatorInsufficientStake when the operator's free stake is less.
        _operators.lock(msg.sender, amount, 0);
        b.amount = uint128(total);
        if (b.nextSequence == 0) b.nextSequence = 1;
        emit BondPosted(msg.sender, amount, total);
    }

    /// @inheritdoc IBatchSettlement
    function unbond() external {
        Bond storage b = _bonds[msg.sender];
        if (b.amount == 0) revert BatchBondTooLow(msg.sender, 0, _minBond);
        if (b.releaseAt != 0) revert BatchBondUnbonding(msg.sender, b.releaseAt);
        uint64 releaseAt = uint64(block.timestamp) + _bondReleaseDelay;
        b.releaseAt = releaseAt;
        emit BondUnbonding(msg.sender, releaseAt);
    }

    /// @inheritdoc IBatchSettlement
    function releaseBond() external nonReentrant returns (uint256 amount) {
        Bond storage b = _bonds[msg.sender];
        uint64 releaseAt = b.releaseAt;
        amount = b.amount;
        if (releaseAt == 0 || block.timestamp < releaseAt || amount == 0) {
            revert BatchBondNotReleasable(msg.sender, releaseAt);
        }
        b.amount = 0;
        b.releaseAt = 0;
        _operators.unlock(msg.sender, amount, 0);
        emit BondReleased(msg.sender, amount);
    }

    // ──────────────────────────────────────────── batches ─────────────────────────────────────────

    /// @inheritdoc IBatchSettlement
    function settleBatch(BatchRoot calldata batch, bytes calldata signature) external {
        Bond storage b = _bonds[batch.operator];
        Bond memory current = b;
        if (current.releaseAt != 0) revert BatchBondUnbonding(batch.operator, current.releaseAt);
        if (current.amount < _minBond) revert BatchBondTooLow(batch.operator, current.amount, _minBond);
        if (batch.firstSequence != current.nextSequence) {
            revert BatchOutOfSequence(batch.firstSequence, current.nextSequence);
        }
        uint64 count = batch.count;
        if (count == 0 || count > _MAX_BATCH || bytes(batch.uri).length == 0 || batch.root == bytes32(0)) {
            revert BatchInvalid(count);
        }
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    _BATCH_TYPEHASH,
                    batch.operator,
                    batch.firstSequence,
                    count,
                    batch.root,
                    keccak256(bytes(batch.uri))
                )
            )
        );
        address signer = _recover(digest, signature);
        if (!_signsNow(batch.operator, signer)) revert BatchUnauthorizedSigner(batch.operator, signer);
        // Cannot overflow: nextSequence < 2^64 - 2^32 would take 2^32 batches of 2^32 receipts to pass.
        unchecked {
            b.nextSequence = current.nextSequence + count;
        }
        _batches[batch.operator][batch.firstSequence] = keccak256(abi.encode(batch.root, count));
        emit BatchSettled(batch.operator, batch.firstSequence, count, batch.root, signer, batch.uri);
    }

    /// @inheritdoc IBatchSettlement
    function verifyReceipt(
        Receipt calldata receipt,
        uint64 firstSequence,
        uint64 count,
        bytes32 root,
        bytes32[] calldata proof
    ) external view returns (bool included) {
        bytes32 stored = _batches[receipt.operator][firstSequence];
        if (stored == bytes32(0) || stored != keccak256(abi.encode(root, count))) {
            revert BatchUnknown(receipt.operator, firstSequence);
        }
        if (receipt.sequence < firstSequence || receipt.sequence - firstSequence >= count) return false;
        return MerkleProof.verifyCalldata(proof, root, _leaf(receipt));
    }

    // ─────────────────────────────────────────── slashing ─────────────────────────────────────────

    /// @inheritdoc IBatchSettlement
    function proveEquivocation(
        Receipt calldata a,
        bytes calldata signatureA,
        Receipt calldata b,
        bytes calldata signatureB
    ) external nonReentrant returns (uint256 slashed) {
        bytes32 hashA = _receiptStructHash(a);
        bytes32 hashB = _receiptStructHash(b);
        if (a.operator != b.operator || a.sequence != b.sequence || hashA == hashB) {
            revert ReceiptsNotConflicting(a.sequence, b.sequence);
        }
        _checkReceiptSigner(a.operator, hashA, signatureA);
        _checkReceiptSigner(b.operator, hashB, signatureB);
        slashed = _slash(a.operator, a.sequence, a.requester, b.requester, true);
    }

    /// @inheritdoc IBatchSettlement
    function proveReceiptWrong(
        Receipt calldata receipt,
        bytes calldata signature,
        bytes32 provenOutputHash,
        bytes calldata attestation
    ) external nonReentrant returns (uint256 slashed) {
        _checkReceiptSigner(receipt.operator, _receiptStructHash(receipt), signature);
        if (provenOutputHash == receipt.outputHash) revert ReceiptOutputsAgree(provenOutputHash);
        address verifier = _operators.disputeVerifier();
        if (verifier == address(0)) revert BatchNoDisputeVerifier();
        // The ZK verifier reads the version's circuit from its caller (`zkCircuitOf` below, from the hub) and
        // reverts with its own error unless the proof holds for the receipt's input, this output and the caller.
        IResultVerifier(verifier).verifyResult(
            IResultVerifier.Job({
                jobId: receipt.sequence,
                modelId: receipt.modelId,
                version: receipt.version,
                inputHash: receipt.inputHash,
                outputHash: provenOutputHash,
                params: 0,
                submitter: msg.sender,
                outputURIHash: _INLINE_OUTPUT
            }),
            attestation
        );
        slashed = _slash(receipt.operator, receipt.sequence, receipt.requester, receipt.requester, false);
    }

    // ───────────────────────────────────────────── views ──────────────────────────────────────────

    /// @inheritdoc IBatchSettlement
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32) {
        return _hashTypedDataV4(_receiptStructHash(receipt));
    }

    /// @inheritdoc IBatchSettlement
    function receiptLeaf(Receipt calldata receipt) external pure returns (bytes32) {
        return _leaf(receipt);
    }

    /// @inheritdoc IBatchSettlement
    function isSlashed(address operator, uint64 sequence) external view returns (bool) {
        return _slashedSequences[operator][sequence];
    }

    /// @inheritdoc IBatchSettlement
    function channelOf(address requester, address operator) external view returns (Channel memory) {
        return _channels[requester][operator];
    }

    /// @inheritdoc IBatchSettlement
    function bondOf(address operator) external view returns (Bond memory) {
        return _bonds[operator];
    }

    /// @inheritdoc IBatchSettlement
    function batchCommitment(address operator, uint64 firstSequence) external view returns (bytes32) {
        return _batches[operator][firstSequence];
    }

    /// @inheritdoc IBatchSettlement
    function zkCircuitOf(bytes32 modelId, uint32 version) external view returns (address, bytes32) {
        return IModelRegistry(_hub).zkCircuitOf(modelId, version);
    }

    /// @inheritdoc IBatchSettlement
    function zkCircuit(bytes32 modelId, uint32 version) external view returns (address, bytes32, bytes32) {
        return IModelRegistry(_hub).zkCircuit(modelId, version);
    }

    /// @inheritdoc IBatchSettlement
    function hub() external view returns (address) {
        return _hub;
    }

    /// @inheritdoc IBatchSettlement
    function operatorRegistry() external view returns (address) {
        return address(_operators);
    }

    /// @inheritdoc IBatchSettlement
    function enclaveRegistry() external view returns (address) {
        return address(_enclaves);
    }

    /// @inheritdoc IBatchSettlement
    function minBond() external view returns (uint256) {
        return _minBond;
    }

    /// @inheritdoc IBatchSettlement
    function withdrawalDelay() external view returns (uint64) {
        return _withdrawalDelay;
    }

    /// @inheritdoc IBatchSettlement
    function bondReleaseDelay() external view returns (uint64) {
        return _bondReleaseDelay;
    }

    // ────────────────────────────────────────── internals ─────────────────────────────────────────

    function _receiptStructHash(Receipt calldata r) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                _RECEIPT_TYPEHASH,
                r.requestId,
                r.requester,
                r.operator,
                r.modelId,
                r.version,
                r.inputHash,
                r.outputHash,
                r.price,
                r.sequence,
                r.time
            )
        );
    }

    /// @dev The StandardMerkleTree leaf: keccak256(keccak256(abi.encode(the receipt's fields))).
    function _leaf(Receipt calldata r) private pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        r.requestId,
                        r.requester,
                        r.operator,
                        r.modelId,
                        r.version,
                        r.inputHash,
                        r.outputHash,
                        r.price,
                        r.sequence,
                        r.time
                    )
                )
            )
        );
    }

    /// @dev Zero for a malformed or malleable signature (OpenZeppelin ECDSA's rules), instead of reverting.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        (signer,,) = ECDSA.tryRecoverCalldata(digest, signature);
    }

    /// @dev Whether `signer` may sign a batch root for `operator` now: the operator itself, or one of its enclave
    /// keys that is active and unexpired, with its measurement still approved (the TEE mode's rule).
    function _signsNow(address operator, address signer) private view returns (bool) {
        if (signer == address(0)) return false;
        if (signer == operator) return true;
        return _enclaves.signingOperator(signer) == operator;
    }

    /// @dev Reverts unless `signature` over the receipt is by `operator` or a key ever registered to it: a key
    /// revoked or expired since still answers for what it signed.
    function _checkReceiptSigner(address operator, bytes32 structHash, bytes calldata signature) private view {
        address signer = _recover(_hashTypedDataV4(structHash), signature);
        if (signer == address(0) || (signer != operator && _enclaves.getEnclaveKey(signer).operator != operator)) {
            revert BatchUnauthorizedSigner(operator, signer);
        }
    }

    /// @dev Takes the operator's whole bond for the offence at `sequence` (once per sequence): half burned, and half
    /// credited to the requesters the offending receipts were issued to (split evenly between `victimA` and
    /// `victimB`, which may be one account), never to the caller. So a copied proof pays its copier nothing, and an
    /// operator that reports itself first still loses the whole bond to its customers and the burn.
    function _slash(address operator, uint64 sequence, address victimA, address victimB, bool equivocation)
        private
        returns (uint256 slashed)
    {
        if (_slashedSequences[operator][sequence]) revert ReceiptAlreadySlashed(operator, sequence);
        Bond storage b = _bonds[operator];
        slashed = b.amount;
        if (slashed == 0) revert BatchNothingToSlash(operator);
        b.amount = 0;
        b.releaseAt = 0;
        _slashedSequences[operator][sequence] = true;
        uint256 toVictims = slashed / 2;
        if (victimA == victimB) {
            _operators.slash(operator, toVictims, victimA, slashed - toVictims, 0);
        } else {
            uint256 toA = toVictims / 2;
            _operators.slash(operator, toA, victimA, slashed - toVictims, 0);
            _operators.slash(operator, toVictims - toA, victimB, 0, 0);
        }
        emit ReceiptSlashed(operator, sequence, msg.sender, slashed, equivocation);
    }

    function _send(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert BatchTransferFailed(to, amount);
    }
}
