import type { BenchResults } from "./results.ts";

/**
 * What limits each scenario when it misses its target, from profiling the code path (kept beside
 * the bench so the generated report explains a miss rather than just stating it).
 */
const levers: Record<string, string> = {
  B1:
    "profiled (500-change push, 1 device; PostgreSQL statement log + Node CPU profile). Fixed this round: the tracking " +
    "trigger is statement-level over transition tables with catalog-generated rendering (per-row PL/pgSQL canonicalization " +
    "was ~0.2 ms a row); Node hashed with WebCrypto, ~1,000 thread-pool round trips awaited one by one inside the " +
    "transaction (now node:crypto); a device that only pushes re-read all its own log rows on every pull (the cursor now " +
    "passes over filtered rows). Per push now: ~100 ms in PostgreSQL (claim, locked state read, entity writes whose " +
    "triggers write SyncMetadata + ChangeLog, outcomes, commit, the pull) and ~150 ms in Node (Prisma's query compiler " +
    "copying ~0.5 MB of raw-query parameters through wasm, GC, zod, two ~0.5 MB JSON bodies). The same-work baseline " +
    "writes the same four rows per change (entity, SyncMetadata, ChangeLog, SyncQueue) in one statement per batch; the " +
    "one-statement reference writes one. At 32 devices throughput falls (batch p50 ~24 s): 32 transactions of 500 changes " +
    "share a 20-connection pool, 2 cores and the same right-most ChangeLog/SyncQueue index pages, and Node holds ~16 MB of " +
    "bodies. Next levers: run the inline push's big statements on the pg connection directly (no query-compiler copy), " +
    "write each claim with its outcome in one statement, admit at most a few large inline pushes at once and queue the rest",
  B2:
    "in the full run B2 follows the 32-device storm (hundreds of thousands of fresh rows, autovacuum busy); the quick run " +
    "on a quiet machine gave 2,059 changes/s (0.10×), above B1 at 8 devices. As B1 otherwise. Stale changes used to cost two round trips each (a Prisma SyncConflict create, a ChangeLog read of the base " +
    "version): conflict records are now inserted in one statement at flush and bases read in one query when the batch " +
    "opens, so a push with 100 conflicts costs what one without does (~600 → ~260 ms for 500 changes, 1 device)",
  "B3-initial":
    "the ratio target is met in the full run (0.64×, the baseline's own rate drops at 100k entities), the 20,000 rows/s " +
    "target is not. Rows are now rendered with a catalog-generated jsonb_build_object (was fieldsync_entity_data: a pg_attribute lookup per " +
    "row); the SQL is no longer the cost: per 1,000-row page ~15 ms in PostgreSQL against ~65 ms in Node (zod output " +
    "validation, JSON of ~1 MB, HTTP on loopback, the client's JSON.parse, which the baseline does not do). Next lever: " +
    "render the page's JSON in PostgreSQL and pass it through without parsing",
  "B3-delta": "per page: device lookup, token sign/verify, selective-sync scope filtering, zod output and the HTTP round trip; the SQL itself is the baseline's",
  B5:
    "the sync worker drains 100 changes per transaction per device under an advisory lock; jobs of a drained device are " +
    "no-ops, but the queue is FIFO, so the 4 concurrent jobs mostly belong to the same device and wait on its lock. Tried " +
    "this round and not kept (within noise, ~600–690 changes/s each): 500 changes per transaction; pg_try_advisory_xact_lock " +
    "so waiting jobs return at once. Next levers: one job per device and push (not per change), and the inline path's bulk " +
    "statements for the worker's batches",
  "B5-noop": "BullMQ spends several Redis round trips (Lua scripts) per job; 4 workers × concurrency 50 reach ~10–12k jobs/s here, 1 × 50 about half",
  B6:
    "devices see other devices' small pushes as live events on the SSE stream, serialized once and written to 200 " +
    "sockets; in the 6-s quick run p50 is 80–800 ms depending on load. Over 30 s the server saturates: every device must " +
    "still pull every change to move its sync token (tokens advance only with pulls), 100 changes/s × 199 devices = " +
    "~20,000 rows/s of pull work against a delta rate of ~15,000 rows/s, and each push's response carries up to 500 " +
    "changes since the pusher's last pull; pushes then wait seconds in the server and latency grows over the run. Next " +
    "lever: live events that carry the fenced log range they cover (a log tailer per server process), so a device whose " +
    "token is at the start of the range moves it without pulling, and pulls only after a gap",
};

export function closingNotes(results: BenchResults): string {
  const met = results.rows.filter((r) => r.met === true).map((r) => `- ${r.scenario}`);
  const missed = results.rows.filter((r) => r.met === false);
  const missedLines = missed.map((r) => {
    const lever = levers[r.id] ?? levers[r.id.replace(/-\d+$/, "")] ?? levers[r.id.split("-")[0]!];
    return `- ${r.scenario}${lever ? `: ${lever}` : ""}`;
  });
  return [
    "## Targets",
    "",
    "Met:",
    "",
    ...(met.length ? met : ["- none"]),
    "",
    "Missed:",
    "",
    ...(missedLines.length ? missedLines : ["- none"]),
    "",
  ].join("\n");
}
