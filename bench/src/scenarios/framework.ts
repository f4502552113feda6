import { initTRPC } from "@trpc/server";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify from "fastify";
import { EntityPool } from "../data.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { inParallel, now, elapsedMs, percentile, summarize } from "../stats.ts";
import { batchSize } from "./push.ts";

const t = initTRPC.create();
const noopRouter = t.router({ noop: t.procedure.input((value: unknown) => value).mutation(() => ({ ok: true })) });
const caller = t.createCallerFactory(noopRouter)({});

/**
 * B4: the cost of the layers a push passes through, without the sync work. Three routes on one
 * Fastify instance, each taking a B1-sized body (500 changes, ~0.5 MB) and answering {ok: true}:
 * a bare route, a tRPC no-op mutation (fastify adapter), and a REST route calling the procedure
 * through a caller as the app's REST mapping does.
 */
export async function frameworkScenario(options: BenchOptions, b1BatchMs: number): Promise<ResultRow[]> {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
  app.post("/bare", async () => ({ ok: true }));
  app.post("/rest", async (request) => caller.noop(request.body));
  await app.register(fastifyTRPCPlugin, { prefix: "/trpc", trpcOptions: { router: noopRouter } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  const body = JSON.stringify({ deviceId: "bench", changes: new EntityPool().batch(batchSize).changes });
  const requests = options.mode === "quick" ? 200 : 1000;

  const run = async (path: string) => {
    const latencies: number[] = [];
    const start = now();
    let next = 0;
    await inParallel(4, async () => {
      while (next++ < requests) {
        const t0 = now();
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.text();
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        latencies.push(elapsedMs(t0));
      }
    });
    return { p50: percentile(latencies, 50), rate: requests / (elapsedMs(start) / 1000) };
  };

  const paths = ["/bare", "/trpc/noop", "/rest"] as const;
  const p50 = new Map<string, number[]>(paths.map((p) => [p, []]));
  for (let r = 0; r < options.repeats; r++) {
    for (const path of r % 2 ? [...paths].reverse() : paths) p50.get(path)!.push((await run(path)).p50);
  }
  await app.close();

  const bare = summarize(p50.get("/bare")!);
  const rows: ResultRow[] = [];
  for (const [path, label] of [["/trpc/noop", "tRPC no-op"], ["/rest", "REST route → tRPC caller"]] as const) {
    const ours = summarize(p50.get(path)!);
    const overhead = ours.median - bare.median;
    const share = (overhead / b1BatchMs) * 100;
    const r = row({
      id: `B4-${path === "/rest" ? "rest" : "trpc"}`,
      scenario: `B4 ${label}, 0.5 MB body (request p50)`,
      unit: "ms",
      higherIsBetter: false,
      ours,
      baseline: bare,
      baselineLabel: "bare Fastify route, same body",
      target: "overhead < 5 % of a B1 batch",
      met: share < 5,
      note: `overhead ${overhead.toFixed(2)} ms = ${share.toFixed(2)} % of the B1 1-device batch p50 (${b1BatchMs.toFixed(0)} ms)`,
    });
    rows.push(r);
  }
  return rows;
}
