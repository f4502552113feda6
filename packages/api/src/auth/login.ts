import type { LoginBody, LoginResponse } from "@fieldsync/schema";
import type { Context } from "../context.ts";
import { fail, unauthorizedMessage } from "../errors.ts";
import { clearLoginAttempts, countLoginAttempt, loginThrottleKey } from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { issueSession } from "./refresh-token.ts";

// Verified against when the email is unknown, so response time does not reveal which emails exist.
const decoyHash = hashPassword("fieldsync-decoy-password");

/** Throttled per (email, IP) before the password is checked; every failure is the same 401. */
export async function login({ db, config, ip }: Context, body: LoginBody): Promise<LoginResponse> {
  const email = body.email.toLowerCase();
  const throttleKey = loginThrottleKey(email, ip);
  await countLoginAttempt(db, config, throttleKey);
  const user = await db.user.findUnique({ where: { email } });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), body.password);
  if (!user || !valid || !user.isActive) return fail("UNAUTHORIZED", unauthorizedMessage);
  await clearLoginAttempts(db, throttleKey);
  return issueSession(db, config, user);
}
