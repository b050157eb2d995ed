// SPDX-License-Identifier: GPL-3.0
// ----------------------------------------------------------------------------------------------------------
// GENERATED FILE, do not edit. Re-create it with `npm run zk:setup` (scripts/zk-setup.ts).
// Generator: snarkjs 0.7.6 zKey.exportSolidityVerifier on circuits/build/mlp_4_8_3.zkey
//   (the same as `snarkjs zkey export solidityverifier`), then post-processed by sdk/src/proofs/setup.ts:
//   contract renamed Groth16Verifier -> Groth16VerifierMlp, pragma set to ^0.8.28.
// Circuit:   circuits/mlp_4_8_3.circom sha256 0x74fc5050cc484a3b0d20e8848bbfb64c4db9b55b40c9ce893d35589299365372
//   compiled with circom 2.2.3 (circom2 npm 0.2.23): `circom2 circuits/mlp_4_8_3.circom --r1cs --wasm --O2 -l node_modules`
//   r1cs sha256 0x4764b976a62a9ece0d55c21f901ca8ac60332177939ad7b55403f3468da32e96
// zkey:      sha256 0x7b7ef9e4949c82a5b0c4a9021c61bf8fed0ab8076b8dc0bfcadd662ccca51936
// vkeyHash:  0xb969e7fc9a0ce8ca92511909d7d853307f3dd6102d9608ab96b6c074e42c5899 (sdk/src/proofs/zk.ts vkeyHash)
// Public signals: [commitment, packedInput, packedOutput] (see circuits/README.md).
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
    uint256 constant alphax  = 6060018613725375695363906951825187256777668290973213455053569147689612856755;
    uint256 constant alphay  = 944322111591911565832836839656471506881513473520927270581252012384185184765;
    uint256 constant betax1  = 10331042949052869625535876432233970718161817975869694229955590183513389036622;
    uint256 constant betax2  = 8027900846235617922429318867739003378519922120608512658013415468216187648391;
    uint256 constant betay1  = 18120037181485657372251888740580416152708802099301335997676132162161888641454;
    uint256 constant betay2  = 20392696247569605603713814929662953894973020130618978342880396467002911374601;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 11085978515747871868512242433270613390047997294746752452557894492125059235237;
    uint256 constant deltax2 = 8954033712857755728981774607535318143154670060246692406248415502349192063186;
    uint256 constant deltay1 = 19973002040320042328364504779020547820037798313624910319168678976093143358964;
    uint256 constant deltay2 = 13871583116792585215413506589197940345501297875516057498362724829902809690945;

    uint256 constant IC0x = 16019201953590992505131645840317179375510101697286319723758880514330800111442;
    uint256 constant IC0y = 11825998169483514888258697210607741213119011601331275831974452804346852868627;

    uint256 constant IC1x = 13595001435845905022785964772385652293561313615352077925120019188584550403898;
    uint256 constant IC1y = 7910706546843450538237748780172796747136584980217046927350381716720029414399;

    uint256 constant IC2x = 18188796983423826632421481789566445039773419737649444681534223994864677272721;
    uint256 constant IC2y = 15517970413069168341280012141876673603770880848750674878512368303977503121830;

    uint256 constant IC3x = 16143183822483919002037984835864897590930534125884792611543224769471124023909;
    uint256 constant IC3y = 12162400506378460748258961914337566471561678694303418473352531274650584166005;

    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[3] calldata _pubSignals) public view returns (bool) {
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

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
