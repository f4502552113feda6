// The push gate's lanes, without a database: tasks are promises the test settles by hand.
import { expect, test, vi } from "vitest";
import { PushGate } from "./push-gate.ts";

/** A task that runs until `finish()`; `started` once the gate let it in. */
function held() {
  let finish!: () => void;
  let started = false;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    task: () => {
      started = true;
      return done;
    },
    finish,
    get started() {
      return started;
    },
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

test("small pushes take the express lane while large ones fill the general slots and queue; a freed general slot goes to a waiting small push first", async () => {
  const gate = new PushGate({ slots: 1, queueLength: 1, maxWaitMs: 60_000, express: { slots: 1, maxChanges: 10 } });
  const large = [held(), held()];
  const running = [gate.run(large[0]!.task, 500), gate.run(large[1]!.task, 500)];
  await settled();
  expect([large[0]!.started, large[1]!.started]).toEqual([true, false]);
  // The general queue is full: another large push is refused; a small one runs in the express slot.
  await expect(gate.run(async () => undefined, 500)).rejects.toMatchObject({ cause: { code: "SERVER_BUSY" } });
  const small = [held(), held()];
  running.push(gate.run(small[0]!.task, 5), gate.run(small[1]!.task, 5));
  await settled();
  expect([small[0]!.started, small[1]!.started]).toEqual([true, false]);
  expect(gate.stats()).toMatchObject({ inFlight: 2, waiting: 2 });

  // The large push ends: its slot goes to the waiting small push, not to the large one queued first.
  large[0]!.finish();
  await settled();
  expect([small[1]!.started, large[1]!.started]).toEqual([true, false]);
  small[1]!.finish();
  await settled();
  expect(large[1]!.started).toBe(true);
  small[0]!.finish();
  large[1]!.finish();
  await Promise.all(running);
  expect(gate.stats()).toEqual({ inFlight: 0, waiting: 0, refused: { queue_full: 1, wait_timeout: 0 } });
});

test("without an express lane, a small push waits in arrival order like any other", async () => {
  const gate = new PushGate({ slots: 1, queueLength: 1, maxWaitMs: 60_000 });
  const large = held();
  const running = gate.run(large.task, 500);
  const waiting = gate.run(async () => undefined, 500);
  await expect(gate.run(async () => undefined, 1)).rejects.toMatchObject({ cause: { code: "SERVER_BUSY" } });
  large.finish();
  await Promise.all([running, waiting]);
});

test("refused requests count as coming back: a herd is told to return spread over the time the gate needs to serve it", async () => {
  const gate = new PushGate({ slots: 1, queueLength: 0, maxWaitMs: 60_000, requests: "pulls" });
  const running = held();
  const admitted = gate.run(running.task);
  await settled();
  const retryAfters: number[] = [];
  for (let i = 0; i < 5; i++) {
    const refusal = await gate.run(async () => undefined).catch((error: { cause: { code: string; retryAfter: number; message: string } }) => error.cause);
    expect(refusal).toMatchObject({ code: "SERVER_BUSY", message: expect.stringContaining("pulls") });
    retryAfters.push((refusal as { retryAfter: number }).retryAfter);
  }
  // Each refused client is ahead of the next one when they return (before any hold was measured, a request takes 1 s).
  expect(retryAfters).toEqual([1, 2, 3, 4, 5]);
  running.finish();
  await admitted;
});

test("a gate paced by bytes holds a task's slot until its answer's bytes would have gone out at the slot's share of the rate", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  try {
    // 1,000 bytes a second over two slots: 500 a second each.
    const gate = new PushGate({ slots: 2, queueLength: 4, maxWaitMs: 60_000, bytesPerSecond: 1_000, requests: "pulls" });
    const weigh = (answer: string) => answer.length;
    const pages = [gate.run(async () => "x".repeat(250), undefined, weigh), gate.run(async () => "x".repeat(250), undefined, weigh)];
    // Answered at once: the pacing holds the slot, not the answer.
    expect(await Promise.all(pages)).toEqual(["x".repeat(250), "x".repeat(250)]);
    const next = held();
    const waiting = gate.run(next.task, undefined, () => 0);
    await vi.advanceTimersByTimeAsync(400);
    expect(next.started).toBe(false);
    expect(gate.stats()).toMatchObject({ inFlight: 2, waiting: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(next.started).toBe(true);
    next.finish();
    await waiting;
    // A weightless task frees its slot as soon as it ends (the pages' slots were freed at 500 ms).
    expect(gate.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
  } finally {
    vi.useRealTimers();
  }
});
