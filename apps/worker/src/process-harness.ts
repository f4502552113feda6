// Real processes for fault tests: a worker started with `tsx src/main.ts`, and a private
// redis-server on a spare port (never the machine's shared one), both killable at will.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@fieldsync/testing/free-port";

const workerDir = join(dirname(fileURLToPath(import.meta.url)), "..");

export function spawnWorker(env: Record<string, string>): ChildProcess & { output: string[] } {
  // node itself (tsx as a loader), so signals and exit codes are the worker's own.
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: workerDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Kept for the failure message of a test that waits on the process.
  const output: string[] = [];
  child.stdout?.on("data", (chunk) => output.push(String(chunk)));
  child.stderr?.on("data", (chunk) => output.push(String(chunk)));
  return Object.assign(child, { output });
}

export const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));

/** A throwaway redis-server (no persistence); `kill()` is SIGKILL, `start()` brings it back empty. */
export async function privateRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fieldsync-redis-"));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
    const { Redis } = await import("ioredis");
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      const ok = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
      probe.disconnect();
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("private redis-server did not start");
  };
  const kill = async () => {
    if (!child) return;
    const running = child;
    child = null;
    running.kill("SIGKILL");
    await exited(running);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, kill };
}
