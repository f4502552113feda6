export type { ApiConfig } from "./config.ts";
export { createContextInner, type AuthSession, type AuthUser, type ChangeNotifier, type Context, type Deps, type LiveChanges, type PageReadAhead, type PageSharing, type ReadAheadStats, type ReadReplica } from "./context.ts";
export { AppError, appError, databaseUnavailableError, fail, inputShapeError, retryAfterOf, toErrorBody, unauthorizedMessage } from "./errors.ts";
export { databaseRetryAfterSeconds, isDatabaseUnavailable } from "./database-unavailable.ts";
export { auditActions, recordAudit, type AuditAction, type AuditEntry } from "./audit/record.ts";
export { hashPassword } from "./auth/password.ts";
export { signAccessToken, verifyAccessToken } from "./session/jwt.ts";
export { appRouter, createCaller, type AppRouter } from "./root.ts";
export { restRoutes, type RestRoute } from "./rest.ts";
export { renderedBodyOf } from "./rendered-answer.ts";
export { PushGate, type PushGateOptions, type PushGateRefusal, type PushGateStats } from "./push-gate.ts";
export { openApiDocument, type OpenApiDocument } from "./openapi.ts";
export { demoPassword, demoUsers, seedDemoData } from "./seed.ts";
export { type BackgroundQueue, type RetryPolicy, createBackgroundQueue, createSyncQueue, defaultRetryPolicy } from "./redis/background-queue.ts";
export { type ResponseCache, cacheKey, createResponseCache } from "./redis/response-cache.ts";
export { redisPrefixSchema } from "./redis/redis-prefix.ts";
export { type ProcessDeps, type ProcessOptions, processQueuedChange } from "./queue/process-change.ts";
export { relayPending } from "./queue/relay.ts";
export { deviceBacklog } from "./queue/stats.ts";
export { defaultAlertThresholds, evaluateAlerts, healthFigures } from "./health/alerts.ts";
export { pruneSyncRuns } from "./health/sync-runs.ts";
export { foldDigestDeltas } from "./sync/digests.ts";
export { type RetentionOutcome, type RetentionPolicy, runRetention } from "./retention/sweep.ts";
export {
  detachLogPartition,
  dropDetachedPartition,
  dropLogPartitionsBefore,
  ensureLogPartitions,
  logPartitionsBefore,
} from "./retention/log-partitions.ts";
export { purgeClaims } from "./retention/claims.ts";
export { purgeTombstones } from "./retention/tombstones.ts";
export {
  type ChangeNudge,
  type DeviceRevocation,
  type RangeEnds,
  createRedisNotifier,
  nudgeFor,
  redisChannels,
} from "./realtime/notifier.ts";
export { commitWindows } from "./realtime/commit-window.ts";
export { CatchUpWindows } from "./realtime/catch-up.ts";
export { type FrameKind, type FrameScope, frameOf, frameScope } from "./realtime/frames.ts";
export { type PageReader, SharedPages } from "./realtime/shared-pages.ts";
export { ReadAhead, type ReadAheadLimits } from "./sync/read-ahead.ts";
export { type PullInput, type RenderedPage, pullRendered } from "./sync/pull.ts";
export { consumeStreamTicket, type StreamGrant } from "./auth/stream-ticket.ts";
