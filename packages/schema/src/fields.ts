import { z } from "zod";

// Building blocks for entity fields. Every value must survive a JSON round trip unchanged and
// hash the same in Node, the browser and PostgreSQL (see sync-core's canonical JSON), so numbers
// are safe integers and timestamps are UTC ISO strings.

/**
 * Text every store and reader takes as it is: any character but NUL and lone UTF-16 surrogates
 * (PostgreSQL cannot store them in text or jsonb, so they failed the whole push) and the
 * bidirectional embedding, override and isolate characters U+202A–U+202E, U+2066–U+2069 (they
 * make text display as something else, "Trojan Source"); surrogates only as pairs. Right-to-left
 * text needs none of them, and the marks U+200E/U+200F stay allowed. One regular expression, so
 * the OpenAPI document carries the rule as the field's `pattern`.
 */
const storableText = /^(?:[^\u0000\uD800-\uDFFF\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/** Storable text, bounded in length. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .regex(storableText, "must not contain NUL, unpaired UTF-16 surrogates, or bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069)");

export const requiredText = (max: number) => text(max).trim().min(1);

/** Optional in a payload; `null` clears it; always present (maybe null) in entity data. */
export const optionalText = (max: number) => text(max).nullable().optional();

/**
 * Instants both PostgreSQL's timestamp and an ISO string with a four-digit year can hold, checked
 * after the offset is applied: `9999-12-31T23:59:59.999-14:00` is year 10000 in UTC, and
 * PostgreSQL has no year 0, which ISO 8601 strings (and `Date#toISOString`) do have. Outside this
 * range a change would pass validation and then fail the push's transaction on every retry.
 */
const firstStorableInstant = Date.parse("0001-01-01T00:00:00.000Z");
const lastStorableInstant = Date.parse("9999-12-31T23:59:59.999Z");
export const storableInstant = (value: string) => {
  const instant = Date.parse(value);
  return instant >= firstStorableInstant && instant <= lastStorableInstant;
};
export const storableInstantMessage = "must be between 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in UTC";

/** UTC with milliseconds, exactly as `Date#toISOString` writes it: one spelling per instant. */
export const isoDateTime = z.iso.datetime({ precision: 3 }).refine(storableInstant, storableInstantMessage);
export const optionalDateTime = isoDateTime.nullable().optional();

/**
 * Ids of synced entities are client-generated UUIDs, so devices can create offline. Any version
 * is accepted; ours are version 7 (sync-core newId), whose time order keeps the indexes on them compact.
 */
export const entityIdSchema = z.uuid();
