/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, `undefined` members
 * dropped, primitives as JSON.stringify writes them. PostgreSQL's `fieldsync_canonical` (see the
 * version-tracking migration) produces the same text for entity data, so checksums agree between
 * browser, Node and database; that holds for keys in ASCII and numbers that are safe integers.
 * Throws on values JSON cannot represent (NaN, Infinity, functions, bigint).
 */
export function canonicalJson(value: unknown): string {
  // One string built by appending, not arrays of parts: it runs several times per pushed change.
  let text = "";
  const write = (item: unknown): void => {
    if (item === null || typeof item === "string" || typeof item === "boolean") {
      text += JSON.stringify(item);
    } else if (typeof item === "number") {
      if (!Number.isFinite(item)) throw new TypeError(`not representable in JSON: ${item}`);
      text += JSON.stringify(item);
    } else if (Array.isArray(item)) {
      text += "[";
      for (let i = 0; i < item.length; i++) {
        if (i > 0) text += ",";
        if (item[i] === undefined) text += "null";
        else write(item[i]);
      }
      text += "]";
    } else if (typeof item === "object") {
      const record = item as Record<string, unknown>;
      let first = true;
      text += "{";
      for (const key of Object.keys(record).sort()) {
        if (record[key] === undefined) continue;
        text += `${first ? "" : ","}${JSON.stringify(key)}:`;
        first = false;
        write(record[key]);
      }
      text += "}";
    } else {
      throw new TypeError(`not representable in JSON: ${typeof item}`);
    }
  };
  write(value);
  return text;
}

const hex = (buffer: ArrayBuffer) =>
  Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");

/** SHA-256 of the canonical JSON, lowercase hex. */
export async function checksum(value: unknown): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(value))));
}

/**
 * Whether two JSON values have the same canonical JSON (undefined as null, undefined members
 * absent), compared in place: no text is built, and the first difference ends the walk.
 */
export const sameJson = (a: unknown, b: unknown): boolean => jsonEqual(a ?? null, b ?? null);

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let members = 0;
  for (const key of Object.keys(left)) {
    if (left[key] === undefined) continue;
    members++;
    if (right[key] === undefined || !jsonEqual(left[key], right[key])) return false;
  }
  for (const key of Object.keys(right)) if (right[key] !== undefined) members--;
  return members === 0;
}
