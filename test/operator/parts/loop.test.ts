import { expect } from "chai";
import { OperatorConfigError } from "../../../sdk/src/operator/errors.js";
import { Interrupted, createSerialQueue, createServiceLoop } from "../../../sdk/src/operator/loop.js";
import { deferred, flush, rejection, within } from "./helpers.js";

const noop = async () => undefined;

/** A loop whose tick is `tick`, with the errors it reports collected. */
function loopWith(tick: () => Promise<void>, { name = "node", pollMs = 20 } = {}) {
  const errors: unknown[] = [];
  const loop = createServiceLoop({ name, pollMs, tick, onError: (e) => errors.push(e) });
  return { loop, errors };
}

describe("operator parts: service loop", function () {
  describe("createSerialQueue", function () {
    it("runs the functions given to it one at a time, in call order", async function () {
      const queue = createSerialQueue();
      const order: string[] = [];
      const gate = deferred();
      const first = queue.run(async () => {
        order.push("first started");
        await gate.promise;
        order.push("first ended");
        return 1;
      });
      const second = queue.run(async () => {
        order.push("second");
        return 2;
      });
      await flush();
      expect(order).to.deep.equal(["first started"]);
      gate.resolve();
      expect(await Promise.all([first, second])).to.deep.equal([1, 2]);
      expect(order).to.deep.equal(["first started", "first ended", "second"]);
    });

    it("runs the next function after one that rejected, and idle() waits for all of them", async function () {
      const queue = createSerialQueue();
      const failed = queue.run(async () => {
        throw new Error("boom");
      });
      let ran = false;
      const next = queue.run(async () => {
        ran = true;
        return "next";
      });
      await queue.idle();
      expect(ran).to.equal(true);
      expect((await rejection(failed)).message).to.equal("boom");
      expect(await next).to.equal("next");
    });
  });

  describe("createServiceLoop", function () {
    it("start() ticks again and again, sleeping pollMs between ticks, until stop()", async function () {
      const pollMs = 30;
      const times: number[] = [];
      const third = deferred();
      const { loop, errors } = loopWith(
        async () => {
          times.push(performance.now());
          if (times.length === 3) third.resolve();
        },
        { pollMs },
      );
      await loop.start();
      expect(loop.running).to.equal(true);
      await third.promise;
      await loop.stop(noop);
      const ticks = times.length;
      expect(loop.running).to.equal(false);
      // Each tick follows a sleep of pollMs (timers may fire up to a millisecond early).
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).to.be.at.least(pollMs - 1);
      await flush();
      expect(times.length).to.equal(ticks);
      expect(errors).to.deep.equal([]);
    });

    it("stop() waits for the tick in hand, then runs finish exactly once, and is idempotent", async function () {
      const order: string[] = [];
      const inTick = deferred();
      const gate = deferred();
      const { loop } = loopWith(async () => {
        inTick.resolve();
        await gate.promise;
        order.push("tick ended");
      });
      await loop.start();
      await inTick.promise;
      const finish = async () => void order.push("finish");
      const stopped = loop.stop(finish);
      const again = loop.stop(finish);
      expect(loop.stopping).to.equal(true);
      await flush();
      expect(order).to.deep.equal([]); // finish waits for the tick
      gate.resolve();
      await Promise.all([stopped, again]);
      expect(again).to.equal(stopped);
      await loop.stop(finish);
      expect(order).to.deep.equal(["tick ended", "finish"]);
    });

    it("ends a sleep at once when the loop stops, and sleeps no more once stopped", async function () {
      const { loop } = loopWith(noop);
      let woke = false;
      const sleeping = loop.sleep(10 * 60_000).then(() => (woke = true));
      await flush();
      expect(woke).to.equal(false);
      await loop.stop(noop);
      expect(await within(sleeping)).to.equal(true);
      expect(await within(loop.sleep(10 * 60_000).then(() => "resolved"))).to.equal("resolved");
    });

    it("refuses tick() and start() after stop() with an OperatorConfigError naming the service", async function () {
      let ticks = 0;
      const { loop } = loopWith(async () => void ticks++, { name: "watcher" });
      await loop.stop(noop);
      for (const call of [() => loop.tick(), () => loop.start()]) {
        const err = await rejection(call);
        expect(err).to.be.instanceOf(OperatorConfigError);
        expect(err.message).to.include("this watcher was stopped");
      }
      expect(ticks).to.equal(0);
    });

    it("checkStop() throws Interrupted once the loop is stopping, so the tick in hand ends at its next step", async function () {
      const gate = deferred();
      const steps: string[] = [];
      const { loop } = loopWith(async () => {
        loop.checkStop();
        steps.push("first step");
        await gate.promise;
        loop.checkStop();
        steps.push("second step");
      });
      const tick = loop.tick();
      await flush();
      const stopped = loop.stop(noop);
      gate.resolve();
      expect(await rejection(tick)).to.be.instanceOf(Interrupted);
      await stopped;
      expect(steps).to.deep.equal(["first step"]);
    });

    it("hands a tick's error to onError and goes on polling", async function () {
      let ticks = 0;
      const third = deferred();
      const boom = new Error("rpc down");
      const { loop, errors } = loopWith(async () => {
        ticks++;
        if (ticks === 3) third.resolve();
        if (ticks === 1) throw boom;
      });
      await loop.start();
      await third.promise;
      await loop.stop(noop);
      expect(errors).to.deep.equal([boom]);
      expect(ticks).to.be.at.least(3);
    });

    it("tick() after stop() returns a rejected promise (it never throws synchronously)", async function () {
      const { loop } = loopWith(noop, { name: "watcher" });
      await loop.stop(noop);
      let pending: Promise<void> | undefined;
      expect(() => (pending = loop.tick())).not.to.throw();
      const err = await rejection(pending!);
      expect(err).to.be.instanceOf(OperatorConfigError);
      expect(err.message).to.include("watcher");
    });

    it("two start() calls at once share one polling loop", async function () {
      let ticks = 0;
      const gate = deferred();
      const { loop } = loopWith(async () => {
        ticks++;
      }, { pollMs: 10_000 });
      const before = async () => gate.promise;
      const a = loop.start(before);
      const b = loop.start(before);
      gate.resolve();
      await Promise.all([a, b]);
      expect(await within(loop.stop(noop), 5_000)).not.to.equal("timed out");
      // One loop: one tick before the long sleep that stop() cut short.
      expect(ticks).to.equal(1);
    });
  });
});
