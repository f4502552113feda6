// No key from the repository ever signs or verifies a token: a server started the way the quick
// start does (no JWT_SECRET, no CURSOR_SECRET) generates its own keys on first start, keeps them
// in its data folder (0600) and reuses them after a restart. Every string literal in the
// repository's tracked files is tried as the signing key of an otherwise valid admin token.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedDemoData } from "@fieldsync/api";
import { createTestDatabase, type TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RunningServer, startServerProcess } from "@fieldsync/testing/repo-copy";
import { repoRoot } from "@fieldsync/testing/workspace";
import { forgeToken } from "@fieldsync/testing/attack-kit";

const serverDir = join(repoRoot, "apps/server");
const dataDir = mkdtempSync(join(tmpdir(), "fieldsync-data-"));
const secretsFile = join(dataDir, "secrets.json");
let database: TestDatabase;
let server: RunningServer | undefined;

/** As `pnpm start` runs it, minus the PWA build: no secrets in the environment. */
const start = () =>
  startServerProcess(serverDir, ["--import", "tsx", "src/main.ts"], {
    JWT_SECRET: undefined,
    CURSOR_SECRET: undefined,
    NODE_ENV: undefined,
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_PREFIX: `test-${Date.now()}`,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "warn",
    WEB_DIST: "/nonexistent",
  });

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoData(database.db);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every quoted string of 16–256 characters in a tracked text file, and every `…SECRET…=value`. */
function repositoryLiterals(): Set<string> {
  const files = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" }).trim().split("\n");
  const literals = new Set<string>();
  for (const file of files) {
    const bytes = readFileSync(join(repoRoot, file));
    if (bytes.includes(0)) continue;
    const text = bytes.toString("utf8");
    for (const match of text.matchAll(/(["'`])((?:(?!\1)[^\\\n]|\\.){16,256})\1/g)) literals.add(match[2]!);
    for (const match of text.matchAll(/\b[A-Z_]*SECRET[A-Z_]*\s*[=:]\s*([^\s"'`,;]{8,})/g)) literals.add(match[1]!);
  }
  return literals;
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

async function login(url: string) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "admin@northwind.test", password: "fieldsync-demo", deviceId: "admin-laptop" }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

const auditStatus = async (url: string, token: string) =>
  (await fetch(`${url}/api/audit`, { headers: { authorization: `Bearer ${token}` } })).status;

test("without configured secrets, no repository string verifies a token; the generated keys are private and survive a restart", { timeout: 240_000 }, async () => {
  server = await start();
  // A real admin session's claims, re-signed with every repository string: the key is all that
  // differs from the server's own token, which is accepted.
  const real = await login(server.url);
  expect(await auditStatus(server.url, real)).toBe(200);
  const { sub, iat: _iat, exp: _exp, ...claims } = claimsOf(real);
  const forge = (secret: string) =>
    forgeToken({ secret, sub: sub as string, claims, issuer: "fieldsync", audience: "fieldsync-api", exp: Math.floor(Date.now() / 1000) + 600 });

  const literals = [...repositoryLiterals()];
  expect(literals.length).toBeGreaterThan(500);
  const accepted: string[] = [];
  for (let i = 0; i < literals.length; i += 32) {
    await Promise.all(
      literals.slice(i, i + 32).map(async (literal) => {
        if ((await auditStatus(server!.url, await forge(literal))) !== 401) accepted.push(literal);
      }),
    );
  }
  expect(accepted).toEqual([]);

  expect((statSync(secretsFile).mode & 0o777).toString(8)).toBe("600");
  const stored = readFileSync(secretsFile, "utf8");
  await server.stop();
  server = await start();
  expect(readFileSync(secretsFile, "utf8")).toBe(stored);
  expect((statSync(secretsFile).mode & 0o777).toString(8)).toBe("600");
  expect(await auditStatus(server.url, real)).toBe(200);
});
