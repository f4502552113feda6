import { z } from "zod";

// Building blocks for entity fields. Every value must survive a JSON round trip unchanged and
// hash the same in Node, the browser and PostgreSQL (see sync-core's canonical JSON), so numbers
// are safe integers and timestamps are UTC ISO strings.

/** Text without NUL (PostgreSQL cannot store it) and bounded in length. */
export const text = (max: number) =>
  z.string().max(max).regex(/^[^\u0000]*$/, "must not contain NUL characters");

export const requiredText = (max: number) => text(max).trim().min(1);

/** Optional in a payload; `null` clears it; always present (maybe null) in entity data. */
export const optionalText = (max: number) => text(max).nullable().optional();

/** UTC with milliseconds, exactly as `Date#toISOString` writes it: one spelling per instant. */
export const isoDateTime = z.iso.datetime({ precision: 3 });
export const optionalDateTime = isoDateTime.nullable().optional();

/** Ids of synced entities are client-generated UUIDs, so devices can create offline. */
export const entityIdSchema = z.uuid();
