import type { ApiConfig } from "@fieldsync/api";
import type { Env } from "./env.ts";

export const apiConfig = (env: Env): ApiConfig => ({
  jwtSecret: env.JWT_SECRET,
  jwtIssuer: env.JWT_ISSUER,
  jwtAudience: env.JWT_AUDIENCE,
  jwtTtlSeconds: env.JWT_TTL_SECONDS,
  cursorSecret: env.CURSOR_SECRET,
});
