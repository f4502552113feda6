-- The entity schema version a queued change's payload is in. Every row stored so far was written
-- by a build at version 1.
-- AlterTable
ALTER TABLE "SyncQueue" ADD COLUMN     "schemaVersion" INTEGER NOT NULL DEFAULT 1;
