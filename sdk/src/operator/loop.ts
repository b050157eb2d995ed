import { OperatorConfigError } from "./errors.js";

/**
 * The service loop the operator node and the watcher share: a tick run one at a time, polled every `pollMs` by
 * `start()` until `stop()`, with sleeps that end at once when the service stops, and a stop that is idempotent and
 * waits for the tick in hand before it finishes. Nothing chain-specific: the service passes its tick and its
 * clean-up.
 */

/** Thrown inside a service's work when it is stopping; the work stays where it is for the next run. */
export class Interrupted extends Error {
  override name = "Interrupted";
  constructor() {
    super("the service is stopping");
  }
}

/** Runs the functions given to it one at a time, in call order (a failure does not block the next). */
export function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const run = tail.then(fn, fn);
      tail = run.catch(() => undefined);
      return run;
    },
    /** Resolves once everything queued so far has run. */
    idle: (): Promise<void> => tail.then(() => undefined),
  };
}

export type ServiceLoop = ReturnType<typeof createServiceLoop>;

/**
 * A long-running service built on the loop (the operator node, the watcher): `start` polls until `stop`, which lets
 * the work in hand reach a safe point and releases what the service holds (it cannot be started again);
 * `runOnce` is one whole pass; `stats` says what it did.
 */
export type Service<Stats> = { start(): Promise<void>; stop(): Promise<void>; runOnce(): Promise<void>; stats(): Stats };

/** The service's logger, made safe: an exception thrown by the user's logger never breaks the service. */
export function safeLogger<E>(logger: ((event: E) => void) | undefined): (event: E) => void {
  return (event) => {
    try {
      logger?.(event);
    } catch {
      // A logger must not break the service.
    }
  };
}

export type ServiceLoopOptions = {
  /** What the service calls itself in errors ("node", "watcher"). */
  name: string;
  /** Milliseconds between ticks while started. */
  pollMs: number;
  /** One pass of the service's work. */
  tick: () => Promise<void>;
  /** Called with an error a tick threw while polling (the loop goes on). */
  onError: (error: unknown) => void;
};

export function createServiceLoop({ name, pollMs, tick, onError }: ServiceLoopOptions) {
  const ticks = createSerialQueue();
  let started = false;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let wakers: (() => void)[] = [];

  const refuseIfStopped = () => {
    if (stopping) throw new OperatorConfigError(`this ${name} was stopped: create a new one`);
  };

  return {
    /** Whether stop() was called. */
    get stopping() {
      return stopping;
    },
    /** Whether the polling loop runs. */
    get running() {
      return started && !stopping;
    },
    /** Waits `ms`, or less if the service stops meanwhile. */
    sleep(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        if (stopping) return resolve();
        const done = () => {
          clearTimeout(timer);
          wakers = wakers.filter((w) => w !== done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        wakers.push(done);
      });
    },
    /** Throws {@link Interrupted} when the service is stopping: work calls it before each step that commits. */
    checkStop(): void {
      if (stopping) throw new Interrupted();
    },
    /** Runs one tick (after the one in hand, if any). */
    async tick(): Promise<void> {
      refuseIfStopped();
      return ticks.run(tick);
    },
    /**
     * Starts polling: a tick, `pollMs` of sleep, again, until stop(). `before` runs first and may throw (then a
     * later start() tries again). Calls while starting or started share the one loop.
     */
    async start(before?: () => Promise<unknown>): Promise<void> {
      refuseIfStopped();
      starting ??= (async () => {
        await before?.();
        started = true;
        loop = (async () => {
          while (!stopping) {
            try {
              await ticks.run(tick);
            } catch (e) {
              onError(e);
            }
            await this.sleep(pollMs);
          }
        })();
      })();
      starting.catch(() => (starting = undefined));
      return starting;
    },
    /**
     * Stops polling (idempotent): wakes every sleeper, waits for the loop and the tick in hand, then runs `finish`
     * (the service's clean-up) once.
     */
    stop(finish: () => Promise<void>): Promise<void> {
      stopped ??= (async () => {
        stopping = true;
        for (const w of [...wakers]) w();
        await loop;
        await ticks.idle();
        await finish();
        started = false;
      })();
      return stopped;
    },
  };
}
