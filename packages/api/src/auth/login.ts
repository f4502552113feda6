import { inTransaction } from "@fieldsync/db";
import type { LoginBody, LoginResponse } from "@fieldsync/schema";
import type { Context } from "../context.ts";
import { fail, unauthorizedMessage } from "../errors.ts";
import { reactivateOnLogin } from "../sync/devices.ts";
import { clearLoginAttempts, countLoginAttempt, loginThrottleKey } from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { issueSession } from "./refresh-token.ts";

// Verified against when the email is unknown, so response time does not reveal which emails exist.
const decoyHash = hashPassword("fieldsync-decoy-password");

/**
 * Throttled per (email, IP) before the password is checked; every failure is the same 401. The
 * session is bound to `body.deviceId`; a login is also the one way back for the user's own
 * revoked device (see reactivateOnLogin), and refuses a device id another user holds.
 */
export async function login({ db, config, ip }: Context, body: LoginBody): Promise<LoginResponse> {
  const email = body.email.toLowerCase();
  const throttleKey = loginThrottleKey(email, ip);
  await countLoginAttempt(db, config, throttleKey);
  const user = await db.user.findUnique({ where: { email } });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), body.password);
  if (!user || !valid || !user.isActive) return fail("UNAUTHORIZED", unauthorizedMessage);
  await clearLoginAttempts(db, throttleKey);
  return inTransaction(db, async (tx) => {
    await reactivateOnLogin(tx, user, body.deviceId, config.maxDevicesPerUser);
    return issueSession(tx, config, user, body.deviceId);
  });
}
