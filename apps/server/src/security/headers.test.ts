// Response headers: helmet's defaults and a CORS policy that admits only the configured origins.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Api, setupApi } from "../test-kit.ts";

const pwa = "https://pwa.fieldsync.example";
let api: Api;
beforeAll(async () => {
  api = await setupApi({}, { corsOrigins: [pwa] });
});
afterAll(() => api.close());

const preflight = (origin: string) =>
  api.app.inject({
    method: "OPTIONS",
    url: "/api/sync",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });

test("the configured PWA origin may call the API cross-origin", async () => {
  const response = await preflight(pwa);
  expect(response.statusCode).toBeLessThan(300);
  expect(response.headers["access-control-allow-origin"]).toBe(pwa);
});

test("any other origin gets no CORS grant, on preflight or on a real request", async () => {
  for (const origin of ["https://evil.example", "null", `${pwa}.evil.example`, "http://pwa.fieldsync.example"]) {
    expect((await preflight(origin)).headers["access-control-allow-origin"], origin).toBeUndefined();
    const real = await api.app.inject({ method: "GET", url: "/healthz", headers: { origin } });
    expect(real.headers["access-control-allow-origin"], origin).toBeUndefined();
  }
});

test("without configured origins, no cross-origin access at all", async () => {
  const sameOrigin = await setupApi();
  try {
    const response = await sameOrigin.app.inject({ method: "GET", url: "/healthz", headers: { origin: pwa } });
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
  } finally {
    await sameOrigin.close();
  }
});

test("helmet's security headers are on API responses and errors", async () => {
  for (const response of [await api.app.inject({ method: "GET", url: "/healthz" }), await api.app.inject({ method: "GET", url: "/api/sync/status" })]) {
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(response.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(response.headers["content-security-policy"]).toMatch(/default-src 'self'/);
    expect(response.headers["x-powered-by"]).toBeUndefined();
  }
});
