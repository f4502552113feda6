-- A change's fingerprint, stored with its idempotency key (packages/api/src/sync/apply.ts
-- `prepare`): SHA-256 of "entityType|entityId|operation|clientVersion|payload checksum", where the
-- payload checksum is the SHA-256 of its canonical JSON. Rows stored before it are backfilled
-- with the same formula (fieldsync_canonical is the database's copy of the canonical JSON), so a
-- replay of an older change is still recognized as the same change.
ALTER TABLE "SyncQueue" ADD COLUMN "fingerprint" TEXT;

UPDATE "SyncQueue" SET "fingerprint" = encode(sha256(convert_to(concat_ws('|',
  "entityType", "entityId", "operation"::text, "clientVersion"::text,
  encode(sha256(convert_to(fieldsync_canonical("payload"), 'UTF8')), 'hex')), 'UTF8')), 'hex');

ALTER TABLE "SyncQueue" ALTER COLUMN "fingerprint" SET NOT NULL;
