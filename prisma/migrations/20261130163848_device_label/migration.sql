-- AlterTable
ALTER TABLE "SyncClient" ADD COLUMN     "label" TEXT;

