// The driver comparison issue 14 asks for: the statements of one real push, replayed in a
// transaction that is rolled back (so every round sees the same data), on node-postgres (what the
// push pool uses) and on postgres.js, one after another and pipelined where the push could
// pipeline them (statements that do not need an earlier one's answer sent together).
import { readFileSync } from "node:fs";
import pg from "pg";
import postgres from "postgres";

export interface Statement {
  text: string;
  values: readonly unknown[];
}

/**
 * The push's round trips when pipelined: the lock, claim lookup and metadata load need nothing
 * but the request; the entity rows need the metadata (which ids are live); every write needs
 * the decision, and the head check and sync record come after the writes in the same batch.
 */
function pipelineGroups(statements: readonly Statement[]): Statement[][] {
  const rows = statements.findIndex((s) => s.text.trimStart().startsWith(`SELECT e."id"`));
  const writes = statements.findIndex((s, i) => i > rows && !s.text.trimStart().startsWith("SELECT"));
  return [statements.slice(0, rows), statements.slice(rows, writes), statements.slice(writes)];
}

const backendCpu = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function measure(label: string, rounds: number, pid: number, round: () => Promise<void>) {
  const wall: number[] = [];
  const node: number[] = [];
  const server: number[] = [];
  await round();
  for (let i = 0; i < rounds; i++) {
    const cpu = process.cpuUsage();
    const serverStart = backendCpu(pid);
    const start = performance.now();
    await round();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    node.push((used.user + used.system) / 1000);
    server.push(backendCpu(pid) - serverStart);
  }
  console.log(`${median(wall).toFixed(1).padStart(7)}  ${median(node).toFixed(1).padStart(7)}  ${median(server).toFixed(1).padStart(7)}  ${label}`);
}

export async function replayOnDrivers(url: string, statements: readonly Statement[], rounds: number) {
  console.log(`\n${statements.length} statements of one push replayed ${rounds}× (rolled back); medians, ms\n   wall  node CPU   pg CPU`);
  const client = new pg.Client({ connectionString: url, options: "-c TimeZone=UTC" });
  client.on("error", () => {});
  await client.connect();
  const { rows: [pgPid] } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  await measure("node-postgres, one after another", rounds, pgPid!.pid, async () => {
    await client.query("BEGIN");
    for (const s of statements) await client.query(s.text, s.values as unknown[]);
    await client.query("ROLLBACK");
  });
  await client.end();

  const sql = postgres(url, { max: 1, connection: { TimeZone: "UTC" }, onnotice: () => {} });
  const reserved = await sql.reserve();
  const [jsPid] = await reserved.unsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
  // postgres.js JSON-encodes a parameter it is told is jsonb; node-postgres sends the text the push
  // already serialized. Read as text first, the statement gets the same text on both.
  const run = (s: Statement) => reserved.unsafe(s.text.replace(/(\$\d+)::jsonb\b/g, "$1::text::jsonb"), s.values as postgres.ParameterOrJSON<never>[]);
  await measure("postgres.js, one after another", rounds, jsPid!.pid, async () => {
    await reserved.unsafe("BEGIN");
    for (const s of statements) await run(s);
    await reserved.unsafe("ROLLBACK");
  });
  await measure("postgres.js, pipelined (3 round trips)", rounds, jsPid!.pid, async () => {
    await reserved.unsafe("BEGIN");
    for (const group of pipelineGroups(statements)) await Promise.all(group.map(run));
    await reserved.unsafe("ROLLBACK");
  });
  reserved.release();
  await sql.end();
}
