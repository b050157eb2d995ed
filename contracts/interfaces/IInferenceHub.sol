// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IInferenceHub
/// @notice The one entry point for inference requests. A job is stored as one commitment slot (the hash of the
/// `Job` with its status in the lowest byte); the full request is in `InferenceRequested` and is passed back at
/// fulfilment. The hub escrows the fee, hands the result to the verifier of the job's mode, credits operator,
/// model and protocol (pull payments), refunds after the deadline, and calls the consumer back.
///
/// OPTIMISTIC jobs take a bonded proposal instead of `fulfill`: `proposeResult` (Pending -> Proposed), then either
/// `finalize` after the challenge window (-> Fulfilled), or `challenge` within it (-> Challenged) and
/// `resolveChallenge` with a ZK proof of the true output (-> Fulfilled), or, when nobody can prove anything before the
/// resolution period ends, `expireChallenge` (-> Refunded). Fees are credited and the consumer is called back only
/// when the result is final.
interface IInferenceHub {
    /// @notice Life cycle of a job. `Proposed` and `Challenged` are OPTIMISTIC jobs awaiting finality.
    enum JobStatus {
        None,
        Pending,
        Fulfilled,
        Refunded,
        Proposed,
        Challenged
    }

    /// @notice What a requester asks for.
    /// @param modelId The model.
    /// @param version The model version.
    /// @param mode The verification mode (see VerityTypes); the version must support it.
    /// @param deadline Unix time after which the job can no longer be fulfilled and the fee is refundable.
    /// @param callback Contract to call back with the result (`IInferenceConsumer`), or zero for none.
    /// @param callbackGasLimit Exact gas for the callback (0 when there is none), at most `MAX_CALLBACK_GAS`.
    /// @param fee Total fee escrowed: the version's model fee, the protocol's share of the rest, and the
    /// operator's reward. Sent as value for a native-currency version, pulled with `transferFrom` otherwise.
    /// @param params Mode parameters: zero for TEE and ZK; required for QUORUM (`k | minStake << 8`) and OPTIMISTIC
    /// (`window | bond << 32 | slashAmount << 128`), see libraries/ModeParams.sol.
    /// @param inputHash keccak256 of the input tensor bytes: computed by the hub when `input` is inline (then
    /// this must be zero or equal), required when the input is given by URI.
    /// @param input The canonical input tensor bytes, or empty when given by URI.
    /// @param inputURI Where the input lives when it is not inline (empty otherwise).
    struct Request {
        bytes32 modelId;
        uint32 version;
        uint8 mode;
        uint64 deadline;
        address callback;
        uint32 callbackGasLimit;
        uint256 fee;
        uint256 params;
        bytes32 inputHash;
        bytes input;
        string inputURI;
    }

    /// @notice The committed facts of a job; `keccak256(abi.encode(jobId, job))` is stored. Every field is in
    /// `InferenceRequested`, and the operator passes the struct back to `fulfill`.
    struct Job {
        address requester;
        bytes32 modelId;
        uint32 version;
        uint8 mode;
        uint64 deadline;
        address callback;
        uint32 callbackGasLimit;
        address feeToken;
        uint256 fee;
        uint256 modelFee;
        uint16 protocolFeeBps;
        bytes32 inputHash;
        uint256 params;
    }

    /// @notice The result an operator delivers.
    /// @param output The canonical output tensor bytes, or empty when delivered by URI.
    /// @param outputURI Where the output lives when it is not inline.
    /// @param outputHash keccak256 of the output bytes: computed by the hub when inline (then this must be zero or
    /// equal), required when the output is given by URI.
    struct Result {
        bytes output;
        string outputURI;
        bytes32 outputHash;
    }

    /// @notice An OPTIMISTIC job's open proposal, as stored (zero once the job is final).
    /// @param proposer The operator that proposed the result and posted the bond.
    /// @param closesAt End of the challenge window (inclusive) while `Proposed`; end of the resolution period
    /// (inclusive) once `Challenged`.
    /// @param outputHash The proposed output's hash.
    /// @param challenger The challenger, or zero.
    struct Proposal {
        address proposer;
        uint64 closesAt;
        bytes32 outputHash;
        address challenger;
    }

    // ─────────────────────────────────────────── events ───────────────────────────────────────────

    /// @notice Emitted for every accepted request: the whole job, its input and where it lives.
    /// @param jobId The new job.
    /// @param modelId The model.
    /// @param requester Who paid.
    /// @param job The committed job (pass it back to `fulfill` / `refund`).
    /// @param input The inline input bytes, or empty.
    /// @param inputURI The input URI, or empty.
    event InferenceRequested(
        uint256 indexed jobId, bytes32 indexed modelId, address indexed requester, Job job, bytes input, string inputURI
    );

    /// @notice Emitted when a result is recorded. The attestation is in the transaction's calldata (`fulfill`).
    /// @param jobId The job.
    /// @param operator The operator credited (for a multi-operator mode, the first; see `OperatorsCredited`).
    /// @param outputHash keccak256 of the output bytes.
    /// @param output The inline output bytes, or empty.
    /// @param outputURI The output URI, or empty.
    event InferenceFulfilled(
        uint256 indexed jobId, address indexed operator, bytes32 outputHash, bytes output, string outputURI
    );

    /// @notice Emitted alongside `InferenceFulfilled` when several operators share a job's operator fee.
    /// @param jobId The job.
    /// @param operators Every operator credited; the first also receives the rounding dust.
    /// @param amountEach What each one was credited.
    event OperatorsCredited(uint256 indexed jobId, address[] operators, uint256 amountEach);

    /// @notice Emitted when the consumer's callback reverted or ran out of gas. The result stands.
    /// @param jobId The job.
    /// @param callback The consumer.
    /// @param reason The first bytes of the revert data (at most `MAX_CALLBACK_RETURN_BYTES`).
    event CallbackFailed(uint256 indexed jobId, address indexed callback, bytes reason);

    /// @notice Emitted when an expired job's fee is credited back to its requester.
    /// @param jobId The job.
    /// @param requester The requester credited.
    /// @param feeToken The fee currency.
    /// @param amount The amount credited.
    event InferenceRefunded(uint256 indexed jobId, address indexed requester, address feeToken, uint256 amount);

    /// @notice Emitted when an account withdraws its credited balance.
    /// @param account The account paid.
    /// @param token The currency (zero for native).
    /// @param amount The amount.
    event Withdrawn(address indexed account, address indexed token, uint256 amount);

    /// @notice Emitted when a model owner withdraws the model's earnings.
    /// @param modelId The model.
    /// @param owner The owner paid.
    /// @param token The currency.
    /// @param amount The amount.
    event ModelEarningsWithdrawn(bytes32 indexed modelId, address indexed owner, address indexed token, uint256 amount);

    /// @notice Emitted when an operator proposes an OPTIMISTIC job's result with a bond. Nothing is credited yet.
    /// @param jobId The job.
    /// @param proposer The operator (its stake can be slashed if the result is proven wrong).
    /// @param outputHash keccak256 of the proposed output.
    /// @param bond The native-currency bond posted.
    /// @param challengeWindowEnd The last second at which the result can be challenged.
    /// @param output The inline output bytes, or empty.
    /// @param outputURI The output URI, or empty.
    event ResultProposed(
        uint256 indexed jobId,
        address indexed proposer,
        bytes32 outputHash,
        uint256 bond,
        uint64 challengeWindowEnd,
        bytes output,
        string outputURI
    );

    /// @notice Emitted when a proposed result is challenged with a bond.
    /// @param jobId The job.
    /// @param challenger The challenger.
    /// @param proposer The proposer challenged.
    /// @param outputHash The challenged output's hash.
    /// @param bond The native-currency bond posted.
    /// @param resolveBy The last second of the resolution period: after it, anyone may `expireChallenge` an
    /// unresolved challenge (a resolution is accepted until the challenge is expired).
    event ResultChallenged(
        uint256 indexed jobId,
        address indexed challenger,
        address indexed proposer,
        bytes32 outputHash,
        uint256 bond,
        uint64 resolveBy
    );

    /// @notice Emitted when a challenge is settled by a ZK proof of the true output. The job is then final: see
    /// `ResultFinalized` and `InferenceFulfilled`.
    /// @param jobId The job.
    /// @param proposer The proposer.
    /// @param challenger The challenger.
    /// @param proposalUpheld Whether the proven output is the proposed one (the challenger loses its bond to the
    /// proposer), or not (the proposer loses its bond, and `slashed` of its stake, to the challenger).
    /// @param proposedOutputHash The proposed output's hash.
    /// @param provenOutputHash The proven output's hash, now the job's result.
    /// @param bondsAwarded Both bonds, credited to the winner.
    /// @param slashed Stake taken from a proposer proven wrong and credited to the challenger in the operator
    /// registry (`withdrawSlashCredit`); zero when upheld.
    /// @param resolver Who submitted the proof.
    event ChallengeResolved(
        uint256 indexed jobId,
        address indexed proposer,
        address indexed challenger,
        bool proposalUpheld,
        bytes32 proposedOutputHash,
        bytes32 provenOutputHash,
        uint256 bondsAwarded,
        uint256 slashed,
        address resolver
    );

    /// @notice Emitted when an OPTIMISTIC job's result becomes final (unchallenged after its window, or by a
    /// resolved challenge), alongside `InferenceFulfilled`; the fee is credited and the consumer called back now.
    /// @param jobId The job.
    /// @param operator The operator credited with the fee's operator share (the proposer, or a winning
    /// challenger).
    /// @param outputHash The final output's hash.
    /// @param bondCredited The native currency credited to `operator` from bonds (its own bond back, plus the
    /// loser's after a challenge).
    /// @param challenged Whether the result was final by a resolved challenge.
    event ResultFinalized(
        uint256 indexed jobId, address indexed operator, bytes32 outputHash, uint256 bondCredited, bool challenged
    );

    /// @notice Emitted when a challenge was not resolved within its resolution period (no proof could be made, e.g.
    /// an input outside the circuit's domain): both bonds are credited back, the fee is refunded (see
    /// `InferenceRefunded`), the job is Refunded.
    /// @param jobId The job.
    /// @param proposer The proposer, credited its bond.
    /// @param challenger The challenger, credited its bond.
    /// @param bond Each bond.
    event ChallengeExpired(uint256 indexed jobId, address indexed proposer, address indexed challenger, uint256 bond);

    /// @notice Emitted when governance sets the verifier of a mode.
    /// @param mode The mode.
    /// @param oldVerifier The previous verifier.
    /// @param newVerifier The new verifier (zero disables the mode).
    event VerifierUpdated(uint8 indexed mode, address oldVerifier, address newVerifier);

    /// @notice Emitted when governance changes the protocol fee.
    /// @param oldBps The previous fee in basis points of the operator's share.
    /// @param newBps The new fee.
    event ProtocolFeeUpdated(uint16 oldBps, uint16 newBps);

    /// @notice Emitted when governance changes the treasury that receives protocol fees.
    /// @param oldTreasury The previous treasury.
    /// @param newTreasury The new treasury.
    event TreasuryUpdated(address oldTreasury, address newTreasury);

    /// @notice Emitted when governance pauses or unpauses new requests.
    /// @param oldPaused The previous state.
    /// @param newPaused The new state.
    event PausedUpdated(bool oldPaused, bool newPaused);

    // ─────────────────────────────────────────── errors ───────────────────────────────────────────

    /// @notice New requests are paused.
    error HubPaused();
    /// @notice The model version does not exist.
    /// @param modelId The model.
    /// @param version The version.
    error HubUnknownModelVersion(bytes32 modelId, uint32 version);
    /// @notice The model version is deprecated.
    /// @param modelId The model.
    /// @param version The version.
    error HubVersionDeprecated(bytes32 modelId, uint32 version);
    /// @notice The version does not support the mode (or the mode does not exist).
    /// @param modelId The model.
    /// @param version The version.
    /// @param mode The mode asked for.
    error HubModeNotSupported(bytes32 modelId, uint32 version, uint8 mode);
    /// @notice The mode parameters are not valid for the mode.
    /// @param mode The mode.
    /// @param params The parameters given.
    error HubInvalidParams(uint8 mode, uint256 params);
    /// @notice The deadline is not in the future or too far in it.
    /// @param deadline The deadline given.
    /// @param earliest The earliest acceptable deadline (exclusive: the current block time).
    /// @param latest The latest acceptable deadline.
    error HubInvalidDeadline(uint64 deadline, uint64 earliest, uint64 latest);
    /// @notice The fee is below the version's model fee.
    /// @param offered The fee offered.
    /// @param minimum The model fee.
    error HubFeeTooLow(uint256 offered, uint256 minimum);
    /// @notice The native value sent does not equal the fee (or value was sent with an ERC-20 fee).
    /// @param expected The value expected.
    /// @param actual The value sent.
    error HubWrongValue(uint256 expected, uint256 actual);
    /// @notice The ERC-20 delivered less than the fee (fee-on-transfer tokens are not supported).
    /// @param token The token.
    /// @param expected The fee.
    /// @param received What the hub received.
    error HubTokenTransferShort(address token, uint256 expected, uint256 received);
    /// @notice Neither inline input nor a URI with a hash was given, or both were given.
    error HubInvalidInput();
    /// @notice The given input hash does not match the inline input.
    /// @param given The hash given.
    /// @param computed keccak256 of the inline input.
    error HubInputHashMismatch(bytes32 given, bytes32 computed);
    /// @notice The callback is not a contract, or a gas limit was given without a callback.
    /// @param callback The callback.
    /// @param gasLimit The gas limit.
    error HubInvalidCallback(address callback, uint32 gasLimit);
    /// @notice The callback is not the requester: a contract only ever receives results of jobs it requested
    /// itself, so nobody can push an answer to a question it never asked into a consumer.
    /// @param callback The callback asked for.
    /// @param requester The account requesting (the only allowed callback besides none).
    error HubCallbackNotRequester(address callback, address requester);
    /// @notice Governance cannot renounce ownership: the hub would lose its pause switch and fee settings for ever.
    error HubRenounceDisabled();
    /// @notice The callback gas limit exceeds `MAX_CALLBACK_GAS`.
    /// @param gasLimit The limit asked for.
    /// @param maximum The maximum.
    error HubCallbackGasTooHigh(uint32 gasLimit, uint32 maximum);
    /// @notice No job has this id.
    /// @param jobId The id.
    error HubUnknownJob(uint256 jobId);
    /// @notice The job given does not hash to the stored commitment.
    /// @param jobId The id.
    error HubCommitmentMismatch(uint256 jobId);
    /// @notice The job is not pending.
    /// @param jobId The id.
    /// @param status Its status.
    error HubJobNotPending(uint256 jobId, JobStatus status);
    /// @notice The job's deadline has passed: it can only be refunded.
    /// @param jobId The id.
    /// @param deadline Its deadline.
    error HubJobExpired(uint256 jobId, uint64 deadline);
    /// @notice The job's deadline has not passed yet: it cannot be refunded.
    /// @param jobId The id.
    /// @param deadline Its deadline.
    error HubJobNotExpired(uint256 jobId, uint64 deadline);
    /// @notice No verifier is set for the job's mode.
    /// @param mode The mode.
    error HubNoVerifier(uint8 mode);
    /// @notice Neither inline output nor a URI with a hash was given, or both were given.
    error HubInvalidOutput();
    /// @notice The given output hash does not match the inline output.
    /// @param given The hash given.
    /// @param computed keccak256 of the inline output.
    error HubOutputHashMismatch(bytes32 given, bytes32 computed);
    /// @notice The verifier credited no operator.
    error HubNoOperator();
    /// @notice The transaction does not carry enough gas to give the callback its full gas limit.
    /// @param jobId The job.
    /// @param required Gas needed at the call.
    /// @param available Gas left.
    error HubInsufficientGasForCallback(uint256 jobId, uint256 required, uint256 available);
    /// @notice Nothing to withdraw.
    /// @param account The account.
    /// @param token The currency.
    error HubNothingToWithdraw(address account, address token);
    /// @notice Only the model's owner may withdraw its earnings.
    /// @param modelId The model.
    /// @param caller The caller.
    error HubNotModelOwner(bytes32 modelId, address caller);
    /// @notice A native-currency transfer failed.
    /// @param to The recipient.
    /// @param amount The amount.
    error HubNativeTransferFailed(address to, uint256 amount);
    /// @notice The protocol fee exceeds `MAX_PROTOCOL_FEE_BPS`.
    /// @param bps The fee given.
    error HubProtocolFeeTooHigh(uint16 bps);
    /// @notice An address that must be set is zero.
    error HubZeroAddress();
    /// @notice The mode's verifier is fixed (TEE is verified by the operator registry; OPTIMISTIC challenges are
    /// settled by the ZK mode's verifier).
    /// @param mode The mode.
    error HubBuiltInMode(uint8 mode);
    /// @notice An OPTIMISTIC job takes a bonded proposal (`proposeResult`), not `fulfill`.
    /// @param jobId The job.
    error HubOptimisticJob(uint256 jobId);
    /// @notice Only OPTIMISTIC jobs take proposals.
    /// @param jobId The job.
    /// @param mode Its mode.
    error HubNotOptimistic(uint256 jobId, uint8 mode);
    /// @notice The job is not in the status the call needs.
    /// @param jobId The job.
    /// @param status Its status.
    /// @param expected The status needed.
    error HubUnexpectedJobStatus(uint256 jobId, JobStatus status, JobStatus expected);
    /// @notice The native value sent is not the job's bond.
    /// @param jobId The job.
    /// @param expected The bond (from the job's params).
    /// @param sent The value sent.
    error HubWrongBond(uint256 jobId, uint256 expected, uint256 sent);
    /// @notice The proposer's bonded stake is zero or below the job's slash amount.
    /// @param jobId The job.
    /// @param proposer The caller.
    /// @param stake Its bonded stake.
    /// @param required The least bonded stake needed (the slash amount, and at least 1).
    error HubProposerStakeTooLow(uint256 jobId, address proposer, uint256 stake, uint256 required);
    /// @notice The challenge window is closed.
    /// @param jobId The job.
    /// @param closedAt Its last second.
    error HubChallengeWindowClosed(uint256 jobId, uint64 closedAt);
    /// @notice The challenge window is still open: the result is not final yet.
    /// @param jobId The job.
    /// @param closesAt Its last second.
    error HubChallengeWindowOpen(uint256 jobId, uint64 closesAt);
    /// @notice The proposer cannot challenge its own proposal.
    /// @param jobId The job.
    /// @param proposer The proposer.
    error HubSelfChallenge(uint256 jobId, address proposer);
    /// @notice OPTIMISTIC results are delivered inline (the output bytes, no URI): whoever calls `finalize` or
    /// `resolveChallenge` must not choose the delivery form, and a challenge's proof carries the bytes anyway.
    /// @param jobId The job.
    error HubOutputNotInline(uint256 jobId);
    /// @notice The result given is not the proposed one.
    /// @param jobId The job.
    /// @param proposed The proposed output hash.
    /// @param given The hash of the result given.
    error HubProposalOutputMismatch(uint256 jobId, bytes32 proposed, bytes32 given);
    /// @notice The challenge's resolution period has not ended: it can still be resolved with a proof.
    /// @param jobId The job.
    /// @param resolveBy Its last second.
    error HubResolutionOpen(uint256 jobId, uint64 resolveBy);

    // ─────────────────────────────────────────── actions ──────────────────────────────────────────

    /// @notice Requests an inference and escrows its fee.
    /// @param request What to run and how to verify it.
    /// @return jobId The new job's id.
    function requestInference(Request calldata request) external payable returns (uint256 jobId);

    /// @notice Records a job's result if the verifier of its mode accepts the attestation, credits the fee, and
    /// calls the consumer back with exactly the gas it asked for.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param result The output (inline or by URI).
    /// @param attestation The mode's evidence (see the verifier of the mode).
    function fulfill(uint256 jobId, Job calldata job, Result calldata result, bytes calldata attestation) external;

    /// @notice Proposes an OPTIMISTIC job's result, posting the job's bond as value. The caller must be a staked
    /// operator with at least the job's slash amount of bonded stake. Must come by the job's deadline; the result
    /// is final after the challenge window unless challenged. Nothing is credited and no callback runs until then.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param result The output (inline or by URI).
    function proposeResult(uint256 jobId, Job calldata job, Result calldata result) external payable;

    /// @notice Challenges a proposed result within its window, posting the job's bond as value. Anyone but the
    /// proposer may call; one challenge per proposal. Starts a resolution period of the window's length.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    function challenge(uint256 jobId, Job calldata job) external payable;

    /// @notice Settles a challenge with a ZK proof of the job's true output (the ZK mode's attestation, checked by
    /// the ZK mode's verifier against the version's circuit). Anyone may call, at any time until the challenge
    /// expires, also after the job's deadline. If the proven output is the proposed one, the proposer wins both
    /// bonds and the fee; otherwise the challenger wins both bonds, the fee and the proposer's slashed stake, and the
    /// proven output becomes the job's result. Either way the job is final and the consumer is called back.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param result The true output (inline or by URI); the proof must be for its hash.
    /// @param attestation The ZK attestation (see IZkVerifier).
    function resolveChallenge(uint256 jobId, Job calldata job, Result calldata result, bytes calldata attestation)
        external;

    /// @notice Makes an unchallenged proposal final once its challenge window has passed: credits the fee and the
    /// bond back to the proposer and calls the consumer back with the output. Anyone may call.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param result The proposed output (as in `ResultProposed`).
    function finalize(uint256 jobId, Job calldata job, Result calldata result) external;

    /// @notice Ends a challenge nobody resolved within its resolution period: both bonds are credited back and the
    /// fee is refunded to the requester. Anyone may call.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    function expireChallenge(uint256 jobId, Job calldata job) external;

    /// @notice Credits an expired, unfulfilled job's whole fee back to its requester. Anyone may call.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    function refund(uint256 jobId, Job calldata job) external;

    /// @notice Pays out the caller's credited balance in `token` (zero for native).
    /// @param token The currency.
    /// @return amount The amount paid.
    function withdraw(address token) external returns (uint256 amount);

    /// @notice Pays out a model's earnings in `token` to its current owner, the caller.
    /// @param modelId The model.
    /// @param token The currency.
    /// @return amount The amount paid.
    function withdrawModelEarnings(bytes32 modelId, address token) external returns (uint256 amount);

    // ────────────────────────────────────────── governance ────────────────────────────────────────

    /// @notice Sets the verifier of a mode (zero disables it). Only governance. The TEE mode is always verified
    /// by the operator registry the hub was deployed with, which holds the enclave keys and measurements; the
    /// OPTIMISTIC mode's challenges are settled by the ZK mode's verifier, so neither can be set.
    /// @param mode The mode.
    /// @param verifier The verifier.
    function setVerifier(uint8 mode, address verifier) external;

    /// @notice Sets the protocol fee, in basis points of the operator's share. Only governance.
    /// @param bps At most `MAX_PROTOCOL_FEE_BPS`.
    function setProtocolFee(uint16 bps) external;

    /// @notice Sets the treasury credited with protocol fees. Only governance.
    /// @param treasury The treasury.
    function setTreasury(address treasury) external;

    /// @notice Pauses or unpauses new requests; pending jobs can still be fulfilled or refunded. Only governance.
    /// @param paused The new state.
    function setPaused(bool paused) external;

    // ──────────────────────────────────────────── views ───────────────────────────────────────────

    /// @notice A job's status and stored commitment (status in the lowest byte).
    /// @param jobId The job.
    function getJob(uint256 jobId) external view returns (JobStatus status, bytes32 commitment);

    /// @notice The commitment stored for `(jobId, job)` before the status byte is applied.
    /// @param jobId The job.
    /// @param job The job.
    function jobCommitment(uint256 jobId, Job calldata job) external pure returns (bytes32);

    /// @notice An account's credited balance.
    /// @param account The account.
    /// @param token The currency.
    function creditOf(address account, address token) external view returns (uint256);

    /// @notice A model's credited earnings.
    /// @param modelId The model.
    /// @param token The currency.
    function modelEarnings(bytes32 modelId, address token) external view returns (uint256);

    /// @notice The verifier of a mode (for OPTIMISTIC, the ZK verifier that settles its challenges).
    /// @param mode The mode.
    function verifierOf(uint8 mode) external view returns (address);

    /// @notice An OPTIMISTIC job's open proposal (zero fields when there is none, or once the job is final).
    /// @param jobId The job.
    function getProposal(uint256 jobId) external view returns (Proposal memory);

    /// @notice Number of jobs requested so far (the last job id).
    function jobCount() external view returns (uint256);

    /// @notice The protocol fee in basis points.
    function protocolFeeBps() external view returns (uint16);

    /// @notice The treasury.
    function treasury() external view returns (address);

    /// @notice Whether new requests are paused.
    function paused() external view returns (bool);

    /// @notice The model registry: the hub itself, which inherits ModelRegistry.
    function modelRegistry() external view returns (address);

    /// @notice The operator registry.
    function operatorRegistry() external view returns (address);

    /// @notice The EIP-712 domain separator under which results are signed.
    function domainSeparator() external view returns (bytes32);
}
