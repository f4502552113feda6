// Many devices pushing large batches at the same instant over real HTTP, each retrying a refused
// push after Retry-After (with jitter) as the sync client does (server-busy.ts). Used by
// push-load.test.ts and to choose the push gate's defaults.
import { randomUUID } from "node:crypto";
import type { PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { create } from "./changes.ts";
import { sendUntilAccepted } from "./server-busy.ts";

export interface StormOptions {
  url: string;
  devices: number;
  changesPerPush: number;
  /** The access token of tech1 on `deviceId`. */
  tokenFor: (deviceId: string) => Promise<string>;
}

export interface DeviceOutcome {
  deviceId: string;
  changes: SyncChangeInput[];
  /** Status and error code of every attempt, the accepted one last. */
  attempts: { status: number; code?: string }[];
  /** From the first attempt to the accepted answer, in ms (retries included). */
  elapsedMs: number;
  response: PushResponse;
}

/** Pushes `changes` until the server accepts them; throws on any answer but 200 and 503 SERVER_BUSY. */
async function pushUntilAccepted(url: string, token: string, deviceId: string, changes: SyncChangeInput[]) {
  const body = JSON.stringify({ deviceId, changes });
  const { answer, attempts } = await sendUntilAccepted(() =>
    fetch(`${url}/api/sync`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body }),
  );
  if (answer.status !== 200) throw new Error(`${deviceId}: push answered ${answer.status} ${answer.text.slice(0, 300)}`);
  return { attempts, response: JSON.parse(answer.text) as PushResponse };
}

/** Every device pushes `changesPerPush` new assets at once; resolves when all were accepted. */
export async function pushStorm({ url, devices, changesPerPush, tokenFor }: StormOptions): Promise<DeviceOutcome[]> {
  const storm = randomUUID().slice(0, 8);
  const prepared = [];
  // Sessions one after the other (the login throttle counts concurrent attempts as failures).
  for (let d = 0; d < devices; d++) {
    const deviceId = `storm-${storm}-${d}`;
    const changes = Array.from({ length: changesPerPush }, (_, c) => create(randomUUID(), { name: `Storm ${storm} ${d}/${c}` }));
    prepared.push({ deviceId, changes, token: await tokenFor(deviceId) });
  }
  return Promise.all(
    prepared.map(async ({ deviceId, changes, token }) => {
      const started = performance.now();
      const { attempts, response } = await pushUntilAccepted(url, token, deviceId, changes);
      return { deviceId, changes, attempts, elapsedMs: performance.now() - started, response };
    }),
  );
}
