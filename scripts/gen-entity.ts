// `pnpm gen:entity <name>` (kebab-case, e.g. `meter-reading`): adds a synced entity type in one
// step — zod schema file, registry entry (with the labels forms and screens show), Prisma model
// with the Organization relation, a migration written by `pnpm db:new-migration` (prisma migrate
// diff) plus the tracking trigger, the regenerated Prisma client and docs/openapi.json. Edit the
// starter fields afterwards and regenerate the migration (docs/extending.md explains the manual
// path).
// Runs from the repository root; DATABASE_URL as for db:new-migration.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";

const name = process.argv[2] ?? "";
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
  console.error("usage: pnpm gen:entity <kebab-case-name>   e.g. pnpm gen:entity meter-reading");
  process.exit(1);
}
const words = name.split("-");
const key = words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join("");
const model = key[0]!.toUpperCase() + key.slice(1);
const snake = words.join("_");
// "meter-reading" → "Meter reading": the type's label until someone words it better.
const label = words.join(" ").replace(/^./, (first) => first.toUpperCase());
const schemaFile = `packages/schema/src/entities/${name}.ts`;

const edit = (path: string, anchor: string, insert: (anchor: string) => string) => {
  const text = readFileSync(path, "utf8");
  if (text.split(anchor).length !== 2) throw new Error(`${path}: expected exactly one "${anchor.trim()}"`);
  writeFileSync(path, text.replace(anchor, insert(anchor)));
};

if (existsSync(schemaFile)) {
  console.error(`${schemaFile} exists already`);
  process.exit(1);
}

writeFileSync(
  schemaFile,
  `import { z } from "zod";
import { optionalText, requiredText } from "../fields.ts";

// Synced fields only: ids, orgId and timestamps are server-owned (registry serverOwnedFields).
export const ${key}Schema = z.strictObject({
  title: requiredText(200),
  notes: optionalText(5000),
});
export type ${model} = z.infer<typeof ${key}Schema>;
`,
);

edit("packages/schema/src/index.ts", 'export * from "./enums.ts";\n', (a) => `export * from "./entities/${name}.ts";\n${a}`);
edit("packages/schema/src/registry.ts", 'import { assetSchema } from "./entities/asset.ts";\n', (a) => `${a}import { ${key}Schema } from "./entities/${name}.ts";\n`);
edit(
  "packages/schema/src/registry.ts",
  "};\n\nexport type EntityType",
  (a) => `  ${key}: defineEntity({
    model: "${model}",
    schema: ${key}Schema,
    defaults: {},
    references: {},
    conflictPolicy: defaultConflictPolicy,
    label: "${label}",
    pluralLabel: "${label}s",
    titleField: "title",
    fields: {
      title: { label: "Title" },
      notes: { label: "Notes" },
    },
  }),
${a}`,
);

// Organization gets the back-relation Prisma requires, right before its closing brace.
const prismaPath = "prisma/schema.prisma";
const prisma = readFileSync(prismaPath, "utf8");
const orgStart = prisma.indexOf("model Organization {");
const orgEnd = prisma.indexOf("\n}", orgStart);
if (orgStart < 0) throw new Error("prisma/schema.prisma: no Organization model");
writeFileSync(
  prismaPath,
  `${prisma.slice(0, orgEnd)}\n  ${key}s ${model}[]${prisma.slice(orgEnd)}
model ${model} {
  orgId     String
  id        String
  title     String
  notes     String?
  createdAt DateTime @default(now())
  updatedAt DateTime @default(now()) @updatedAt
  updatedBy String?

  org Organization @relation(fields: [orgId], references: [id])

  @@id([orgId, id])
}
`,
);

const run = (args: string[]) => execFileSync(process.execPath, args, { stdio: "inherit" });
const prismaCli = "node_modules/prisma/build/index.js";
const before = new Set(readdirSync("prisma/migrations"));
run(["--import", "tsx", "scripts/new-migration.ts", `add_${snake}`]);
const created = readdirSync("prisma/migrations").filter((dir) => !before.has(dir));
if (created.length !== 1) throw new Error("db:new-migration wrote no migration");
const migration = `prisma/migrations/${created[0]}/migration.sql`;
writeFileSync(
  migration,
  `${readFileSync(migration, "utf8")}
-- Version tracking: SyncMetadata, checksums and ChangeLog for every write (*_version_tracking).
SELECT fieldsync_attach('"${model}"', '${key}');
`,
);
run([prismaCli, "generate"]);
run(["--import", "tsx", "scripts/openapi.ts"]);
console.log(`Entity type "${key}" added: ${schemaFile}, registry, model ${model}, ${migration}. Apply with \`pnpm db:migrate\`.`);
