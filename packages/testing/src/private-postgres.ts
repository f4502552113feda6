// A private PostgreSQL 15 cluster: initdb into a temp dir, a spare port on loopback, never the
// machine's shared server. The chaos suite crashes and restarts one; the standby kit runs two
// (a primary and its streaming-replication hot standby).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";

const run = promisify(execFile);

/** Debian's PostgreSQL 15 binaries (the machine's), else whatever `initdb` the PATH finds. */
export const pgBin = existsSync("/usr/lib/postgresql/15/bin/initdb") ? "/usr/lib/postgresql/15/bin" : "/usr/local/bin";

/** PostgreSQL refuses to run as root: its tools run as `postgres` when we are root (as CI is). */
export function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

export async function pgTool(tool: string, args: string[]) {
  const [cmd, argv] = asPostgres(`${pgBin}/${tool}`, args);
  return run(cmd, argv, { maxBuffer: 16 * 1024 * 1024 });
}

/** Hands `path` to the `postgres` user when we are root, so its tools can write there. */
export const chownTree = async (path: string, recursive = true) => {
  if (process.getuid?.() !== 0) return;
  await run("chown", [...(recursive ? ["-R"] : []), "postgres:postgres", path]);
};

/** initdb into `parent/data` (which must not exist yet); trust for local and replication connections. */
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
    // -w waits until the server accepts connections (for a hot standby: once it is consistent).
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
