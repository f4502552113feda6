import type { BenchResults } from "./results.ts";

/**
 * What limits each scenario when it misses its target, from profiling the code path (kept beside
 * the bench so the generated report explains a miss rather than just stating it).
 */
const levers: Record<string, string> = {
  B1:
    "profiled per phase (500-change push, 1 device): SyncQueue claim was 0.85–2.5 s through Prisma createManyAndReturn and " +
    "is now one INSERT … SELECT FROM unnest (~80 ms); entity writes were one Prisma call per change and are now one statement per " +
    "type and operation (~110–300 ms, nearly all of it the fieldsync_track trigger: per row it renders the entity through " +
    "pg_attribute, canonicalizes it in PL/pgSQL, hashes it and writes SyncMetadata + ChangeLog). What remains per push: zod and " +
    "checksums in Node, loadStates FOR UPDATE, recordOutcomes, the pull of others' changes, two JSON bodies of ~0.5 MB. Next " +
    "levers: a statement-level trigger (REFERENCING NEW TABLE) that versions a whole statement set-wise; writing the claim with " +
    "its final outcome in one statement for inline pushes; at 32 devices the Prisma pool (20) and maxWait (10 s) make pushes fail " +
    "with 500 instead of queueing or answering 503",
  B2: "as B1, plus one SyncConflict INSERT and one ChangeLog read (base version) per stale change; next lever: batch both",
  "B3-initial":
    "each snapshot row is rendered by fieldsync_entity_data (a pg_attribute lookup and jsonb_object_agg per row) and goes " +
    "through zod output validation and the tRPC/REST layers; next lever: render rows with a per-type column list " +
    "(jsonb_build_object) instead of the generic function",
  "B3-delta": "per page: device lookup, token sign/verify, selective-sync scope filtering, zod output; the SQL itself is the baseline's",
  B5: "the sync worker drains 100 changes per transaction per device under an advisory lock; jobs of a drained device are no-ops",
  "B5-noop": "BullMQ spends several Redis round trips (Lua scripts) per job; on 2 shared cores that caps no-op throughput",
  B6:
    "the server saturates: 20 pushes/s plus 196 devices pulling every 5 s (~60 requests/s, each push also pulling up to 500 " +
    "changes) exceed what 2 shared cores serve, so requests queue and latency grows over the run; beyond that, " +
    "visibility waits for the pull after the commit and for pg_snapshot_xmin to pass every older transaction on the cluster (other engineers' test transactions included); SSE nudges instead of polling are the lever",
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
