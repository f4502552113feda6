// An app (or any node entry point) run as a real process of its own: the server for HTTP tests,
// the worker and the server under load for the benchmarks. Started by path, so nothing has to
// depend on an app to run one.
import { spawn } from "node:child_process";

export interface ChildService {
  /** What the process printed: all of it until ready, then its last 20,000 characters. */
  output(): string;
  /** The first group of the `ready` match (or the whole match). */
  match: string;
  /** Whether the process is still running. */
  running(): boolean;
  /** SIGTERM to the process group (the apps finish their work and exit), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  cwd: string;
  /** node arguments, e.g. ["--import", "tsx", "src/main.ts"]. */
  args: string[];
  env: Record<string, string | undefined>;
  /** A line of its output that says it is ready. */
  ready: RegExp;
  timeoutMs?: number;
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs node with `args` in a process group of its own (so `stop` reaches what it starts, e.g. a
 * server behind a launcher) and resolves once its output matches `ready`; rejects with its output
 * when it exits first or `timeoutMs` passes.
 */
export function startChild({ cwd, args, env, ready, timeoutMs = 120_000 }: ChildOptions): Promise<ChildService> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const pid = child.pid!;
  let output = "";
  const stop = async () => {
    if (!groupAlive(pid)) return;
    process.kill(-pid, "SIGTERM");
    for (let waited = 0; groupAlive(pid) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(pid)) process.kill(-pid, "SIGKILL");
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`${args.join(" ")} not ready after ${timeoutMs} ms:\n${output}`))), timeoutMs);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // A long run (a benchmark) must not grow this string without bound.
      if (started) output = output.slice(-20_000);
      const match = started ? null : ready.exec(output);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({ match: match[1] ?? match[0], output: () => output, running: () => child.exitCode === null && child.signalCode === null, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${args.join(" ")} exited (${code}) before it was ready:\n${output}`));
    });
  });
}
