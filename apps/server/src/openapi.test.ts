import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { appRouter, openApiDocument, restRoutes } from "@fieldsync/api";
import { entityTypes, getEntity } from "@fieldsync/schema";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, startTestServer } from "@fieldsync/testing/server";

const committedPath = new URL("../../../docs/openapi.json", import.meta.url);
const resultsDir = new URL("../test-results/", import.meta.url);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

// any: the document under test, read as plain JSON
const served = async (): Promise<any> => (await fetch(`${server.url}/api/openapi.json`)).json();

test("the served document is the one generated from the schemas, and docs/openapi.json is current", async () => {
  const document = await served();
  expect(document).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  // Stale after a schema or route change: run `pnpm docs:openapi` and commit the result.
  expect(JSON.parse(readFileSync(committedPath, "utf8"))).toEqual(document);
});

test("every REST route is documented with its procedure, status, auth and schemas", async () => {
  const document = await served();
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[] } }>;
  for (const route of restRoutes) {
    const operation = document.paths[route.url.replace(/:(\w+)/g, "{$1}")]?.[route.method.toLowerCase()];
    expect(operation, `${route.method} ${route.url}`).toBeDefined();
    expect(operation.operationId).toBe(route.procedure);
    const access = (procedures[route.procedure]!._def as { meta?: { access?: string } }).meta?.access;
    expect(operation.security).toEqual(access === "public" ? [] : [{ bearerAuth: [] }]);
    const success = operation.responses[String(route.status ?? 200)];
    expect(document.components.schemas[success.content["application/json"].schema.$ref.split("/").pop()]).toBeDefined();
    for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
      if (Number(status) >= 400) expect(response.content["application/json"].schema.allOf[0].$ref).toBe("#/components/schemas/ErrorBody");
    }
    const hasInput = procedures[route.procedure]!._def.inputs.length > 0;
    if (route.source === "body") expect(Boolean(operation.requestBody)).toBe(hasInput);
    if (route.source === "query" || route.source === "params") expect(operation.parameters.length).toBeGreaterThan(0);
  }
  expect(document.paths["/api/sync/events"].get.responses["200"].content["text/event-stream"]).toBeDefined();
  expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  expect(document.components.schemas.ErrorBody.required).toEqual(["statusCode", "code", "message"]);
});

test("documented inputs reject what the API rejects: a login without password is a 400", async () => {
  const document = await served();
  expect(document.components.schemas.AuthLoginInput.required).toEqual(["email", "password", "deviceId"]);
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "tech1@northwind.test" }),
  });
  expect(response.status).toBe(400);
  expect(Object.keys((await response.json()) as object).sort()).toEqual(
    Object.keys(document.components.schemas.ErrorBody.properties).filter((key) => key !== "issues").concat("issues").sort(),
  );
});

test("/api/docs renders every operation in Chromium", async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    await page.goto(`${server.url}/api/docs`);
    await page.waitForSelector("body[data-rendered]");
    const document = await served();
    const operations = Object.values(document.paths).flatMap((ops) => Object.keys(ops as object)).length;
    expect(await page.locator("details.op").count()).toBe(operations);
    await page.locator("details#sync\\.push > summary").click();
    await expect.poll(() => page.locator("details#sync\\.push .schema").first().innerText()).toContain("changes");
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: new URL("api-docs.png", resultsDir).pathname, fullPage: true });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});

// A JSON schema of the document with its reference resolved.
const resolve = (document: any, schema: any): any =>
  schema?.$ref ? resolve(document, document.components.schemas[schema.$ref.split("/").pop()]) : schema;
const operations = (document: any) =>
  Object.values(document.paths).flatMap((ops) => Object.values(ops as Record<string, any>));

test("change payloads are typed per entity type and operation, from the registry", async () => {
  const document = await served();
  const change = resolve(document, resolve(document, document.components.schemas.SyncPushInput).properties.changes.items);
  const variants = (change.oneOf as any[]).flatMap((v) => resolve(document, v).oneOf ?? [resolve(document, v)]).map((v) => resolve(document, v));
  for (const type of entityTypes) {
    const variant = (operation: string) =>
      variants.find((v) => v.properties.entityType.const === type && v.properties.operation.const === operation);
    const schema = getEntity(type).schema;
    const required = Object.keys(schema.shape).filter((field) => !schema.shape[field]!.safeParse(undefined).success);
    const create = resolve(document, variant("CREATE").properties.payload);
    expect(Object.keys(create.properties)).toEqual(Object.keys(schema.shape));
    expect(create.required).toEqual(required);
    expect(create.additionalProperties).toBe(false);
    const update = resolve(document, variant("UPDATE").properties.payload);
    expect(Object.keys(update.properties)).toEqual(Object.keys(schema.shape));
    expect(update).toMatchObject({ minProperties: 1, additionalProperties: false });
    expect(update.required).toBeUndefined();
    expect(resolve(document, variant("DELETE").properties.payload)).toMatchObject({ maxProperties: 0 });
  }
});

test("error responses list exactly the codes each operation returns; login and refresh document their 401", async () => {
  const document = await served();
  const codes = (operation: any) =>
    Object.fromEntries(
      Object.entries(operation.responses as Record<string, any>)
        .filter(([status]) => Number(status) >= 400)
        .map(([status, response]) => [status, resolve(document, response.content["application/json"].schema.allOf[1]).properties.code.enum]),
    );
  for (const path of ["/api/auth/login", "/api/auth/refresh"]) expect(codes(document.paths[path].post)["401"]).toEqual(["UNAUTHORIZED"]);
  // A login binds the session to its device: another user's device, or one too many, is refused.
  expect(codes(document.paths["/api/auth/login"].post)["403"]).toEqual(["DEVICE_OWNED_BY_ANOTHER_USER", "DEVICE_LIMIT_REACHED"]);
  expect(codes(document.paths["/api/sync/devices"].get)).toEqual({ "401": ["UNAUTHORIZED"], "500": ["INTERNAL"], "503": ["SERVICE_UNAVAILABLE"] });
  expect(codes(document.paths["/api/sync/devices/{deviceId}"].delete)).toMatchObject({ "400": ["VALIDATION_FAILED"], "404": ["NOT_FOUND"] });
  expect(codes(document.paths["/api/sync"].post)).toMatchObject({
    "400": expect.arrayContaining(["VALIDATION_FAILED", "MALFORMED_JSON", "FORBIDDEN_KEY", "INVALID_TOKEN"]),
    "403": ["DEVICE_REVOKED", "DEVICE_OWNED_BY_ANOTHER_USER", "DEVICE_MISMATCH", "DEVICE_LIMIT_REACHED"],
    "413": ["PAYLOAD_TOO_LARGE"],
    "429": ["RATE_LIMITED"],
    // The push gate refuses beyond its queue, and the pull gate beyond its own.
    "503": ["SERVICE_UNAVAILABLE", "SERVER_BUSY"],
  });
  expect(codes(document.paths["/api/sync/delta"].post)["503"]).toEqual(["SERVICE_UNAVAILABLE", "SERVER_BUSY"]);
});

test("servers, tags and an example for every operation", async () => {
  const document = await served();
  expect(document.servers).toEqual([expect.objectContaining({ url: expect.any(String) })]);
  const tagNames = (document.tags as { name: string; description: string }[]).map((tag) => tag.name);
  for (const operation of operations(document)) {
    expect(operation.tags.every((tag: string) => tagNames.includes(tag)), operation.operationId).toBe(true);
    const media = [operation.requestBody?.content["application/json"], ...Object.values(operation.responses).map((r: any) => r.content?.["application/json"] ?? r.content?.["text/event-stream"])];
    const parameterExamples = (operation.parameters ?? []).filter((p: any) => p.example !== undefined);
    expect(media.some((m) => m?.example !== undefined) || parameterExamples.length > 0, operation.operationId).toBe(true);
  }
});

test("redocly lint finds no errors in the served document", async () => {
  const dir = mkdtempSync(join(tmpdir(), "openapi-lint-"));
  const file = join(dir, "openapi.json");
  writeFileSync(file, JSON.stringify(await served()));
  const config = fileURLToPath(new URL("../redocly.yaml", import.meta.url));
  const bin = fileURLToPath(new URL("../node_modules/.bin/redocly", import.meta.url));
  const result = spawnSync(bin, ["lint", file, `--config=${config}`, "--format=json"], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  const report = JSON.parse(result.stdout) as { totals: { errors: number }; problems: { ruleId: string; severity: string; message: string }[] };
  expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
  expect(report.totals.errors).toBe(0);
});
