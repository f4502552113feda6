import type { ConflictPolicy, EntityType } from "@fieldsync/schema";

export interface ApiConfig {
  /** HMAC key for access tokens (HS256, algorithm pinned). */
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  /** Access token lifetime in seconds. */
  jwtTtlSeconds: number;
  /** HMAC key that makes sync/page tokens tamper-evident. */
  cursorSecret: string;
  /** Per-entity-type overrides of the registry's conflict policy. */
  conflictPolicies?: Partial<Record<EntityType, ConflictPolicy>>;
}
