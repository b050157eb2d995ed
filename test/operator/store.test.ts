import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getAddress, keccak256, toHex } from "viem";
import {
  OperatorStateError,
  OperatorStateLockedError,
  StateStore,
  readStateFile,
} from "../../sdk/src/operator/index.js";
import { tempStateFile } from "./helpers.js";

const HUB = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const record = {
  state: "submitted" as const,
  modelId: keccak256(toHex("model")),
  version: 1,
  mode: 1,
  requestBlock: 12n,
  deadline: 2n ** 63n,
  attempts: 1,
  from: getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
  nonce: 7,
  txHash: keccak256(toHex("tx")),
};

describe("operator state store", function () {
  it("persists job records and the cursor atomically, and reads them back exactly (bigints included)", async function () {
    const file = tempStateFile();
    const store = await StateStore.open(file, { chainId: 31337, hub: HUB });
    store.lastBlock = 41n;
    await Promise.all([store.put(1n, record), store.put(2n, { ...record, state: "seen", txHash: undefined })]);
    // Only the state file is left: every temporary file was renamed over it.
    expect(readdirSync(path.dirname(file))).to.deep.equal(["state.json"]);
    const read = readStateFile(file);
    expect(read.lastBlock).to.equal(41n);
    expect(read.jobs.get(1n)).to.deep.include(record);
    expect(read.jobs.get(2n)?.state).to.equal("seen");
    const reopened = await StateStore.open(file, { chainId: 31337, hub: HUB });
    expect(reopened.counts()).to.include({ submitted: 1, seen: 1 });
  });

  it("refuses a state file written for another hub or chain, or one that is not a state file", async function () {
    const file = tempStateFile();
    await (await StateStore.open(file, { chainId: 31337, hub: HUB })).save();
    let err: unknown = await StateStore.open(file, { chainId: 1, hub: HUB }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OperatorStateError);
    expect((err as Error).message).to.include("chain 31337");
    writeFileSync(file, "{ not json");
    err = await StateStore.open(file, { chainId: 31337, hub: HUB }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OperatorStateError);
  });

  it("forgets finished jobs long past their deadline but keeps every open one", async function () {
    const store = await StateStore.open(tempStateFile(), { chainId: 31337, hub: HUB });
    store.setInMemory(1n, { ...record, state: "done", deadline: 1_000n });
    store.setInMemory(2n, { ...record, state: "submitted", deadline: 1_000n });
    store.setInMemory(3n, { ...record, state: "skipped", deadline: 9_000n });
    expect(store.prune(10_000n)).to.equal(1);
    expect([...store.jobs.keys()]).to.deep.equal([2n, 3n]);
  });

  it("holds a lock file while in use and takes over one left by a dead process", async function () {
    const file = tempStateFile();
    const store = await StateStore.open(file, { chainId: 31337, hub: HUB });
    store.lock();
    expect(readFileSync(`${file}.lock`, "utf8").trim()).to.equal(String(process.pid));
    const other = await StateStore.open(file, { chainId: 31337, hub: HUB });
    expect(() => other.lock()).to.throw(OperatorStateLockedError);
    store.unlock();
    expect(existsSync(`${file}.lock`)).to.equal(false);

    writeFileSync(`${file}.lock`, "4194305\n"); // above the largest pid Linux allows: no such process
    other.lock();
    expect(readFileSync(`${file}.lock`, "utf8").trim()).to.equal(String(process.pid));
    other.unlock();
  });
});
