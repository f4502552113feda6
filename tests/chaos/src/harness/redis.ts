// A private redis-server on a spare port, without persistence: `kill()` is SIGKILL and
// `start()` brings it back empty, which is what losing a Redis host looks like to us.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type Reaper, exited, freePort, sleep } from "./processes.ts";

export class PrivateRedis {
  port = 0;
  private child: ChildProcess | null = null;
  private readonly dir: string;

  constructor(private readonly reaper: Reaper) {
    this.dir = join(reaper.dir, "redis");
    mkdirSync(this.dir, { recursive: true });
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running() {
    return this.child !== null;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir], {
      stdio: "ignore",
    });
    this.child = child;
    this.reaper.track("redis", child.pid);
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const probe = new Redis(this.port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      const ok = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
      probe.disconnect();
      if (ok) return;
      await sleep(50);
    }
    throw new Error("private redis-server did not start");
  }

  async kill() {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill("SIGKILL");
    await exited(child);
    this.reaper.untrack("redis");
  }

  /** A short-lived client for inspecting queue keys (reads work even while writes are paused). */
  client() {
    const redis = new Redis(this.port, "127.0.0.1", { maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on("error", () => undefined);
    return redis;
  }
}
