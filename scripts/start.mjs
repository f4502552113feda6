// `pnpm start`: builds the PWA when the web app is present, then runs the server (which applies
// migrations and seeds an empty database) and the worker side by side. Stops both on Ctrl-C or
// SIGTERM, and both when either exits.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const run = (args) => spawnSync("pnpm", args, { stdio: "inherit" }).status === 0;

if (existsSync("apps/web/package.json") && !run(["--filter", "@fieldsync/web", "build"])) process.exit(1);

const processes = [["server", "@fieldsync/server"], ["worker", "@fieldsync/worker"]]
  .filter(([name]) => existsSync(`apps/${name}/src/main.ts`))
  .map(([name, pkg]) => {
    const child = spawn("pnpm", ["--filter", pkg, "start"], { stdio: "inherit" });
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
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
