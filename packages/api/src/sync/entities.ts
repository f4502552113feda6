import { Prisma, type Db, type Tx } from "@fieldsync/db";
import { type EntityData, type EntityType, type SyncOperation, entityFields, getEntity } from "@fieldsync/schema";
import { type EntityState, entityKey, getReferences, missingState, versionKey } from "@fieldsync/sync-core";
import { type Sql, prismaSql } from "./sql.ts";

// Generic access to synced entities by type. Reads go through SQL so that entity data is rendered
// by the same expression as the tracking triggers' checksums (`fieldsync_entity_sql`); single
// writes go through the Prisma model so the version-tracking extension stamps the author, batched
// writes (the push path, on any `Sql` connection) stamp it themselves.

export const table = (type: EntityType) => Prisma.raw(quotedTable(type));
const quotedTable = (type: EntityType) => `"${getEntity(type).model}"`;

const renderers = new Map<EntityType, Promise<string>>();

/**
 * SQL rendering a row of `type`'s table, aliased `e`, as its entity data: the jsonb_build_object
 * the tracking triggers checksum, generated from the catalog once per type and process (a
 * migration that changes an entity table is deployed with a restart). Per row it is ~10× cheaper
 * than the generic `fieldsync_entity_data(regclass, to_jsonb(e))`.
 */
function entityDataText(sql: Sql, type: EntityType): Promise<string> {
  let renderer = renderers.get(type);
  if (!renderer) {
    renderer = sql
      .query<{ sql: string }>(`SELECT data_sql AS sql FROM fieldsync_entity_sql($1::regclass, 'e')`, [quotedTable(type)])
      .then(([row]) => row!.sql);
    renderers.set(type, renderer);
    renderer.catch(() => renderers.delete(type));
  }
  return renderer;
}

/** entityDataText as a Prisma fragment (for the pull's queries). */
export const entityDataSql = async (db: Tx | Db, type: EntityType): Promise<Prisma.Sql> => Prisma.raw(await entityDataText(prismaSql(db), type));

interface MetadataRow {
  entityType: EntityType;
  entityId: string;
  version: number;
  lastModifiedAt: Date;
  checksum: string | null;
  deletedAt: Date | null;
}

/**
 * Current state of the given entities (missingState for those that never existed). With `lock`,
 * their SyncMetadata rows are locked FOR UPDATE in a fixed order (so concurrent batches cannot
 * deadlock on them) until the transaction ends: a concurrent push of the same entity then waits
 * and sees the version this one wrote. One query, plus one per type with live entities.
 */
export async function loadStates(
  sql: Sql,
  orgId: string,
  keys: readonly { type: EntityType; id: string }[],
  lock: boolean,
): Promise<Map<string, EntityState>> {
  const states = new Map<string, EntityState>();
  if (keys.length === 0) return states;
  const metadata = await sql.query<MetadataRow>(
    `SELECT m."entityType", m."entityId", m."version", m."lastModifiedAt" AT TIME ZONE 'UTC' AS "lastModifiedAt", m."checksum", m."deletedAt"
     FROM "SyncMetadata" m
     JOIN unnest($2::text[], $3::text[]) AS k(t, i) ON m."entityType" = k.t AND m."entityId" = k.i
     WHERE m."orgId" = $1
     ORDER BY m."entityType", m."entityId"
     ${lock ? `FOR UPDATE OF m` : ""}`,
    [orgId, keys.map((k) => k.type), keys.map((k) => k.id)],
  );
  for (const key of keys) states.set(entityKey(key.type, key.id), missingState(key.type, key.id));
  for (const row of metadata) {
    states.set(entityKey(row.entityType, row.entityId), {
      type: row.entityType,
      id: row.entityId,
      version: row.version,
      deleted: row.deletedAt !== null,
      lastModifiedAt: new Date(row.lastModifiedAt),
      checksum: row.checksum,
      data: null,
    });
  }
  for (const type of new Set(keys.map((k) => k.type))) {
    const live = metadata.filter((m) => m.entityType === type && !m.deletedAt).map((m) => m.entityId);
    if (live.length === 0) continue;
    const rows = await sql.query<{ id: string; data: EntityData }>(
      `SELECT e."id", ${await entityDataText(sql, type)} AS data FROM ${quotedTable(type)} e WHERE e."orgId" = $1 AND e."id" = ANY($2::text[])`,
      [orgId, live],
    );
    for (const row of rows) states.get(entityKey(type, row.id))!.data = row.data;
  }
  return states;
}

/** Entities as they were at given versions (change-log rows), in one query; keyed by `versionKey`. */
export async function dataAtVersions(sql: Sql, orgId: string, refs: readonly { type: EntityType; id: string; version: number }[]) {
  const found = new Map<string, EntityData>();
  if (refs.length === 0) return found;
  const rows = await sql.query<{ entityType: EntityType; entityId: string; version: number; data: EntityData }>(
    `SELECT l."entityType", l."entityId", l."version", l."data" FROM "ChangeLog" l
     JOIN unnest($2::text[], $3::text[], $4::int[]) AS k(t, i, v) ON l."entityType" = k.t AND l."entityId" = k.i AND l."version" = k.v
     WHERE l."orgId" = $1 AND l."data" IS NOT NULL`,
    [orgId, refs.map((r) => r.type), refs.map((r) => r.id), refs.map((r) => r.version)],
  );
  for (const row of rows) found.set(versionKey(row.entityType, row.entityId, row.version), row.data);
  return found;
}

/** Ids in `data` that point at entities which do not exist (or are deleted) in the organization. */
export async function missingReferences(sql: Sql, orgId: string, type: EntityType, data: EntityData): Promise<string[]> {
  const references = getReferences(type, data);
  const states = await loadStates(sql, orgId, references, false);
  return references.filter((ref) => !states.get(entityKey(ref.type, ref.id))?.data).map((ref) => ref.field);
}

interface Delegate {
  create(args: { data: object }): Promise<unknown>;
  update(args: { where: object; data: object }): Promise<unknown>;
  delete(args: { where: object }): Promise<unknown>;
}

const delegate = (tx: Tx, type: EntityType) => {
  const model = getEntity(type).model;
  return (tx as unknown as Record<string, Delegate>)[model.charAt(0).toLowerCase() + model.slice(1)]!;
};

/** Writes one entity change; the tracking trigger versions it in the same transaction. */
export async function writeEntity(tx: Tx, orgId: string, type: EntityType, id: string, operation: SyncOperation, data: EntityData) {
  const where = { orgId_id: { orgId, id } };
  if (operation === "CREATE") await delegate(tx, type).create({ data: { ...data, orgId, id } });
  else if (operation === "UPDATE") await delegate(tx, type).update({ where, data });
  else await delegate(tx, type).delete({ where });
}

/**
 * Writes many changes of one type and operation in one statement; the tracking trigger versions
 * and logs each row (a row may appear once: see decideBatch's rounds). Rows go through
 * jsonb_populate_record(set) so every column gets its own type's input conversion (enums,
 * timestamps), and an UPDATE keeps the columns a patch omits. `updatedBy` is `actor`.
 */
export async function writeEntities(sql: Sql, orgId: string, actor: string, type: EntityType, operation: SyncOperation, rows: readonly { id: string; data: EntityData }[]) {
  if (rows.length === 0) return;
  const tbl = quotedTable(type);
  if (operation === "DELETE") {
    await sql.query(`DELETE FROM ${tbl} WHERE "orgId" = $1 AND "id" = ANY($2::text[])`, [orgId, rows.map((r) => r.id)]);
    return;
  }
  const fields = entityFields(type).map((f) => `"${f}"`);
  if (operation === "CREATE") {
    await sql.query(
      `INSERT INTO ${tbl} ("orgId", "id", ${fields.join(", ")}, "updatedBy")
       SELECT $1, r."id", ${fields.map((f) => `r.${f}`).join(", ")}, $2
       FROM jsonb_populate_recordset(NULL::${tbl}, $3::jsonb) r`,
      [orgId, actor, JSON.stringify(rows.map((r) => ({ ...r.data, id: r.id })))],
    );
    return;
  }
  await sql.query(
    `UPDATE ${tbl} e SET (${[...fields, `"updatedAt"`, `"updatedBy"`].join(", ")}) =
       (SELECT ${fields.map((f) => `p.${f}`).join(", ")}, now(), $2 FROM jsonb_populate_record(e, v."patch") p)
     FROM jsonb_to_recordset($3::jsonb) AS v("id" text, "patch" jsonb)
     WHERE e."orgId" = $1 AND e."id" = v."id"`,
    [orgId, actor, JSON.stringify(rows.map((r) => ({ id: r.id, patch: r.data })))],
  );
}

/** Entity data for a nullable Json column (SQL NULL when absent). */
export const jsonColumn = (value: EntityData | null) =>
  value === null ? Prisma.DbNull : (value as Prisma.InputJsonObject);
