// The real server and worker as OS processes (node with tsx as a loader, so pids, signals and
// exit codes are their own), started from the apps' entry points with an explicit environment.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Reaper, exited, freePort, waitFor } from "./processes.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Output is kept (bounded) for failure messages and for checking that nothing crashed. */
class Output {
  private chunks: string[] = [];
  private size = 0;
  append(chunk: string) {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > 200_000 && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text() {
    return this.chunks.join("");
  }
}

export abstract class NodeService {
  protected child: ChildProcess | null = null;
  readonly output = new Output();
  /** How many times the process exited without being asked to (a crash we did not inject). */
  unexpectedExits = 0;
  private expectingExit = false;

  constructor(
    protected readonly reaper: Reaper,
    readonly name: string,
    private readonly entry: string,
    protected env: Record<string, string>,
  ) {}

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  protected abstract ready(): Promise<void>;

  async start(extraEnv: Record<string, string> = {}) {
    const app = dirname(dirname(this.entry));
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, this.entry)], {
      cwd: join(repoRoot, app),
      env: { ...process.env, ...this.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.expectingExit = false;
    this.reaper.track(this.name, child.pid);
    child.stdout?.on("data", (chunk) => this.output.append(String(chunk)));
    child.stderr?.on("data", (chunk) => this.output.append(String(chunk)));
    child.once("exit", (code, signal) => {
      this.output.append(`\n[${this.name} exited: code ${code}, signal ${signal}]\n`);
      if (!this.expectingExit) this.unexpectedExits++;
    });
    try {
      await this.ready();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${this.name} output ---\n${this.output.text().slice(-4000)}`);
    }
  }

  /** SIGKILL: no shutdown hooks, no lock release, no acknowledgement of anything in flight. */
  async kill() {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    child.kill("SIGKILL");
    await exited(child);
    this.child = null;
    this.reaper.untrack(this.name);
  }

  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    this.expectingExit = true;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited(child);
    clearTimeout(timer);
    this.child = null;
    this.reaper.untrack(this.name);
    return child.exitCode;
  }

  /** Resident set size in MiB, from /proc. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.child!.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round((kb / 1024) * 10) / 10;
  }
}

export class ServerProcess extends NodeService {
  port = 0;

  constructor(reaper: Reaper, env: Record<string, string>) {
    super(reaper, "server", "apps/server/src/main.ts", env);
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  override async start(extraEnv: Record<string, string> = {}) {
    if (!this.port) this.port = await freePort();
    this.env = { ...this.env, PORT: String(this.port), HOST: "127.0.0.1" };
    await super.start(extraEnv);
  }

  protected async ready() {
    await waitFor(async () => {
      if (!this.running) throw new Error("server exited during start-up");
      return this.output.text().includes("Fieldsync is running at");
    }, 90_000, "the server to listen");
  }
}

export class WorkerProcess extends NodeService {
  constructor(reaper: Reaper, env: Record<string, string>, name = "worker") {
    super(reaper, name, "apps/worker/src/main.ts", env);
  }

  protected async ready() {
    await waitFor(async () => {
      if (!this.running) throw new Error("worker exited during start-up");
      return this.output.text().includes("worker: processing");
    }, 90_000, "the worker to start");
  }
}
