import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type DigestEntry, checksumValue, descentOf, digestHex, digestsOf, entityDifferences, idHash, listAtMost, mismatchedBuckets } from "./digest.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const entryOf = (id: string, content: string, version = 1): DigestEntry => ({ type: "asset", id, hash: sha(id), version, checksum: sha(content) });
const entries = fc.uniqueArray(fc.record({ id: fc.uuid(), content: fc.string(), version: fc.integer({ min: 1, max: 9 }) }), { selector: (e) => e.id, maxLength: 60 })
  .map((list) => list.map((e) => entryOf(e.id, e.content, e.version)));

describe("the digest definition", () => {
  test("an id's hash and a checksum's value are the SHA-256 hex and its first 64 bits", async () => {
    expect(await idHash("pump-1")).toBe(sha("pump-1"));
    expect(checksumValue("ffffffffffffffff" + "0".repeat(48))).toBe(2n ** 64n - 1n);
    expect(digestHex(2n ** 64n + 5n)).toBe("0000000000000005");
    expect(digestHex(-1n)).toBe("ffffffffffffffff");
  });

  test("bucket digests do not depend on order, and the sub-buckets of a bucket add up to it", () => {
    fc.assert(
      fc.property(entries, (list) => {
        const top = digestsOf(list);
        expect(digestsOf([...list].reverse())).toEqual(top);
        for (const parent of top.values()) {
          const children = [...digestsOf(list, [parent]).values()];
          expect(children.reduce((n, c) => n + c.count, 0)).toBe(parent.count);
          expect(digestHex(children.reduce((sum, c) => sum + BigInt(`0x${c.digest}`), 0n))).toBe(parent.digest);
        }
      }),
    );
  });
});

describe("finding what differs", () => {
  test("a changed, a missing and an extra entity make mismatched buckets, and exactly those entities differ", () => {
    fc.assert(
      fc.property(entries.filter((l) => l.length >= 3), (server) => {
        const [changed, missing] = server;
        const extra = entryOf("00000000-0000-4000-8000-00000000ffff", "ghost");
        const local = [...server.slice(2), { ...changed!, checksum: sha("rot") }, extra];
        const mismatched = mismatchedBuckets(digestsOf(local), [...digestsOf(server).values()]);
        const buckets = new Set(mismatched.map((m) => m.bucket));
        for (const e of [changed!, missing!, extra]) expect(buckets.has(e.hash.slice(0, 2))).toBe(true);
        const listed = mismatched.map(({ entityType, bucket }) => ({
          entityType,
          bucket,
          entities: server.filter((e) => e.hash.startsWith(bucket)).map(({ id, version, checksum }) => ({ id, version, checksum })),
        }));
        const { download, drop } = entityDifferences(local, listed);
        expect(download.map((r) => r.entityId).sort()).toEqual([changed!.id, missing!.id].sort());
        expect(drop.map((r) => r.entityId)).toEqual([extra.id]);
      }),
    );
  });

  test("large buckets are descended into until small or at the deepest level", () => {
    const { descend, list } = descentOf([
      { entityType: "asset", bucket: "ab", count: listAtMost + 1 },
      { entityType: "asset", bucket: "cd", count: listAtMost },
      { entityType: "task", bucket: "0123abcd", count: 1_000 },
    ]);
    expect(descend).toEqual([{ entityType: "asset", bucket: "ab" }]);
    expect(list).toEqual([{ entityType: "asset", bucket: "cd" }, { entityType: "task", bucket: "0123abcd" }]);
  });
});
