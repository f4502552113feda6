import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import type pg from "pg";
import type { Redis } from "ioredis";

/** What the figures were measured on; the load average says how busy it was. */
export async function describeMachine(pool: pg.Pool, redis: Redis): Promise<Record<string, string>> {
  const cpu = cpus();
  const [{ version } = { version: "?" }] = (await pool.query<{ version: string }>("SELECT version()")).rows;
  const info = await redis.info("server");
  return {
    cpu: `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start)`,
    os: `Linux ${release()}`,
    node: process.version,
    postgresql: version.split(",")[0]!,
    redis: info.match(/redis_version:(\S+)/)?.[1] ?? "?",
    "load average at start": loadavg().map((l) => l.toFixed(2)).join(", "),
  };
}
