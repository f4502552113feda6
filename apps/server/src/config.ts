import type { ApiConfig } from "@fieldsync/api";
import type { Env } from "./env.ts";
import type { Secrets } from "./secrets.ts";

export const apiConfig = (env: Env, secrets: Secrets): ApiConfig => ({
  jwtSecret: secrets.jwtSecret,
  jwtIssuer: env.JWT_ISSUER,
  jwtAudience: env.JWT_AUDIENCE,
  jwtTtlSeconds: env.JWT_TTL_SECONDS,
  refreshTtlSeconds: env.REFRESH_TTL_SECONDS,
  loginMaxAttempts: env.LOGIN_MAX_ATTEMPTS,
  loginWindowSeconds: env.LOGIN_WINDOW_SECONDS,
  cursorSecret: secrets.cursorSecret,
  inlineMaxChanges: env.SYNC_INLINE_MAX_CHANGES,
  maxDevicesPerUser: env.MAX_DEVICES_PER_USER,
});
