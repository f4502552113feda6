import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { BenchResults, ResultRow, ScalingPoint } from "./results.ts";
import { type Summary, spreadPercent } from "./stats.ts";

const fmt = (value: number) =>
  Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en") : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const cell = (s: Summary | null, unit: string) => (s ? `${fmt(s.median)} ${unit} ±${spreadPercent(s).toFixed(0)} %` : "—");
const met = (r: ResultRow) => (r.met === null ? "—" : r.met ? "yes" : "**no**");

export function printTable(results: BenchResults) {
  const lines = results.rows.map((r) => ({
    scenario: r.scenario,
    ours: cell(r.ours, r.unit),
    baseline: cell(r.baseline, r.unit),
    ratio: r.ratio === null ? "—" : `${r.ratio.toFixed(2)}×`,
    target: r.target,
    met: met(r).replaceAll("*", ""),
  }));
  console.table(lines);
  if (results.scaling.length) {
    console.table(results.scaling.map((p) => ({
      entities: p.entities,
      "push ms": fmt(p.pushOursMs.median),
      "1k org push ms": fmt(p.pushReferenceMs.median),
      "first push ms": fmt(p.pushFirstMs),
      "push baseline ms": fmt(p.pushBaselineMs.median),
      "delta page ms": fmt(p.deltaOursMs.median),
      "delta baseline ms": fmt(p.deltaBaselineMs.median),
    })));
  }
  for (const [id, error] of Object.entries(results.errors)) console.error(`${id} failed: ${error}`);
}

export function writeJson(path: string, results: BenchResults) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

/** Latency against entity count (log scale), ours solid and baselines dashed. */
export function scalingSvg(points: ScalingPoint[]): string {
  const width = 640;
  const height = 360;
  const pad = { left: 60, right: 170, top: 30, bottom: 50 };
  const series = [
    { name: "push (ours)", color: "#1f77b4", dash: "", get: (p: ScalingPoint) => p.pushOursMs.median },
    { name: "push, 1k org (same rounds)", color: "#2ca02c", dash: "", get: (p: ScalingPoint) => p.pushReferenceMs.median },
    { name: "push (baseline)", color: "#1f77b4", dash: "6 4", get: (p: ScalingPoint) => p.pushBaselineMs.median },
    { name: "delta page (ours)", color: "#d62728", dash: "", get: (p: ScalingPoint) => p.deltaOursMs.median },
    { name: "delta page (baseline)", color: "#d62728", dash: "6 4", get: (p: ScalingPoint) => p.deltaBaselineMs.median },
  ];
  const xs = points.map((p) => Math.log10(p.entities));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1);
  const yMax = Math.max(1, ...points.flatMap((p) => series.map((s) => s.get(p)))) * 1.1;
  const x = (entities: number) => pad.left + ((Math.log10(entities) - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const y = (ms: number) => height - pad.bottom - (ms / yMax) * (height - pad.top - pad.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.left}" y="18" font-size="14">Latency vs entities in the database (median of repeats)</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">entities (log scale)</text>`,
    `<text x="16" y="${(pad.top + height - pad.bottom) / 2}" transform="rotate(-90 16 ${(pad.top + height - pad.bottom) / 2})" text-anchor="middle">ms</text>`,
  ];
  for (const p of points) {
    parts.push(`<text x="${x(p.entities)}" y="${height - pad.bottom + 16}" text-anchor="middle">${p.entities.toLocaleString("en")}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const ms = (yMax / 4) * i;
    parts.push(`<text x="${pad.left - 6}" y="${y(ms) + 4}" text-anchor="end">${fmt(ms)}</text>`);
    parts.push(`<line x1="${pad.left}" y1="${y(ms)}" x2="${width - pad.right}" y2="${y(ms)}" stroke="#ddd"/>`);
  }
  series.forEach((s, i) => {
    const path = points.map((p, j) => `${j ? "L" : "M"}${x(p.entities).toFixed(1)},${y(s.get(p)).toFixed(1)}`).join(" ");
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    for (const p of points) parts.push(`<circle cx="${x(p.entities).toFixed(1)}" cy="${y(s.get(p)).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = pad.top + 10 + i * 20;
    parts.push(`<line x1="${width - pad.right + 10}" y1="${ly}" x2="${width - pad.right + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    parts.push(`<text x="${width - pad.right + 46}" y="${ly + 4}">${s.name}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

const ratioCell = (r: ResultRow | undefined) => (r?.ratio == null ? "—" : `${r.ratio.toFixed(2)}×`);

/** What the two sides of each comparison include (the load process is the benchmark's own). */
const sides = [
  "- **Processes.** The server under test is `apps/server/src/main.ts` in a process of its own (production mode, its own fresh database " +
    "and Redis prefix); B5's worker is `apps/worker/src/main.ts`, also its own process. The benchmark process is the load generator: it " +
    "builds and serializes the devices' requests and parses the answers (ours), and runs the baselines' SQL through `pg` (pool of 20), so " +
    "both sides pay their client's costs in the same process. B6's devices (2,000 in a full run, each with its events stream, and the " +
    "storm's devices) run in a third process: each device reads its stream from a plain socket, de-chunks it and splits its events itself " +
    "(as each of the baseline's raw Redis subscribers reads its own socket), and the fleet shares one JSON.parse per distinct payload, " +
    "which 2,000 phones would run on 2,000 CPUs; B4's routes run in a process of their own.",
  "- **B1/B2 ours**: HTTP POST /api/sync with a bearer token: authentication, rate limit, zod validation, the sync service (claim, lock, " +
    "decide, entity + SyncMetadata + ChangeLog + SyncQueue + SyncConflict writes, merges), the device's bookkeeping, " +
    "live events, the JSON answer. Sent with `pull: false`, as the sync client sends it: the answer holds the push's own results, and " +
    "other devices' changes come by delta (B3) or live event (B6).",
  "- **B1/B2 same-work baseline** (bench/src/same-work.ts): one SQL statement per batch (one transaction, one round trip, arrays as " +
    "parameters) on copies of the real tables (same columns, indexes, constraints, foreign keys; no triggers): earlier claims answered, " +
    "SyncMetadata rows locked, per-change decision on the base version, stale updates three-way merged against the logged base row (disjoint: " +
    "applied + a MERGE record; otherwise a SyncConflict with client, server and base data and the fields both changed), entity " +
    "insert/update/delete, SyncMetadata version + checksum and ChangeLog row rendered as the tracking triggers render them, the SyncQueue " +
    "claim written once with its outcome, the verification digests maintained (one SyncDigestDelta row per bucket the batch changed, as the " +
    "endpoint's SyncMetadata triggers append them; added 1 Dec, the baseline of earlier runs left this work out). Before measuring, the same " +
    "batches sent to the endpoint and to the baseline must answer alike, leave the same rows in all five tables and the same bucket digests " +
    "(same-work-check.ts; ids and times aside). Not done: HTTP, authentication, validation, the " +
    "device's advisory lock (the claims' unique index stands in), rejections, SyncClient/SyncRun bookkeeping, the pull, live events.",
  "- **B1-8-driver**: the same-work statement through postgres.js (pipelining, prepared) as *ours* and node-postgres as the baseline, same " +
    "batches and rounds, pools of 20; no server involved.",
  "- **B1/B2 reference (`-one-statement` rows)**: the earlier baseline, one INSERT … ON CONFLICT … WHERE version per batch into a one-table copy " +
    "(no claim, metadata, log or conflict record).",
  "- **B4**: the tRPC and REST no-op routes validate the 500-change body with the push endpoint's zod schema (checked before measuring: " +
    "both refuse an invalid body the bare route takes); the bare route only parses JSON.",
  "- **B5 queued**: N devices' async pushes (answered at once) applied by the worker process, against N other devices' (the same N) inline pushes in the same " +
    "rounds; both timed from the first push sent until every change is applied.",
  "- **Scaling**: its push baseline is the one-statement reference (on a copy that grows with the organization); the curve's shape is the point. " +
    "After each level's bulk load: VACUUM ANALYZE and a checkpoint, then 3 unmeasured rounds; the first of them is the *first push after the load*. " +
    "Every round also pushes a batch for a second organization of ~1,000 entities in the same tables: the machine's speed at that level's minute.",
];

/**
 * The report. `before`: the previously committed results, shown beside each row (matched by id;
 * "new" where the row did not exist).
 */
export function markdown(results: BenchResults, chartFile: string, before: BenchResults | null = null): string {
  const previous = new Map(before?.rows.map((r) => [r.id, r]) ?? []);
  const beforeCells = (r: ResultRow) => {
    const old = previous.get(r.id);
    return old ? `${cell(old.ours, old.unit)} | ${ratioCell(old)}` : "new | —";
  };
  const table = [
    "| scenario | ours | baseline | ratio | target | met? | before: ours | before: ratio |",
    "|---|---|---|---|---|---|---|---|",
    ...results.rows.map((r) =>
      `| ${r.scenario} | ${cell(r.ours, r.unit)} | ${cell(r.baseline, r.unit)} (${r.baselineLabel}) | ${ratioCell(r)} | ${r.target} | ${met(r)} | ${beforeCells(r)} |`),
  ];
  const notes = results.rows.filter((r) => r.note).map((r) => `- **${r.scenario}**: ${r.note}`);
  const scaling = [
    "| entities | push batch (ms) | 1k organization's push, same rounds (ms) | first push after the load (ms) | baseline push (ms) | delta page (ms) | baseline page (ms) |",
    "|---|---|---|---|---|---|---|",
    ...results.scaling.map((p) =>
      `| ${p.entities.toLocaleString("en")} | ${cell(p.pushOursMs, "")} | ${cell(p.pushReferenceMs, "")} | ${fmt(p.pushFirstMs)} | ${cell(p.pushBaselineMs, "")} | ${cell(p.deltaOursMs, "")} | ${cell(p.deltaBaselineMs, "")} |`),
  ];
  const machine = Object.entries(results.machine).map(([k, v]) => `| ${k} | ${v} |`);
  const errors = Object.entries(results.errors).map(([id, e]) => `- ${id} did not run: ${e}`);
  return [
    "# Benchmarks",
    "",
    `Generated by \`pnpm bench${results.mode === "quick" ? " --quick" : ""}\` (${results.mode} mode) on ${results.startedAt}, ${Math.round(results.durationSeconds)} s. ` +
      "Do not edit by hand: rerun the benchmark. Every figure is the median of the repeats with ± half the min–max range; " +
      "each scenario's baseline ran on the same data, from the same load process, interleaved with ours, so the ratio holds on a busy machine " +
      "even where absolute figures do not. Ratio = our speed relative to the baseline (higher is better; latencies are inverted).",
    "",
    before
      ? `*Before* is the previously committed run (${before.mode} mode, ${before.startedAt}). Its B1/B2 ratios were against the one-statement ` +
        "baseline: compare them with this run's `(reference baseline)` rows."
      : "*Before*: no earlier committed run.",
    "",
    ...table,
    "",
    "## What each side includes",
    "",
    ...sides,
    "",
    ...(errors.length ? ["## Not run", "", ...errors, ""] : []),
    "## Details",
    "",
    ...notes,
    "",
    "## Scaling",
    "",
    `![scaling](${chartFile})`,
    "",
    ...scaling,
    "",
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    ...machine,
    "",
  ].join("\n");
}
