-- Counts of what people kept per conflicting field (see ConflictChoice in schema.prisma), seeded
-- from the conflicts already resolved one side whole: CLIENT_WINS kept the client's value of every
-- conflicting field, SERVER_WINS the server's. A MERGE's per-field choice was not stored, so those
-- are left out. The newer side is read back from the rule's answer as sync-core `newerSide` does,
-- under the preference every entity type has when this runs (CLIENT_WINS).
-- CreateTable
CREATE TABLE "ConflictChoice" (
    "orgId" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "clientRole" "Role" NOT NULL,
    "newer" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ConflictChoice_pkey" PRIMARY KEY ("orgId","entityType","field","clientRole","newer","side")
);


INSERT INTO "ConflictChoice" ("orgId", "entityType", "field", "clientRole", "newer", "side", "count")
SELECT c."orgId", c."entityType", f.field, u."role",
       CASE c."suggestedResolution" WHEN 'SERVER_WINS' THEN 'server' WHEN 'MANUAL' THEN 'unknown' ELSE 'client' END,
       CASE c."resolution" WHEN 'CLIENT_WINS' THEN 'client' ELSE 'server' END,
       count(*)
FROM "SyncConflict" c
JOIN "User" u ON u."id" = c."userId"
CROSS JOIN LATERAL unnest(c."conflictingFields") AS f(field)
WHERE c."resolvedAt" IS NOT NULL AND c."resolution" IN ('CLIENT_WINS', 'SERVER_WINS')
  AND c."clientData" IS NOT NULL AND c."serverData" IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
