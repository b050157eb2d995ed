// SPDX-License-Identifier: GPL-3.0
// ----------------------------------------------------------------------------------------------------------
// GENERATED FILE, do not edit. Re-create it with `npm run zk:setup` (scripts/zk-setup.ts).
// Generator: snarkjs 0.7.6 zKey.exportSolidityVerifier on circuits/build/mlp_4_8_3.zkey
//   (the same as `snarkjs zkey export solidityverifier`), then post-processed by sdk/src/proofs/setup.ts:
//   contract renamed Groth16Verifier -> Groth16VerifierMlp, pragma set to ^0.8.28.
// Circuit:   circuits/mlp_4_8_3.circom sha256 0x79dee807e732ca908e70f0d28773020d332159442e79bbc5e3e1ae1d57992ba1
//   compiled with circom 2.2.3 (circom2 npm 0.2.23): `circom2 circuits/mlp_4_8_3.circom --r1cs --wasm --O2 -l node_modules`
//   r1cs sha256 0xb7870d903203c53d3c40dfb143d315ec1058b6f0bb199a4f5faa3676d6b1a89d
// zkey:      sha256 0x453cd081fec0f8f09fd61137fdb4261e8b59f6b3962f1f0f42344375e2f7a512
// vkeyHash:  0xc0635d7eb33366e7887e909de34b6350b734856310afe50e52d02a93d2ac8208 (sdk/src/proofs/zk.ts vkeyHash)
// Public signals: [commitment, packedInput, packedOutput, jobId, submitter] (see circuits/README.md).
// ----------------------------------------------------------------------------------------------------------
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity ^0.8.28;

contract Groth16VerifierMlp {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 4910584941319180001414730032383416662392420288891479968357891351719892402635;
    uint256 constant alphay  = 13652384661530794107491521873478185332612497160713113244617264510427179356303;
    uint256 constant betax1  = 5629610765091532562594772022981679097013955209375651415661598170508229972809;
    uint256 constant betax2  = 5413399642567991901463294917640141725580818831769907890734405808238660113423;
    uint256 constant betay1  = 13248485029130275583226508899523046417570239486774176214914220484972254180422;
    uint256 constant betay2  = 5876770630077698320354424880923889728736506350981575756632222847479334862423;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 1554907109157113863826820456097836493793875837102257490042608230260385219297;
    uint256 constant deltax2 = 10646681642477224202006983954827201796001251215738774350794066415982628118373;
    uint256 constant deltay1 = 14129498431071588460384387812215646101179300958173482410992900760106915902680;
    uint256 constant deltay2 = 7769470897213205755124245371949823564638969646640151738752993050489725072961;

    uint256 constant IC0x = 15539104323748093450608827052537283927356770952284369556059963542604028344287;
    uint256 constant IC0y = 17511607443325212575595660686901757840488732706708992348195021067070467332970;

    uint256 constant IC1x = 15328562088423545565133222896626998668684044436657223976508830463281884640485;
    uint256 constant IC1y = 12414731222941166044841285816612231938239709280200827517964087896561708657293;

    uint256 constant IC2x = 14477991081467364421044711378118423766920520047408047420958199783804022892629;
    uint256 constant IC2y = 14824342383351720100218807476039636941260833669013864092839794027812377502739;

    uint256 constant IC3x = 17998209076282085676147758629395391029434875332833876560291477598221243864296;
    uint256 constant IC3y = 5347474411415366559398889507294730537699206450979498565884887183908211892025;

    uint256 constant IC4x = 13139935292163445175924661943744568351693291374079321837476567326641032901815;
    uint256 constant IC4y = 2941503082973015417663632781623555959399806502028309999432225983560492217809;

    uint256 constant IC5x = 9699409589698162317210063160682870001111631291156927436549280060471750986779;
    uint256 constant IC5y = 12063343931996539251810177859195077328416068586961779128036421525202719162680;

    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[5] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x

                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))

                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))

                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))

                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))

                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))

                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)

                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F

            checkField(calldataload(add(_pubSignals, 0)))

            checkField(calldataload(add(_pubSignals, 32)))

            checkField(calldataload(add(_pubSignals, 64)))

            checkField(calldataload(add(_pubSignals, 96)))

            checkField(calldataload(add(_pubSignals, 128)))

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
