// Load as devices generate it: each simulated device owns its entities, creates and updates them,
// and keeps retrying a push that got no acknowledgement (same body, same changeIds) before moving
// on, as a real outbox does. A model of what each device had acknowledged is the oracle.
import { randomUUID } from "node:crypto";
import type { ChangeResult, PushBodyInput, SyncChangeInput } from "@fieldsync/schema";
import { expect } from "vitest";
import { NoAnswer, type UserName, createAsset, updateAsset } from "./client.ts";
import type { Cluster } from "./cluster.ts";
import { sleep } from "./processes.ts";

export interface ModelEntity {
  version: number;
  notes: string;
}

export interface Attempt {
  at: number;
  status: number | "no-answer";
  retryAfter: string | null;
  code: string | null;
  text: string;
}

export class SimulatedDevice {
  readonly deviceId = `chaos-${randomUUID()}`;
  /** What the server acknowledged (inline) or will apply in order (queued). */
  readonly model = new Map<string, ModelEntity>();
  readonly attempts: Attempt[] = [];
  acknowledged = 0;
  changesSent = 0;
  duplicatesSeen = 0;
  private step = 0;

  constructor(
    private readonly c: Cluster,
    readonly user: UserName,
    private readonly options: { async?: boolean; maxChanges?: number; pauseMs?: number } = {},
  ) {}

  private nextChanges(random: () => number): { changes: SyncChangeInput[]; expected: Map<string, ModelEntity> } {
    const count = 1 + Math.floor(random() * (this.options.maxChanges ?? 3));
    const expected = new Map<string, ModelEntity>();
    const changes: SyncChangeInput[] = [];
    const known = [...this.model.keys()];
    for (let i = 0; i < count; i++) {
      const notes = `${this.deviceId} step ${++this.step}`;
      const candidates = known.filter((id) => !expected.has(id));
      if (candidates.length === 0 || random() < 0.3) {
        const id = randomUUID();
        changes.push(createAsset(id, { name: "chaos load", notes }));
        expected.set(id, { version: 1, notes });
      } else {
        const id = candidates[Math.floor(random() * candidates.length)]!;
        const base = this.model.get(id)!;
        changes.push(updateAsset(id, base.version, { notes }));
        expected.set(id, { version: base.version + 1, notes });
      }
    }
    return { changes, expected };
  }

  /** One push, retried until acknowledged (200); returns when done. */
  async pushOnce(random: () => number) {
    const { changes, expected } = this.nextChanges(random);
    const body: PushBodyInput = { deviceId: this.deviceId, changes, ...(this.options.async && { async: true }) };
    this.changesSent += changes.length;
    for (;;) {
      let reply;
      try {
        reply = await this.c.api.pushRaw(this.user, body, { timeoutMs: 20_000 });
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        this.attempts.push({ at: Date.now(), status: "no-answer", retryAfter: null, code: null, text: error.message });
        await sleep(100);
        continue;
      }
      const code = typeof reply.body === "object" && reply.body && "code" in reply.body ? String((reply.body as { code: unknown }).code) : null;
      this.attempts.push({ at: Date.now(), status: reply.status, retryAfter: reply.headers.get("retry-after"), code, text: reply.text.slice(0, 2000) });
      if (reply.status === 200) {
        this.checkResults(reply.body.results, changes, expected);
        for (const [id, entity] of expected) this.model.set(id, entity);
        this.acknowledged++;
        return;
      }
      // Honour Retry-After, capped so the test stays short.
      await sleep(Math.min(Number(reply.headers.get("retry-after") ?? 0) * 1000, 250) || 100);
    }
  }

  private checkResults(results: ChangeResult[], changes: SyncChangeInput[], expected: Map<string, ModelEntity>) {
    expect(results).toHaveLength(changes.length);
    for (const [i, result] of results.entries()) {
      if (result.duplicate) this.duplicatesSeen++;
      const want = expected.get(changes[i]!.entityId)!;
      // A queued change pushed again may already be processed: then its final outcome comes back.
      if (this.options.async && result.status === "queued") continue;
      expect(result, JSON.stringify(result)).toMatchObject({ status: "applied", version: want.version });
    }
  }

  /** Pushes until `stop()` says so (finishing the push in flight). */
  async run(stop: () => boolean, random: () => number) {
    while (!stop()) {
      await this.pushOnce(random);
      if (this.options.pauseMs) await sleep(this.options.pauseMs);
    }
  }
}

/** The database holds exactly what the devices' models say: every acknowledged change, once. */
export async function checkModels(c: Cluster, devices: SimulatedDevice[]) {
  const expected = new Map(devices.flatMap((d) => [...d.model.entries()]));
  const ids = [...expected.keys()];
  const rows = await c.query<{ id: string; notes: string; version: number; log: number }>(
    `SELECT a."id", a."notes", m."version", (SELECT count(*)::int FROM "ChangeLog" l WHERE l."entityId" = a."id") AS log
     FROM "Asset" a JOIN "SyncMetadata" m ON m."entityType" = 'asset' AND m."entityId" = a."id" WHERE a."id" = ANY($1::text[])`,
    [ids],
  );
  const actual = new Map(rows.map((r) => [r.id, { version: r.version, notes: r.notes, log: r.log }]));
  const wrong = ids.filter((id) => {
    const a = actual.get(id);
    const e = expected.get(id)!;
    return !a || a.version !== e.version || a.notes !== e.notes || a.log !== e.version;
  });
  expect(wrong.map((id) => ({ id, expected: expected.get(id), actual: actual.get(id) ?? null }))).toEqual([]);
  const claims = await c.query<{ changeId: string; n: number }>(
    `SELECT q."changeId", count(*)::int AS n FROM "SyncQueue" q JOIN "SyncClient" d ON d."id" = q."clientId"
     WHERE d."deviceId" = ANY($1::text[]) GROUP BY q."changeId" HAVING count(*) <> 1`,
    [devices.map((d) => d.deviceId)],
  );
  expect(claims).toEqual([]);
  return ids.length;
}

/** A seeded PRNG (mulberry32), so a run's load can be replayed from its logged seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
