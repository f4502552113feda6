// The asset list under test holds 10,000 assets more than the demo data: pushed by another
// device of the organization in batches, versioned like any write, so the browser's first sync
// downloads them as it would in the field.
import { randomUUID } from "node:crypto";
import { create } from "@fieldsync/testing/changes";
import type { TestServer } from "@fieldsync/testing/server";

const batch = 500;

const assetChange = (n: number) =>
  create(randomUUID(), {
    name: `Pump ${n}`,
    serialNumber: `PU-${n}`,
    location: `Plant ${n % 40}`,
    status: n % 9 === 0 ? "MAINTENANCE" : "OPERATIONAL",
  });

export async function seedAssets(server: TestServer, count: number): Promise<void> {
  const deviceId = `lighthouse-seeder-${randomUUID()}`;
  for (let first = 1; first <= count; first += batch) {
    const numbers = Array.from({ length: Math.min(batch, count - first + 1) }, (_, i) => first + i);
    const response = await server.push("tech2", deviceId, numbers.map(assetChange));
    const refused = response.results.filter((result) => result.status !== "applied");
    if (refused.length) throw new Error(`seeding refused ${refused.length} assets: ${JSON.stringify(refused[0])}`);
  }
}
