/** Joins JSON array texts (as PostgreSQL renders them) into one array text, without parsing them. */
export function joinJsonArrays(arrays: readonly string[]): string {
  const items = arrays.map((array) => array.slice(1, -1).trim()).filter((items) => items !== "");
  return items.length === 1 && arrays.length === 1 ? arrays[0]! : `[${items.join(",")}]`;
}
