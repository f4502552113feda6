-- AlterTable
ALTER TABLE "SyncClient" ADD COLUMN     "resyncRequired" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "SyncQueue" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "SyncQueue_seq_key" ON "SyncQueue"("seq");

-- CreateIndex
CREATE INDEX "SyncQueue_clientId_status_seq_idx" ON "SyncQueue"("clientId", "status", "seq");
