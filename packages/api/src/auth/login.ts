import type { LoginBody, LoginResponse } from "@fieldsync/schema";
import type { Deps } from "../context.ts";
import { fail } from "../errors.ts";
import { signAccessToken } from "./jwt.ts";
import { hashPassword, verifyPassword } from "./password.ts";

// Verified against when the email is unknown, so response time does not reveal which emails exist.
const decoyHash = hashPassword("fieldsync-decoy-password");

export async function login({ db, config }: Deps, body: LoginBody): Promise<LoginResponse> {
  const user = await db.user.findUnique({ where: { email: body.email.toLowerCase() } });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), body.password);
  if (!user || !valid || !user.isActive) return fail("UNAUTHORIZED", "Invalid email or password");
  const token = await signAccessToken(config, { sub: user.id, orgId: user.orgId, role: user.role });
  return {
    token,
    expiresIn: config.jwtTtlSeconds,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, orgId: user.orgId },
  };
}
