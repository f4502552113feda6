import type { BenchResults } from "./results.ts";

/**
 * What limits each scenario when it misses its target, from profiling the code path (kept beside
 * the bench so the generated report explains a miss rather than just stating it).
 */
const levers: Record<string, string> = {
  B1:
    "profiled with `pnpm --filter @fieldsync/bench profile:push` (a 500-change push in one process, one connection; " +
    "PostgreSQL CPU per statement read from /proc). On a quiet machine (30 Nov): ~45 ms of Node CPU (zod validation " +
    "of the body ~5 ms, decisions with canonical JSON and SHA-256 per change ~11 ms, node-postgres encoding ~0.5 MB " +
    "of parameters and parsing the loaded rows ~10 ms, GC ~15 ms) and ~65 ms of PostgreSQL CPU over 10 statements " +
    "(the entity UPDATE whose statement triggers write SyncMetadata, ChangeLog and the digest contributions ~23 ms " +
    "for 350 rows, the claims ~11 ms, the entity INSERT ~8 ms, the DELETE ~5 ms, the state reads ~8 ms, the head " +
    "check ~7 ms); 113 ms wall on one connection. The same-work baseline does the PostgreSQL part in one statement " +
    "and no Node work in a server: the gap is Node's share, plus the statements' round trips at one device. Next " +
    "levers: compute checksums and no-op detection in PostgreSQL (the tracking trigger renders the canonical entity " +
    "already), so exact-version updates need not load entity rows into Node; fewer objects per change (GC). At 32 " +
    "devices the push gate runs a few pushes at a time, queues some and answers the rest 503 + Retry-After, which the " +
    "client honours: nothing collapses, and the tail latency is that wait",
  B2:
    "as B1, and every stale change is answered with its whole conflict (client, server and base entity, both edits, per-field " +
    "suggestions: ~4.4 KB each with these 900-character notes), so a push with 100 conflicts answers ~570 KB against ~100 KB " +
    "for B1, which the server serializes and the client parses; the baseline answers outcomes only",
  B5:
    "a queued push writes each claim twice (PENDING with its payload in the push, then its outcome in the worker's transaction) " +
    "and the worker validates every stored change again with zod (a row altered in the database must be refused: chaos R12), " +
    "about 1.5× the database work of an inline push. This session: one worker transaction per push of up to 500 changes " +
    "(was 100) and the attempt counted in the outcome's UPDATE (was a second UPDATE)",
  "B5-noop": "BullMQ spends several Redis round trips (Lua scripts) per job; 4 workers × concurrency 50 reach ~10–12k jobs/s here, 1 × 50 about half",
  "B3-initial":
    "per 1,000-row page ~15 ms in PostgreSQL against ~65 ms in Node (JSON of ~1 MB, HTTP on loopback, the client's JSON.parse, " +
    "which the baseline does not do). Next lever (issue 15): render the page's JSON in PostgreSQL and pass it through unparsed",
  "B3-delta": "per page: device lookup, token sign/verify, selective-sync scope filtering and the HTTP round trip; the SQL itself is the baseline's",
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
