// `pnpm start`: builds the PWA when the web app is present, then runs the server (which applies
// migrations and seeds an empty database) and the worker side by side. Stops both on Ctrl-C or
// SIGTERM, and both when either exits.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { buildWebIfStale } from "./web-build.mjs";

if (!buildWebIfStale()) process.exit(1);

const answers = (port, host = "127.0.0.1") =>
  new Promise((done) => {
    const socket = connect({ port, host, timeout: 1000 });
    const end = (up) => () => (socket.destroy(), done(up));
    socket.on("connect", end(true)).on("error", end(false)).on("timeout", end(false));
  });

// Zero-setup trial: without DATABASE_URL and with nothing on 127.0.0.1:5432, the server runs on
// an embedded PGlite database in .data/ (FIELDSYNC_EMBEDDED=1 forces it, FIELDSYNC_DATA_DIR moves
// it). PGlite is single-process, so the worker does not start and pushes are applied inline.
const env = { ...process.env };
const forced = env.FIELDSYNC_EMBEDDED === "1";
const embedded = forced || (!env.DATABASE_URL && !(await answers(5432)));
if (embedded) {
  env.EMBEDDED_DATA_DIR = resolve(env.FIELDSYNC_DATA_DIR ?? ".data/pglite");
  const firstStart = !existsSync(join(env.EMBEDDED_DATA_DIR, "PG_VERSION"));
  mkdirSync(env.EMBEDDED_DATA_DIR, { recursive: true });
  const why = forced ? "FIELDSYNC_EMBEDDED=1" : "No PostgreSQL (DATABASE_URL unset, nothing on 127.0.0.1:5432)";
  console.log(`${why}: using the embedded PGlite database in ${env.EMBEDDED_DATA_DIR}${firstStart ? " (created now, with demo data)" : ""}.`);
  console.log("Embedded mode: the worker does not run and Redis is not needed; pushes are applied inline.");
}

// node itself (tsx as a loader) rather than `pnpm start`, so SIGTERM reaches the process that
// shuts down gracefully instead of a package-manager wrapper.
const processes = ["server", "worker"]
  .filter((name) => existsSync(`apps/${name}/src/main.ts`) && !(embedded && name === "worker"))
  .map((name) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: `apps/${name}`, stdio: "inherit", env });
    child.on("exit", (code) => {
      console.log(`${name} exited (${code ?? "signal"}); stopping`);
      stop(code ?? 1);
    });
    return child;
  });

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of processes) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 5000).unref();
}
console.log("Stop with Ctrl-C.");
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
