// The embedded fallback: PostgreSQL 18 compiled to WebAssembly (PGlite) in the server process,
// kept in a data folder, for trying Fieldsync on a machine without PostgreSQL. Tests and CI use
// the real server. Everything the schema needs works on PGlite 0.5.14 (plpgsql, xid8 and
// pg_snapshot_xmin, gen_random_uuid, sha256): migrations apply unchanged.
//
// PGlite is single-session, so only this process may open the folder, and the worker (a
// separate process) cannot share it: in embedded mode pushes are applied inline.
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { attachSqlPool, withTracking } from "./client.ts";
import { migrateDeploy } from "./migrate.ts";
import { pgliteSqlPool } from "./sql.ts";

export interface EmbeddedDatabase {
  db: ReturnType<typeof withTracking>;
  /** Closes the client and PGlite (without it the process never exits). */
  close(): Promise<void>;
}

/**
 * Opens (creating on first use) the database in `dataDir`, applies the committed migrations with
 * `prisma migrate deploy` — over a loopback socket to this very PGlite, since the CLI runs in its
 * own process — and returns the project's client on it.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const pglite = await PGlite.create(dataDir);
  try {
    await pglite.exec("SET TimeZone = 'UTC'");
    const socket = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections: 4 });
    await socket.start();
    try {
      const { port } = socket as unknown as { port: number };
      await migrateDeploy(`postgresql://postgres@127.0.0.1:${port}/postgres`);
    } finally {
      await socket.stop();
    }
    const db = withTracking(new PrismaPGlite(pglite) as never);
    const sqlPool = pgliteSqlPool(pglite);
    attachSqlPool(db, () => sqlPool);
    return {
      db,
      close: async () => {
        await db.$disconnect();
        await pglite.close();
      },
    };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}
