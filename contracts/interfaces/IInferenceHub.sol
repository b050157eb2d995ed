// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IInferenceHub
/// @notice The one entry point for inference requests. A job is stored as one commitment slot (the hash of the
/// `Job` with its status in the lowest byte); the full request is in `InferenceRequested` and is passed back at
/// fulfilment. The hub escrows the fee, hands the result to the verifier of the job's mode, credits operator,
/// model and protocol (pull payments), refunds after the deadline, and calls the consumer back.
///
/// Every job is committed to the verifier of its mode at request time (`Job.verifier`): a later `setVerifier`
/// changes only the jobs requested after it. A verifier is either an attestation checker (`fulfill` hands it the
/// evidence) or a settlement module, such as the OPTIMISTIC dispute game (modes/OptimisticGame.sol), that settles
/// its jobs through `hold`, `settle`, `unlockStake` and `slashStake`; only the job's own verifier may call those,
/// so a new mode needs no hub change.
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
    /// `InferenceRequested`, and the operator passes the struct back to `fulfill`. `verifier` is the verifier of the
    /// job's mode when it was requested (the enclave registry for TEE, the operator registry for QUORUM): the job
    /// keeps it for ever.
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
        address verifier;
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

    /// @notice Emitted when native currency is credited to an account by `depositFor` (a settlement module paying
    /// out bonds, or anyone).
    /// @param account The account credited (withdraw with `withdraw(address(0))`).
    /// @param from Who paid.
    /// @param amount The amount.
    event Deposited(address indexed account, address indexed from, uint256 amount);

    /// @notice Emitted when a job's settlement module takes it out of `Pending` or moves it on (`hold`).
    /// @param jobId The job.
    /// @param verifier The job's verifier (the module).
    /// @param status The new status.
    event JobHeld(uint256 indexed jobId, address indexed verifier, JobStatus status);

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
    /// @notice The mode's verifier is fixed: TEE is verified by the enclave registry and QUORUM by the operator
    /// registry the hub was deployed with.
    /// @param mode The mode.
    error HubBuiltInMode(uint8 mode);
    /// @notice Only the job's own verifier (the settlement module it was requested under) may settle it.
    /// @param jobId The job.
    /// @param verifier The job's verifier.
    /// @param caller The caller.
    error HubNotJobVerifier(uint256 jobId, address verifier, address caller);
    /// @notice A settlement module asked for a status change the hub does not allow (only Pending -> Proposed,
    /// Pending -> Challenged and Proposed -> Challenged are holds).
    /// @param jobId The job.
    /// @param from Its status.
    /// @param to The status asked for.
    error HubInvalidHold(uint256 jobId, JobStatus from, JobStatus to);
    /// @notice `depositFor` was called without value or for the zero address.
    error HubInvalidDeposit();
    /// @notice The job is not in the status the call needs.
    /// @param jobId The job.
    /// @param status Its status.
    /// @param expected The status needed.
    error HubUnexpectedJobStatus(uint256 jobId, JobStatus status, JobStatus expected);
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

    /// @notice Credits an expired, unfulfilled job's whole fee back to its requester. Anyone may call.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    function refund(uint256 jobId, Job calldata job) external;

    /// @notice Credits `msg.value` of native currency to `account` (withdrawn with `withdraw(address(0))`). A
    /// settlement module pays bonds out this way, so every payout is withdrawn from the hub.
    /// @param account The account credited.
    function depositFor(address account) external payable;

    // ───────────────────────────────────────── settlement modules ─────────────────────────────────

    /// @notice Moves a job out of `Pending` (by its deadline) or on to `Challenged`, and locks `lockAmount` of
    /// `staker`'s free stake in the operator registry for it (none when zero). Only the job's verifier.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param status `Proposed` or `Challenged`.
    /// @param staker The operator whose stake backs the claim (ignored when `lockAmount` is zero).
    /// @param lockAmount Stake to lock until the module unlocks or slashes it.
    function hold(uint256 jobId, Job calldata job, JobStatus status, address staker, uint256 lockAmount) external;

    /// @notice Records a held job's result: credits the fee as `fulfill` does (to `operator`), emits
    /// `InferenceFulfilled` and calls the consumer back. Only the job's verifier, which has checked the result.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param operator The operator credited with the operator share.
    /// @param result The output.
    function settle(uint256 jobId, Job calldata job, address operator, Result calldata result) external;

    /// @notice Releases stake locked by `hold`. Only the verifier of a held job.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param staker The operator.
    /// @param amount The amount to unlock.
    function unlockStake(uint256 jobId, Job calldata job, address staker, uint256 amount) external;

    /// @notice Slashes stake locked by `hold`: `amount` to `recipient` (a slash credit in the operator registry) and
    /// `burned` to nobody. Only the verifier of a held job.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param staker The operator slashed.
    /// @param amount Stake credited to `recipient`.
    /// @param recipient Who is credited.
    /// @param burned Stake destroyed (kept by the registry for ever).
    /// @return slashed What was taken in all (`amount + burned`).
    function slashStake(
        uint256 jobId,
        Job calldata job,
        address staker,
        uint256 amount,
        address recipient,
        uint256 burned
    ) external returns (uint256 slashed);

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

    /// @notice Sets the verifier of a mode for jobs requested from now on (zero disables the mode); jobs already
    /// requested keep theirs. Only governance. TEE is always verified by the enclave registry the hub was deployed with
    /// (which holds the enclave keys and measurements) and QUORUM by the operator registry (which holds the stakes).
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

    /// @notice The verifier a job of `mode` requested now is committed to (zero when the mode is disabled).
    /// @param mode The mode.
    function verifierOf(uint8 mode) external view returns (address);

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

    /// @notice The enclave registry: the TEE mode's verifier.
    function enclaveRegistry() external view returns (address);

    /// @notice The EIP-712 domain separator under which results are signed.
    function domainSeparator() external view returns (bytes32);
}
