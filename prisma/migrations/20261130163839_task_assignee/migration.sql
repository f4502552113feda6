-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "assigneeId" TEXT;

-- Every task's checksum and logged data now carry the new field (as null): rewrite each task once
-- so the tracking trigger records them, and devices pull the field like any other change.
UPDATE "Task" SET "assigneeId" = NULL;
