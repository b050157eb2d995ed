// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {InferenceHub} from "../../contracts/InferenceHub.sol";
import {OperatorRegistry} from "../../contracts/OperatorRegistry.sol";
import {EnclaveRegistry} from "../../contracts/EnclaveRegistry.sol";
import {AttestorCommittee} from "../../contracts/attestation/AttestorCommittee.sol";
import {IAttestationVerifier} from "../../contracts/interfaces/IAttestationVerifier.sol";
import {IEnclaveRegistry} from "../../contracts/interfaces/IEnclaveRegistry.sol";
import {OptimisticGame} from "../../contracts/modes/OptimisticGame.sol";
import {ZkVerifier} from "../../contracts/verifiers/ZkVerifier.sol";
import {Groth16VerifierMlp} from "../../contracts/zk/Groth16VerifierMlp.sol";
import {IInferenceHub} from "../../contracts/interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {IOperatorRegistry} from "../../contracts/interfaces/IOperatorRegistry.sol";
import {IOptimisticGame} from "../../contracts/interfaces/IOptimisticGame.sol";

/// @dev The cheatcodes these campaigns use (Hardhat 3 runs them on EDR; no forge-std is needed).
interface Vm {
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
    function prank(address sender) external;
    function deal(address account, uint256 balance) external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
}

/// @notice Drives the hub, the operator registry and the OPTIMISTIC dispute game with random sequences of
/// requests in every mode Solidity can settle (TEE, QUORUM 2-of-3, OPTIMISTIC), fulfilments, proposals,
/// challenges, finalisations, expired challenges, refunds, deposits, withdrawals, protocol-fee changes, and stakes,
/// unstakes and stake withdrawals of four operators. It keeps its own books (ghost state) of what every contract
/// should hold and owe, which the invariants compare with the contracts' balances and views.
/// @dev Every action bounds its random inputs or returns early when it has nothing to act on, so a call that
/// reverts is a finding (the campaigns run with `fail-on-revert`). Resolving a challenge needs a Groth16 proof,
/// which Solidity cannot produce: the TypeScript tests cover `resolveChallenge` (and so slashes and burns).
contract MoneyHandler {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint8 internal constant TEE = 1;
    uint8 internal constant QUORUM = 3;
    uint8 internal constant OPTIMISTIC = 4;
    uint256 internal constant N_OPERATORS = 4;
    /// @dev The operators, the requester (this handler), the unstaked challenger, the treasury, the model owner.
    uint256 internal constant N_ACTORS = N_OPERATORS + 4;

    uint256 private constant ENCLAVE_PK = 0xE1C1A7E;
    uint256 private constant ATTESTOR_PK = 0xA77E57;
    /// @dev The stake operator 0 locks behind its enclave key, and the longest a key lives on one attestation.
    uint256 private constant TEE_STAKE = 0.1 ether;
    uint64 private constant KEY_LIFETIME = 30 days;
    /// @dev Operator i's key is OPERATOR_PK + i. Operator 0 runs the enclave; operators 1..3 are the quorum.
    uint256 private constant OPERATOR_PK = 0x0BE7A70;
    bytes32 private constant MEASUREMENT = keccak256("verity-enclave-v1");
    /// @dev A canonical int8 [1,4] tensor (the only input the ZK circuit, hence the OPTIMISTIC game, accepts).
    bytes private constant INPUT = hex"02030201000000040000007f80ff01";
    /// @dev Two canonical int32 [1,3] outputs: an honest one and a wrong one (a proposer may propose either).
    bytes private constant OUTPUT = hex"020602010000000300000001000000" hex"02000000f5ffffff";
    bytes private constant WRONG_OUTPUT = hex"0206020100000003000000000000000000000000000000";
    uint256 private constant MODEL_FEE = 1e15;
    uint256 private constant MIN_BOND = 1e12;
    /// @dev Below the BN254 scalar field, as the ZK verifier requires.
    bytes32 private constant ZK_MODEL_COMMITMENT = bytes32(uint256(0x1e1a5));
    bytes32 private constant ZK_VKEY_HASH = keccak256("verity invariant vkey");
    /// @dev OperatorRegistry.MIN_UNBONDING_DELAY (two longest challenge windows), checked at deployment.
    uint64 private constant UNBONDING_DELAY = 6 days;
    uint256 private constant MIN_WINDOW = 10 minutes;
    uint256 private constant MAX_WINDOW = 3 days;

    enum Stage {
        Pending,
        Proposed,
        Challenged,
        Closed
    }

    /// @dev The handler's record of a job: what the hub committed, where it stands, and its open proposal.
    struct Rec {
        uint256 id;
        Stage stage;
        address proposer;
        address challenger;
        uint64 closesAt;
        bool wrong;
        IInferenceHub.Job job;
    }

    InferenceHub public immutable hub;
    OperatorRegistry public immutable registry;
    EnclaveRegistry public immutable enclaves;
    AttestorCommittee public immutable committee;
    OptimisticGame public immutable game;
    bytes32 public immutable modelId;
    address public immutable treasury = address(0x7EA5);
    address public immutable modelOwner = address(0xA0DE1);
    /// @notice An account with no stake that challenges proposals.
    address public immutable challenger = address(0xC4A11E);
    address[N_OPERATORS] private _operators;

    Rec[] private _recs;

    // ── ghost books ──
    /// @notice Fees escrowed at the hub for jobs not yet fulfilled or refunded.
    uint256 public escrowed;
    /// @notice The native currency the hub should owe each account, and the model (its earnings).
    mapping(address => uint256) public ghostCredit;
    uint256 public ghostModelEarnings;
    /// @notice Bonded and unbonding stake each operator should have in the registry.
    mapping(address => uint256) public ghostStake;
    mapping(address => uint256) public ghostUnbonding;
    /// @notice Native currency paid into the registry and not paid out.
    uint256 public registryNet;
    /// @notice Bonds the game should hold.
    uint256 public ghostBonds;

    /// @notice Calls that did something, by action (the unit tests and coverage checks read them).
    mapping(bytes32 action => uint256) public effective;
    uint256 public calls;

    constructor() {
        for (uint256 i; i < N_OPERATORS; ++i) {
            _operators[i] = vm.addr(OPERATOR_PK + i);
        }
        registry = new OperatorRegistry(address(this), address(0), UNBONDING_DELAY);
        enclaves = new EnclaveRegistry(address(this), address(registry), KEY_LIFETIME, TEE_STAKE);
        registry.setEnclaveRegistry(address(enclaves));
        hub = new InferenceHub(address(this), address(registry), address(enclaves), treasury);
        registry.setHub(address(hub));
        enclaves.setHub(address(hub));
        address[] memory attestors = new address[](1);
        attestors[0] = vm.addr(ATTESTOR_PK);
        committee = new AttestorCommittee(address(this), attestors, 1);
        enclaves.setAttestationVerifier(TEE, address(committee));
        require(UNBONDING_DELAY == registry.MIN_UNBONDING_DELAY(), "the registry's shortest unbonding delay moved");

        Groth16VerifierMlp groth16 = new Groth16VerifierMlp();
        ZkVerifier zk = new ZkVerifier(address(this));
        zk.setCircuitAllowed(address(groth16).codehash, ZK_VKEY_HASH, true);
        game = new OptimisticGame(address(hub), address(zk), MIN_BOND);
        hub.setVerifier(OPTIMISTIC, address(game));

        vm.prank(modelOwner);
        modelId = hub.registerModel("iris-mlp");
        vm.prank(modelOwner);
        hub.publishVersion(
            modelId,
            IModelRegistry.VersionParams({
                artifactHash: keccak256("model"), uri: "file:models/iris-mlp.onnx",
                modes: uint8((1 << TEE) | (1 << QUORUM) | (1 << OPTIMISTIC)), feeToken: address(0), fee: MODEL_FEE,
                zkVerifier: address(groth16), zkModelCommitment: ZK_MODEL_COMMITMENT, zkVerifyingKeyHash: ZK_VKEY_HASH,
                ioSignature: bytes("{}")
            })
        );
        enclaves.approveMeasurement(MEASUREMENT, TEE);
        vm.prank(modelOwner);
        enclaves.setMeasurementAllowed(modelId, 1, MEASUREMENT, true);

        for (uint256 i; i < N_OPERATORS; ++i) {
            _stake(_operators[i], 1 ether);
        }
        _attestEnclaveKey(_operators[0], false);
    }

    receive() external payable {}

    // ─────────────────────────────────────────── requests ───────────────────────────────────────────

    function requestTee(uint256 feeSeed, uint256 deadlineSeed) external {
        _request(TEE, 0, feeSeed, deadlineSeed);
    }

    /// @notice A 2-of-3 QUORUM request with a random minimum stake (0 .. 0.5 ether).
    function requestQuorum(uint256 feeSeed, uint256 deadlineSeed, uint256 minStakeSeed) external {
        _request(QUORUM, 2 | ((minStakeSeed % 0.5 ether) << 8), feeSeed, deadlineSeed);
    }

    /// @notice An OPTIMISTIC request: window 10 minutes .. 3 days, bond MIN_BOND .. ~1 ether, slash 1 wei .. 1 ether.
    function requestOptimistic(uint256 feeSeed, uint256 deadlineSeed, uint256 paramSeed) external {
        _requestOptimistic(feeSeed, deadlineSeed, paramSeed);
    }

    // ─────────────────────────────────────────── TEE and QUORUM ─────────────────────────────────────

    /// @notice Fulfils a live TEE job with operator 0's enclave signature (re-attesting the key first when it
    /// has expired).
    function fulfillTee(uint256 seed) external {
        calls++;
        (bool found, uint256 i) = _find(TEE, Stage.Pending, seed, true);
        if (!found) return;
        Rec storage r = _recs[i];
        IInferenceHub.Job memory job = r.job;
        if (block.timestamp > enclaves.getEnclaveKey(vm.addr(ENCLAVE_PK)).expiresAt) {
            _attestEnclaveKey(_operators[0], true);
            effective["reattest"]++;
        }
        bytes32 digest = enclaves.resultDigest(
            address(hub), r.id, job.modelId, job.version, job.inputHash, keccak256(OUTPUT), keccak256("")
        );
        (uint8 v, bytes32 rs, bytes32 s) = vm.sign(ENCLAVE_PK, digest);
        hub.fulfill(r.id, job, _result(false), abi.encodePacked(rs, s, v));
        address[] memory paid = new address[](1);
        paid[0] = _operators[0];
        _close(r, paid);
        effective["fulfillTee"]++;
    }

    /// @notice Fulfils a live QUORUM job with two or three votes of operators 1..3 that meet its minimum stake
    /// (ascending by signer, as the verifier requires); returns early when fewer than two qualify.
    function fulfillQuorum(uint256 seed, uint256 pick) external {
        calls++;
        (bool found, uint256 i) = _find(QUORUM, Stage.Pending, seed, true);
        if (!found) return;
        Rec storage r = _recs[i];
        uint256 minStake = r.job.params >> 8;
        uint256[] memory keys = new uint256[](3);
        uint256 n;
        for (uint256 k = 1; k <= 3; ++k) {
            IOperatorRegistry.Operator memory o = registry.getOperator(_operators[k]);
            // Only free stake counts for a vote (locked stake backs proposals and the enclave key).
            uint256 bonded = o.stake - o.locked;
            if (bonded != 0 && bonded >= minStake) keys[n++] = OPERATOR_PK + k;
        }
        if (n < 2) return;
        // Three votes, or two (leaving one of three out, chosen by `pick`).
        if (n == 3 && pick % 2 == 0) {
            uint256 drop = (pick >> 1) % 3;
            keys[drop] = keys[2];
            n = 2;
        }
        address[] memory signers = new address[](n);
        for (uint256 k; k < n; ++k) {
            signers[k] = vm.addr(keys[k]);
        }
        // Insertion sort, ascending by address (keys follow their signers).
        for (uint256 a = 1; a < n; ++a) {
            for (uint256 b = a; b > 0 && signers[b] < signers[b - 1]; --b) {
                (signers[b], signers[b - 1]) = (signers[b - 1], signers[b]);
                (keys[b], keys[b - 1]) = (keys[b - 1], keys[b]);
            }
        }
        bytes32 digest = registry.voteDigest(
            address(hub), r.id, r.job.modelId, r.job.version, r.job.inputHash, keccak256(OUTPUT), keccak256("")
        );
        bytes memory attestation;
        for (uint256 k; k < n; ++k) {
            (uint8 v, bytes32 rs, bytes32 s) = vm.sign(keys[k], digest);
            attestation = abi.encodePacked(attestation, signers[k], rs, s, v);
        }
        hub.fulfill(r.id, r.job, _result(false), attestation);
        _close(r, signers);
        effective["fulfillQuorum"]++;
    }

    // ─────────────────────────────────────────── OPTIMISTIC ─────────────────────────────────────────

    /// @notice Commits to and, one block later, proposes a result (honest or wrong, by `salt`) for a live
    /// OPTIMISTIC job, from the first operator from `who` on with enough free stake to lock the slash amount.
    /// Requests the job first when none is open (so that depth-20 sequences reach challenges and their ends).
    function propose(uint256 seed, uint256 who, bytes32 salt) external {
        calls++;
        _propose(seed, who, salt);
    }

    /// @notice Challenges an open proposal within its window, from the unstaked challenger or another operator
    /// (staked or not, by `who`); never from the proposer. Proposes (and requests) first when none is open.
    function challenge(uint256 seed, uint256 who) external {
        calls++;
        (bool found, uint256 i) = _find(OPTIMISTIC, Stage.Proposed, seed, true);
        if (!found) {
            (found, i) = _propose(seed, who, keccak256(abi.encode(seed, who)));
            if (!found) return;
        }
        Rec storage r = _recs[i];
        address by = who % (N_OPERATORS + 1) == N_OPERATORS ? challenger : _operators[who % (N_OPERATORS + 1)];
        if (by == r.proposer) by = challenger;
        (uint256 window, uint256 bond,) = _optimistic(r.job.params);
        vm.deal(by, by.balance + bond);
        vm.prank(by);
        game.challenge{value: bond}(r.id, r.job);

        r.stage = Stage.Challenged;
        r.challenger = by;
        r.closesAt = uint64(block.timestamp + window);
        ghostBonds += bond;
        effective["challenge"]++;
    }

    /// @notice Finalises an unchallenged proposal, first moving past its window when it is still open.
    function finalize(uint256 seed) external {
        calls++;
        (bool found, uint256 i) = _find(OPTIMISTIC, Stage.Proposed, seed, false);
        if (!found) return;
        Rec storage r = _recs[i];
        if (block.timestamp <= r.closesAt) _warpTo(uint256(r.closesAt) + 1);
        game.finalize(r.id, r.job, _result(r.wrong));
        require(game.getProposal(r.id).proposer == address(0), "3. a finalised proposal is still open");
        (, uint256 bond,) = _optimistic(r.job.params);
        ghostBonds -= bond;
        ghostCredit[r.proposer] += bond;
        address[] memory paid = new address[](1);
        paid[0] = r.proposer;
        _close(r, paid);
        effective["finalize"]++;
    }

    /// @notice Ends a challenge nobody resolved, first moving past its resolution period when it is still open:
    /// the proposer is credited both bonds and the fee.
    function expireChallenge(uint256 seed) external {
        calls++;
        (bool found, uint256 i) = _find(OPTIMISTIC, Stage.Challenged, seed, false);
        if (!found) return;
        Rec storage r = _recs[i];
        if (block.timestamp <= r.closesAt) _warpTo(uint256(r.closesAt) + 1);
        game.expireChallenge(r.id, r.job, _result(r.wrong));
        require(game.getProposal(r.id).proposer == address(0), "3. an expired proposal is still open");
        (, uint256 bond,) = _optimistic(r.job.params);
        ghostBonds -= 2 * bond;
        ghostCredit[r.proposer] += 2 * bond;
        address[] memory paid = new address[](1);
        paid[0] = r.proposer;
        _close(r, paid);
        effective["expireChallenge"]++;
    }

    // ─────────────────────────────────────────── hub money ──────────────────────────────────────────

    /// @notice Refunds a pending job of any mode, first moving past its deadline when it has not passed.
    function refund(uint256 seed) external {
        calls++;
        (bool found, uint256 i) = _find(0, Stage.Pending, seed, false);
        if (!found) return;
        Rec storage r = _recs[i];
        if (block.timestamp <= r.job.deadline) _warpTo(uint256(r.job.deadline) + 1);
        hub.refund(r.id, r.job);
        r.stage = Stage.Closed;
        escrowed -= r.job.fee;
        ghostCredit[address(this)] += r.job.fee;
        effective["refund"]++;
    }

    /// @notice Anyone credits an account at the hub (`depositFor`).
    function deposit(uint256 who, uint256 amount) external {
        calls++;
        amount = 1 + amount % 1 ether;
        address account = _actor(who);
        vm.deal(address(this), address(this).balance + amount);
        hub.depositFor{value: amount}(account);
        ghostCredit[account] += amount;
        effective["deposit"]++;
    }

    /// @notice An account withdraws its hub credit: fees, refunds, deposits and game payouts alike.
    function withdraw(uint256 who) external {
        calls++;
        address account = _actor(who);
        uint256 owed = ghostCredit[account];
        if (owed == 0) return;
        uint256 before = account.balance;
        vm.prank(account);
        uint256 paid = hub.withdraw(address(0));
        require(paid == owed && account.balance == before + owed, "withdraw paid the wrong amount");
        ghostCredit[account] = 0;
        effective["withdraw"]++;
    }

    function withdrawModelEarnings() external {
        calls++;
        if (ghostModelEarnings == 0) return;
        vm.prank(modelOwner);
        uint256 paid = hub.withdrawModelEarnings(modelId, address(0));
        require(paid == ghostModelEarnings, "model earnings paid the wrong amount");
        ghostModelEarnings = 0;
        effective["withdrawModelEarnings"]++;
    }

    function setProtocolFee(uint16 bps) external {
        calls++;
        hub.setProtocolFee(bps % 2001);
        effective["setProtocolFee"]++;
    }

    // ─────────────────────────────────────────── stakes ─────────────────────────────────────────────

    function stake(uint256 who, uint256 amount) external {
        calls++;
        _stake(_operators[who % N_OPERATORS], 1 + amount % 10 ether);
        effective["stake"]++;
    }

    /// @notice Unbonds part of an operator's free (unlocked) stake.
    function requestUnstake(uint256 who, uint256 amount) external {
        calls++;
        address op = _operators[who % N_OPERATORS];
        IOperatorRegistry.Operator memory o = registry.getOperator(op);
        uint256 free = o.stake - o.locked;
        if (free == 0) return;
        amount = 1 + amount % free;
        vm.prank(op);
        registry.requestUnstake(amount);
        ghostStake[op] -= amount;
        ghostUnbonding[op] += amount;
        effective["requestUnstake"]++;
    }

    /// @notice Withdraws an operator's unbonding stake, first moving to its release time when it is later.
    function withdrawStake(uint256 who) external {
        calls++;
        address op = _operators[who % N_OPERATORS];
        IOperatorRegistry.Operator memory o = registry.getOperator(op);
        if (o.unbonding == 0) return;
        if (block.timestamp < o.unbondingReleaseAt) _warpTo(o.unbondingReleaseAt);
        uint256 before = op.balance;
        vm.prank(op);
        registry.withdrawStake();
        require(op.balance == before + o.unbonding, "withdrawStake paid the wrong amount");
        ghostUnbonding[op] = 0;
        registryNet -= o.unbonding;
        effective["withdrawStake"]++;
    }

    function warp(uint256 seconds_) external {
        calls++;
        _warpTo(block.timestamp + seconds_ % 1 days);
        effective["warp"]++;
    }

    // ─────────────────────────────────────────── the invariants ─────────────────────────────────────

    /// @notice Reverts, naming the law by its number, unless all four conservation laws hold:
    /// 1. the hub's native balance == escrowed fees + every credit + model earnings (the handler's books), and
    ///    each account's credit and the model's earnings are as booked;
    /// 2. the registry's balance == sum of stake + sum of unbonding + sum of slash credits + burned, == the stake
    ///    paid in and not withdrawn, and each operator's stake and unbonding are as booked;
    /// 3. the game's balance == the bonds of the open proposals (one each, two once challenged), == the bonds
    ///    posted and not paid out, and each open proposal at the game has the booked proposer and challenger;
    /// 4. every operator's locked stake == the slash amounts of its open proposals, and locked <= stake.
    /// @dev One view in the handler, reading each contract value once: the campaign runs it after every call, so
    /// its cost is most of the campaign's (see MoneyInvariants).
    function checkConservation() external view {
        _checkHub();
        (uint256 bonds, uint256[N_OPERATORS] memory slashes) = _checkProposals();
        _checkRegistryAndLocks(slashes);
        require(address(game).balance == bonds, "3. game balance != bonds of the open proposals");
        require(address(game).balance == ghostBonds, "3. game balance != bonds posted and not paid out");
    }

    function _checkHub() private view {
        uint256 credits;
        for (uint256 i; i < N_ACTORS; ++i) {
            address a = _actor(i);
            uint256 owed = ghostCredit[a];
            require(hub.creditOf(a, address(0)) == owed, "1. a hub credit differs from the books");
            credits += owed;
        }
        require(hub.modelEarnings(modelId, address(0)) == ghostModelEarnings, "1. model earnings differ from the books");
        require(
            address(hub).balance == escrowed + credits + ghostModelEarnings,
            "1. hub balance != escrowed fees + credits + model earnings"
        );
    }

    /// @dev The bonds of the open proposals and each operator's open slash amounts, checking each open proposal at
    /// the game against the books on the way (`finalize` and `expireChallenge` check that a closed one is gone).
    function _checkProposals() private view returns (uint256 bonds, uint256[N_OPERATORS] memory slashes) {
        uint256 n = _recs.length;
        for (uint256 i; i < n; ++i) {
            Rec storage r = _recs[i];
            if (r.job.mode != OPTIMISTIC) continue;
            Stage stage = r.stage;
            if (stage != Stage.Proposed && stage != Stage.Challenged) continue;
            IOptimisticGame.Proposal memory p = game.getProposal(r.id);
            require(p.proposer == r.proposer && p.challenger == r.challenger, "3. a proposal differs from the books");
            (, uint256 bond, uint256 slashAmount) = _optimistic(r.job.params);
            bonds += stage == Stage.Challenged ? 2 * bond : bond;
            for (uint256 k; k < N_OPERATORS; ++k) {
                if (_operators[k] == r.proposer) slashes[k] += slashAmount;
            }
        }
    }

    /// @dev Only the operators stake (and so lock or unbond); slash credits can go to any challenger.
    function _checkRegistryAndLocks(uint256[N_OPERATORS] memory slashes) private view {
        uint256 total = registry.burned() + registry.slashCreditOf(challenger);
        for (uint256 k; k < N_OPERATORS; ++k) {
            address op = _operators[k];
            IOperatorRegistry.Operator memory o = registry.getOperator(op);
            require(o.stake == ghostStake[op] && o.unbonding == ghostUnbonding[op], "2. a stake differs from the books");
            // Operator 0 also locks TEE_STAKE behind its enclave key, for as long as the key lives.
            uint256 keyStake = k == 0 ? TEE_STAKE : 0;
            require(o.locked == slashes[k] + keyStake, "4. locked stake != open proposals' slashes + key stake");
            require(o.locked <= o.stake, "4. locked stake exceeds the stake");
            total += uint256(o.stake) + uint256(o.unbonding) + registry.slashCreditOf(op);
        }
        require(address(registry).balance == total, "2. registry balance != stake + unbonding + slash credits + burned");
        require(address(registry).balance == registryNet, "2. registry balance != stake paid in and not withdrawn");
    }

    // ─────────────────────────────────────────── views for the tests ────────────────────────────────

    function jobCount() external view returns (uint256) {
        return _recs.length;
    }

    function record(uint256 i) external view returns (Rec memory) {
        return _recs[i];
    }

    function operator(uint256 i) external view returns (address) {
        return _operators[i];
    }

    /// @notice How many accounts can hold a hub credit (see `actor`).
    function actorCount() external pure returns (uint256) {
        return N_ACTORS;
    }

    function actor(uint256 i) external view returns (address) {
        return _actor(i);
    }

    // ─────────────────────────────────────────── helpers ────────────────────────────────────────────

    function _requestOptimistic(uint256 feeSeed, uint256 deadlineSeed, uint256 paramSeed) private returns (uint256) {
        uint256 window = MIN_WINDOW + paramSeed % (MAX_WINDOW - MIN_WINDOW + 1);
        uint256 bond = MIN_BOND + uint256(keccak256(abi.encode(paramSeed, 1))) % 1 ether;
        uint256 slashAmount = 1 + uint256(keccak256(abi.encode(paramSeed, 2))) % 1 ether;
        return _request(OPTIMISTIC, window | (bond << 32) | (slashAmount << 128), feeSeed, deadlineSeed);
    }

    /// @dev `propose`: returns whether it proposed, and for which record.
    function _propose(uint256 seed, uint256 who, bytes32 salt) private returns (bool, uint256 i) {
        bool found;
        (found, i) = _find(OPTIMISTIC, Stage.Pending, seed, true);
        if (!found) i = _requestOptimistic(seed, uint256(salt), uint256(keccak256(abi.encode(salt))));
        (,, uint256 slashAmount) = _optimistic(_recs[i].job.params);
        address proposer = _freeStaker(who, slashAmount);
        if (proposer == address(0)) return (false, i);
        _commitAndReveal(_recs[i], proposer, salt);
        return (true, i);
    }

    /// @dev Commits in this block and proposes in the next, as `proposer`, with the job's bond.
    function _commitAndReveal(Rec storage r, address proposer, bytes32 salt) private {
        (uint256 window, uint256 bond,) = _optimistic(r.job.params);
        bool wrong = uint256(salt) % 4 == 0;
        IInferenceHub.Result memory result = _result(wrong);
        bytes32 commitment = keccak256(abi.encode(r.id, proposer, keccak256(result.output), salt));
        vm.prank(proposer);
        game.commitProposal(r.id, commitment);
        vm.roll(block.number + 1);
        vm.deal(proposer, proposer.balance + bond);
        vm.prank(proposer);
        game.proposeResult{value: bond}(r.id, r.job, result, salt);

        r.stage = Stage.Proposed;
        r.proposer = proposer;
        r.closesAt = uint64(block.timestamp + window);
        r.wrong = wrong;
        ghostBonds += bond;
        effective["propose"]++;
    }

    /// @dev The first operator from `who` on with at least `amount` of free (unlocked) stake, or zero.
    function _freeStaker(uint256 who, uint256 amount) private view returns (address) {
        for (uint256 k; k < N_OPERATORS; ++k) {
            address op = _operators[(who % N_OPERATORS + k) % N_OPERATORS];
            IOperatorRegistry.Operator memory o = registry.getOperator(op);
            if (o.stake - o.locked >= amount) return op;
        }
        return address(0);
    }

    function _request(uint8 mode, uint256 params, uint256 feeSeed, uint256 deadlineSeed) private returns (uint256) {
        calls++;
        uint256 fee = MODEL_FEE + (feeSeed % 1 ether);
        uint64 deadline = uint64(block.timestamp + 60 + (deadlineSeed % 1 days));
        vm.deal(address(this), address(this).balance + fee);
        uint16 bps = hub.protocolFeeBps();
        uint256 jobId = hub.requestInference{value: fee}(
            IInferenceHub.Request({
                modelId: modelId, version: 1, mode: mode, deadline: deadline, callback: address(0),
                callbackGasLimit: 0, fee: fee, params: params, inputHash: bytes32(0), input: INPUT, inputURI: ""
            })
        );
        Rec storage r = _recs.push();
        r.id = jobId;
        r.job = IInferenceHub.Job({
            requester: address(this), modelId: modelId, version: 1, mode: mode, deadline: deadline,
            callback: address(0), callbackGasLimit: 0, feeToken: address(0), fee: fee, modelFee: MODEL_FEE,
            protocolFeeBps: bps, inputHash: keccak256(INPUT), params: params,
            verifier: mode == OPTIMISTIC ? address(game) : mode == TEE ? address(enclaves) : address(registry)
        });
        // The handler's copy of the job must be the one the hub committed (else every later action reverts).
        (IInferenceHub.JobStatus status, bytes32 stored) = hub.getJob(jobId);
        require(
            status == IInferenceHub.JobStatus.Pending && stored >> 8 == hub.jobCommitment(jobId, r.job) >> 8,
            "the handler's job is not the committed one"
        );
        escrowed += fee;
        effective[mode == TEE ? bytes32("requestTee") : mode == QUORUM ? bytes32("requestQuorum") : bytes32("requestOptimistic")]++;
        return _recs.length - 1;
    }

    /// @dev Books a settled job: the fee leaves escrow and is split as the hub splits it (model fee, protocol fee
    /// of the rest, the remainder evenly to `paid` with the rounding dust to the first).
    function _close(Rec storage r, address[] memory paid) private {
        r.stage = Stage.Closed;
        IInferenceHub.Job memory job = r.job;
        escrowed -= job.fee;
        uint256 rest = job.fee - job.modelFee;
        uint256 protocolFee = rest * job.protocolFeeBps / 10_000;
        uint256 share = rest - protocolFee;
        ghostModelEarnings += job.modelFee;
        ghostCredit[treasury] += protocolFee;
        uint256 n = paid.length;
        uint256 each = share / n;
        ghostCredit[paid[0]] += share - each * (n - 1);
        for (uint256 k = 1; k < n; ++k) {
            ghostCredit[paid[k]] += each;
        }
    }

    /// @dev The first job from `seed` on (cyclically) of `mode` (0: any) at `stage`; when `live`, one that can still
    /// move on: a pending job before its deadline, a proposal within its challenge window.
    function _find(uint8 mode, Stage stage, uint256 seed, bool live) private view returns (bool, uint256) {
        uint256 n = _recs.length;
        for (uint256 k; k < n; ++k) {
            uint256 i = (seed % n + k) % n;
            Rec storage r = _recs[i];
            if (r.stage != stage || (mode != 0 && r.job.mode != mode)) continue;
            if (live && block.timestamp > (stage == Stage.Pending ? r.job.deadline : r.closesAt)) continue;
            return (true, i);
        }
        return (false, 0);
    }

    function _stake(address op, uint256 amount) private {
        vm.deal(op, op.balance + amount);
        vm.prank(op);
        registry.stake{value: amount}(amount);
        ghostStake[op] += amount;
        registryNet += amount;
    }

    function _warpTo(uint256 timestamp) private {
        vm.warp(timestamp);
        vm.roll(block.number + 1);
    }

    function _result(bool wrong) private pure returns (IInferenceHub.Result memory) {
        return IInferenceHub.Result({output: wrong ? WRONG_OUTPUT : OUTPUT, outputURI: "", outputHash: bytes32(0)});
    }

    function _optimistic(uint256 params) private pure returns (uint256 window, uint256 bond, uint256 slashAmount) {
        window = params & 0xffffffff;
        bond = (params >> 32) & type(uint96).max;
        slashAmount = params >> 128;
    }

    /// @dev 0..3 the operators, then the requester (this handler), the unstaked challenger, the treasury and the
    /// model owner.
    function _actor(uint256 who) private view returns (address) {
        uint256 n = who % N_ACTORS;
        if (n < N_OPERATORS) return _operators[n];
        n -= N_OPERATORS;
        return n == 0 ? address(this) : n == 1 ? challenger : n == 2 ? treasury : modelOwner;
    }

    /// @dev Registers (or re-attests) the enclave key of `op` through the one-attestor committee, with fresh
    /// evidence each time.
    function _attestEnclaveKey(address op, bool reattest) private {
        bytes32 evidenceHash = keccak256(abi.encode("evidence", block.timestamp, reattest));
        address key = vm.addr(ENCLAVE_PK);
        uint64 expiresAt = uint64(block.timestamp + KEY_LIFETIME);
        bytes memory keyProof = _keyProof(op, evidenceHash);
        bytes memory approval = _approval(op, key, evidenceHash, expiresAt);
        vm.prank(op);
        if (reattest) {
            enclaves.reattestEnclaveKey(key, evidenceHash, "ipfs://evidence", expiresAt, keyProof, approval);
        } else {
            enclaves.registerEnclaveKey(
                IEnclaveRegistry.KeyRegistration({
                    key: key, teeType: TEE, measurement: MEASUREMENT, evidenceHash: evidenceHash,
                    evidenceURI: "ipfs://evidence", stake: TEE_STAKE, expiresAt: expiresAt
                }),
                keyProof,
                approval
            );
        }
    }

    /// @dev The enclave key's EIP-712 registration signature.
    function _keyProof(address op, bytes32 evidenceHash) private view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(enclaves.ENCLAVE_KEY_REGISTRATION_TYPEHASH(), op, TEE, MEASUREMENT, evidenceHash)
        );
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = enclaves.eip712Domain();
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifying
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ENCLAVE_PK, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        return abi.encodePacked(r, s, v);
    }

    /// @dev The attestor's approval of the evidence.
    function _approval(address op, address key, bytes32 evidenceHash, uint64 expiresAt)
        private
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            ATTESTOR_PK,
            committee.approvalDigest(
                IAttestationVerifier.AttestationClaim({
                    teeType: TEE, evidenceHash: evidenceHash, measurement: MEASUREMENT, key: key, operator: op,
                    expiresAt: expiresAt
                })
            )
        );
        return abi.encodePacked(r, s, v);
    }
}

/// @notice Money and stake conservation over random operation sequences of the hub, the operator registry and the
/// OPTIMISTIC game (see MoneyHandler for the actions):
/// 1. the hub holds exactly the escrowed fees plus every credit and model earning it owes;
/// 2. the registry holds exactly the stake bonded and unbonding, the slash credits it owes, and what was burned;
/// 3. the game holds exactly the bonds of the open proposals (one bond each, two once challenged);
/// 4. every operator's locked stake is the sum of the slash amounts of its open proposals, and at most its stake.
/// Each is checked against the handler's own books as well as the contracts' views.
contract MoneyInvariants {
    MoneyHandler private handler;

    function setUp() public {
        handler = new MoneyHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    // ─────────────────────────────────────────── the handler moves money ───────────────────────────

    /// @notice TEE and QUORUM fulfilments (two and three votes), the protocol fee, refunds, deposits and
    /// withdrawals move the money they should (so the campaigns explore real sequences, not reverts).
    function test_handlerActionsMoveMoney() public {
        InferenceHub hub = handler.hub();
        uint256 hubBefore = address(hub).balance;
        handler.setProtocolFee(2500); // 2500 % 2001 = 499 bps
        require(hub.protocolFeeBps() == 499, "the protocol fee did not change");
        handler.requestTee(5e14, 100);
        handler.requestQuorum(1e15, 100, 0.3 ether);
        handler.requestTee(1, 100);
        handler.requestQuorum(3e15, 100, 0);
        require(handler.jobCount() == 4 && handler.escrowed() > 0, "requests escrowed nothing");
        require(address(hub).balance == hubBefore + handler.escrowed(), "the hub did not receive the fees");
        _check();

        handler.fulfillTee(0);
        require(handler.effective("fulfillTee") == 1, "no TEE fulfilment");
        require(hub.creditOf(handler.operator(0), address(0)) > 0, "the TEE fulfilment credited nothing");
        require(hub.creditOf(handler.treasury(), address(0)) > 0, "the treasury was not credited");
        handler.fulfillQuorum(1, 0); // two of three votes
        require(handler.effective("fulfillQuorum") == 1, "no QUORUM fulfilment");
        uint256 voters;
        for (uint256 k = 1; k <= 3; ++k) {
            if (hub.creditOf(handler.operator(k), address(0)) > 0) voters++;
        }
        require(voters == 2, "the quorum fee was not split between two signers");
        uint256 lastVoter = hub.creditOf(handler.operator(1), address(0));
        handler.fulfillQuorum(3, 1); // three votes
        require(handler.effective("fulfillQuorum") == 2, "no second QUORUM fulfilment");
        require(hub.creditOf(handler.operator(1), address(0)) > lastVoter, "the third signer was not credited");
        _check();

        handler.refund(0); // the second TEE job
        require(handler.effective("refund") == 1 && handler.ghostCredit(address(handler)) > 0, "no refund");
        handler.deposit(5, 1e15); // for the unstaked challenger
        require(hub.creditOf(handler.challenger(), address(0)) == 1e15 + 1, "the deposit credited nothing");
        _check();

        for (uint256 who; who < handler.actorCount(); ++who) {
            handler.withdraw(who);
        }
        handler.withdrawModelEarnings();
        require(handler.effective("withdrawModelEarnings") == 1, "no model earnings withdrawn");
        require(address(hub).balance == 0 && handler.escrowed() == 0, "the hub kept money after every withdrawal");
        _check();
    }

    /// @notice An OPTIMISTIC job proposed (commit, next block, reveal), finalised after its window, and the bond,
    /// the fee and the locked stake going where they should.
    function test_handlerOptimisticFinalizeMovesBondAndStake() public {
        OptimisticGame game = handler.game();
        handler.requestOptimistic(1e15, 1 hours, 7);
        handler.propose(0, 2, bytes32(uint256(1)));
        require(handler.effective("propose") == 1, "no proposal");
        MoneyHandler.Rec memory r = handler.record(0);
        (, uint256 bond, uint256 slashAmount) = _optimistic(r.job.params);
        require(address(game).balance == bond, "the game does not hold the bond");
        require(handler.registry().getOperator(r.proposer).locked == slashAmount, "the slash amount is not locked");
        require(game.getProposal(r.id).proposer == r.proposer, "the game has no proposal");
        _check();

        handler.finalize(0);
        require(handler.effective("finalize") == 1, "no finalisation");
        require(address(game).balance == 0, "the game kept the bond");
        require(handler.registry().getOperator(r.proposer).locked == 0, "the stake stayed locked");
        require(handler.hub().creditOf(r.proposer, address(0)) > bond, "the proposer was not paid bond and fee");
        (IInferenceHub.JobStatus status,) = handler.hub().getJob(r.id);
        require(status == IInferenceHub.JobStatus.Fulfilled, "the job is not fulfilled");
        _check();
    }

    /// @notice An OPTIMISTIC proposal challenged by another operator and by the unstaked challenger, both
    /// challenges expiring unresolved: the proposers are credited both bonds.
    function test_handlerOptimisticChallengeExpireMovesBonds() public {
        OptimisticGame game = handler.game();
        handler.requestOptimistic(1e15, 1 hours, 7);
        handler.requestOptimistic(2e15, 2 hours, 1234567);
        handler.propose(0, 1, bytes32(uint256(4))); // a wrong answer
        handler.propose(1, 2, bytes32(uint256(5)));
        (, uint256 bond0,) = _optimistic(handler.record(0).job.params);
        (, uint256 bond1,) = _optimistic(handler.record(1).job.params);
        handler.challenge(0, 3); // operator 3
        handler.challenge(1, 4); // the unstaked challenger
        require(handler.effective("challenge") == 2, "not both challenged");
        require(handler.record(0).challenger == handler.operator(3), "not challenged by operator 3");
        require(handler.record(1).challenger == handler.challenger(), "not challenged by the unstaked account");
        require(address(game).balance == 2 * bond0 + 2 * bond1, "the game does not hold four bonds");
        _check();

        address proposer = handler.record(0).proposer;
        uint256 before = handler.hub().creditOf(proposer, address(0));
        handler.expireChallenge(0);
        handler.expireChallenge(0);
        require(handler.effective("expireChallenge") == 2, "not both expired");
        require(address(game).balance == 0, "the game kept bonds");
        require(handler.hub().creditOf(proposer, address(0)) >= before + 2 * bond0, "the proposer lost a bond");
        _check();

        for (uint256 who; who < handler.actorCount(); ++who) {
            handler.withdraw(who);
        }
        handler.withdrawModelEarnings();
        require(address(handler.hub()).balance == 0, "the hub kept money after every withdrawal");
        _check();
    }

    /// @notice A challenge with no proposal open requests and proposes first (how depth-20 sequences reach the ends
    /// of challenges), and the unchallenged proposal expires into a finalisation.
    function test_handlerChallengeProposesFirst() public {
        handler.challenge(7, 4);
        require(
            handler.effective("requestOptimistic") == 1 && handler.effective("propose") == 1
                && handler.effective("challenge") == 1,
            "the challenge did not request, propose and challenge"
        );
        require(handler.record(0).stage == MoneyHandler.Stage.Challenged, "the job is not challenged");
        handler.propose(0, 0, bytes32(uint256(3))); // a second job, requested and proposed
        require(handler.jobCount() == 2 && handler.record(1).stage == MoneyHandler.Stage.Proposed, "no second proposal");
        _check();
        handler.finalize(0);
        handler.expireChallenge(0);
        require(handler.effective("finalize") == 1 && handler.effective("expireChallenge") == 1, "not both closed");
        require(address(handler.game()).balance == 0, "the game kept bonds");
        _check();
    }

    /// @notice Several operators stake, unbond and withdraw; locked stake cannot be unbonded.
    function test_handlerStakesMove() public {
        OperatorRegistry registry = handler.registry();
        uint256 before = address(registry).balance;
        handler.stake(1, 2 ether - 1);
        handler.stake(2, 3 ether - 1);
        require(address(registry).balance == before + 5 ether, "the stakes were not paid in");
        handler.requestOptimistic(1e15, 1 hours, 99);
        handler.propose(0, 1, bytes32(uint256(1)));
        address proposer = handler.record(0).proposer;
        (,, uint256 slashAmount) = _optimistic(handler.record(0).job.params);
        handler.requestUnstake(1, type(uint256).max); // as much free stake as the modulus gives
        handler.requestUnstake(2, 1 ether - 1);
        handler.requestUnstake(3, 0);
        require(handler.effective("requestUnstake") == 3, "not every unstake went through");
        IOperatorRegistry.Operator memory o = registry.getOperator(proposer);
        require(o.locked == slashAmount && o.stake >= slashAmount, "the proposal's stake is not held back");
        _check();

        uint256 out = address(registry).balance;
        handler.withdrawStake(1);
        handler.withdrawStake(2);
        handler.withdrawStake(3);
        require(handler.effective("withdrawStake") == 3, "not every withdrawal went through");
        require(address(registry).balance < out, "nothing left the registry");
        handler.finalize(0);
        require(registry.getOperator(proposer).locked == 0, "the stake stayed locked");
        _check();
    }

    // ─────────────────────────────────────────── invariants ─────────────────────────────────────────

    /// @notice The four laws (MoneyHandler.checkConservation), checked after every call of 10,000 random sequences
    /// of 20 calls (hardhat.config.ts), failing on any reverted call: the handler bounds its inputs, so a revert is
    /// an action that should have worked and did not. One function on purpose: each `invariant_*` function is a
    /// campaign of its own, and one campaign with the check takes about a minute on EDR (the check is about half
    /// of it), so four would take four. A failure names the law by its number.
    /// hardhat-config: invariant.fail-on-revert = true
    function invariant_moneyAndStakeConserved() public view {
        _check();
    }

    function _check() private view {
        handler.checkConservation();
    }

    function _optimistic(uint256 params) private pure returns (uint256 window, uint256 bond, uint256 slashAmount) {
        window = params & 0xffffffff;
        bond = (params >> 32) & type(uint96).max;
        slashAmount = params >> 128;
    }
}
