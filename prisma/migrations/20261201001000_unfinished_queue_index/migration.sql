-- A device's unfinished changes in arrival order (the worker's head, the relay), indexed only
-- while unfinished: a claim written finished (every inline change) or finished by the worker
-- (an update that is not HOT, so it adds an entry to every index whose predicate it meets)
-- leaves this index alone. Queries that use it say `"status" IN ('PENDING', 'SYNCING')`.
DROP INDEX "SyncQueue_clientId_status_seq_idx";
CREATE INDEX "SyncQueue_clientId_seq_idx" ON "SyncQueue"("clientId", "seq") WHERE "status" IN ('PENDING', 'SYNCING');
