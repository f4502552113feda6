// Driver adapter for the Prisma CLI's WebAssembly schema engine (prisma.config.ts), which lets
// `prisma migrate` run without downloading an engine binary. Only the CLI loads this module: it
// patches the `pg` instance adapter-pg uses, which the application's client must not inherit.
// Works around three bugs of @prisma/adapter-pg 6.19 under Migrate (../shared/notes/toolchain.md).
import { createRequire } from "node:module";
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";

const requireFromAdapter = createRequire(createRequire(import.meta.url).resolve("@prisma/adapter-pg"));
const adapterPg = requireFromAdapter("pg") as typeof pg & { Result: { prototype: { addFields(fields: pg.FieldDef[]): void } } };

// 1. prisma/orm#27403: the schema describer reads catalog columns of type "char" (OID 18) and
//    name (OID 19), which the adapter cannot map. Hand them over as text (OID 25).
const TEXT_OID = 25;
const addFields = adapterPg.Result.prototype.addFields;
adapterPg.Result.prototype.addFields = function (fields) {
  for (const field of fields) if (field.dataTypeID === 18 || field.dataTypeID === 19) field.dataTypeID = TEXT_OID;
  addFields.call(this, fields);
};

/** Discrete fields, not a connection string: pg ignores a `database` override next to one. */
export function poolConfig(url: string, database?: string): pg.PoolConfig {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname) || "127.0.0.1",
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username) || "postgres",
    password: decodeURIComponent(parsed.password) || undefined,
    database: database ?? decodeURIComponent(parsed.pathname.slice(1)),
    max: 2,
  };
}

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

// 3. executeScript splits on every ";" and breaks $$-quoted function bodies: send the whole
//    script as one simple-protocol query instead.
function wholeScripts(adapter: Adapter): Adapter {
  adapter.executeScript = async (script: string) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      (adapter as unknown as { onError(e: unknown): never }).onError(error);
    }
  };
  return adapter;
}

export function migrateAdapter(url: string) {
  const factory = new PrismaPg(poolConfig(url));
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wholeScripts(await factory.connect()),
    // 2. The stock shadow database is dropped while its pool is still open. Create it here, and
    //    on dispose close the pool first, then drop the database.
    connectToShadowDb: async () => {
      const admin = new adapterPg.Pool(poolConfig(url));
      const name = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
      await admin.query(`CREATE DATABASE "${name}"`);
      const shadow = await new PrismaPg(poolConfig(url, name)).connect();
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
        await admin.end();
      };
      return wholeScripts(shadow);
    },
  };
}
