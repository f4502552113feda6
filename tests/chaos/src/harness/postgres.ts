// A private PostgreSQL 15 cluster: initdb into a temp dir, a spare port on loopback, never the
// machine's shared server. Chaos scenarios stop it with `-m immediate` (a crash: no checkpoint,
// recovery from WAL on start) and start it again.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { asPostgres, freePort, pgBin } from "./processes.ts";

const run = promisify(execFile);

async function pgTool(tool: string, args: string[]) {
  const [cmd, argv] = asPostgres(`${pgBin}/${tool}`, args);
  return run(cmd, argv, { maxBuffer: 16 * 1024 * 1024 });
}

const chownTree = async (path: string, recursive = true) => {
  if (process.getuid?.() !== 0) return;
  await run("chown", [...(recursive ? ["-R"] : []), "postgres:postgres", path]);
};

/** initdb into `dataDir` (which must not exist yet). */
export async function initCluster(parent: string): Promise<string> {
  await chownTree(parent);
  const dataDir = join(parent, "data");
  await pgTool("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  return dataDir;
}

export class PrivatePostgres {
  port = 0;
  private readonly socketDir: string;
  private readonly log: string;

  constructor(readonly dataDir: string, parent: string) {
    this.socketDir = join(parent, "pg-socket");
    this.log = join(parent, "postgres.log");
    mkdirSync(this.socketDir, { recursive: true });
    writeFileSync(this.log, "");
  }

  url(database = "fieldsync") {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    await Promise.all([chownTree(this.socketDir, false), chownTree(this.log, false)]);
    // fsync off: these tests kill processes, not the machine; the OS page cache survives a
    // process crash, so WAL written before a commit was acknowledged is still there on restart.
    const options = [
      `-p ${this.port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${this.socketDir}`,
      "-c fsync=off",
      "-c full_page_writes=off",
      "-c max_connections=200",
      "-c shared_buffers=32MB",
      "-c log_min_messages=warning",
    ].join(" ");
    await pgTool("pg_ctl", ["-D", this.dataDir, "-l", this.log, "-o", options, "-w", "-t", "60", "start"]);
  }

  /** `immediate` is a crash (every backend killed, no checkpoint); `fast` a clean shutdown. */
  async stop(mode: "immediate" | "fast" = "fast") {
    await pgTool("pg_ctl", ["-D", this.dataDir, "-m", mode, "-w", "-t", "60", "stop"]).catch((error) => {
      if (!String(error.stderr ?? "").includes("Is server running?")) throw error;
    });
  }

  /** `pg_ctl restart -m immediate`: crash, then recovery from WAL, with the same options. */
  async restartImmediate() {
    await pgTool("pg_ctl", ["-D", this.dataDir, "-l", this.log, "-m", "immediate", "-w", "-t", "60", "restart"]);
  }
}
