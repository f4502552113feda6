import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Env } from "./env.ts";

export interface Secrets {
  jwtSecret: string;
  cursorSecret: string;
}

const storedSchema = z.strictObject({ jwtSecret: z.string().min(32), cursorSecret: z.string().min(32) });

export const randomSecrets = (): Secrets => ({
  jwtSecret: randomBytes(32).toString("base64url"),
  cursorSecret: randomBytes(32).toString("base64url"),
});

/** Where a server without configured secrets keeps the ones it generated. */
export const secretsFile = (env: Env) => join(env.DATA_DIR, "secrets.json");

/**
 * The signing keys: JWT_SECRET and CURSOR_SECRET when set; otherwise random keys generated on
 * first start and kept in DATA_DIR/secrets.json (mode 0600, folder 0700), so tokens survive a
 * restart. No key ever comes from the repository: anyone can read that. Throws (the server does
 * not start) when the file exists but is not ours.
 */
export function loadSecrets(env: Env): Secrets {
  if (env.JWT_SECRET && env.CURSOR_SECRET) return { jwtSecret: env.JWT_SECRET, cursorSecret: env.CURSOR_SECRET };
  const file = secretsFile(env);
  mkdirSync(env.DATA_DIR, { recursive: true, mode: 0o700 });
  // Written whole to a file of our own, then linked into place: of two processes starting
  // together, one links its keys and the other finds them, never a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(draft, JSON.stringify(randomSecrets()), { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(draft);
  }
  chmodSync(file, 0o600);
  const stored = storedSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!stored.success) throw new Error(`${file} is not a Fieldsync secrets file; move it away to generate new keys`);
  return { jwtSecret: env.JWT_SECRET ?? stored.data.jwtSecret, cursorSecret: env.CURSOR_SECRET ?? stored.data.cursorSecret };
}
