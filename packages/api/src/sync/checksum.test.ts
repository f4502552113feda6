import { checksum } from "@fieldsync/sync-core";
import fc from "fast-check";
import { expect, test } from "vitest";
import { checksumSync } from "./checksum.ts";

test("checksumSync equals the WebCrypto checksum browsers and the service worker compute", async () => {
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), async (value) => {
      expect(checksumSync(value)).toBe(await checksum(value));
    }),
  );
});
