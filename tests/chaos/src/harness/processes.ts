// Process plumbing for the chaos suite: spare ports, waiting, and a reaper that cleans up a
// cluster's processes and temp dir even when the test process itself is killed with SIGKILL.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asPostgres, pgBin } from "@fieldsync/testing/private-postgres";
export { freePort } from "@fieldsync/testing/free-port";
export { asPostgres, pgBin };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));

/**
 * Everything a cluster leaves behind lives in `dir`; pids of live children are files in
 * `dir/pids`. `cleanupSync` kills them, stops PostgreSQL and removes the dir; it runs from
 * `afterAll`, on process exit and signals, and from a detached shell that outlives a SIGKILLed
 * test process.
 */
export class Reaper {
  private readonly pids: string;
  private watcher: ChildProcess | null = null;
  private done = false;
  private readonly onExit = () => this.cleanupSync();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.cleanupSync();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };

  constructor(readonly dir: string, private readonly pgData: string | null) {
    this.pids = join(dir, "pids");
    mkdirSync(this.pids, { recursive: true });
    process.once("exit", this.onExit);
    process.once("SIGINT", this.onSignal);
    process.once("SIGTERM", this.onSignal);
    const stopPg = pgData ? `${asPostgres(`${pgBin}/pg_ctl`, ["-D", pgData, "stop", "-m", "immediate"]).flat().join(" ")} >/dev/null 2>&1;` : "";
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done;
      for f in ${this.pids}/*; do [ -f "$f" ] && kill -9 $(cat "$f") 2>/dev/null; done;
      ${stopPg} rm -rf ${dir}`;
    this.watcher = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
    this.watcher.unref();
  }

  track(name: string, pid: number | undefined) {
    if (pid) writeFileSync(join(this.pids, name), String(pid));
  }

  untrack(name: string) {
    rmSync(join(this.pids, name), { force: true });
  }

  cleanupSync() {
    if (this.done) return;
    this.done = true;
    process.off("exit", this.onExit);
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    try {
      for (const file of readdirSync(this.pids)) {
        const pid = Number(readFileSync(join(this.pids, file), "utf8"));
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    } catch {
      // no pid dir
    }
    if (this.pgData) {
      const [cmd, args] = asPostgres(`${pgBin}/pg_ctl`, ["-D", this.pgData, "stop", "-m", "immediate"]);
      spawnSync(cmd, args, { stdio: "ignore" });
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (this.watcher?.pid) {
      try {
        process.kill(this.watcher.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
