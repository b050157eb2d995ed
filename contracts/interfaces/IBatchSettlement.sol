// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IBatchSettlement
/// @notice The BATCH mode: inference served over HTTP, one signed receipt per call, paid by vouchers against a
/// deposit and settled in batches as Merkle roots signed by the operator's key.
///
/// - **Deposits are per (requester, operator) channel.** A requester deposits for one operator, so the operator
///   knows exactly what backs the vouchers it accepts, and no deposit can be spent twice. Withdrawing takes a
///   request and `withdrawalDelay` of waiting, so an operator always has time to claim its latest voucher first.
/// - **Vouchers are cumulative.** A voucher is the total the requester owes the operator on the channel so far,
///   signed by the requester (EIP-712 `Voucher`). `claim` pays the difference from what was already paid, so only
///   the latest voucher matters; a replayed or older voucher pays nothing and is refused.
/// - **Receipts and batches.** Every HTTP response carries a `Receipt` signed (EIP-712) by the operator's account
///   or one of its registered enclave keys. The operator numbers its receipts 1, 2, 3, ... and settles them in
///   contiguous batches: `settleBatch` checks the signature on the batch's root (an OpenZeppelin
///   StandardMerkleTree of the receipts), and stores one slot per batch. `verifyReceipt` checks a receipt's
///   inclusion from chain data.
/// - **Slashing.** An operator settles only with a bond of its stake locked here. A receipt signed twice for one
///   sequence with different contents, or a receipt whose output a ZK proof shows wrong (for a version with a
///   circuit), slashes the whole bond: half to the prover, half burned.
///
/// EIP-712 domain: `{name: "Verity", version: "1", chainId, verifyingContract: this contract}`.
interface IBatchSettlement {
    /// @notice One inference served over HTTP, as the operator signs it and as a leaf of its batch's Merkle tree
    /// (leaf = keccak256(keccak256(abi.encode(fields in this order))), OpenZeppelin StandardMerkleTree).
    /// @param requestId The requester's identifier for the call (random, 32 bytes).
    /// @param requester The account that pays for it (the voucher's signer).
    /// @param operator The operator that served it.
    /// @param modelId The model.
    /// @param version The model version.
    /// @param inputHash keccak256 of the canonical input bytes (a tensor or a set of named tensors).
    /// @param outputHash keccak256 of the canonical output bytes.
    /// @param price What the call costs (wei), included in the requester's cumulative voucher.
    /// @param sequence The operator's receipt number, from 1, one per receipt it ever signs.
    /// @param time When the operator served it (unix seconds, the operator's clock).
    struct Receipt {
        bytes32 requestId;
        address requester;
        address operator;
        bytes32 modelId;
        uint32 version;
        bytes32 inputHash;
        bytes32 outputHash;
        uint256 price;
        uint64 sequence;
        uint64 time;
    }

    /// @notice A requester's promise: `cumulativeAmount` in total is owed to `operator` on their channel.
    /// @param requester The depositor (the signer).
    /// @param operator The operator the channel pays.
    /// @param cumulativeAmount The total owed on the channel so far (never decreases).
    struct Voucher {
        address requester;
        address operator;
        uint256 cumulativeAmount;
    }

    /// @notice A batch of the operator's receipts, as its key signs it (EIP-712 `BatchRoot`, with the URI hashed).
    /// @param operator The operator whose receipts they are.
    /// @param firstSequence The first receipt's sequence (the operator's next unsettled one).
    /// @param count How many receipts: sequences `firstSequence .. firstSequence + count - 1`.
    /// @param root The StandardMerkleTree root of the receipts.
    /// @param uri Where the batch's receipts are published (JSON: the tree's dump and the receipts' signatures).
    struct BatchRoot {
        address operator;
        uint64 firstSequence;
        uint64 count;
        bytes32 root;
        string uri;
    }

    /// @notice A requester's channel with one operator.
    /// @param balance What the deposit holds now.
    /// @param paid The cumulative amount claimed so far (the latest voucher paid).
    /// @param pendingWithdrawal What the requester asked to withdraw.
    /// @param unlockAt When that withdrawal can be made (zero when none is pending).
    struct Channel {
        uint128 balance;
        uint128 paid;
        uint128 pendingWithdrawal;
        uint64 unlockAt;
    }

    /// @notice An operator's bond behind its batches.
    /// @param amount The stake locked here (slashable while it is).
    /// @param nextSequence The sequence the operator's next batch must start with.
    /// @param releaseAt When an unbonding bond can be released (zero while bonded).
    struct Bond {
        uint128 amount;
        uint64 nextSequence;
        uint64 releaseAt;
    }

    /// @notice Emitted when a requester deposits on a channel.
    /// @param requester The depositor.
    /// @param operator The operator the channel pays.
    /// @param amount The amount deposited.
    /// @param balance The channel's balance after it.
    event Deposited(address indexed requester, address indexed operator, uint256 amount, uint256 balance);

    /// @notice Emitted when a requester asks to withdraw from a channel.
    /// @param requester The depositor.
    /// @param operator The operator the channel pays.
    /// @param amount The amount asked for (replaces any earlier pending request).
    /// @param unlockAt When it can be withdrawn.
    event WithdrawalRequested(address indexed requester, address indexed operator, uint256 amount, uint64 unlockAt);

    /// @notice Emitted when a requester withdraws from a channel.
    /// @param requester The depositor, paid.
    /// @param operator The operator the channel pays.
    /// @param amount The amount paid out.
    event Withdrawn(address indexed requester, address indexed operator, uint256 amount);

    /// @notice Emitted when a voucher is claimed.
    /// @param requester The voucher's signer.
    /// @param operator The operator paid.
    /// @param cumulativeAmount The voucher's total.
    /// @param amount What this claim paid (the total minus what was paid before).
    event VoucherClaimed(address indexed requester, address indexed operator, uint256 cumulativeAmount, uint256 amount);

    /// @notice Emitted when an operator bonds stake behind its batches.
    /// @param operator The operator.
    /// @param amount The amount added.
    /// @param bond The bond after it.
    event BondPosted(address indexed operator, uint256 amount, uint256 bond);

    /// @notice Emitted when an operator starts unbonding (it can settle no batch from then on).
    /// @param operator The operator.
    /// @param releaseAt When the bond can be released.
    event BondUnbonding(address indexed operator, uint64 releaseAt);

    /// @notice Emitted when an unbonded bond is unlocked back to the operator's stake.
    /// @param operator The operator.
    /// @param amount The amount unlocked.
    event BondReleased(address indexed operator, uint256 amount);

    /// @notice Emitted when a batch is settled.
    /// @param operator The operator.
    /// @param firstSequence The batch's first sequence.
    /// @param count How many receipts it holds.
    /// @param root Its Merkle root.
    /// @param signer The key that signed the root (the operator or one of its enclave keys).
    /// @param uri Where its receipts are published.
    event BatchSettled(
        address indexed operator, uint64 indexed firstSequence, uint64 count, bytes32 root, address signer, string uri
    );

    /// @notice Emitted when an operator is slashed for a receipt (the registry's `OperatorSlashed` events name who
    /// was credited).
    /// @param operator The operator slashed.
    /// @param sequence The receipt's sequence (slashable once).
    /// @param prover Who submitted the proof (paid nothing: the credit goes to the receipts' requesters).
    /// @param slashed The whole bond taken (half burned, half credited to the receipts' requesters).
    /// @param equivocation True for two receipts for one sequence; false for a ZK proof of a different output.
    event ReceiptSlashed(
        address indexed operator, uint64 indexed sequence, address indexed prover, uint256 slashed, bool equivocation
    );

    /// @notice The operator was already slashed for this sequence: one offence, one slash.
    /// @param operator The operator.
    /// @param sequence The sequence.
    error ReceiptAlreadySlashed(address operator, uint64 sequence);

    /// @notice No ZK dispute verifier is set in the operator registry, so no receipt can be proven wrong yet.
    error BatchNoDisputeVerifier();

    /// @notice A zero address where a contract is needed.
    error BatchZeroAddress();
    /// @notice A zero amount.
    error BatchZeroAmount();
    /// @notice A delay outside 1 hour .. 30 days.
    /// @param delay The delay given.
    error BatchInvalidDelay(uint64 delay);
    /// @notice The deposit would not fit the channel's 128-bit balance.
    /// @param amount The amount given.
    error BatchAmountTooLarge(uint256 amount);
    /// @notice A withdrawal over the channel's balance.
    /// @param requested The amount asked for.
    /// @param balance The channel's balance.
    error BatchWithdrawalTooLarge(uint256 requested, uint256 balance);
    /// @notice No withdrawal is pending, or it is not unlocked yet.
    /// @param unlockAt When it unlocks (zero when none is pending).
    error BatchWithdrawalLocked(uint64 unlockAt);
    /// @notice A native transfer failed.
    /// @param to The recipient.
    /// @param amount The amount.
    error BatchTransferFailed(address to, uint256 amount);
    /// @notice A voucher whose signature is not its requester's.
    /// @param requester The voucher's requester.
    /// @param signer The address the signature recovers to (zero when malformed).
    error VoucherInvalidSignature(address requester, address signer);
    /// @notice A voucher that adds nothing to what was paid (a replay or an older voucher).
    /// @param cumulativeAmount The voucher's total.
    /// @param paid What the channel has already paid.
    error VoucherAlreadyClaimed(uint256 cumulativeAmount, uint256 paid);
    /// @notice A voucher for more than the channel's deposit holds.
    /// @param owed What the voucher would pay now.
    /// @param balance What the channel holds.
    error VoucherExceedsDeposit(uint256 owed, uint256 balance);
    /// @notice A bond under the minimum, or no bond, or one that is unbonding, where settling needs one.
    /// @param operator The operator.
    /// @param bond Its bond.
    /// @param minimum The least bond that settles.
    error BatchBondTooLow(address operator, uint256 bond, uint256 minimum);
    /// @notice The bond is unbonding (or already is, for `unbond`).
    /// @param operator The operator.
    /// @param releaseAt When it can be released.
    error BatchBondUnbonding(address operator, uint64 releaseAt);
    /// @notice The bond cannot be released: not unbonding, or not yet.
    /// @param operator The operator.
    /// @param releaseAt When it can be (zero when not unbonding).
    error BatchBondNotReleasable(address operator, uint64 releaseAt);
    /// @notice A batch that does not start at the operator's next unsettled sequence (a gap or a re-settlement).
    /// @param firstSequence The batch's first sequence.
    /// @param expected The operator's next unsettled sequence.
    error BatchOutOfSequence(uint64 firstSequence, uint64 expected);
    /// @notice A batch of zero receipts, or more than 2^32, or without a URI, or with a zero root.
    /// @param count The batch's count.
    error BatchInvalid(uint64 count);
    /// @notice A signature by neither the operator nor an active enclave key of the operator.
    /// @param operator The operator.
    /// @param signer The address the signature recovers to (zero when malformed).
    error BatchUnauthorizedSigner(address operator, address signer);
    /// @notice No batch of the operator starts at that sequence with that root and count.
    /// @param operator The operator.
    /// @param firstSequence The batch's first sequence.
    error BatchUnknown(address operator, uint64 firstSequence);
    /// @notice Two receipts that are not an equivocation: another operator, another sequence, or the same receipt.
    /// @param sequenceA The first receipt's sequence.
    /// @param sequenceB The second receipt's sequence.
    error ReceiptsNotConflicting(uint64 sequenceA, uint64 sequenceB);
    /// @notice The proven output is the one the receipt signed: nothing to slash.
    /// @param outputHash The output hash.
    error ReceiptOutputsAgree(bytes32 outputHash);
    /// @notice The operator has no bond left to slash (already slashed or released).
    /// @param operator The operator.
    error BatchNothingToSlash(address operator);

    /// @notice Deposits the sent value on the caller's channel with `operator`.
    /// @param operator The operator the channel pays.
    function deposit(address operator) external payable;

    /// @notice Asks to withdraw `amount` from the caller's channel with `operator`, after `withdrawalDelay`
    /// (replacing any pending request). The operator keeps claiming vouchers meanwhile.
    /// @param operator The operator the channel pays.
    /// @param amount The amount, at most the balance.
    function requestWithdrawal(address operator, uint256 amount) external;

    /// @notice Pays the caller its pending withdrawal once unlocked: the amount asked for, or the balance if less.
    /// @param operator The operator the channel pays.
    /// @return amount What was paid.
    function withdraw(address operator) external returns (uint256 amount);

    /// @notice Pays `voucher.operator` what the voucher adds to what its channel has paid. Anyone may send it.
    /// @param voucher The voucher.
    /// @param signature The requester's EIP-712 signature (65 bytes).
    /// @return amount What was paid.
    function claim(Voucher calldata voucher, bytes calldata signature) external returns (uint256 amount);

    /// @notice Locks `amount` more of the caller's bonded stake (in the operator registry) as its batch bond.
    /// @param amount The amount.
    function bond(uint256 amount) external;

    /// @notice Starts unbonding: no batch settles from now on, and the bond stays slashable for `bondReleaseDelay`.
    function unbond() external;

    /// @notice Unlocks an unbonded bond back to the operator's stake once `bondReleaseDelay` has passed.
    /// @return amount The amount unlocked.
    function releaseBond() external returns (uint256 amount);

    /// @notice Records a batch of the operator's receipts: checks the root's signature (the operator's account or
    /// an active enclave key of it), the bond, and that the batch starts at the operator's next sequence.
    /// Anyone may send it; it pays nothing (vouchers do).
    /// @param batch The batch.
    /// @param signature The EIP-712 signature of `batch` (65 bytes).
    function settleBatch(BatchRoot calldata batch, bytes calldata signature) external;

    /// @notice Slashes an operator that signed two different receipts for one sequence: its whole bond, half burned
    /// and half credited to the two receipts' requesters (a quarter each, or half to one requester of both). Anyone
    /// may call, and the caller is paid nothing, so copying a pending proof gains nothing and an operator that
    /// reports itself still loses the bond. Each sequence is slashed once (`ReceiptAlreadySlashed`).
    /// @param a One receipt.
    /// @param signatureA Its signature, by the operator or a key ever registered to it.
    /// @param b Another receipt of the same operator and sequence.
    /// @param signatureB Its signature.
    /// @return slashed The bond taken.
    function proveEquivocation(
        Receipt calldata a,
        bytes calldata signatureA,
        Receipt calldata b,
        bytes calldata signatureB
    ) external returns (uint256 slashed);

    /// @notice Slashes an operator whose signed receipt a ZK proof shows wrong: `attestation` (the ZK mode's
    /// format) proves that the version maps the receipt's input to `provenOutputHash`'s output, for job id
    /// `receipt.sequence` and the caller as submitter. The whole bond is taken: half burned, half credited to the
    /// receipt's requester (not the caller). Each sequence is slashed once (`ReceiptAlreadySlashed`); reverts
    /// `BatchNoDisputeVerifier` while the registry has no ZK verifier.
    /// @param receipt The receipt.
    /// @param signature Its signature, by the operator or a key ever registered to it.
    /// @param provenOutputHash keccak256 of the true output.
    /// @param attestation The Groth16 proof with the input and true output.
    /// @return slashed The bond taken.
    function proveReceiptWrong(
        Receipt calldata receipt,
        bytes calldata signature,
        bytes32 provenOutputHash,
        bytes calldata attestation
    ) external returns (uint256 slashed);

    /// @notice Whether the operator was slashed for the receipt at `sequence`.
    /// @param operator The operator.
    /// @param sequence The sequence.
    function isSlashed(address operator, uint64 sequence) external view returns (bool);

    /// @notice Whether `receipt` is a leaf of its operator's settled batch (`firstSequence`, `count`, `root`, as
    /// `BatchSettled` gave them), by the StandardMerkleTree `proof`. Reverts `BatchUnknown` for a batch not settled.
    /// @param receipt The receipt.
    /// @param firstSequence The batch's first sequence.
    /// @param count The batch's count.
    /// @param root The batch's root.
    /// @param proof The leaf's Merkle proof.
    /// @return included True when the receipt is in the batch and its sequence within the batch's range.
    function verifyReceipt(
        Receipt calldata receipt,
        uint64 firstSequence,
        uint64 count,
        bytes32 root,
        bytes32[] calldata proof
    ) external view returns (bool included);

    /// @notice The EIP-712 digest of a receipt (what its signer signs).
    /// @param receipt The receipt.
    /// @return The digest.
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32);

    /// @notice The StandardMerkleTree leaf of a receipt.
    /// @param receipt The receipt.
    /// @return The leaf.
    function receiptLeaf(Receipt calldata receipt) external pure returns (bytes32);

    /// @notice A requester's channel with an operator.
    /// @param requester The depositor.
    /// @param operator The operator.
    /// @return The channel.
    function channelOf(address requester, address operator) external view returns (Channel memory);

    /// @notice An operator's bond and next sequence.
    /// @param operator The operator.
    /// @return The bond.
    function bondOf(address operator) external view returns (Bond memory);

    /// @notice The stored commitment of a batch: keccak256(abi.encode(root, count)), zero when none starts there.
    /// @param operator The operator.
    /// @param firstSequence The batch's first sequence.
    /// @return The commitment.
    function batchCommitment(address operator, uint64 firstSequence) external view returns (bytes32);

    /// @notice The version's ZK circuit, from the hub (the ZK verifier reads it from its caller).
    /// @param modelId The model.
    /// @param version The version.
    /// @return zkVerifier The version's Groth16 verifier.
    /// @return zkModelCommitment The model commitment.
    function zkCircuitOf(bytes32 modelId, uint32 version) external view returns (address, bytes32);

    /// @notice The version's ZK circuit with its verifying key hash, from the hub.
    /// @param modelId The model.
    /// @param version The version.
    /// @return zkVerifier The version's Groth16 verifier.
    /// @return zkModelCommitment The model commitment.
    /// @return verifyingKeyHash The verifying key hash.
    function zkCircuit(bytes32 modelId, uint32 version) external view returns (address, bytes32, bytes32);

    /// @notice The hub (the model registry of ZK fraud proofs).
    function hub() external view returns (address);

    /// @notice The operator registry whose stake backs the bonds.
    function operatorRegistry() external view returns (address);

    /// @notice The enclave registry whose keys may sign for their operators.
    function enclaveRegistry() external view returns (address);

    /// @notice The least bond that settles batches (wei of stake).
    function minBond() external view returns (uint256);

    /// @notice How long a requested withdrawal waits (seconds).
    function withdrawalDelay() external view returns (uint64);

    /// @notice How long an unbonding bond stays slashable (seconds).
    function bondReleaseDelay() external view returns (uint64);
}
