// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceHub} from "./IInferenceHub.sol";
import {IModeVerifier} from "./IModeVerifier.sol";

/// @title IOptimisticGame
/// @notice The OPTIMISTIC mode's dispute game: the verifier of OPTIMISTIC jobs, which settles them through the hub.
/// A staked operator first commits to its answer (`commitProposal`, hiding it), then reveals it in a later block with
/// the job's bond (`proposeResult`): its stake's `slashAmount` is locked in the operator registry. Nobody can copy an
/// answer from the mempool, since a reveal needs a commitment from an earlier block that names the proposer. The result
/// is final after the challenge window (`finalize`) unless someone challenges it with the same bond (`challenge`).
/// A challenge is settled by a ZK proof of the true output (`resolveChallenge`, anyone, within the resolution
/// period) against the circuit of the version, verified by the ZK verifier the game was deployed with; a challenge
/// nobody resolves lets the proposal stand (`expireChallenge`), so a challenge is never free.
///
/// Payouts (bonds in native currency credited at the hub; stake in the registry):
/// ```
///                     fee          proposer's bond   challenger's bond   proposer's locked slashAmount
/// final, unchallenged proposer     proposer          -                   unlocked
/// challenge expired   proposer     proposer          proposer            unlocked
/// upheld by a proof   proposer     proposer          resolver            unlocked
/// overturned          resolver     resolver          challenger          half to the challenger, half burned
/// ```
/// A proposer that challenges its own wrong answer from a second account, to keep honest challengers out, loses its
/// bond and half its slash to whoever resolves and to the burn; the fee goes to the resolver of the true output.
interface IOptimisticGame is IModeVerifier {
    /// @notice An OPTIMISTIC job's open proposal, as stored (zero once the job is final).
    /// @param proposer The operator that proposed the result and posted the bond.
    /// @param closesAt End of the challenge window (inclusive) while unchallenged; end of the resolution period
    /// (inclusive) once challenged.
    /// @param outputHash The proposed output's hash.
    /// @param challenger The challenger, or zero.
    struct Proposal {
        address proposer;
        uint64 closesAt;
        bytes32 outputHash;
        address challenger;
    }

    /// @notice Emitted when someone commits to a proposal (the answer stays hidden until `proposeResult`).
    /// @param jobId The job named by the committer (not checked: a commitment to a wrong job is useless).
    /// @param committer Who committed.
    /// @param commitment `proposalCommitment(jobId, proposer, outputHash, salt)`.
    event ProposalCommitted(uint256 indexed jobId, address indexed committer, bytes32 commitment);

    /// @notice Emitted when an operator proposes an OPTIMISTIC job's result with a bond. Nothing is credited yet.
    /// @param jobId The job.
    /// @param proposer The operator (its locked stake is slashed if the result is proven wrong).
    /// @param outputHash keccak256 of the proposed output.
    /// @param bond The native-currency bond posted.
    /// @param challengeWindowEnd The last second at which the result can be challenged.
    /// @param output The output bytes (OPTIMISTIC results are always inline).
    event ResultProposed(
        uint256 indexed jobId,
        address indexed proposer,
        bytes32 outputHash,
        uint256 bond,
        uint64 challengeWindowEnd,
        bytes output
    );

    /// @notice Emitted when a proposed result is challenged with a bond.
    /// @param jobId The job.
    /// @param challenger The challenger.
    /// @param proposer The proposer challenged.
    /// @param outputHash The challenged output's hash.
    /// @param bond The native-currency bond posted.
    /// @param resolveBy The last second of the resolution period; after it the proposal stands (`expireChallenge`).
    event ResultChallenged(
        uint256 indexed jobId,
        address indexed challenger,
        address indexed proposer,
        bytes32 outputHash,
        uint256 bond,
        uint64 resolveBy
    );

    /// @notice Emitted when a challenge is settled by a ZK proof of the true output; the job is then final (see
    /// `ResultFinalized` here and `InferenceFulfilled` at the hub).
    /// @param jobId The job.
    /// @param proposer The proposer.
    /// @param challenger The challenger.
    /// @param proposalUpheld Whether the proven output is the proposed one.
    /// @param proposedOutputHash The proposed output's hash.
    /// @param provenOutputHash The proven output's hash, now the job's result.
    /// @param slashed Locked stake credited to the challenger in the operator registry (zero when upheld).
    /// @param burned Locked stake destroyed (zero when upheld).
    /// @param resolver Who submitted the proof (credited a bond, and the fee when the proposal was overturned).
    event ChallengeResolved(
        uint256 indexed jobId,
        address indexed proposer,
        address indexed challenger,
        bool proposalUpheld,
        bytes32 proposedOutputHash,
        bytes32 provenOutputHash,
        uint256 slashed,
        uint256 burned,
        address resolver
    );

    /// @notice Emitted when an OPTIMISTIC job's result becomes final, alongside the hub's `InferenceFulfilled`.
    /// @param jobId The job.
    /// @param operator The account credited with the fee's operator share (the proposer, or the resolver of an
    /// overturned proposal).
    /// @param outputHash The final output's hash.
    /// @param bondCredited The native currency from bonds credited to `operator` at the hub.
    /// @param challenged Whether the proposal was challenged.
    event ResultFinalized(
        uint256 indexed jobId, address indexed operator, bytes32 outputHash, uint256 bondCredited, bool challenged
    );

    /// @notice Emitted when nobody resolved a challenge within its resolution period: the proposal stands, and the
    /// proposer is credited both bonds (see `ResultFinalized`).
    /// @param jobId The job.
    /// @param proposer The proposer.
    /// @param challenger The challenger, whose bond is lost.
    /// @param bond Each bond.
    event ChallengeExpired(uint256 indexed jobId, address indexed proposer, address indexed challenger, uint256 bond);

    /// @notice An OPTIMISTIC job takes a proposal (`proposeResult`), never the hub's `fulfill`.
    /// @param jobId The job.
    error GameUseProposals(uint256 jobId);
    /// @notice The OPTIMISTIC parameters are invalid: a window outside 10 minutes .. 3 days, or a zero slash amount.
    /// @param params The parameters given.
    error GameInvalidParams(uint256 params);
    /// @notice The bond is below the game's minimum (which covers the gas of a resolution).
    /// @param bond The bond asked for.
    /// @param minimum The minimum.
    error GameBondTooLow(uint256 bond, uint256 minimum);
    /// @notice OPTIMISTIC inputs are inline, so the game can check at request time that a dispute could be proven.
    error GameInputNotInline();
    /// @notice OPTIMISTIC results are inline (the output bytes, no URI): the proposer commits to the bytes.
    /// @param jobId The job.
    error GameOutputNotInline(uint256 jobId);
    /// @notice No commitment from an earlier block matches this proposal.
    /// @param jobId The job.
    /// @param proposer The caller.
    /// @param commitment The commitment the proposal hashes to.
    error GameNotCommitted(uint256 jobId, address proposer, bytes32 commitment);
    /// @notice The commitment was made in this block: reveal in a later one.
    /// @param jobId The job.
    /// @param committedAt The commitment's block.
    error GameCommitTooRecent(uint256 jobId, uint256 committedAt);
    /// @notice The native value sent is not the job's bond.
    /// @param jobId The job.
    /// @param expected The bond.
    /// @param sent The value sent.
    error GameWrongBond(uint256 jobId, uint256 expected, uint256 sent);
    /// @notice The job already has a proposal.
    /// @param jobId The job.
    /// @param proposer Its proposer.
    error GameAlreadyProposed(uint256 jobId, address proposer);
    /// @notice The job has no open proposal.
    /// @param jobId The job.
    error GameNoProposal(uint256 jobId);
    /// @notice The proposal is already challenged.
    /// @param jobId The job.
    /// @param challenger The challenger.
    error GameAlreadyChallenged(uint256 jobId, address challenger);
    /// @notice The proposal is not challenged.
    /// @param jobId The job.
    error GameNotChallenged(uint256 jobId);
    /// @notice The challenge window is closed.
    /// @param jobId The job.
    /// @param closedAt Its last second.
    error GameChallengeWindowClosed(uint256 jobId, uint64 closedAt);
    /// @notice The challenge window is still open: the result is not final yet.
    /// @param jobId The job.
    /// @param closesAt Its last second.
    error GameChallengeWindowOpen(uint256 jobId, uint64 closesAt);
    /// @notice The proposer cannot challenge its own proposal from the same account.
    /// @param jobId The job.
    /// @param proposer The proposer.
    error GameSelfChallenge(uint256 jobId, address proposer);
    /// @notice The resolution period is over: the proposal stands (`expireChallenge`).
    /// @param jobId The job.
    /// @param resolveBy Its last second.
    error GameResolutionClosed(uint256 jobId, uint64 resolveBy);
    /// @notice The resolution period is still open: the challenge can still be resolved with a proof.
    /// @param jobId The job.
    /// @param resolveBy Its last second.
    error GameResolutionOpen(uint256 jobId, uint64 resolveBy);
    /// @notice The result given is not the proposed one.
    /// @param jobId The job.
    /// @param proposed The proposed output hash.
    /// @param given The hash of the result given.
    error GameProposalOutputMismatch(uint256 jobId, bytes32 proposed, bytes32 given);
    /// @notice A constructor address is zero.
    error GameZeroAddress();

    /// @notice Commits to a proposal without revealing it. Anyone may call; a commitment is stored once (a copy
    /// sent later cannot move its block).
    /// @param jobId The job (recorded in the event only).
    /// @param commitment `proposalCommitment(jobId, proposer, outputHash, salt)`.
    function commitProposal(uint256 jobId, bytes32 commitment) external;

    /// @notice Proposes an OPTIMISTIC job's result committed in an earlier block, posting the job's bond as value.
    /// The caller must be a staked operator with at least the job's slash amount of free stake, which is locked.
    /// Must come by the job's deadline. Nothing is credited and no callback runs until the result is final.
    /// @param jobId The job.
    /// @param job The job as emitted in the hub's `InferenceRequested`.
    /// @param result The output, inline.
    /// @param salt The secret of the commitment.
    function proposeResult(uint256 jobId, IInferenceHub.Job calldata job, IInferenceHub.Result calldata result, bytes32 salt)
        external
        payable;

    /// @notice Challenges a proposed result within its window, posting the job's bond as value. Anyone but the
    /// proposer may call; one challenge per proposal. Starts a resolution period of the window's length.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    function challenge(uint256 jobId, IInferenceHub.Job calldata job) external payable;

    /// @notice Settles a challenge with a ZK proof of the job's true output (the ZK mode's attestation, which binds
    /// the caller), within the resolution period. Anyone may call, also after the job's deadline. See the payout
    /// table above.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param result The true output, inline; the proof must be for its hash.
    /// @param attestation The ZK attestation (see IZkVerifier), proven for this job and the caller.
    function resolveChallenge(
        uint256 jobId,
        IInferenceHub.Job calldata job,
        IInferenceHub.Result calldata result,
        bytes calldata attestation
    ) external;

    /// @notice Makes an unchallenged proposal final once its challenge window has passed. Anyone may call.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param result The proposed output (as in `ResultProposed`).
    function finalize(uint256 jobId, IInferenceHub.Job calldata job, IInferenceHub.Result calldata result) external;

    /// @notice Ends a challenge nobody resolved within its resolution period: the proposal stands and the proposer
    /// is credited both bonds and the fee. Anyone may call.
    /// @param jobId The job.
    /// @param job The job as emitted in `InferenceRequested`.
    /// @param result The proposed output (as in `ResultProposed`).
    function expireChallenge(uint256 jobId, IInferenceHub.Job calldata job, IInferenceHub.Result calldata result)
        external;

    /// @notice An OPTIMISTIC job's open proposal (zero fields when there is none, or once the job is final).
    /// @param jobId The job.
    function getProposal(uint256 jobId) external view returns (Proposal memory);

    /// @notice The commitment a proposer makes before revealing: `keccak256(abi.encode(jobId, proposer,
    /// outputHash, salt))`.
    /// @param jobId The job.
    /// @param proposer The proposer (the reveal's sender).
    /// @param outputHash keccak256 of the output bytes.
    /// @param salt A secret.
    function proposalCommitment(uint256 jobId, address proposer, bytes32 outputHash, bytes32 salt)
        external
        pure
        returns (bytes32);

    /// @notice The block a commitment was made in (zero when unknown or already revealed).
    /// @param commitment The commitment.
    function commitmentBlock(bytes32 commitment) external view returns (uint256);

    /// @notice The hub whose OPTIMISTIC jobs this game settles.
    function hub() external view returns (address);

    /// @notice The ZK verifier that settles challenges (committed with every job, since the job commits the game).
    function zkVerifier() external view returns (address);

    /// @notice The least bond an OPTIMISTIC request may ask for.
    function minBond() external view returns (uint256);

    /// @notice The hub's circuit for a version, presented to the ZK verifier (which reads circuits from its caller).
    /// @param modelId The model.
    /// @param version The version.
    /// @return verifier The version's Groth16 verifier.
    /// @return modelCommitment The version's model commitment.
    function zkCircuitOf(bytes32 modelId, uint32 version)
        external
        view
        returns (address verifier, bytes32 modelCommitment);

    /// @notice The hub's circuit for a version with its declared verifying key hash, presented to the ZK verifier.
    /// @param modelId The model.
    /// @param version The version.
    /// @return verifier The version's Groth16 verifier.
    /// @return modelCommitment The version's model commitment.
    /// @return verifyingKeyHash The version's declared verifying key hash.
    function zkCircuit(bytes32 modelId, uint32 version)
        external
        view
        returns (address verifier, bytes32 modelCommitment, bytes32 verifyingKeyHash);
}
