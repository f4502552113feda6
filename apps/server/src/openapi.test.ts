import { mkdirSync, readFileSync } from "node:fs";
import { appRouter, openApiDocument, restRoutes } from "@fieldsync/api";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, startTestServer } from "./testing.ts";

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
    expect(operation.security).toEqual(route.access === "public" ? [] : [{ bearerAuth: [] }]);
    const success = operation.responses[String(route.status ?? 200)];
    expect(document.components.schemas[success.content["application/json"].schema.$ref.split("/").pop()]).toBeDefined();
    expect(operation.responses["400"].content["application/json"].schema.$ref).toBe("#/components/schemas/ErrorBody");
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
