import { TRPCError } from "@trpc/server";
import { expect, test } from "vitest";
import { AppError, retryAfterOf } from "./errors.ts";
import { PushGate } from "./push-gate.ts";

/** A task that runs until `finish()` (or `fail()`), and says when it started. */
function heldTask(name: string, started: string[]) {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    finish = () => resolve(name);
    fail = reject;
  });
  return { run: () => (started.push(name), done), finish: () => finish(), fail: (error: Error) => fail(error) };
}

const busyCode = (error: unknown) => (error instanceof TRPCError && error.cause instanceof AppError ? error.cause.code : null);

test("slots run at once, waiters start in arrival order as slots free up, one beyond the queue is refused", async () => {
  const gate = new PushGate({ slots: 1, queueLength: 2, maxWaitMs: 600_000 });
  const started: string[] = [];
  const [a, b, c] = ["a", "b", "c"].map((name) => heldTask(name, started)) as [ReturnType<typeof heldTask>, ReturnType<typeof heldTask>, ReturnType<typeof heldTask>];
  const runs = [gate.run(a.run), gate.run(b.run), gate.run(c.run)];
  const refused = await gate.run(async () => "never").catch((error: unknown) => error);
  expect(busyCode(refused)).toBe("SERVER_BUSY");
  expect(retryAfterOf(refused)).toBeGreaterThanOrEqual(1);
  expect(started).toEqual(["a"]);
  expect(gate.stats()).toEqual({ inFlight: 1, waiting: 2, refused: { queue_full: 1, wait_timeout: 0 } });

  // A task that fails gives its slot back as one that succeeds does.
  a.fail(new Error("push failed"));
  await expect(runs[0]).rejects.toThrow("push failed");
  await expect.poll(() => started).toEqual(["a", "b"]);
  b.finish();
  await expect.poll(() => started).toEqual(["a", "b", "c"]);
  c.finish();
  expect(await Promise.all(runs.slice(1))).toEqual(["b", "c"]);
  expect(gate.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
});

test("a waiter not admitted within maxWaitMs is refused and leaves the queue; Retry-After stays within 1–60 s", async () => {
  const gate = new PushGate({ slots: 1, queueLength: 5, maxWaitMs: 0 });
  const started: string[] = [];
  const held = heldTask("held", started);
  const running = gate.run(held.run);
  const late = await gate.run(async () => "never").catch((error: unknown) => error);
  expect(busyCode(late)).toBe("SERVER_BUSY");
  expect(retryAfterOf(late)).toBeGreaterThanOrEqual(1);
  expect(retryAfterOf(late)).toBeLessThanOrEqual(60);
  expect(gate.stats()).toEqual({ inFlight: 1, waiting: 0, refused: { queue_full: 0, wait_timeout: 1 } });
  held.finish();
  await running;
  expect(await gate.run(async () => "next")).toBe("next");
});
