import { Prisma, currentActor, type Db, type Tx } from "@fieldsync/db";
import { type EntityData, type EntityType, type ServerChange, type SyncOperation, getEntity } from "@fieldsync/schema";

// Generic access to synced entities by type. Reads go through SQL so that entity data is rendered
// by the same expression as the tracking triggers' checksums (`fieldsync_entity_sql`); single
// writes go through the Prisma model so the version-tracking extension stamps the author, batched
// writes stamp it themselves.

export interface EntityState {
  type: EntityType;
  id: string;
  /** 0 when the entity never existed. */
  version: number;
  deleted: boolean;
  lastModifiedAt: Date | null;
  checksum: string | null;
  /** Current fields; null when deleted or never created. */
  data: EntityData | null;
}

export const entityKey = (type: string, id: string) => `${type}:${id}`;

export const table = (type: EntityType) => Prisma.raw(`"${getEntity(type).model}"`);

const renderers = new Map<EntityType, Promise<Prisma.Sql>>();

/**
 * SQL rendering a row of `type`'s table, aliased `e`, as its entity data: the jsonb_build_object
 * the tracking triggers checksum, generated from the catalog once per type and process (a
 * migration that changes an entity table is deployed with a restart). Per row it is ~10× cheaper
 * than the generic `fieldsync_entity_data(regclass, to_jsonb(e))`.
 */
export function entityDataSql(db: Tx | Db, type: EntityType): Promise<Prisma.Sql> {
  let renderer = renderers.get(type);
  if (!renderer) {
    renderer = db.$queryRaw<{ sql: string }[]>`SELECT data_sql AS sql FROM fieldsync_entity_sql(${`"${getEntity(type).model}"`}::regclass, 'e')`
      .then(([row]) => Prisma.raw(row!.sql));
    renderers.set(type, renderer);
    renderer.catch(() => renderers.delete(type));
  }
  return renderer;
}

export const missingState = (type: EntityType, id: string): EntityState => ({
  type, id, version: 0, deleted: false, lastModifiedAt: null, checksum: null, data: null,
});

interface MetadataRow {
  entityType: EntityType;
  entityId: string;
  version: number;
  lastModifiedAt: Date;
  checksum: string | null;
  deletedAt: Date | null;
}

/**
 * Current state of the given entities. With `lock`, their SyncMetadata rows are locked FOR
 * UPDATE in a fixed order (so concurrent batches cannot deadlock on them) until the transaction
 * ends: a concurrent push of the same entity then waits and sees the version this one wrote.
 */
export async function loadStates(
  tx: Tx | Db,
  orgId: string,
  keys: readonly { type: EntityType; id: string }[],
  lock: boolean,
): Promise<Map<string, EntityState>> {
  const states = new Map<string, EntityState>();
  if (keys.length === 0) return states;
  const types = keys.map((k) => k.type);
  const ids = keys.map((k) => k.id);
  const metadata = await tx.$queryRaw<MetadataRow[]>`
    SELECT m."entityType", m."entityId", m."version", m."lastModifiedAt", m."checksum", m."deletedAt"
    FROM "SyncMetadata" m
    JOIN unnest(${types}::text[], ${ids}::text[]) AS k(t, i) ON m."entityType" = k.t AND m."entityId" = k.i
    WHERE m."orgId" = ${orgId}
    ORDER BY m."entityType", m."entityId"
    ${lock ? Prisma.sql`FOR UPDATE OF m` : Prisma.empty}`;
  for (const key of keys) states.set(entityKey(key.type, key.id), missingState(key.type, key.id));
  for (const row of metadata) {
    states.set(entityKey(row.entityType, row.entityId), {
      type: row.entityType,
      id: row.entityId,
      version: row.version,
      deleted: row.deletedAt !== null,
      lastModifiedAt: row.lastModifiedAt,
      checksum: row.checksum,
      data: null,
    });
  }
  for (const type of new Set(types)) {
    const live = metadata.filter((m) => m.entityType === type && !m.deletedAt).map((m) => m.entityId);
    if (live.length === 0) continue;
    const rows = await tx.$queryRaw<{ id: string; data: EntityData }[]>`
      SELECT e."id", ${await entityDataSql(tx, type)} AS data
      FROM ${table(type)} e WHERE e."orgId" = ${orgId} AND e."id" = ANY(${live}::text[])`;
    for (const row of rows) states.get(entityKey(type, row.id))!.data = row.data;
  }
  return states;
}

/** The entity as it was at `version` (from the change log), or null if unknown or a tombstone. */
export async function dataAtVersion(tx: Tx | Db, orgId: string, type: EntityType, id: string, version: number) {
  const rows = await tx.$queryRaw<{ data: EntityData | null }[]>`
    SELECT "data" FROM "ChangeLog"
    WHERE "orgId" = ${orgId} AND "entityType" = ${type} AND "entityId" = ${id} AND "version" = ${version}
    LIMIT 1`;
  return rows[0]?.data ?? null;
}

/** Entities as they were at given versions (change-log rows), in one query; keyed by `versionKey`. */
export async function dataAtVersions(tx: Tx | Db, orgId: string, refs: readonly { type: EntityType; id: string; version: number }[]) {
  const found = new Map<string, EntityData>();
  if (refs.length === 0) return found;
  const rows = await tx.$queryRaw<{ entityType: EntityType; entityId: string; version: number; data: EntityData }[]>`
    SELECT l."entityType", l."entityId", l."version", l."data" FROM "ChangeLog" l
    JOIN unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[], ${refs.map((r) => r.version)}::int[]) AS k(t, i, v)
      ON l."entityType" = k.t AND l."entityId" = k.i AND l."version" = k.v
    WHERE l."orgId" = ${orgId} AND l."data" IS NOT NULL`;
  for (const row of rows) found.set(versionKey(row.entityType, row.entityId, row.version), row.data);
  return found;
}

export const versionKey = (type: string, id: string, version: number) => `${type}:${id}@${version}`;

/** Whether a live entity of `type` with this id exists in the organization. */
export async function entityExists(tx: Tx | Db, orgId: string, type: EntityType, id: string): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM ${table(type)} WHERE "orgId" = ${orgId} AND "id" = ${id}`;
  return rows.length > 0;
}

/** Ids in `data` that point at entities which do not exist (or are deleted) in the organization. */
export async function missingReferences(
  tx: Tx | Db,
  orgId: string,
  type: EntityType,
  data: EntityData,
  known: Map<string, EntityState>,
): Promise<string[]> {
  const missing: string[] = [];
  const references = getEntity(type).references as Record<string, EntityType>;
  for (const [field, target] of Object.entries(references)) {
    const id = data[field];
    if (typeof id !== "string") continue;
    const state = known.get(entityKey(target, id));
    const exists = state ? state.data !== null : await entityExists(tx, orgId, target, id);
    if (!exists) missing.push(field);
  }
  return missing;
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

export interface EntityWrite {
  id: string;
  /** CREATE: the whole entity; UPDATE: the changed fields (null clears one); DELETE: unused. */
  data: EntityData;
}

/**
 * Writes many changes of one type and operation in one statement; the tracking trigger still
 * versions and logs each row. Rows go through jsonb_populate_record(set) so every column gets its
 * own type's input conversion (enums, timestamps), and an UPDATE keeps the columns a patch omits.
 * `updatedBy` is stamped like the Prisma extension does (the ambient actor).
 */
export async function writeEntities(tx: Tx, orgId: string, type: EntityType, operation: SyncOperation, rows: readonly EntityWrite[]) {
  if (rows.length === 0) return;
  if (operation === "DELETE") {
    await tx.$executeRaw`DELETE FROM ${table(type)} WHERE "orgId" = ${orgId} AND "id" = ANY(${rows.map((r) => r.id)}::text[])`;
    return;
  }
  const fields = Object.keys(getEntity(type).schema.shape).map((f) => `"${f}"`);
  if (operation === "CREATE") {
    const json = JSON.stringify(rows.map((r) => ({ ...r.data, id: r.id })));
    const columns = Prisma.raw(fields.join(", "));
    const values = Prisma.raw(fields.map((f) => `r.${f}`).join(", "));
    await tx.$executeRaw`
      INSERT INTO ${table(type)} ("orgId", "id", ${columns}, "updatedBy")
      SELECT ${orgId}, r."id", ${values}, ${currentActor()}
      FROM jsonb_populate_recordset(NULL::${table(type)}, ${json}::jsonb) r`;
    return;
  }
  const patch = JSON.stringify(rows.map((r) => ({ id: r.id, patch: r.data })));
  const columns = Prisma.raw([...fields, `"updatedAt"`, `"updatedBy"`].join(", "));
  const values = Prisma.raw(fields.map((f) => `p.${f}`).join(", "));
  await tx.$executeRaw`
    UPDATE ${table(type)} e SET (${columns}) = (SELECT ${values}, now(), ${currentActor()} FROM jsonb_populate_record(e, v."patch") p)
    FROM jsonb_to_recordset(${patch}::jsonb) AS v("id" text, "patch" jsonb)
    WHERE e."orgId" = ${orgId} AND e."id" = v."id"`;
}

export const toServerChange = (state: EntityState, operation: SyncOperation, timestamp: Date): ServerChange => ({
  entityType: state.type,
  entityId: state.id,
  operation,
  payload: state.data ?? {},
  clientVersion: state.version,
  timestamp: timestamp.toISOString(),
  checksum: state.data ? state.checksum : null,
});

/** Entity data for a nullable Json column (SQL NULL when absent). */
export const jsonColumn = (value: EntityData | null) =>
  value === null ? Prisma.DbNull : (value as Prisma.InputJsonObject);
