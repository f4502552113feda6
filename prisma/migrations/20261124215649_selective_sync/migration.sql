-- AlterTable
ALTER TABLE "SyncClient" ADD COLUMN     "rescopeRequired" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "subscription" JSONB;

