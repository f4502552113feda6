import type { ApiConfig } from "@fieldsync/api";
import type { Env } from "./env.ts";

export const apiConfig = (env: Env): ApiConfig => ({
  jwtSecret: env.JWT_SECRET,
  jwtIssuer: env.JWT_ISSUER,
  jwtAudience: env.JWT_AUDIENCE,
  jwtTtlSeconds: env.JWT_TTL_SECONDS,
  refreshTtlSeconds: env.REFRESH_TTL_SECONDS,
  loginMaxAttempts: env.LOGIN_MAX_ATTEMPTS,
  loginWindowSeconds: env.LOGIN_WINDOW_SECONDS,
  cursorSecret: env.CURSOR_SECRET,
  inlineMaxChanges: env.SYNC_INLINE_MAX_CHANGES,
});
