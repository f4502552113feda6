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

/**
 * PostgreSQL's timestamps start at 4713 BC but have no year 0, which ISO 8601 strings (and
 * `Date#toISOString`) do have: an instant before 0001-01-01 would pass validation and then fail
 * the push's transaction on every retry. Refused here, like any other invalid field.
 */
const firstStorableInstant = Date.parse("0001-01-01T00:00:00.000Z");
export const storableInstant = (value: string) => Date.parse(value) >= firstStorableInstant;
export const storableInstantMessage = "must not be before 0001-01-01T00:00:00.000Z";

/** UTC with milliseconds, exactly as `Date#toISOString` writes it: one spelling per instant. */
export const isoDateTime = z.iso.datetime({ precision: 3 }).refine(storableInstant, storableInstantMessage);
export const optionalDateTime = isoDateTime.nullable().optional();

/** Ids of synced entities are client-generated UUIDs, so devices can create offline. */
export const entityIdSchema = z.uuid();
