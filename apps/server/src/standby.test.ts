// Delta and initial-sync reads on a streaming-replication hot standby (DATABASE_READ_URL): a
// primary and a standby of this file's own, the standby's replay paused to hold it behind.
import { randomUUID } from "node:crypto";
import type { ReadReplica } from "@fieldsync/api";
import { createDb } from "@fieldsync/db";
import type { DeltaResponse, PushResponse } from "@fieldsync/schema";
import { create, update } from "@fieldsync/testing/changes";
import { type StandbyPair, startStandbyPair } from "@fieldsync/testing/standby-pair";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadEnv } from "./env.ts";
import { type Api, setupApi } from "./test-kit.ts";

let pair: StandbyPair;
let replica: ReadReplica;
let api: Api;
beforeAll(async () => {
  pair = await startStandbyPair();
  replica = { db: createDb(pair.standbyUrl, { readOnly: true }), maxWaitMs: 0 };
  api = await setupApi({}, {}, { queue: null, cache: null, readReplica: replica }, pair.primary);
  await pair.caughtUp();
}, 180_000);
afterAll(async () => {
  await api?.close();
  await replica?.db.$disconnect();
  await pair?.stop();
});

type Change = DeltaResponse["changes"][number];

/** Pulls as tech1 on `deviceId` until hasMore is false. */
async function drain(deviceId: string, pageToken?: string) {
  const changes: Change[] = [];
  let page: DeltaResponse;
  do {
    const response = await api.call("tech1", "POST", "/api/sync/delta", { deviceId, pageSize: 500, ...(pageToken && { pageToken }) });
    if (response.status !== 200) throw new Error(`delta ${response.status}: ${JSON.stringify(response.body)}`);
    page = response.body as DeltaResponse;
    changes.push(...page.changes);
    pageToken = page.nextPageToken;
  } while (page.hasMore);
  return { changes, token: page.nextPageToken };
}

/** The primary's WAL position a token carries (tokens are signed, not encrypted). */
const lsnOf = (token: string): string | undefined => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")).lsn;

const pushAsTech1 = async (deviceId: string, body: Record<string, unknown>) => {
  const response = await api.call("tech1", "POST", "/api/sync", { deviceId, ...body });
  if (response.status !== 200) throw new Error(`push ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as PushResponse;
};

const onStandby = async (id: string) => (await pair.queryStandby(`SELECT 1 FROM "Asset" WHERE "id" = $1`, [id])).length > 0;

describe("gap-free cursors on the standby", () => {
  test("a change committed on the primary but not yet replayed is never skipped: every change arrives once, in commit order", async () => {
    const [a1, a2, a3] = [randomUUID(), randomUUID(), randomUUID()];
    await api.push("tech2", "writer", [create(a1, { name: "A1" }), create(a2, { name: "A2" }), create(a3, { name: "A3" })]);
    await pair.caughtUp();
    let { token } = await drain("reader");
    const seen: Change[] = [];
    const pullAgain = async () => {
      const next = await drain("reader", token);
      token = next.token;
      seen.push(...next.changes.filter((change) => ([a1, a2, a3] as string[]).includes(change.entityId)));
    };

    // T1 writes first (the older txid) and stays open; T2 commits after it and is replayed.
    const t1 = new pg.Client({ connectionString: pair.primary.url });
    await t1.connect();
    try {
      await t1.query("BEGIN");
      await t1.query(`UPDATE "Asset" SET "notes" = 'first' WHERE "id" = $1`, [a1]);
      await api.push("tech2", "writer", [update(a2, 1, { notes: "second" })]);
      await pair.caughtUp();
      await pullAgain();
      expect(seen).toEqual([]);

      // T1 commits on the primary, then T3; the standby replays neither yet.
      await pair.pauseReplay();
      await t1.query("COMMIT");
      await api.push("tech2", "writer", [update(a3, 1, { notes: "third" })]);
      await pullAgain();
      expect(seen).toEqual([]);
      expect(await onStandby(a1)).toBe(true);
    } finally {
      await pair.resumeReplay();
      await t1.end();
    }
    await pair.caughtUp();
    await pullAgain();
    expect(seen.map((change) => [change.entityId, change.clientVersion, change.payload.notes])).toEqual([
      [a1, 2, "first"],
      [a2, 2, "second"],
      [a3, 2, "third"],
    ]);
  });
});

describe("read-your-writes", () => {
  /**
   * tech1's phone is caught up; another device then writes, so the phone's push is not at the head
   * and, sent with `pull: false`, leaves its cursor before both writes for its next pull.
   */
  async function pushBehindReplay(deviceId: string) {
    await pair.caughtUp();
    const { token } = await drain(deviceId);
    await pair.pauseReplay();
    const other = randomUUID();
    await api.push("tech2", "writer", [create(other, { name: "Elsewhere" })]);
    const own = randomUUID();
    const pushed = await pushAsTech1(deviceId, { changes: [create(own, { name: "Mine" })], syncToken: token, pull: false });
    expect(pushed.results[0]).toMatchObject({ status: "applied" });
    expect(pushed.hasMore).toBe(true);
    expect(lsnOf(pushed.syncToken)).toBeDefined();
    return { other, own, token: pushed.syncToken };
  }

  test("while the standby has not replayed a device's push, its next pull is served by the primary past the bound", async () => {
    replica.maxWaitMs = 0;
    try {
      const { other, own, token } = await pushBehindReplay("phone-a");
      const next = await drain("phone-a", token);
      expect(next.changes.map((change) => change.entityId)).toEqual(expect.arrayContaining([other, own]));
      expect(await onStandby(own)).toBe(false);
      // Read on the primary: the next token carries its position, so the standby must catch up to it too.
      expect(lsnOf(next.token)).toBeDefined();
      expect((await drain("phone-a", next.token)).changes).toEqual([]);
    } finally {
      await pair.resumeReplay();
    }
  });

  test("within the bound, the pull waits for the standby to replay the push and is served there", async () => {
    replica.maxWaitMs = 120_000;
    try {
      const { other, own, token } = await pushBehindReplay("phone-b");
      const [{ since }] = (await pair.queryStandby<{ since: Date }>("SELECT clock_timestamp() AS since")) as [{ since: Date }];
      const pending = drain("phone-b", token);
      // The pull is polling the standby's replay position (a session other than the kit's own).
      for (;;) {
        const polling = await pair.queryStandby(
          `SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%pg_is_in_recovery()%' AND query_start > $1`,
          [since],
        );
        if (polling.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await pair.resumeReplay();
      const next = await pending;
      expect(next.changes.map((change) => change.entityId)).toEqual(expect.arrayContaining([other, own]));
      expect(lsnOf(next.token)).toBeUndefined();
    } finally {
      await pair.resumeReplay();
    }
  });
});

describe("when the standby fails", () => {
  test("a standby nobody answers on: the primary serves the page", async () => {
    const live = replica.db;
    replica.db = createDb("postgresql://postgres@127.0.0.1:9/fieldsync", { readOnly: true });
    try {
      const { changes } = await drain("phone-c");
      expect(changes.length).toBeGreaterThan(0);
    } finally {
      await replica.db.$disconnect();
      replica.db = live;
    }
  });
});

describe("DATABASE_READ_URL", () => {
  test("optional; when set, a postgresql:// URL", () => {
    expect(loadEnv({}).DATABASE_READ_URL).toBeUndefined();
    expect(loadEnv({ DATABASE_READ_URL: "postgresql://reader@standby:5432/fieldsync" }).DATABASE_READ_URL).toBe("postgresql://reader@standby:5432/fieldsync");
    expect(() => loadEnv({ DATABASE_READ_URL: "standby:5432" })).toThrow(/DATABASE_READ_URL: a postgresql:\/\/ URL/);
  });
});
