import { z } from "zod";

/**
 * The deployment's prefix on every Redis key and channel (job queues, response cache, rate limits,
 * pub/sub), so deployments can share one Redis; server and worker must use the same one. Letters,
 * digits and `_.-` only: it also goes into SCAN patterns, where `*?[]` would match other keys.
 */
export const redisPrefixSchema = z.string().regex(/^[\w.-]+$/, "letters, digits, _ . - only").default("fieldsync");
