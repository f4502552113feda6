// The multi-node deployment for tests and benchmarks: `pnpm start:cluster`'s own launcher
// (scripts/cluster/start.mjs: N servers, M workers, HAProxy in front) run as a process group on
// free ports, with a fresh migrated + seeded database, a Redis prefix and signing keys of its own.
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild } from "./child-process.ts";
import { freePort } from "./free-port.ts";
import { runSecrets, withSeededDatabase } from "./seeded-database.ts";
import { fetchTransport, sessionClient } from "./session-client.ts";
import { repoRoot } from "./workspace.ts";

export interface TestClusterOptions {
  servers?: number;
  workers?: number;
  /** Variables of apps/server/src/env.ts and apps/worker/src/env.ts, given to every node; win over the kit's. */
  env?: Record<string, string>;
}

export interface ClusterNode {
  /** HAProxy's name for it: server1, server2…, worker1… */
  name: string;
  /** Its own address, bypassing the balancer (servers only). */
  url: string | null;
  pid: number;
}

/** The nodes the launcher printed once ready: `node server1: http://127.0.0.1:PORT (pid N)`. */
const nodesOf = (output: string): ClusterNode[] =>
  [...output.matchAll(/^node (\w+): (?:(http:\/\/\S+) )?\(pid (\d+)\)$/gm)].map((m) => ({ name: m[1]!, url: m[2] ?? null, pid: Number(m[3]) }));

/** Sends one command to HAProxy's runtime API; resolves with its answer, rejects when it reports an error. */
function runtimeCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect(socketPath, () => socket.end(`${command}\n`));
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("error", reject);
    socket.on("close", () => (/^(No such|Unknown|Require)/m.test(answer) ? reject(new Error(`${command}: ${answer.trim()}`)) : resolve(answer)));
  });
}

/** Starts the cluster; `stop` ends every process of it and drops its database. */
export function startTestCluster(options: TestClusterOptions = {}) {
  return withSeededDatabase(async (database) => {
    const prefix = `test-${randomUUID()}`;
    const secrets = runSecrets();
    const [port, statsPort] = [await freePort(), await freePort()];
    const launcher = await startChild({
      cwd: repoRoot,
      args: ["scripts/cluster/start.mjs", `--servers=${options.servers ?? 2}`, `--workers=${options.workers ?? 2}`, `--port=${port}`, `--stats-port=${statsPort}`, "--host=127.0.0.1", "--no-web"],
      env: {
        NODE_ENV: "test",
        DATABASE_URL: database.url,
        MIGRATE_ON_START: "false",
        JWT_SECRET: secrets.jwtSecret,
        CURSOR_SECRET: secrets.cursorSecret,
        REDIS_PREFIX: prefix,
        LOG_LEVEL: "warn",
        WEB_DIST: join(tmpdir(), `fieldsync-no-web-${randomUUID()}`),
        // The worker's hourly-scale sweeps would only add load to a short test.
        ALERT_INTERVAL_MS: String(3600_000),
        ...options.env,
      },
      ready: /^Fieldsync cluster .* is running at (http:\/\/\S+)$/m,
      timeoutMs: 240_000,
    });
    const url = launcher.match;
    const nodes = nodesOf(launcher.output());
    const adminSocket = /runtime API at (\S+)$/m.exec(launcher.output())![1]!;
    return {
      /** The balancer. */
      url,
      nodes,
      servers: nodes.filter((node) => node.url !== null) as (ClusterNode & { url: string })[],
      db: database.db,
      databaseUrl: database.url,
      prefix,
      secrets,
      /** Everything the launcher and its nodes printed, for failure messages. */
      output: launcher.output,
      /** Each server's state as HAProxy sees it (from its stats CSV): "UP", "DOWN", "UP 1/2"… */
      serverStates: async (): Promise<Record<string, string>> => {
        const csv = await (await fetch(`http://127.0.0.1:${statsPort}/;csv`)).text();
        const [header, ...lines] = csv.replace(/^# /, "").trim().split("\n");
        const column = (name: string) => header!.split(",").indexOf(name);
        const rows = lines.map((line) => line.split(","));
        return Object.fromEntries(rows.filter((r) => r[column("pxname")] === "nodes" && r[column("svname")]!.startsWith("server")).map((r) => [r[column("svname")]!, r[column("status")]!]));
      },
      /**
       * Takes a server out of the balancer's rotation (maintenance: it gets no new requests and
       * is not health-checked) or puts it back, through HAProxy's runtime API.
       */
      setServerEnabled: (name: string, enabled: boolean) => runtimeCommand(adminSocket, `${enabled ? "enable" : "disable"} server nodes/${name}`),
      /** Calls through the balancer, as the demo users. */
      ...sessionClient(fetchTransport(url)),
      stop: async () => {
        await launcher.stop();
        await database.drop();
      },
    };
  });
}

export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>;
