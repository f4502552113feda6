import { z } from "zod";

// Which shape of the entity schemas a build speaks. A push carries the version its changes were
// written under; the server upgrades older ones to `schemaVersion` with the entities' declared
// upgrades (`upgrade.ts`, registry `upgrades`) before deciding them. Bump it in the same change
// that alters a payload shape, and declare the upgrade next to the entity (docs/extending.md).

/** The entity schemas as this build declares them. */
export const schemaVersion = 1;

/**
 * The oldest version whose pushes the server takes; older ones are refused
 * SCHEMA_VERSION_TOO_OLD and the app updates itself first. Raise it when an older build can no
 * longer work against this server; never remove the upgrade steps below it (see upgrade.ts).
 */
export const oldestSupportedSchemaVersion = 1;

/**
 * The version of a push without `schemaVersion`: every build from before the field existed spoke
 * version 1. Not "the oldest supported": once that is raised, such a build is too old, and its
 * payloads must not be read as a newer shape.
 */
export const unversionedSchemaVersion = 1;

export const schemaVersionSchema = z.int().min(1).max(2_147_483_647);
