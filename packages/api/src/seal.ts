import { createHmac, timingSafeEqual } from "node:crypto";

const b64 = (buffer: Buffer) => buffer.toString("base64url");
const sign = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest();

/** Tamper-evident opaque token: base64url JSON + HMAC-SHA256. Not encrypted: hold no secrets in it. */
export function seal(secret: string, value: unknown): string {
  const body = b64(Buffer.from(JSON.stringify(value)));
  return `${body}.${b64(sign(secret, body))}`;
}

/** The sealed value, or null for a token that was altered or was never ours. */
export function unseal(secret: string, token: string): unknown {
  const [body, mac, extra] = token.split(".");
  const expected = body ? sign(secret, body) : Buffer.alloc(0);
  const given = Buffer.from(mac ?? "", "base64url");
  if (!body || extra !== undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
}
