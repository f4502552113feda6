-- CreateEnum
CREATE TYPE "SyncRunKind" AS ENUM ('PUSH', 'PULL');

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" BIGSERIAL NOT NULL,
    "orgId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "kind" "SyncRunKind" NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "SyncRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SyncRun_orgId_startedAt_idx" ON "SyncRun"("orgId", "startedAt");

-- CreateIndex
CREATE INDEX "SyncRun_clientId_kind_startedAt_idx" ON "SyncRun"("clientId", "kind", "startedAt");

-- AddForeignKey
ALTER TABLE "SyncRun" ADD CONSTRAINT "SyncRun_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "SyncClient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

