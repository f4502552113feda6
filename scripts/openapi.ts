// `pnpm docs:openapi`: writes docs/openapi.json from the zod schemas and the REST route table.
// Commit the result; apps/server's openapi test fails while the committed copy is stale.
import { writeFileSync } from "node:fs";
import { openApiDocument } from "@fieldsync/api";

const openApiPath = "docs/openapi.json";
writeFileSync(openApiPath, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`Wrote ${openApiPath}.`);
