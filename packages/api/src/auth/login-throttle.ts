import { createHash } from "node:crypto";
import type { Db } from "@fieldsync/db";
import type { ApiConfig } from "../config.ts";
import { fail } from "../errors.ts";

/** Throttle key of one (email, IP) pair, hashed so the table holds no addresses or emails. */
export const loginThrottleKey = (email: string, ip: string | null) =>
  createHash("sha256").update(`${email.toLowerCase()}|${ip ?? "-"}`).digest("hex");

/**
 * Counts a login attempt before the password is checked, in one atomic upsert, so parallel
 * guesses cannot slip past the limit. Throws 429 RATE_LIMITED (with Retry-After) once more than
 * `loginMaxAttempts` attempts fell in the current window; a successful login clears the count.
 * Keyed per email *and* IP: a guesser elsewhere cannot lock the real user out.
 */
export async function countLoginAttempt(db: Db, config: ApiConfig, key: string): Promise<void> {
  const window = config.loginWindowSeconds;
  const [row] = await db.$queryRaw<{ failures: number; windowStart: Date }[]>`
    INSERT INTO "LoginAttempt" ("key", "failures", "windowStart") VALUES (${key}, 1, now())
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN "LoginAttempt"."windowStart" <= now() - ${window}::int * interval '1 second'
                        THEN 1 ELSE "LoginAttempt"."failures" + 1 END,
      "windowStart" = CASE WHEN "LoginAttempt"."windowStart" <= now() - ${window}::int * interval '1 second'
                           THEN now() ELSE "LoginAttempt"."windowStart" END
    RETURNING "failures", "windowStart"`;
  if (row && row.failures > config.loginMaxAttempts) {
    const retryAfter = Math.max(1, Math.ceil((row.windowStart.getTime() + window * 1000 - Date.now()) / 1000));
    fail("RATE_LIMITED", "Too many login attempts; try again later", undefined, retryAfter);
  }
}

export const clearLoginAttempts = (db: Db, key: string) => db.loginAttempt.deleteMany({ where: { key } });
