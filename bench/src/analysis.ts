import type { BenchResults } from "./results.ts";

/**
 * What limits each scenario when it misses its target, from profiling the code path (kept beside
 * the bench so the generated report explains a miss rather than just stating it).
 */
const levers: Record<string, string> = {
  B1:
    "profiled with `pnpm --filter @fieldsync/bench profile:push` (a 500-change push in one process, one connection, no HTTP; " +
    "PostgreSQL CPU per statement read from /proc; it now also runs the same-work baseline on the same data). 1 Dec, on a " +
    "machine shared with other work (load 11–15; CPU times, not wall times, hold there): the push ~37–39 ms of Node CPU " +
    "(zod, decisions with canonical JSON and SHA-256 per change, node-postgres encoding ~0.5 MB of parameters and parsing " +
    "the loaded rows, and GC, the largest single item) and ~65–69 ms of PostgreSQL CPU over 10 statements (the entity " +
    "UPDATE with its tracking and digest statement triggers ~22 ms for 350 rows, the claims ~13 ms, the INSERT ~8 ms, " +
    "the head check ~7 ms, the DELETE ~6 ms, the state reads ~9 ms): ~105 ms of CPU a push, against ~67–70 ms for the " +
    "same-work baseline's batch (~59 ms in PostgreSQL, ~10 ms building its parameters). PostgreSQL's share is within " +
    "~10 ms of the baseline's (same rows, same indexes; the triggers' per-statement cost is ~1 ms); the gap is the " +
    "Node share, and in the benchmark HTTP on both ends (the body's JSON, the answer's), which the baseline does not " +
    "have. Tried 1 Dec and kept: the digest value as an inlinable SQL expression, one-shot SHA-256 (together ~10 ms " +
    "of CPU a push, 116–118 → 102–108 ms). Tried and dropped (no difference measured): the claims as unnest arrays or " +
    "json_to_recordset instead of jsonb_array_elements (~13 ms each: the cost is the five indexes), the tracking " +
    "trigger's SyncMetadata write as UPDATE + INSERT instead of INSERT … ON CONFLICT, a larger V8 young generation. " +
    "Next levers: exact-version updates without loading entity rows into Node (checksums and no-op detection in " +
    "PostgreSQL, which the trigger renders already); fewer objects per change (GC). At 32 devices the push gate runs 4 " +
    "pushes at a time and queues up to 64 (each at most 10 s): a burst waits in line rather than being refused and " +
    "coming back after Retry-After, so the tail is the line's length (32 × 500 changes / throughput)",
  B2:
    "as B1, and every stale change is answered with its whole conflict (client, server and base entity, both edits, per-field " +
    "suggestions: ~4.4 KB each with these 900-character notes), so a push with 100 conflicts answers ~570 KB against ~100 KB " +
    "for B1, which the server serializes and the client parses; the baseline answers outcomes only",
  B5:
    "a queued push writes each claim twice (PENDING with its payload in the push, then its outcome in the worker's transaction) " +
    "and the worker validates every stored change again with zod (a row altered in the database must be refused: chaos R12), " +
    "about 1.5× the database work of an inline push. This session: one worker transaction per push of up to 500 changes " +
    "(was 100) and the attempt counted in the outcome's UPDATE (was a second UPDATE); 1 Dec: a job whose transaction took fewer " +
    "changes than it asked for ends there, instead of a second transaction finding the queue empty (B5 --quick, load 10–17, " +
    "alternating runs: 0.53× and 0.61× before, 0.72× and 0.79× after, spreads ±25–50 %)",
  "B5-noop": "BullMQ spends several Redis round trips (Lua scripts) per job; 4 workers × concurrency 50 reach ~10–12k jobs/s here, 1 × 50 about half",
  "B3-initial":
    "pages of 5,000 rendered to JSON text by PostgreSQL and sent unparsed; since 2 Dec the next page is read while one " +
    "travels (ReadAhead), so the read no longer waits behind the transfer and the client's parse (0.59× → 0.85× against the " +
    "same run's baseline in a --only=delta run on this machine). The baseline pays no HTTP: ours adds the 6 MB answer's " +
    "round trip and the client's JSON.parse per page",
  "B3-delta":
    "per 1,000-change page (~1.25 MB) ~20 ms against the baseline's ~13 (probe of 2 Dec): the page's read is read ahead " +
    "since then (it was ~12 ms on the critical path: ~5 ms rendering in PostgreSQL, the rest moving and decoding one 1.25 MB " +
    "value); left on the path are the HTTP round trip with the load generator's fetch and JSON.parse (~5–8 ms), the session " +
    "lookup (~1 ms), the body's encoding (~1.3 ms, overlapping the pull's record) and the first page of each pull, which " +
    "nothing reads ahead (~36 ms). On 2 cores the next page's read competes for CPU with the page being sent",
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
