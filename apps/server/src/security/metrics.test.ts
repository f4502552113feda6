// GET /metrics: who may scrape it (a token, or a loopback-only listener), and that clients cannot
// grow its series (no label takes a value a client chose, such as a device id).
import { afterEach, describe, expect, test } from "vitest";
import { type Api, setupApi } from "../test-kit.ts";

let api: Api | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Starts the app on a real listener and scrapes it over HTTP (the body read, so the socket is free). */
async function scrape(host: string, metricsToken: string | undefined, authorization?: string) {
  api = await setupApi({}, { metricsToken });
  await api.app.listen({ host, port: 0 });
  const { port } = api.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, text: await response.text() };
}

describe("/metrics access", () => {
  test("without METRICS_TOKEN it is open on a loopback-only listener", async () => {
    const response = await scrape("127.0.0.1", undefined);
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/fieldsync_sync_backlog/);
  });

  test("without METRICS_TOKEN it is refused on a listener reachable from the network", async () => {
    const response = await scrape("0.0.0.0", undefined);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toEqual({ statusCode: 403, code: "FORBIDDEN", message: expect.stringMatching(/METRICS_TOKEN/) });
  });

  test("with METRICS_TOKEN it needs that bearer token, on any listener", async () => {
    const token = "metrics-token-of-this-test-0123456789";
    expect((await scrape("0.0.0.0", token)).status).toBe(401);
    await api!.close();
    expect((await scrape("0.0.0.0", token, "Bearer wrong-token")).status).toBe(401);
    await api!.close();
    const response = await scrape("0.0.0.0", token, `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/fieldsync_sync_backlog/);
  });
});

describe("metric labels", () => {
  /** The series of our own metrics (Node's process metrics have fixed labels of their own). */
  const series = async (target: Api) =>
    (await target.app.inject({ method: "GET", url: "/metrics" })).body
      .split("\n")
      .filter((line) => line.startsWith("fieldsync_") && !line.startsWith("fieldsync_process_"));

  test("minting many devices does not grow the number of series; offline devices are counted, not named", async () => {
    // A cap wide enough for the 26 devices minted here; the default cap bounds devices, not labels.
    api = await setupApi({ maxDevicesPerUser: 100 });
    await api.push("tech1", "minted-0", []);
    const before = await series(api);
    for (let i = 1; i <= 25; i++) await api.push("tech1", `minted-${i}`, []);
    const after = await series(api);
    expect(after).toHaveLength(before.length);
    expect(after.join("\n")).not.toMatch(/minted|device_id/);

    await api.db.syncClient.updateMany({ where: { deviceId: "minted-7" }, data: { lastSyncAt: new Date(Date.now() - 30 * 3_600_000) } });
    const text = (await series(api)).join("\n");
    expect(text).toMatch(/^fieldsync_offline_devices\{level="warn"\} 1$/m);
    expect(text).toMatch(/^fieldsync_offline_devices\{level="critical"\} 0$/m);
  });
});
