// The PWA built for this run into a folder of its own, as the e2e tests do: a developer's
// apps/web/dist (maybe served by a running server) is left alone. Built in a child process: the
// server's Prisma client, loaded here through the test kit, confuses vite-plugin-pwa.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@fieldsync/testing/workspace";

export async function buildWeb(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), "fieldsync-lighthouse-web-"));
  const args = ["--filter", "@fieldsync/web", "exec", "vite", "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"];
  await new Promise<void>((resolve, reject) => {
    const child = spawn("pnpm", args, { cwd: repoRoot, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
  return outDir;
}
