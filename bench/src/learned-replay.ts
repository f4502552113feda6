// pnpm bench:learned [--conflicts=N] [--seed=N]
// Replays a generated history of conflict resolutions in time order and scores, per conflicting
// field, how often the suggestion matched what the person kept: the spec's rule (suggestResolution)
// against the learned suggestion (learnedSuggestions), which sees only the resolutions before it.
// Pure and seeded: the same arguments print the same figures. Method and assumptions: docs/conflicts.md.
import type { ConflictSide, EntityType, NewerSide, Role } from "@fieldsync/schema";
import { type ChoiceCount, learnedSuggestions, suggestResolution } from "@fieldsync/sync-core";

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=") as [string, string]));
const conflictsPerTeam = Number(args.get("conflicts") ?? 1500);
const seed = Number(args.get("seed") ?? 17);

/** mulberry32: a small seeded generator, so the replay is reproducible. */
function random(state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Circumstance {
  clientRole: Role;
  newer: Exclude<NewerSide, "unknown">;
}
/** Probability that the person keeps the client's (device's) value of a field. */
type Habit = (c: Circumstance) => number;

const keepNewer = (p: number): Habit => (c) => (c.newer === "client" ? p : 1 - p);
const keepClient = (p: number): Habit => () => p;
const keepServer = (p: number): Habit => () => 1 - p;
/** A technician's on-site value with probability p; an admin's device edit: whichever is newer. */
const keepOnSite = (p: number): Habit => (c) => (c.clientRole === "TECHNICIAN" ? p : keepNewer(0.7)(c));

interface FieldHabit {
  entityType: EntityType;
  field: string;
  /** Relative frequency of conflicts on this field. */
  weight: number;
  habit: Habit;
}

/**
 * The teams' assumed habits. Northwind: technicians' on-site observations (location, status,
 * task progress, when a schedule was done) win; the office owns identifiers and planning (serial
 * numbers, names, priorities, due dates, intervals); free text goes to the newer edit. Globex
 * trusts the field more: technicians read serial numbers off the plate, and only planning stays
 * with the office. Every choice is a coin with that probability: people are not consistent.
 */
const teams: Record<string, FieldHabit[]> = {
  northwind: [
    { entityType: "asset", field: "location", weight: 20, habit: keepOnSite(0.92) },
    { entityType: "asset", field: "serialNumber", weight: 10, habit: keepServer(0.88) },
    { entityType: "asset", field: "status", weight: 15, habit: keepOnSite(0.8) },
    { entityType: "asset", field: "notes", weight: 15, habit: keepNewer(0.75) },
    { entityType: "asset", field: "name", weight: 5, habit: keepServer(0.7) },
    { entityType: "task", field: "status", weight: 15, habit: keepClient(0.9) },
    { entityType: "task", field: "priority", weight: 5, habit: keepServer(0.85) },
    { entityType: "task", field: "dueAt", weight: 5, habit: keepServer(0.8) },
    { entityType: "task", field: "notes", weight: 5, habit: keepNewer(0.7) },
    { entityType: "schedule", field: "nextDueAt", weight: 4, habit: keepOnSite(0.85) },
    { entityType: "schedule", field: "intervalDays", weight: 1, habit: keepServer(0.9) },
  ],
  globex: [
    { entityType: "asset", field: "location", weight: 20, habit: keepOnSite(0.85) },
    { entityType: "asset", field: "serialNumber", weight: 10, habit: keepOnSite(0.75) },
    { entityType: "asset", field: "status", weight: 15, habit: keepNewer(0.75) },
    { entityType: "asset", field: "notes", weight: 15, habit: keepNewer(0.7) },
    { entityType: "asset", field: "name", weight: 5, habit: keepNewer(0.6) },
    { entityType: "task", field: "status", weight: 15, habit: keepClient(0.85) },
    { entityType: "task", field: "priority", weight: 5, habit: keepServer(0.8) },
    { entityType: "task", field: "dueAt", weight: 5, habit: keepServer(0.75) },
    { entityType: "task", field: "notes", weight: 5, habit: keepNewer(0.7) },
    { entityType: "schedule", field: "nextDueAt", weight: 4, habit: keepOnSite(0.8) },
    { entityType: "schedule", field: "intervalDays", weight: 1, habit: keepServer(0.9) },
  ],
};
/** Share of conflicts whose client side a technician pushed (the rest: an admin's device). */
const technicianShare = 0.85;
/** Share of conflicts where the saved (server) version is newer than the device's edit. */
const serverNewerShare = 0.4;
/** Share of conflicts on two fields of the same entity rather than one. */
const twoFieldShare = 0.25;

interface Score {
  fields: number;
  rule: number;
  learned: number;
  /** Fields where the learned suggestion came from history rather than the rule, and how many of those matched. */
  fromHistory: number;
  fromHistoryRight: number;
  /** The ceiling: always the likelier side under the true habits, which no suggestion can know. */
  ceiling: number;
}
const emptyScore = (): Score => ({ fields: 0, rule: 0, learned: 0, fromHistory: 0, fromHistoryRight: 0, ceiling: 0 });

function pick<T extends { weight: number }>(items: readonly T[], r: number): T {
  let left = r * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  return items[items.length - 1]!;
}

function replayTeam(team: string, habits: readonly FieldHabit[], next: () => number) {
  const counts = new Map<string, ChoiceCount>();
  const total = emptyScore();
  const byField = new Map<string, Score>();
  const coldStart = emptyScore();
  const clientTimestamp = new Date("2026-06-01T10:00:00Z");
  for (let n = 0; n < conflictsPerTeam; n++) {
    const first = pick(habits, next());
    const fields = [first];
    if (next() < twoFieldShare) {
      const second = pick(habits.filter((h) => h.entityType === first.entityType && h !== first), next());
      fields.push(second);
    }
    const circumstance: Circumstance = {
      clientRole: next() < technicianShare ? "TECHNICIAN" : "ADMIN",
      newer: next() < serverNewerShare ? "server" : "client",
    };
    const rule = suggestResolution({
      serverModifiedAt: new Date(clientTimestamp.getTime() + (circumstance.newer === "server" ? 60_000 : -60_000)),
      clientTimestamp,
      conflictingFields: fields.map((f) => f.field),
      mergeable: true,
      policy: { preference: "CLIENT_WINS" },
    });
    const history = [...counts.values()].filter((c) => c.entityType === first.entityType);
    const suggestions = learnedSuggestions(history, {
      entityType: first.entityType,
      conflictingFields: fields.map((f) => f.field),
      rule,
      ...circumstance,
    });
    fields.forEach((f, i) => {
      const pClient = f.habit(circumstance);
      const kept: ConflictSide = next() < pClient ? "client" : "server";
      const likelier: ConflictSide = pClient >= 0.5 ? "client" : "server";
      const suggestion = suggestions[i]!;
      const ruleSide: ConflictSide = rule === "CLIENT_WINS" ? "client" : "server";
      const scores = [total, byField.get(`${f.entityType}.${f.field}`) ?? emptyScore(), ...(n < 100 ? [coldStart] : [])];
      byField.set(`${f.entityType}.${f.field}`, scores[1]!);
      for (const score of scores) {
        score.fields++;
        if (ruleSide === kept) score.rule++;
        if (suggestion.side === kept) score.learned++;
        if (likelier === kept) score.ceiling++;
        if (suggestion.source === "learned") {
          score.fromHistory++;
          if (suggestion.side === kept) score.fromHistoryRight++;
        }
      }
      const key = [f.entityType, f.field, circumstance.clientRole, circumstance.newer, kept].join("|");
      const cell = counts.get(key) ?? { entityType: f.entityType, field: f.field, ...circumstance, side: kept, count: 0 };
      cell.count++;
      counts.set(key, cell);
    });
  }
  return { team, total, coldStart, byField };
}

const pct = (part: number, whole: number) => (whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)} %`);
const row = (name: string, s: Score) =>
  `| ${name} | ${s.fields} | ${pct(s.rule, s.fields)} | ${pct(s.learned, s.fields)} | ${pct(s.ceiling, s.fields)} | ${pct(s.fromHistory, s.fields)} | ${pct(s.fromHistoryRight, s.fromHistory)} |`;

const next = random(seed);
const results = Object.entries(teams).map(([team, habits]) => replayTeam(team, habits, next));
console.log(`Learned-suggestion replay: ${conflictsPerTeam} conflicts per team, seed ${seed}\n`);
console.log("| Replayed | Fields | Rule matched | Learned matched | Ceiling | Learned from history | …of which matched |");
console.log("|---|---|---|---|---|---|---|");
for (const { team, total, coldStart, byField } of results) {
  console.log(row(`**${team}**, all`, total));
  console.log(row(`${team}, first 100 conflicts`, coldStart));
  for (const [field, score] of [...byField].sort(([a], [b]) => a.localeCompare(b))) console.log(row(`${team} ${field}`, score));
}
