// B6's simulated devices, in a process of their own (forked by propagation.ts): the fleet's event
// parsing, pushes and pulls must not share the server's event loop, as on real phones. Each
// stream is a plain socket of its own (raw-streams.ts), as each baseline subscriber's is; pushes
// and pulls go through fetch. 2,000 streams need a file-descriptor limit above the default 1,024
// (`ulimit -n`).
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { SyncEvent } from "@fieldsync/schema";
import { type RangeStep, comparePositions, intervalSyncDue, newId, parsePosition, pullDelay, rangeStep, replansCatchUp } from "@fieldsync/sync-core";
import { Redis } from "ioredis";
import pg from "pg";
import { createChange } from "../data.ts";
import { SharedPayloads, openEventStream, subscribeRaw } from "../raw-streams.ts";
import { login, redisUrl, syncClient } from "../server.ts";
import { inParallel, now, percentile } from "../stats.ts";

const propagationDevice = (d: number) => `bench-prop-${d}`;
const stormDevice = (d: number) => `bench-storm-${d}`;
const changesPerSecond = 100;
/** Live writers' pushes: small (the push gate's express lane takes up to 10). */
const changesPerPush = 5;
/** As the PWA: the scheduler's regular pull, left out while events keep the device current (intervalSyncDue). */
const pullIntervalMs = 30_000;
/** How long receivers may still catch up after the last write. */
const graceMs = 10_000;
/** Latencies are also reported per window of this length (by when the change was sent). */
const windowMs = 10_000;
/** Streams one device may hold (MAX_STREAMS_PER_DEVICE of the bench server). */
const streamsPerDevice = 100;

/**
 * What every device has seen of the live writers' changes, and when it first saw each. Changes
 * are numbered as they are sent; a device's seen set is a byte per change, so 2,000 devices ×
 * 6,000 changes stay small. Changes not sent through `sent` (the storm's) are not tracked.
 */
class Receivers {
  private readonly index = new Map<string, number>();
  private readonly sentAt: bigint[] = [];
  private readonly writers: number[] = [];
  private readonly seen: Uint8Array[];
  /** When the first change was sent: windows count from there. */
  private start: bigint | null = null;
  /** Latencies (ms) per window of sending time. */
  readonly windows: number[][] = [];
  delivered = 0;
  /** Deliveries by a live event (the rest came with a pull). */
  live = 0;

  constructor(
    private readonly devices: number,
    capacity: number,
  ) {
    this.seen = Array.from({ length: devices }, () => new Uint8Array(capacity));
  }

  sent(ids: string[], writer: number) {
    const at = now();
    this.start ??= at;
    for (const id of ids) {
      this.index.set(id, this.sentAt.length);
      this.sentAt.push(at);
      this.writers.push(writer);
    }
  }

  saw(device: number, ids: Iterable<string>, live = false) {
    const at = now();
    const seen = this.seen[device]!;
    for (const id of ids) {
      const i = this.index.get(id);
      if (i === undefined || this.writers[i] === device || seen[i]) continue;
      seen[i] = 1;
      const window = Math.floor(Number(this.sentAt[i]! - this.start!) / 1e6 / windowMs);
      (this.windows[window] ??= []).push(Number(at - this.sentAt[i]!) / 1e6);
      this.delivered++;
      if (live) this.live++;
    }
  }

  get expected() {
    return this.sentAt.length * (this.devices - 1);
  }

  get missing() {
    return this.expected - this.delivered;
  }
}

/**
 * Writes 100 changes/s (pushes of 5 from random devices) for `seconds`, then waits for receivers.
 * `write` resolves when the push is answered; the changes it acknowledged are counted per second.
 */
async function drive(seconds: number, receivers: Receivers, devices: number, write: (writer: number, ids: string[]) => Promise<void>) {
  const started = Date.now();
  const writes: Promise<void>[] = [];
  const interval = 1000 / (changesPerSecond / changesPerPush);
  const acknowledged: number[] = [];
  // Each push has its time (start + i × interval): a timer that fires late does not lower the rate offered.
  for (let i = 0; i * interval < seconds * 1000; i++) {
    const wait = started + i * interval - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const ids = Array.from({ length: changesPerPush }, () => newId());
    const writer = Math.floor(Math.random() * devices);
    receivers.sent(ids, writer);
    writes.push(write(writer, ids).then(() => void acknowledged.push(Date.now())));
  }
  await Promise.all(writes);
  const until = Date.now() + graceMs;
  while (receivers.missing > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  return acknowledged;
}

export interface DevicesInput {
  url: string;
  /** A sync token caught up before the run. */
  startToken: string | null;
  databaseUrl: string;
  seconds: number;
  /** Devices on the events stream (each also writes now and then). */
  devices: number;
  /** Devices that reconnect during the run, each with one push of `changes` changes, all at `atSecond`. */
  storm: { devices: number; changes: number; atSecond: number };
  /** Idle streams opened after the run to measure the server's memory per stream. */
  idleStreams: number;
}

export interface Delivery {
  p50: number;
  p99: number;
  /** p99 per 10-s window of sending time. */
  windowP99: number[];
  deliveries: number;
  live: number;
  missing: number;
  pushP50: number | null;
  pushes: number;
}

export interface Storm {
  /** From the storm's pushes leaving to the last one answered (ms). */
  answeredMs: number;
  pushP50: number;
  /** Live writers' acknowledged changes per second while the storm's pushes were in flight, and from the run's start to the storm. */
  liveDuring: number;
  liveBefore: number;
  /** Devices whose token had passed the storm's last push by the run's end (the rest were still within their catch-up window). */
  caughtUp: number;
  /** The longest catch-up window (ms) an event named for the storm's ranges (none: the default spread). */
  catchUpMs: number | null;
}

export interface DevicesResult {
  ours: Delivery;
  base: Delivery;
  storm: Storm | null;
  /** Server RSS growth per idle stream (bytes), and the streams it was measured over (or why it could not be). */
  streamMemory: { bytesPerStream: number; streams: number } | { error: string } | null;
}

const summary = (r: Receivers, pushMs: number[] = []): Delivery => {
  const all = r.windows.flat();
  return {
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    windowP99: Array.from(r.windows, (latencies) => percentile(latencies ?? [], 99)),
    deliveries: r.delivered,
    live: r.live,
    missing: r.missing,
    pushP50: pushMs.length ? percentile(pushMs, 50) : null,
    pushes: pushMs.length,
  };
};

/**
 * One JSON.parse per distinct text (of up to `limit` kept), shared by the simulated devices:
 * every device still reads its own answer's bytes, but the fleet's phones would parse on 2,000
 * CPUs, not on the one core this process shares with the server. Parsed values are only read.
 * For pulls' pages (streams' events share theirs by bytes: SharedPayloads).
 */
function sharedParser(limit: number) {
  // Looked up by length and ends, then compared whole: hashing each device's copy of a
  // kilobytes-long text was 40 % of this process's time; comparing it is a memcmp.
  const parsed = new Map<string, { text: string; value: unknown }>();
  return (text: string): unknown => {
    const key = `${text.length} ${text.slice(0, 96)} ${text.slice(-32)}`;
    const known = parsed.get(key);
    if (known?.text === text) return known.value;
    if (parsed.size >= limit) parsed.clear();
    const value = JSON.parse(text) as unknown;
    parsed.set(key, { text, value });
    return value;
  };
}
/** Events' and the baseline's messages: one parse per distinct payload, shared by the fleet. */
const sharedPayloads = new SharedPayloads();
const sharedPages = sharedParser(64);
/**
 * A pull's answer: devices at one position get the same changes (the server renders them first,
 * `{"changes":[…],"nextPageToken":…}`), each with its own token and serverTime.
 */
const sharedPageParse = (text: string): unknown => {
  const end = text.lastIndexOf('],"nextPageToken":');
  if (!text.startsWith('{"changes":[') || end < 0) return JSON.parse(text);
  return { ...(JSON.parse(`{${text.slice(end + 2)}`) as object), changes: sharedPages(text.slice(11, end + 1)) };
};

/** sync-core's rangeStep, worked out once per position and range however many devices sit there. */
const steps = new Map<string, RangeStep>();
function stepOf(at: string | null, range: NonNullable<SyncEvent["range"]>): RangeStep {
  const key = `${at} ${range.from} ${range.to}`;
  let step = steps.get(key);
  if (step === undefined) {
    if (steps.size >= 4096) steps.clear();
    step = rangeStep(at, range);
    steps.set(key, step);
  }
  return step;
}

/** Devices whose position (where their token sits) is at or past the last of `entities`' changes in the log. */
async function caughtUpOn(databaseUrl: string, entities: string[], positions: (string | null)[]): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ txid: string; seq: string }>(
      `SELECT "txid"::text, "seq"::text FROM "ChangeLog" WHERE "entityId" = ANY($1::text[]) ORDER BY "txid" DESC, "seq" DESC LIMIT 1`,
      [entities],
    );
    const end = rows[0] && { txid: BigInt(rows[0].txid), seq: BigInt(rows[0].seq) };
    if (!end) return 0;
    return positions.filter((at) => {
      const here = at === null ? null : parsePosition(at);
      return here !== null && comparePositions(here, end) >= 0;
    }).length;
  } finally {
    await pool.end();
  }
}

/** Each device's own session of tech1 (tokens are valid for their own device only). */
const accessTokens = new Map<string, string>();

/**
 * Opens the device's events stream; calls `onEvent` with each `changes` event. Resolves once it
 * is ready. Read from a plain socket (raw-streams.ts), as the baseline's subscribers read theirs.
 */
function listen(url: string, deviceId: string, signal: AbortSignal, onEvent: (event: SyncEvent) => void) {
  return new Promise<void>((resolve, reject) => {
    let ready = false;
    const headers = { authorization: `Bearer ${accessTokens.get(deviceId)}` };
    openEventStream(url, `/api/sync/events?deviceId=${deviceId}`, headers, signal, (name, data) => {
      if (!ready) {
        ready = name === "ready";
        if (ready) resolve();
        else reject(new Error(`events stream of ${deviceId}: did not start`));
      } else if (name === "changes") onEvent(sharedPayloads.parse(data) as SyncEvent);
    }).catch((error: Error) => reject(new Error(`events stream of ${deviceId}: ${error.message}`)));
  });
}

/** The server's resident memory, from its /metrics (loopback needs no token). */
async function serverRss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const rss = /^fieldsync_process_\w*resident_memory_bytes (\d+)/m.exec(text)?.[1];
  if (!rss) throw new Error("the server's /metrics has no resident memory figure");
  return Number(rss);
}

/**
 * Ours: every device behaves like the PWA: it takes an event's range (its changes and the token
 * at its end) when its token sits in it, shows a live preview at once, pulls at once when it
 * missed a range or got a plain nudge (naming the range, so the server can share the page), and
 * otherwise every 30 s, one pull at a time. Meanwhile the storm's devices reconnect with large
 * pushes. Then the baseline: the same live rows through a raw INSERT, broadcast with a raw Redis
 * PUBLISH to as many raw subscribers.
 */
export async function runDevices(input: DevicesInput): Promise<DevicesResult> {
  const deviceCount = input.devices;
  const stormIds = Array.from({ length: input.storm.devices }, (_, d) => stormDevice(d));
  const loginIds = [...Array.from({ length: deviceCount }, (_, d) => propagationDevice(d)), ...stormIds];
  await inParallel(8, async (w) => {
    for (let i = w; i < loginIds.length; i += 8) accessTokens.set(loginIds[i]!, await login(input.url, loginIds[i]!));
  });
  // Measured first, on a server that has done nothing but the logins: after the storm, the collector
  // handing the run's memory back between two readings outweighed the streams (-0.6 KiB a stream).
  // Its failure (e.g. streams refused) keeps the rest of the run.
  const streamMemory = input.idleStreams > 0 ? await idleStreamMemory(input).catch((error: Error) => ({ error: error.message })) : null;
  const abort = new AbortController();
  // One signal ends every stream and request of the fleet: thousands of listeners on it are expected.
  setMaxListeners(0, abort.signal);
  // Pulls still catching up (or waiting out a Retry-After) when the run ends send nothing more.
  const server = syncClient(input.url, (deviceId) => accessTokens.get(deviceId)!, { parsePage: sharedPageParse, signal: abort.signal });
  const tokens = Array.from({ length: deviceCount }, () => input.startToken);
  /** Where each device's token sits in the log (unknown until its first answer). */
  const positions = Array.from({ length: deviceCount }, (): string | null => null);
  /** As SyncEngine.liveAt and the sync state's lastSyncAt: when an event last kept the token current, when a pull last ended. */
  const liveAt = Array.from({ length: deviceCount }, (): number | null => null);
  const pulledAt = Array.from({ length: deviceCount }, (): number | null => null);
  const capacity = changesPerSecond * (input.seconds + 5) * 2;
  const ours = new Receivers(deviceCount, capacity);
  const pulling = new Map<number, Promise<void>>();
  /** As the PWA: one pull at a time per device. */
  const pull = (d: number, reach?: string): Promise<void> => {
    const running = pulling.get(d);
    if (running) return running;
    const next = (async () => {
      for (let more = true; more && !abort.signal.aborted; ) {
        const page = await server.delta(propagationDevice(d), tokens[d]!, 1000, false, reach);
        tokens[d] = page.nextPageToken;
        positions[d] = page.position;
        ours.saw(d, page.changes.map((c) => c.entityId));
        more = page.hasMore;
      }
      pulledAt[d] = Date.now();
    })().finally(() => pulling.delete(d));
    pulling.set(d, next);
    return next;
  };
  /**
   * As the PWA's scheduler: a pull planned `delayMs` ahead (pullDelay) stands while nudges come,
   * unless `replan` (sync-core's replansCatchUp); none is planned while a pull runs.
   */
  const planned = new Map<number, ReturnType<typeof setTimeout>>();
  const plan = (d: number, reach: string | undefined, delayMs: number, replan: boolean) => {
    if (pulling.has(d) || (planned.has(d) && !replan)) return;
    clearTimeout(planned.get(d));
    planned.set(
      d,
      setTimeout(() => {
        planned.delete(d);
        void pull(d, reach).catch(() => undefined);
      }, delayMs),
    );
  };
  const intervals = new Set<ReturnType<typeof setInterval>>();
  let longestCatchUp: number | null = null;
  // The interval waits for a planned catch-up, and is left out while events keep the device current, as the PWA's is.
  const intervalPull = (d: number) => {
    const due = intervalSyncDue({ now: Date.now(), intervalMs: pullIntervalMs, liveAt: liveAt[d] ?? null, lastSyncAt: pulledAt[d] ?? null, unsettled: 0 });
    if (!planned.has(d) && due) void pull(d).catch(() => undefined);
  };
  const startInterval = (d: number) => setTimeout(() => intervals.add(setInterval(() => intervalPull(d), pullIntervalMs)), Math.random() * pullIntervalMs);
  // Every device registers (its first pull) before listening, so its own changes are left out.
  await inParallel(20, async (w) => {
    for (let d = w; d < deviceCount; d += 20) await pull(d);
  });
  const stormTokens = new Map<string, string>();
  for (const deviceId of stormIds) stormTokens.set(deviceId, (await server.delta(deviceId, input.startToken, 1000)).nextPageToken);
  await inParallel(20, async (w) => {
    for (let d = w; d < deviceCount; d += 20) {
      await listen(input.url, propagationDevice(d), abort.signal, (event) => {
        // As SyncEngine.applyLiveEvent: the event's changes (the range's and a preview) are
        // stored and shown at once; a range that starts at or before the token also moves it (not
        // while a pull of the device is in flight: the PWA's sync lock).
        const range = event.range;
        if (range?.catchUpMs !== undefined) longestCatchUp = Math.max(longestCatchUp ?? 0, range.catchUpMs);
        const step = range && !pulling.has(d) ? stepOf(positions[d] ?? null, range) : "pull";
        if (step === "advance" && range?.changes && range.syncToken) {
          tokens[d] = range.syncToken;
          positions[d] = range.to;
        }
        if (range?.changes) ours.saw(d, range.changes.map((c) => c.entityId), true);
        if (event.changes) ours.saw(d, event.changes.map((c) => c.entityId), true);
        const caughtUp = step === "skip" || (step === "advance" && range?.syncToken !== undefined);
        if (caughtUp) liveAt[d] = Date.now();
        if (!caughtUp && !event.changes) plan(d, range?.to, pullDelay(event), replansCatchUp(event));
      });
    }
  });
  const phases = Array.from({ length: deviceCount }, (_, d) => startInterval(d));

  // The reconnect storm: every storm device pushes its backlog at once (refused pushes wait for Retry-After and go again).
  let storm: Promise<{ startedAt: number; answeredAt: number; pushMs: number[] }> | null = null;
  const stormEntities: string[] = [];
  const stormTimer =
    input.storm.devices > 0
      ? setTimeout(() => {
          const startedAt = Date.now();
          storm = Promise.all(
            stormIds.map(async (deviceId) => {
              const t = now();
              const changes = Array.from({ length: input.storm.changes }, () => createChange());
              stormEntities.push(...changes.map((c) => c.entityId));
              await server.push(deviceId, changes, stormTokens.get(deviceId));
              return Number(now() - t) / 1e6;
            }),
          ).then((pushMs) => ({ startedAt, answeredAt: Date.now(), pushMs }));
        }, input.storm.atSecond * 1000)
      : null;

  const pushMs: number[] = [];
  const acknowledged = await drive(input.seconds, ours, deviceCount, async (d, ids) => {
    const t = now();
    const response = await server.push(propagationDevice(d), ids.map((id) => createChange(id)), tokens[d]);
    pushMs.push(Number(now() - t) / 1e6);
    tokens[d] = response.syncToken;
    positions[d] = response.position;
    // Others' changes in the answer are held now: an event whose range the token has passed adds nothing.
    ours.saw(d, response.changes.map((c) => c.entityId));
  });
  if (stormTimer) clearTimeout(stormTimer);
  const stormRun = storm ? await (storm as Promise<{ startedAt: number; answeredAt: number; pushMs: number[] }>) : null;
  abort.abort();
  for (const timer of [...phases, ...intervals, ...planned.values()]) clearTimeout(timer);

  const rate = (from: number, to: number) => (acknowledged.filter((at) => at >= from && at < to).length * changesPerPush * 1000) / Math.max(1, to - from);
  const stormResult: Storm | null = stormRun && {
    answeredMs: stormRun.answeredAt - stormRun.startedAt,
    pushP50: percentile(stormRun.pushMs, 50),
    liveDuring: rate(stormRun.startedAt, stormRun.answeredAt),
    liveBefore: rate(stormRun.startedAt - input.storm.atSecond * 1000, stormRun.startedAt),
    caughtUp: await caughtUpOn(input.databaseUrl, stormEntities, positions),
    catchUpMs: longestCatchUp,
  };

  const base = new Receivers(deviceCount, capacity);
  const publisher = new Redis(redisUrl);
  const subscribers: { close(): void }[] = [];
  const channel = `bench-prop-${randomUUID()}`;
  await inParallel(20, async (w) => {
    for (let d = w; d < deviceCount; d += 20) {
      subscribers.push(
        await subscribeRaw(redisUrl, channel, (payload) => base.saw(d, (sharedPayloads.parse(payload) as { entity_id: string }[]).map((r) => r.entity_id), true)),
      );
    }
  });
  const pool = new pg.Pool({ connectionString: input.databaseUrl, max: 20 });
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_log (seq bigserial PRIMARY KEY, entity_id text NOT NULL, data jsonb)`);
  await drive(input.seconds, base, deviceCount, async (_d, ids) => {
    const { rows } = await pool.query(`INSERT INTO bench_log (entity_id, data) SELECT id, $2::jsonb FROM unnest($1::text[]) id RETURNING *`, [
      ids,
      JSON.stringify(createChange().payload),
    ]);
    await publisher.publish(channel, JSON.stringify(rows));
  });
  await pool.end();
  publisher.disconnect();
  for (const subscriber of subscribers) subscriber.close();

  return { ours: summary(ours, pushMs), base: summary(base), storm: stormResult, streamMemory };
}

/**
 * The server's memory per idle stream: its RSS with half of `idleStreams` open and ready, and with
 * all of them (streams of the fleet's devices, up to MAX_STREAMS_PER_DEVICE each), the growth
 * divided by the second half's streams. Measured between two levels, not from an idle server, so
 * what the first streams set up once (buffers, compiled code) is not counted; RSS still moves in
 * pages and with the collector: a figure over thousands of streams, not an exact one.
 */
async function idleStreamMemory(input: DevicesInput) {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  // One below the cap: a fleet stream just aborted may not have closed on the server yet.
  const owners = Math.ceil(input.idleStreams / (streamsPerDevice - 1));
  if (owners > input.devices) throw new Error(`${input.idleStreams} idle streams need ${owners} devices of the fleet`);
  const open = (from: number, to: number) =>
    inParallel(20, async (w) => {
      for (let s = from + w; s < to; s += 20) await listen(input.url, propagationDevice(s % owners), abort.signal, () => undefined);
    });
  const half = Math.floor(input.idleStreams / 2);
  try {
    await open(0, half);
    const before = await serverRss(input.url);
    await open(half, input.idleStreams);
    const after = await serverRss(input.url);
    return { bytesPerStream: (after - before) / (input.idleStreams - half), streams: input.idleStreams };
  } finally {
    abort.abort();
  }
}

process.once("message", (input: DevicesInput) => {
  runDevices(input).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (error: Error) => process.send!({ error: error.stack ?? error.message }, () => process.exit(1)),
  );
});
