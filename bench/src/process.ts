import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface ChildService {
  /** Everything it printed so far (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * Runs a TypeScript entry point (`node --import tsx`) in a process of its own and resolves once it
 * prints a line matching `ready` (its first group is returned); rejects with its output when it
 * exits first or `timeoutMs` passes. `stop` sends SIGTERM (the apps finish their work and exit),
 * then SIGKILL after 15 s.
 */
export function startChild(entry: string, env: Record<string, string>, ready: RegExp, timeoutMs = 120_000): Promise<ChildService & { match: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const stop = async () => {
    if (exited(child)) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await gone;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`${entry} not ready after ${timeoutMs} ms:\n${output}`))), timeoutMs);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Later output is kept short: a long run must not grow this string without bound.
      if (started) output = output.slice(-20_000);
      const match = started ? null : ready.exec(output);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({ match: match[1] ?? match[0], output: () => output, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${entry} exited (${code}) before it was ready:\n${output}`));
    });
  });
}
