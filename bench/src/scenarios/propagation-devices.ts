// B6's simulated devices, in a process of their own (forked by propagation.ts): 200 devices'
// event parsing, pushes and pulls must not share the server's event loop, as on real phones.
import { randomUUID } from "node:crypto";
import type { SyncEvent } from "@fieldsync/schema";
import { rangeStep } from "@fieldsync/sync-core";
import { readEvents } from "@fieldsync/testing/sse-client";
import { Redis } from "ioredis";
import pg from "pg";
import { createChange } from "../data.ts";
import { login, redisUrl, syncClient } from "../server.ts";
import { inParallel, now, percentile } from "../stats.ts";

const deviceCount = 200;
const propagationDevice = (d: number) => `bench-prop-${d}`;
const changesPerSecond = 100;
const changesPerPush = 5;
/** As the PWA: the scheduler's regular pull, which moves the token past previewed changes. */
const pullIntervalMs = 30_000;
/** How long receivers may still catch up after the last write. */
const graceMs = 10_000;

/** A device's view: what it has seen, and when it first saw each change. */
class Receivers {
  private readonly sentAt = new Map<string, { at: bigint; writer: number }>();
  private readonly seen = Array.from({ length: deviceCount }, () => new Set<string>());
  readonly latencies: number[] = [];
  /** Deliveries by a live event (the rest came with a pull). */
  live = 0;

  sent(ids: string[], writer: number) {
    const at = now();
    for (const id of ids) this.sentAt.set(id, { at, writer });
  }

  saw(device: number, ids: Iterable<string>, live = false) {
    const at = now();
    for (const id of ids) {
      const sent = this.sentAt.get(id);
      if (!sent || sent.writer === device || this.seen[device]!.has(id)) continue;
      this.seen[device]!.add(id);
      this.latencies.push(Number(at - sent.at) / 1e6);
      if (live) this.live++;
    }
  }

  get expected() {
    return this.sentAt.size * (deviceCount - 1);
  }

  get missing() {
    return this.expected - this.latencies.length;
  }
}

/** Writes 100 changes/s (pushes of 5 from random devices) for `seconds`, then waits for receivers. */
async function drive(seconds: number, receivers: Receivers, write: (writer: number, ids: string[]) => Promise<void>) {
  const deadline = Date.now() + seconds * 1000;
  const writes: Promise<void>[] = [];
  const interval = 1000 / (changesPerSecond / changesPerPush);
  while (Date.now() < deadline) {
    const ids = Array.from({ length: changesPerPush }, () => randomUUID());
    const writer = Math.floor(Math.random() * deviceCount);
    receivers.sent(ids, writer);
    writes.push(write(writer, ids));
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  await Promise.all(writes);
  const until = Date.now() + graceMs;
  while (receivers.missing > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
}

export interface DevicesInput {
  url: string;
  /** A sync token caught up before the run. */
  startToken: string | null;
  databaseUrl: string;
  seconds: number;
}

export interface Delivery {
  p50: number;
  p99: number;
  deliveries: number;
  live: number;
  missing: number;
  pushP50: number | null;
  pushes: number;
}

const summary = (r: Receivers, pushMs: number[] = []): Delivery => ({
  p50: percentile(r.latencies, 50),
  p99: percentile(r.latencies, 99),
  deliveries: r.latencies.length,
  live: r.live,
  missing: r.missing,
  pushP50: pushMs.length ? percentile(pushMs, 50) : null,
  pushes: pushMs.length,
});

/** Each device's own session of tech1 (tokens are valid for their own device only). */
const accessTokens = new Map<string, string>();

/** Calls `onEvent` with each `changes` event of the device's events stream. */
async function listen(input: DevicesInput, deviceId: string, signal: AbortSignal, onEvent: (event: SyncEvent) => void) {
  const response = await fetch(`${input.url}/api/sync/events?deviceId=${deviceId}`, { headers: { authorization: `Bearer ${accessTokens.get(deviceId)}` }, signal });
  void (async () => {
    for await (const { event, data } of readEvents(response)) if (event === "changes") onEvent(data as SyncEvent);
  })().catch(() => undefined);
}

/**
 * Ours: every device behaves like the PWA: it takes an event's range (its changes and the token
 * at its end) when its token sits in it, shows a live preview at once, pulls at once when it
 * missed a range or got a plain nudge, and otherwise every 30 s, one pull at a time. Then the baseline: the same rows
 * through a raw INSERT, broadcast with a raw Redis PUBLISH to 200 raw subscribers.
 */
export async function runDevices(input: DevicesInput): Promise<{ ours: Delivery; base: Delivery }> {
  for (let d = 0; d < deviceCount; d++) accessTokens.set(propagationDevice(d), await login(input.url, propagationDevice(d)));
  const server = syncClient(input.url, (deviceId) => accessTokens.get(deviceId)!);
  const tokens = Array.from({ length: deviceCount }, () => input.startToken);
  /** Where each device's token sits in the log (unknown until its first answer). */
  const positions = Array.from({ length: deviceCount }, (): string | null => null);
  const ours = new Receivers();
  const abort = new AbortController();
  const pulling = new Map<number, Promise<void>>();
  const pull = (d: number): Promise<void> => {
    const running = pulling.get(d);
    if (running) return running;
    const next = (async () => {
      for (let more = true; more; ) {
        const page = await server.delta(propagationDevice(d), tokens[d]!, 1000);
        tokens[d] = page.nextPageToken;
        positions[d] = page.position;
        ours.saw(d, page.changes.map((c) => c.entityId));
        more = page.hasMore;
      }
    })().finally(() => pulling.delete(d));
    pulling.set(d, next);
    return next;
  };
  const intervals = new Set<ReturnType<typeof setInterval>>();
  const startInterval = (d: number) =>
    setTimeout(() => intervals.add(setInterval(() => void pull(d).catch(() => undefined), pullIntervalMs)), Math.random() * pullIntervalMs);
  // Every device registers (its first pull) before listening, so its own changes are left out.
  await inParallel(20, async (w) => {
    for (let d = w; d < deviceCount; d += 20) await pull(d);
  });
  await inParallel(deviceCount, (d) =>
    listen(input, propagationDevice(d), abort.signal, (event) => {
      // As SyncEngine.applyLiveEvent: a range that starts at or before the token moves it (not
      // while a pull of the device is in flight: the PWA's sync lock); a preview is shown.
      const range = event.range;
      const step = range && !pulling.has(d) ? rangeStep(positions[d] ?? null, range) : "pull";
      if (step === "advance" && range?.changes && range.syncToken) {
        tokens[d] = range.syncToken;
        positions[d] = range.to;
        ours.saw(d, range.changes.map((c) => c.entityId), true);
      }
      if (event.changes) ours.saw(d, event.changes.map((c) => c.entityId), true);
      const caughtUp = step === "skip" || (step === "advance" && range?.syncToken !== undefined);
      if (!caughtUp && !event.changes) void pull(d).catch(() => undefined);
    }),
  );
  const phases = Array.from({ length: deviceCount }, (_, d) => startInterval(d));
  const pushMs: number[] = [];
  await drive(input.seconds, ours, async (d, ids) => {
    const t = now();
    const response = await server.push(propagationDevice(d), ids.map((id) => createChange(id)), tokens[d]);
    pushMs.push(Number(now() - t) / 1e6);
    tokens[d] = response.syncToken;
    positions[d] = response.position;
    // Others' changes in the answer are held now: an event whose range the token has passed adds nothing.
    ours.saw(d, response.changes.map((c) => c.entityId));
  });
  abort.abort();
  for (const timer of [...phases, ...intervals]) clearTimeout(timer);
  await Promise.allSettled([...pulling.values()]);

  const base = new Receivers();
  const publisher = new Redis(redisUrl);
  const subscribers = Array.from({ length: deviceCount }, () => new Redis(redisUrl));
  const channel = `bench-prop-${randomUUID()}`;
  await Promise.all(
    subscribers.map(async (subscriber, d) => {
      subscriber.on("message", (_channel: string, message: string) =>
        base.saw(d, (JSON.parse(message) as { entity_id: string }[]).map((r) => r.entity_id), true),
      );
      await subscriber.subscribe(channel);
    }),
  );
  const pool = new pg.Pool({ connectionString: input.databaseUrl, max: 20 });
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_log (seq bigserial PRIMARY KEY, entity_id text NOT NULL, data jsonb)`);
  await drive(input.seconds, base, async (_d, ids) => {
    const { rows } = await pool.query(`INSERT INTO bench_log (entity_id, data) SELECT id, $2::jsonb FROM unnest($1::text[]) id RETURNING *`, [
      ids,
      JSON.stringify(createChange().payload),
    ]);
    await publisher.publish(channel, JSON.stringify(rows));
  });
  await pool.end();
  publisher.disconnect();
  for (const subscriber of subscribers) subscriber.disconnect();

  return { ours: summary(ours, pushMs), base: summary(base) };
}

process.once("message", (input: DevicesInput) => {
  runDevices(input).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (error: Error) => process.send!({ error: error.stack ?? error.message }, () => process.exit(1)),
  );
});
