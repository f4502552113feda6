// The OpenAPI 3.1 document of the REST API, generated from the route table (rest.ts) and the
// procedures' own zod schemas: nothing here restates a field. docs/openapi.json is this output
// (`pnpm docs:openapi`); a test fails when they drift.
import { type EntityType, entityRegistry, entityTypes, errorBodySchema, errorCodes, syncEventSchema } from "@fieldsync/schema";
import { z } from "zod";
import { type RestRoute, restRoutes } from "./rest.ts";
import { appRouter } from "./root.ts";

interface ProcedureDef {
  type: "query" | "mutation";
  inputs: z.ZodType[];
  output?: z.ZodType;
}

type JsonSchema = Record<string, unknown>;

const procedureDef = (path: string): ProcedureDef => {
  const procedure = (appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef } | undefined>)[path];
  if (!procedure) throw new Error(`restRoutes names ${path}, which the router does not have`);
  return procedure._def;
};

/** `sync.push` → `SyncPush`: the stem of the route's component names. */
const componentStem = (procedure: string) =>
  procedure
    .split(".")
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Converts named zod schemas in one go (shared sub-schemas become references instead of copies).
 * `io`: "input" for what clients send (defaults optional), "output" for what they receive.
 */
function convert(schemas: Record<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, {
    io,
    target: "draft-2020-12",
    uri: (id) => `#/components/schemas/${id}`,
    // Query strings are coerced; anything JSON Schema cannot express is documented as "any".
    unrepresentable: "any",
  });
  return Object.fromEntries(
    Object.entries(converted).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema as JsonSchema]),
  );
}

const errorStatuses: Record<number, string> = {
  400: "Invalid request: VALIDATION_FAILED (with zod issue paths) or MALFORMED_JSON; nothing was written",
  401: "UNAUTHORIZED: missing, invalid or expired access token",
  403: "FORBIDDEN, DEVICE_REVOKED, DEVICE_OWNED_BY_ANOTHER_USER, DEVICE_MISMATCH (the access token was issued for another device) or DEVICE_LIMIT_REACHED",
  404: "NOT_FOUND or DEVICE_NOT_REGISTERED (ids of other organizations are not found either)",
  409: "CONFLICT_ALREADY_RESOLVED, CONFLICT_STALE or MERGE_DATA_REQUIRED",
  413: "PAYLOAD_TOO_LARGE: the (inflated) body exceeds the limit",
  429: "RATE_LIMITED: too many requests or login attempts; see Retry-After",
  500: "INTERNAL: details are logged, never returned",
  503: "SERVICE_UNAVAILABLE: the database is unavailable; retry after Retry-After",
};

function errorResponses(route: RestRoute) {
  const statuses = [400, 429, 500, 503];
  if (route.access !== "public") statuses.push(401, 403, 404);
  // A login binds the session to a device: one another user holds, or one too many, is refused.
  if (route.procedure === "auth.login") statuses.push(403);
  if (route.source === "body") statuses.push(413);
  if (route.procedure === "conflicts.resolve") statuses.push(409);
  return Object.fromEntries(
    statuses
      .sort((a, b) => a - b)
      .map((status) => [String(status), { description: errorStatuses[status], content: { "application/json": { schema: ref("ErrorBody") } } }]),
  );
}

/** Query and path inputs are objects whose properties become parameters. */
function parameters(route: RestRoute, inputSchema: JsonSchema | undefined) {
  if (!inputSchema || (route.source !== "query" && route.source !== "params")) return [];
  const properties = (inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((inputSchema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: route.source === "params" ? "path" : "query",
    required: route.source === "params" || required.has(name),
    schema,
  }));
}

export function openApiDocument() {
  const inputs: Record<string, z.ZodType> = {};
  const outputs: Record<string, z.ZodType> = { ErrorBody: errorBodySchema, SyncEvent: syncEventSchema };
  for (const type of entityTypes) outputs[`Entity${componentStem(type)}`] = entityRegistry[type as EntityType].schema;
  for (const route of restRoutes) {
    const def = procedureDef(route.procedure);
    const stem = componentStem(route.procedure);
    if (def.inputs[0]) inputs[`${stem}Input`] = def.inputs[0];
    if (def.output) outputs[`${stem}Output`] = def.output;
  }
  const components = { ...convert(inputs, "input"), ...convert(outputs, "output") };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of restRoutes) {
    const stem = componentStem(route.procedure);
    const input = components[`${stem}Input`];
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    const operation: Record<string, unknown> = {
      operationId: route.procedure,
      summary: route.summary,
      description: `tRPC procedure \`${route.procedure}\` (also at /trpc/${route.procedure}).${route.access === "admin" ? " Organization admins only." : ""}`,
      tags: [route.procedure.split(".")[0]],
      security: route.access === "public" ? [] : [{ bearerAuth: [] }],
      parameters: parameters(route, input),
      responses: {
        [String(route.status ?? 200)]: {
          description: "Success",
          content: { "application/json": { schema: ref(`${stem}Output`) } },
        },
        ...errorResponses(route),
      },
    };
    if (route.source === "body" && input) {
      operation.requestBody = { required: true, content: { "application/json": { schema: ref(`${stem}Input`) } } };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }

  // Not procedures (no zod schema of their own): a stream and a probe.
  paths["/api/sync/events"] = {
    get: {
      operationId: "events",
      summary: "Server-Sent Events: \"your organization has new changes\" (event `changes`, data SyncEvent)",
      description:
        "Bearer token, or `?token=` for EventSource. With `?deviceId=`, other devices' pushes of up to 100 changes / 64 KB carry " +
        "their changes (`changes`, as a pull returns them; none for a device with a subscription) to show before pulling; " +
        "otherwise the device pulls. The stream ends with event `reauth` when the access token expires.",
      tags: ["sync"],
      security: [{ bearerAuth: [] }, { queryToken: [] }],
      parameters: [
        { name: "deviceId", in: "query", required: false, schema: { type: "string" }, description: "The listening device: its own changes are left out" },
      ],
      responses: {
        "200": {
          description: "An event stream; the data of a `changes` event is a SyncEvent (#/components/schemas/SyncEvent)",
          content: { "text/event-stream": { schema: { type: "string" } } },
        },
        "401": { description: errorStatuses[401], content: { "application/json": { schema: ref("ErrorBody") } } },
      },
    },
  };
  paths["/healthz"] = {
    get: {
      operationId: "healthz",
      summary: "200 only while PostgreSQL answers",
      tags: ["health"],
      security: [],
      responses: { "200": { description: "Healthy" }, "503": { description: "The database is down" } },
    },
  };

  return {
    openapi: "3.1.0",
    info: {
      title: "Fieldsync sync API",
      version: "1.0.0",
      description:
        "Offline-first sync for the Asset Manager PWA. Every REST endpoint maps onto a tRPC procedure; errors are " +
        `{statusCode, code, message, issues?} with stable codes (${Object.keys(errorCodes).join(", ")}).`,
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "From POST /api/auth/login or /api/auth/refresh" },
        queryToken: { type: "apiKey", in: "query", name: "token", description: "The access token, for EventSource (SSE only)" },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
