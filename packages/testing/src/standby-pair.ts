// A primary and its streaming-replication hot standby, both private clusters on spare ports:
// initdb for the primary (wal_level=replica is PostgreSQL's default), `pg_basebackup -R` for the
// standby. Tests pause and resume the standby's replay to hold it behind the primary on purpose.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "@fieldsync/db";
import { type TestDatabase, migrationScripts } from "@fieldsync/db/testing";
import pg from "pg";
import { PrivatePostgres, asPostgres, chownTree, initCluster, pgBin, pgTool } from "./private-postgres.ts";

export interface StandbyPair {
  /** The primary's migrated `fieldsync` database (empty: the test seeds it). */
  primary: TestDatabase;
  /** The same database on the hot standby (read-only). */
  standbyUrl: string;
  /** Stops replaying WAL on the standby (it goes on receiving it); resolves once replay is paused. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary had written when called. */
  caughtUp(): Promise<void>;
  /** Runs one query on the standby (e.g. to see what its sessions are doing). */
  queryStandby<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Stops both clusters and removes their files. */
  stop(): Promise<void>;
}

/** Polls `probe` until it is true; fails after `timeoutMs` so a broken set-up never hangs CI. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`standby kit: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const connect = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
};

export async function startStandbyPair(): Promise<StandbyPair> {
  const dir = mkdtempSync(join(tmpdir(), "fieldsync-standby-"));
  const primaryDir = join(dir, "primary");
  const standbyDir = join(dir, "standby");
  mkdirSync(primaryDir);
  mkdirSync(standbyDir);
  // If set-up fails or the test process dies before stop(), neither cluster nor its files outlive it.
  const stopSync = () => {
    for (const dataDir of [join(standbyDir, "data"), join(primaryDir, "data")]) {
      const [cmd, args] = asPostgres(`${pgBin}/pg_ctl`, ["-D", dataDir, "-m", "immediate", "stop"]);
      spawnSync(cmd, args, { stdio: "ignore" });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopSync);
  const clients: pg.Client[] = [];
  try {
    await chownTree(dir);
    const primary = new PrivatePostgres(await initCluster(primaryDir), primaryDir);
    const standby = new PrivatePostgres(join(standbyDir, "data"), standbyDir);
    await primary.start();
    const admin = await connect(primary.url("postgres"));
    clients.push(admin);
    await admin.query("CREATE DATABASE fieldsync");
    const setup = await connect(primary.url());
    try {
      for (const script of migrationScripts()) await setup.query(script);
    } finally {
      await setup.end();
    }
    // -R writes standby.signal and primary_conninfo: the copy starts as a streaming hot standby.
    await pgTool("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", standby.dataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
    await standby.start();
    const reader = await connect(standby.url());
    clients.push(reader);

    const replayedUpTo = async (lsn: string) =>
      (await reader.query<{ done: boolean }>("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done", [lsn])).rows[0]!.done;
    const replayState = async () => (await reader.query<{ state: string }>("SELECT pg_get_wal_replay_pause_state() AS state")).rows[0]!.state;
    const db = createDb(primary.url(), { max: 20 });
    return {
      primary: { url: primary.url(), db, drop: () => db.$disconnect() },
      standbyUrl: standby.url(),
      pauseReplay: async () => {
        await reader.query("SELECT pg_wal_replay_pause()");
        await until(async () => (await replayState()) === "paused", "replay to pause");
      },
      resumeReplay: async () => {
        await reader.query("SELECT pg_wal_replay_resume()");
      },
      caughtUp: async () => {
        const { rows } = await admin.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
        await until(() => replayedUpTo(rows[0]!.lsn), `the standby to replay ${rows[0]!.lsn}`);
      },
      queryStandby: async (sql, params) => (await reader.query(sql, params)).rows,
      stop: async () => {
        await db.$disconnect();
        await Promise.all(clients.map((client) => client.end()));
        await standby.stop();
        await primary.stop();
        rmSync(dir, { recursive: true, force: true });
        process.off("exit", stopSync);
      },
    };
  } catch (error) {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    stopSync();
    process.off("exit", stopSync);
    throw error;
  }
}
