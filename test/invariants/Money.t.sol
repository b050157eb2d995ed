// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {InferenceHub} from "../../contracts/InferenceHub.sol";
import {OperatorRegistry} from "../../contracts/OperatorRegistry.sol";
import {IInferenceHub} from "../../contracts/interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";

/// @dev The cheatcodes these campaigns use (Hardhat 3 runs them on EDR; no forge-std is needed).
interface Vm {
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
    function prank(address sender) external;
    function deal(address account, uint256 balance) external;
    function warp(uint256 timestamp) external;
}

/// @notice Drives the hub and the registry with random sequences of requests, fulfilments, refunds, withdrawals,
/// protocol-fee changes, stakes and unstakes, and keeps the ghost totals the invariants compare with.
contract MoneyHandler {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 private constant ENCLAVE_PK = 0xE1C1A7E;
    bytes32 private constant MEASUREMENT = keccak256("verity-enclave-v1");
    bytes private constant INPUT = hex"0103000000010000000454463f12";
    bytes private constant OUTPUT = hex"010303000000010000000300000000000000070000000b";
    uint256 private constant MODEL_FEE = 1e15;

    InferenceHub public immutable hub;
    OperatorRegistry public immutable registry;
    bytes32 public immutable modelId;
    address public immutable operator = address(0x0BE7A70);
    address public immutable treasury = address(0x7EA5);
    address public immutable modelOwner = address(0xA0DE1);

    IInferenceHub.Job[] private _jobs;
    uint256[] private _jobIds;
    bool[] private _open;
    /// @notice Fees escrowed for jobs neither fulfilled nor refunded.
    uint256 public escrowed;
    /// @notice Native value staked and not withdrawn, by this handler's operator.
    uint256 public staked;
    uint256 public calls;

    constructor() {
        registry = new OperatorRegistry(address(this), address(0), 1 hours);
        hub = new InferenceHub(address(this), address(registry), treasury);
        registry.setHub(address(hub));
        vm.prank(modelOwner);
        modelId = hub.registerModel("iris-mlp");
        vm.prank(modelOwner);
        hub.publishVersion(
            modelId,
            IModelRegistry.VersionParams({
                artifactHash: keccak256("model"), uri: "file:models/iris-mlp.onnx", modes: 2, feeToken: address(0),
                fee: MODEL_FEE, zkVerifier: address(0), zkModelCommitment: bytes32(0), zkVerifyingKeyHash: bytes32(0)
            })
        );
        registry.approveMeasurement(MEASUREMENT);
        vm.deal(operator, 100 ether);
        vm.prank(operator);
        registry.stake{value: 1 ether}(1 ether);
        staked = 1 ether;
        address key = vm.addr(ENCLAVE_PK);
        bytes32 structHash = keccak256(
            abi.encode(registry.ENCLAVE_KEY_REGISTRATION_TYPEHASH(), operator, MEASUREMENT, MEASUREMENT)
        );
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = registry.eip712Domain();
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifying
            )
        );
        vm.prank(operator);
        registry.registerEnclaveKey(key, MEASUREMENT, MEASUREMENT, _sign(keccak256(abi.encodePacked("\x19\x01", domain, structHash))));
        vm.prank(modelOwner);
        registry.setMeasurementAllowed(modelId, 1, MEASUREMENT, true);
    }

    receive() external payable {}

    // ── actions ──

    function request(uint256 feeSeed, uint256 deadlineSeed) external {
        calls++;
        uint256 fee = MODEL_FEE + (feeSeed % 1 ether);
        uint64 deadline = uint64(block.timestamp + 60 + (deadlineSeed % 3600));
        vm.deal(address(this), address(this).balance + fee);
        IInferenceHub.Request memory r = IInferenceHub.Request({
            modelId: modelId, version: 1, mode: 1, deadline: deadline, callback: address(0), callbackGasLimit: 0,
            fee: fee, params: 0, inputHash: bytes32(0), input: INPUT, inputURI: ""
        });
        uint256 jobId = hub.requestInference{value: fee}(r);
        (,,,,,,,,, uint256 modelFee, uint16 bps,,) = _jobFields(r, fee);
        _jobs.push(
            IInferenceHub.Job({
                requester: address(this), modelId: modelId, version: 1, mode: 1, deadline: deadline, callback: address(0),
                callbackGasLimit: 0, feeToken: address(0), fee: fee, modelFee: modelFee, protocolFeeBps: bps,
                inputHash: keccak256(INPUT), params: 0
            })
        );
        _jobIds.push(jobId);
        _open.push(true);
        escrowed += fee;
    }

    function fulfill(uint256 seed) external {
        calls++;
        (bool found, uint256 i) = _openJob(seed);
        if (!found || block.timestamp > _jobs[i].deadline) return;
        IInferenceHub.Job memory job = _jobs[i];
        bytes32 digest = registry.resultDigest(
            address(hub), _jobIds[i], job.modelId, job.version, job.inputHash, keccak256(OUTPUT), keccak256("")
        );
        hub.fulfill(_jobIds[i], job, IInferenceHub.Result({output: OUTPUT, outputURI: "", outputHash: bytes32(0)}), _sign(digest));
        _open[i] = false;
        escrowed -= job.fee;
    }

    function refund(uint256 seed) external {
        calls++;
        (bool found, uint256 i) = _openJob(seed);
        if (!found) return;
        if (block.timestamp <= _jobs[i].deadline) vm.warp(uint256(_jobs[i].deadline) + 1);
        hub.refund(_jobIds[i], _jobs[i]);
        _open[i] = false;
        escrowed -= _jobs[i].fee;
    }

    function withdraw(uint256 who) external {
        calls++;
        address account = _actor(who);
        if (hub.creditOf(account, address(0)) == 0) return;
        vm.prank(account);
        hub.withdraw(address(0));
    }

    function withdrawModelEarnings() external {
        calls++;
        if (hub.modelEarnings(modelId, address(0)) == 0) return;
        vm.prank(modelOwner);
        hub.withdrawModelEarnings(modelId, address(0));
    }

    function setProtocolFee(uint16 bps) external {
        calls++;
        hub.setProtocolFee(bps % 2001);
    }

    function stake(uint256 amount) external {
        calls++;
        amount = 1 + (amount % 10 ether);
        vm.deal(operator, operator.balance + amount);
        vm.prank(operator);
        registry.stake{value: amount}(amount);
        staked += amount;
    }

    function requestUnstake(uint256 amount) external {
        calls++;
        uint256 bonded = registry.getOperator(operator).stake;
        if (bonded == 0) return;
        vm.prank(operator);
        registry.requestUnstake(1 + (amount % bonded));
    }

    function withdrawStake() external {
        calls++;
        uint256 unbonding = registry.getOperator(operator).unbonding;
        if (unbonding == 0) return;
        vm.warp(uint256(registry.getOperator(operator).unbondingReleaseAt));
        vm.prank(operator);
        registry.withdrawStake();
        staked -= unbonding;
    }

    function warp(uint256 seconds_) external {
        calls++;
        vm.warp(block.timestamp + (seconds_ % 2 hours));
    }

    // ── views for the invariants ──

    /// @notice Every credit the hub owes in the native currency, over every account that can hold one.
    function credits() external view returns (uint256 total) {
        for (uint256 who; who < 4; ++who) total += hub.creditOf(_actor(who), address(0));
        total += hub.modelEarnings(modelId, address(0));
    }

    function jobCount() external view returns (uint256) {
        return _jobs.length;
    }

    // ── helpers ──

    function _actor(uint256 who) private view returns (address) {
        uint256 n = who % 4;
        return n == 0 ? address(this) : n == 1 ? operator : n == 2 ? treasury : modelOwner;
    }

    function _openJob(uint256 seed) private view returns (bool, uint256) {
        uint256 n = _jobs.length;
        for (uint256 k; k < n; ++k) {
            uint256 i = (seed + k) % n;
            if (_open[i]) return (true, i);
        }
        return (false, 0);
    }

    /// @dev The job fields the hub commits: the version's model fee and the protocol fee at request time.
    function _jobFields(IInferenceHub.Request memory, uint256)
        private
        view
        returns (address, bytes32, uint32, uint8, uint64, address, uint32, address, uint256, uint256, uint16, bytes32, uint256)
    {
        return (address(0), 0, 0, 0, 0, address(0), 0, address(0), 0, MODEL_FEE, hub.protocolFeeBps(), 0, 0);
    }

    function _sign(bytes32 digest) private pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ENCLAVE_PK, digest);
        return abi.encodePacked(r, s, v);
    }
}

/// @notice Money and stake conservation over random operation sequences: the hub always holds exactly the escrowed
/// fees plus every credit and model earning it owes, and the registry exactly the stake bonded and unbonding.
contract MoneyInvariants {
    MoneyHandler private handler;

    function setUp() public {
        handler = new MoneyHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions do what they say (so the campaigns explore real sequences, not reverts).
    function test_handlerActionsMoveMoney() public {
        uint256 hubBefore = address(handler.hub()).balance;
        handler.request(5e14, 100);
        handler.request(1, 100);
        require(handler.jobCount() == 2 && handler.escrowed() > 0, "requests escrowed nothing");
        require(address(handler.hub()).balance > hubBefore, "the hub received nothing");
        handler.fulfill(0);
        require(handler.credits() > 0, "a fulfilment credited nothing");
        handler.refund(0);
        require(handler.escrowed() == 0, "the refund left escrow");
        handler.withdraw(1);
        handler.withdrawModelEarnings();
        handler.stake(1 ether);
        handler.requestUnstake(3);
        handler.withdrawStake();
        invariant_hubHoldsEscrowPlusCredits();
        invariant_registryHoldsEveryStake();
    }

    function invariant_hubHoldsEscrowPlusCredits() public view {
        uint256 expected = handler.escrowed() + handler.credits();
        require(address(handler.hub()).balance == expected, "hub balance != escrowed fees + credits + model earnings");
    }

    function invariant_registryHoldsEveryStake() public view {
        OperatorRegistry registry = handler.registry();
        OperatorRegistry.Operator memory op = registry.getOperator(handler.operator());
        require(address(registry).balance == uint256(op.stake) + uint256(op.unbonding), "registry balance != stake + unbonding");
        require(address(registry).balance == handler.staked(), "registry balance != staked and not withdrawn");
    }
}
