/**
 * A new id: a UUID version 7 (RFC 9562), the creation time in milliseconds ahead of 74 random
 * bits. Every id the system makes (entities created on a device, changes, claims, conflicts) is
 * one, so the B-tree indexes keyed by them grow at their right edge: a push's inserts land on the
 * few pages written last instead of one random page of a large index each, which at a million
 * entities is what made a push slower than at a thousand. Ids of the same millisecond are not
 * ordered among themselves; nothing relies on ids for order (the log has its own sequence).
 */
export function newId(now: number = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 0, time = now; i < 6; i++, time = Math.floor(time / 256)) bytes[5 - i] = time % 256;
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
