import { type ChangeNudge, frameScope } from "@fieldsync/api";
import { describe, expect, it } from "vitest";
import { NudgeHub, type Subscriber } from "./nudge-hub.ts";

const nudge = (orgId: string, position: number): ChangeNudge => ({ orgId, position: String(position), at: new Date(0).toISOString() });

/** A stream that records what it was sent, one entry per send (one socket write); `full()` makes its buffer full. */
function stream(hub: NudgeHub, orgId: string, deviceId: string, onSend?: (nudges: readonly ChangeNudge[]) => void) {
  const writes: string[][] = [];
  const skips: string[] = [];
  let closed = false;
  let full = false;
  const subscriber: Subscriber = {
    orgId,
    userId: "u",
    deviceId,
    scope: frameScope(null),
    send: (nudges) => {
      writes.push(nudges.map((n) => n.position));
      onSend?.(nudges);
      return !full;
    },
    skipped: (newest) => skips.push(newest.position),
    close: () => (closed = true),
  };
  const { remove, drained } = hub.add(subscriber);
  return {
    writes,
    skips,
    remove,
    full: () => (full = true),
    drain: () => {
      full = false;
      drained();
    },
    received: () => writes.flat(),
    closed: () => closed,
  };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

describe("NudgeHub", () => {
  it("sends a stream the nudges that came while it waited in one write, in order, and only its organization's", async () => {
    const hub = new NudgeHub();
    const a = stream(hub, "org-a", "d1");
    const b = stream(hub, "org-b", "d2");
    for (const position of [1, 2, 3]) hub.deliver(nudge("org-a", position));
    await until(() => a.received().length === 3);
    expect(a.writes).toEqual([["1", "2", "3"]]);
    hub.deliver(nudge("org-a", 4));
    await until(() => a.received().length === 4);
    expect(a.writes).toEqual([["1", "2", "3"], ["4"]]);
    expect(b.writes).toEqual([]);
  });

  it("brings every stream to every nudge exactly once, in order, when nudges arrive in the middle of a fan-out", async () => {
    const hub = new NudgeHub();
    let extra = 10;
    // Later nudges are delivered from inside the fan-out, as a Redis message can arrive between its chunks.
    const streams = Array.from({ length: 700 }, (_, i) =>
      stream(hub, "org", `d${i}`, () => {
        if (i % 97 === 0 && extra < 20) hub.deliver(nudge("org", extra++));
      }),
    );
    hub.deliver(nudge("org", 1));
    await until(() => extra === 20 && streams.every((s) => s.received().length === 11));
    for (const s of streams) expect(s.received()).toEqual(["1", ...Array.from({ length: 10 }, (_, k) => String(10 + k))]);
    // Streams behind by more than one nudge got them in fewer writes than nudges.
    expect(streams.some((s) => s.writes.some((w) => w.length > 1))).toBe(true);
  });

  it("does not send a stream the nudges delivered before it opened", async () => {
    const hub = new NudgeHub();
    const early = stream(hub, "org", "early");
    hub.deliver(nudge("org", 1));
    const late = stream(hub, "org", "late");
    hub.deliver(nudge("org", 2));
    await until(() => early.received().length === 2 && late.received().length === 1);
    expect(late.received()).toEqual(["2"]);
  });

  it("goes on past a stream that throws, and past one that was removed", async () => {
    const hub = new NudgeHub();
    stream(hub, "org", "broken", () => {
      throw new Error("closing");
    });
    const gone = stream(hub, "org", "gone");
    const fine = stream(hub, "org", "fine");
    gone.remove();
    hub.deliver(nudge("org", 1));
    await until(() => fine.received().length === 1);
    expect(gone.writes).toEqual([]);
    expect(hub.size).toBe(2);
  });

  it("holds a full stream's nudges until it drains, then sends them in one write; one too far behind is told to pull", async () => {
    const hub = new NudgeHub();
    const slow = stream(hub, "org", "slow");
    const lagging = stream(hub, "org", "lagging");
    const fast = stream(hub, "org", "fast");
    slow.full();
    lagging.full();
    hub.deliver(nudge("org", 1));
    await until(() => fast.received().length === 1);
    // Full after taking nudge 1: the next ones wait for their drain.
    for (const position of [2, 3]) hub.deliver(nudge("org", position));
    await until(() => fast.received().length === 3);
    expect([slow.received(), lagging.received()]).toEqual([["1"], ["1"]]);
    slow.drain();
    await until(() => slow.received().length === 3);
    expect(slow.writes).toEqual([["1"], ["2", "3"]]);
    // 250 more while `lagging` stays full: more than the hub keeps for it.
    for (let position = 4; position < 254; position++) hub.deliver(nudge("org", position));
    await until(() => fast.received().length === 253);
    lagging.drain();
    expect(lagging.skips).toEqual(["253"]);
    hub.deliver(nudge("org", 254));
    await until(() => lagging.received().length === 2 && slow.received().length === 254);
    expect(lagging.writes).toEqual([["1"], ["254"]]);
    expect(slow.received()).toEqual(Array.from({ length: 254 }, (_, i) => String(i + 1)));
  });

  it("closes a revoked device's streams and leaves the others open", () => {
    const hub = new NudgeHub();
    const lost = stream(hub, "org", "lost");
    const kept = stream(hub, "org", "kept");
    hub.revoke({ orgId: "org", deviceId: "lost" });
    expect([lost.closed(), kept.closed()]).toEqual([true, false]);
  });

  it("names the window a storm's range is pulled within from its organization's streams and the range's size", async () => {
    const hub = new NudgeHub({ catchUpBytesPerSecond: 1_000_000, now: () => 0 });
    const streams = Array.from({ length: 100 }, (_, d) => stream(hub, "org-a", `d${d}`));
    stream(hub, "org-b", "elsewhere");
    const storm = { ...nudge("org-a", 1), range: { from: "1.0", to: "2.5", bytes: 200_000 } };
    hub.deliver(storm);
    await until(() => streams.every((s) => s.received().length === 1));
    // 100 devices × 200 kB at 1 MB/s: 20 s, sent with the range.
    expect(storm.range).toMatchObject({ catchUpMs: 20_000 });
    // A range that carries its changes, or a small one, names none.
    const live = { ...nudge("org-a", 2), range: { from: "2.5", to: "2.6", changes: [] } };
    const small: ChangeNudge = { ...nudge("org-a", 3), range: { from: "2.6", to: "2.9", bytes: 10 } };
    hub.deliver(live);
    hub.deliver(small);
    await until(() => streams.every((s) => s.received().length === 3));
    expect(live.range).not.toHaveProperty("catchUpMs");
    // The small one comes after what the storm's range still owes.
    expect(small.range?.catchUpMs).toBe(20_001);
  });
});
