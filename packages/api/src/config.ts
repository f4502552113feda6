import type { AlertThresholds, ConflictPolicy, EntityType } from "@fieldsync/schema";

export interface ApiConfig {
  /** HMAC key for access tokens (HS256, algorithm pinned). */
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  /** Access token lifetime in seconds. */
  jwtTtlSeconds: number;
  /** Refresh token lifetime in seconds (each refresh rotates it; the family lives this long from its last use). */
  refreshTtlSeconds: number;
  /** Login attempts allowed per (email, IP) within `loginWindowSeconds` before 429 (a success resets the count). */
  loginMaxAttempts: number;
  loginWindowSeconds: number;
  /** Active (non-revoked) devices a user may have; registering one more is 403 DEVICE_LIMIT_REACHED. */
  maxDevicesPerUser: number;
  /** HMAC key that makes sync/page tokens tamper-evident. */
  cursorSecret: string;
  /** Per-entity-type overrides of the registry's conflict policy. */
  conflictPolicies?: Partial<Record<EntityType, ConflictPolicy>>;
  /** Pushes with more changes than this go to the worker instead of being applied inline. */
  inlineMaxChanges: number;
  alertThresholds?: AlertThresholds;
}
