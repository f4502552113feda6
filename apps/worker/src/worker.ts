import {
  type ProcessDeps,
  type ResponseCache,
  type RetentionPolicy,
  type RetryPolicy,
  cacheKey,
  createSyncQueue,
  defaultAlertThresholds,
  evaluateAlerts,
  foldDigestDeltas,
  healthFigures,
  processQueuedChange,
  pruneSyncRuns,
  relayPending,
  runRetention,
} from "@fieldsync/api";
import { type ApplyChangeJob, applyChangeJobSchema, queueNames } from "@fieldsync/schema";
import { UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";

export interface SyncWorkerOptions {
  deps: ProcessDeps;
  /** A connection with `maxRetriesPerRequest: null`, as BullMQ workers require. */
  connection: Redis;
  concurrency: number;
  retry: RetryPolicy;
  lockTimeoutMs: number;
  stalledIntervalMs: number;
  lockDurationMs?: number;
  /** The deployment's Redis prefix. */
  prefix: string;
  log?: (message: string) => void;
}

/**
 * The sync-push worker: one job per queued change, processed by `processQueuedChange` (ordered
 * per device, exactly once). Retries and their backoff come from the job options the producer
 * set; a malformed job payload is permanent and fails at once.
 */
export function startSyncWorker(options: SyncWorkerOptions) {
  const log = options.log ?? console.log;
  const worker = new Worker<ApplyChangeJob, { processed: number }>(
    queueNames.syncPush,
    async (job) => {
      const data = applyChangeJobSchema.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError(`invalid job payload: ${data.error.message}`);
      return processQueuedChange(options.deps, data.data.queueItemId, {
        maxAttempts: options.retry.maxAttempts,
        lockTimeoutMs: options.lockTimeoutMs,
      });
    },
    {
      connection: options.connection,
      concurrency: options.concurrency,
      stalledInterval: options.stalledIntervalMs,
      ...(options.lockDurationMs && { lockDuration: options.lockDurationMs }),
      maxStalledCount: 5,
      prefix: options.prefix,
    },
  );
  worker.on("error", (error) => log(`worker error: ${error.message}`));
  worker.on("failed", (job, error) => log(`job ${job?.id} attempt ${job?.attemptsMade} failed: ${error.message}`));
  return worker;
}

/** Every `intervalMs`, hands PENDING changes whose job is missing back to the queue. */
export function startRelay(options: {
  deps: ProcessDeps;
  connection: Redis;
  retry: RetryPolicy;
  intervalMs: number;
  olderThanMs: number;
  prefix: string;
  log?: (message: string) => void;
}) {
  const log = options.log ?? console.log;
  const queue = createSyncQueue(options.connection, options.prefix, options.retry);
  queue.on("error", () => undefined);
  let running = false;
  const tick = async () => {
    if (running || options.connection.status !== "ready") return;
    running = true;
    try {
      const relayed = await relayPending(options.deps.db, queue, options.olderThanMs);
      if (relayed) log(`relay: re-enqueued the queues of ${relayed} device(s)`);
    } catch (error) {
      log(`relay failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  return {
    tick,
    close: async () => {
      clearInterval(timer);
      await queue.close();
    },
  };
}

/**
 * Evaluates every organization's alerts periodically, logs those firing, and leaves the result
 * where GET /api/sync/status reads it (the response cache), so the endpoint stays cheap. Also
 * prunes the sync-run history the health dashboard no longer shows.
 */
export function startAlertSweep(options: { deps: ProcessDeps; cache: ResponseCache; intervalMs: number; log?: (message: string) => void }) {
  const log = options.log ?? console.log;
  const sweep = async () => {
    const orgs = await options.deps.db.organization.findMany({ select: { id: true, name: true } });
    for (const org of orgs) {
      const health = evaluateAlerts(await healthFigures(options.deps.db, org.id, defaultAlertThresholds.windowMinutes));
      await options.cache.set(cacheKey(org.id, "health"), health, Math.ceil((options.intervalMs * 2) / 1000));
      for (const reason of health.reasons) log(`alert ${reason.severity} ${org.name}: ${reason.alert} — ${reason.message}`);
      await pruneSyncRuns(options.deps.db, org.id);
      await foldDigestDeltas(options.deps.db, org.id);
    }
  };
  const timer = setInterval(() => void sweep().catch((error) => log(`alert sweep failed: ${error.message}`)), options.intervalMs);
  return { sweep, close: () => clearInterval(timer) };
}

/**
 * Every `intervalMs` (and once at start): change-log weeks created ahead, weeks past the horizon
 * dropped, tombstones and claims past their retention purged (packages/api/src/retention). Each
 * step is idempotent and safe beside other workers doing the same; a failed run is logged and the
 * next one picks up where it stopped.
 */
export function startRetentionSweep(options: { deps: ProcessDeps; policy: RetentionPolicy; intervalMs: number; log?: (message: string) => void }) {
  const log = options.log ?? console.log;
  let running: Promise<void> | null = null;
  const sweep = () =>
    (running ??= runRetention(options.deps.db, options.policy)
      .then(({ droppedPartitions, purgedTombstones, purgedClaims }) => {
        if (droppedPartitions.length || purgedTombstones || purgedClaims) {
          log(`retention: dropped ${droppedPartitions.join(", ") || "no log partition"}, purged ${purgedTombstones} tombstone(s), ${purgedClaims} claim(s)`);
        }
      })
      .catch((error: Error) => log(`retention sweep failed: ${error.message}`))
      .finally(() => (running = null)));
  void sweep();
  const timer = setInterval(() => void sweep(), options.intervalMs);
  return {
    sweep,
    close: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
