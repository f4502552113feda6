// `pnpm start:cluster [--servers=N] [--workers=M] [--port=P] [--host=H] [--stats-port=S] [--no-web]`:
// N server processes and M workers on one PostgreSQL (DATABASE_URL) and one Redis (REDIS_URL),
// behind HAProxy (Debian's `haproxy` package) on H:P. CLUSTER_SERVERS, CLUSTER_WORKERS, PORT,
// HOST and CLUSTER_STATS_PORT say the same. Prints the balancer's URL and each node's; Ctrl-C
// (or SIGTERM) stops everything. A node that dies is taken out of rotation by the balancer's
// health check and the rest keep serving; the cluster stops only when the balancer or every
// server is gone. See docs/cluster.md.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWebIfStale } from "../web-build.mjs";
import { renderHaproxyConfig } from "./haproxy-config.mjs";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
process.chdir(root);

const flag = (name) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const count = (value, fallback, what) => {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${what} must be a whole number, not ${value}`);
    process.exit(2);
  }
  return n;
};
const settings = {
  servers: count(flag("servers") ?? process.env.CLUSTER_SERVERS, 2, "--servers"),
  workers: count(flag("workers") ?? process.env.CLUSTER_WORKERS, 2, "--workers"),
  port: count(flag("port") ?? process.env.PORT, 3000, "--port"),
  host: flag("host") ?? process.env.HOST ?? "0.0.0.0",
  statsPort: count(flag("stats-port") ?? process.env.CLUSTER_STATS_PORT, 8404, "--stats-port"),
  web: !process.argv.includes("--no-web"),
};
if (settings.servers < 1) {
  console.error("--servers must be at least 1");
  process.exit(2);
}
if (spawnSync("haproxy", ["-v"], { stdio: "ignore" }).error) {
  console.error("HAProxy is not installed: `apt-get install -y haproxy` (Debian), then run again.");
  process.exit(1);
}
if (settings.web && !buildWebIfStale()) process.exit(1);

const runDir = mkdtempSync(join(tmpdir(), "fieldsync-cluster-"));
// Nodes listen on loopback only (the balancer is the way in) and trust X-Forwarded-For from it.
const nodeEnv = { ...process.env, HOST: "127.0.0.1", PORT: "0", TRUST_PROXY: "127.0.0.1" };
const children = [];
let stopping = false;

/** Runs a child, relaying its output with a `[name]` prefix; resolves with the first match of `ready`. */
function run(name, command, args, { cwd = root, env = process.env, ready } = {}) {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const entry = { name, child };
  children.push(entry);
  return new Promise((resolveReady, rejectReady) => {
    let isReady = !ready;
    if (isReady) resolveReady(null);
    let buffer = "";
    const relay = (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop();
      for (const line of lines) {
        console.log(`[${name}] ${line}`);
        const match = isReady ? null : ready.exec(line);
        if (match) {
          isReady = true;
          resolveReady(match);
        }
      }
    };
    child.stdout.on("data", relay);
    child.stderr.on("data", relay);
    child.on("exit", (code, signal) => {
      entry.exited = true;
      if (!isReady) return rejectReady(new Error(`${name} exited (${code ?? signal}) before it was ready`));
      onExit(entry, code ?? signal);
    });
  });
}

function onExit(entry, how) {
  if (stopping) return;
  const serversLeft = children.filter((c) => c.name.startsWith("server") && !c.exited).length;
  if (entry.name === "haproxy" || serversLeft === 0) {
    console.log(`${entry.name} exited (${how}); stopping the cluster`);
    return stop(1);
  }
  const consequence = entry.name.startsWith("server")
    ? "the balancer routes around it"
    : "queued changes wait for the other workers (or, with none left, stay PENDING until one runs)";
  console.log(`${entry.name} (pid ${entry.child.pid}) exited (${how}); ${consequence}; the cluster keeps running`);
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  const running = children.filter((c) => !c.exited);
  await Promise.all(
    running.map(
      ({ child }) =>
        new Promise((done) => {
          child.once("exit", done);
          child.kill("SIGTERM");
          // The apps finish their work within seconds; one that hangs is not waited for forever.
          setTimeout(() => (child.kill("SIGKILL"), done()), 15_000).unref();
        }),
    ),
  );
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

const startServer = async (n) => {
  const match = await run(`server${n}`, process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(root, "apps/server"),
    env: nodeEnv,
    ready: /running at http:\/\/[^:]+:(\d+)/,
  });
  return { name: `server${n}`, host: "127.0.0.1", port: Number(match[1]), pid: children.find((c) => c.name === `server${n}`).child.pid };
};
const startWorker = (n) => run(`worker${n}`, process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], { ready: /worker: processing/ });

async function reachable(url, timeoutMs) {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    if (await fetch(url).then((r) => r.ok, () => false)) return true;
  }
  return false;
}

try {
  // The first node alone: on a fresh database it applies the migrations, seeds the demo data and
  // (outside production, without JWT_SECRET/CURSOR_SECRET) writes the shared secrets file that
  // the others then read. Started together, they would race to do each.
  const nodes = [await startServer(1)];
  nodes.push(...(await Promise.all(Array.from({ length: settings.servers - 1 }, (_, i) => startServer(i + 2)))));
  await Promise.all(Array.from({ length: settings.workers }, (_, i) => startWorker(i + 1)));

  const configPath = join(runDir, "haproxy.cfg");
  const adminSocket = join(runDir, "haproxy.sock");
  writeFileSync(configPath, renderHaproxyConfig({ bindHost: settings.host, port: settings.port, statsPort: settings.statsPort, adminSocket, nodes }));
  await run("haproxy", "haproxy", ["-db", "-f", configPath]);
  const local = `http://127.0.0.1:${settings.port}`;
  if (!(await reachable(`${local}/healthz`, 30_000))) throw new Error(`the balancer does not answer at ${local}/healthz`);

  for (const node of nodes) console.log(`node ${node.name}: http://${node.host}:${node.port} (pid ${node.pid})`);
  for (const worker of children.filter((c) => c.name.startsWith("worker"))) console.log(`node ${worker.name}: (pid ${worker.child.pid})`);
  console.log(`HAProxy configuration: ${configPath}; stats at http://127.0.0.1:${settings.statsPort}/; runtime API at ${adminSocket}`);
  const shown = settings.host === "0.0.0.0" ? "localhost" : settings.host;
  const plural = (n, what) => `${n} ${what}${n === 1 ? "" : "s"}`;
  console.log(`Fieldsync cluster (${plural(settings.servers, "server")}, ${plural(settings.workers, "worker")}) is running at http://${shown}:${settings.port}`);
  console.log("Stop with Ctrl-C.");
} catch (error) {
  console.error(`cluster start failed: ${error.message}`);
  await stop(1);
}
