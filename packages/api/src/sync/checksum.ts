import { createHash } from "node:crypto";
import { canonicalJson } from "@fieldsync/sync-core";

/**
 * sync-core's `checksum`, computed synchronously with Node's hash. The WebCrypto digest that
 * browsers need is asynchronous and runs on libuv's thread pool: a 500-change push awaited ~1,000
 * of them one after another inside its transaction, leaving the process idle while holding locks.
 */
export const checksumSync = (value: unknown): string => createHash("sha256").update(canonicalJson(value)).digest("hex");
