import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type DigestEntry, checksumValue, descentOf, digestHex, digestsOf, entityDifferences, idHash, listAtMost, mismatchedBuckets } from "./digest.ts";

// idHash is SHA-256 hex of any text: it stands in for checksums too.
const sha = idHash;
const entryOf = async (id: string, content: string, version = 1): Promise<DigestEntry> => ({ type: "asset", id, hash: await sha(id), version, checksum: await sha(content) });
const entries = fc.uniqueArray(fc.record({ id: fc.uuid(), content: fc.string(), version: fc.integer({ min: 1, max: 9 }) }), { selector: (e) => e.id, maxLength: 60 });
const built = (list: { id: string; content: string; version: number }[]) => Promise.all(list.map((e) => entryOf(e.id, e.content, e.version)));

describe("the digest definition", () => {
  test("an id's hash is its SHA-256 hex (a known vector); a checksum's value is its first 64 bits; digests wrap modulo 2^64", async () => {
    expect(await idHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(checksumValue("ffffffffffffffff" + "0".repeat(48))).toBe(2n ** 64n - 1n);
    expect(digestHex(2n ** 64n + 5n)).toBe("0000000000000005");
    expect(digestHex(-1n)).toBe("ffffffffffffffff");
  });

  test("bucket digests do not depend on order, and the sub-buckets of a bucket add up to it", async () => {
    await fc.assert(
      fc.asyncProperty(entries, async (raw) => {
        const list = await built(raw);
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
  test("a changed, a missing and an extra entity make mismatched buckets, and exactly those entities differ", async () => {
    await fc.assert(
      fc.asyncProperty(entries.filter((l) => l.length >= 3), async (raw) => {
        const server = await built(raw);
        const [changed, missing] = server;
        const extra = await entryOf("00000000-0000-4000-8000-00000000ffff", "ghost");
        const local = [...server.slice(2), { ...changed!, checksum: await sha("rot") }, extra];
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
