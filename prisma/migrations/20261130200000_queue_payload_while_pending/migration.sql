-- A claim keeps its payload only while the change may still be applied (PENDING, or FAILED and
-- retryable). Finished changes are identified by their fingerprint; their data is in ChangeLog.
ALTER TABLE "SyncQueue" ALTER COLUMN "payload" DROP NOT NULL;
