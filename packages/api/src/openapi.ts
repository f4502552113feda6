// The OpenAPI 3.1 document of the REST API, generated from the route table (rest.ts) and the
// procedures' own zod schemas: nothing here restates a field. docs/openapi.json is this output
// (`pnpm docs:openapi`); a test fails when they drift.
import {
  type EntityType,
  type ErrorCode,
  entityRegistry,
  entityTypes,
  errorBodySchema,
  errorCodes,
  fieldDescription,
  syncChangeVariants,
  syncEventSchema,
} from "@fieldsync/schema";
import { z } from "zod";
import { httpStatusOf } from "./errors.ts";
import { exampleOf } from "./openapi-example.ts";
import { type RestRoute, inputErrors, restRoutes } from "./rest.ts";
import { appRouter } from "./root.ts";
import { type ProcedureMeta, accessErrors } from "./trpc.ts";
import { type UnparsedOutput, outputSchemaOf } from "./unparsed-output.ts";

interface ProcedureDef {
  type: "query" | "mutation";
  inputs: z.ZodType[];
  output?: z.ZodType | UnparsedOutput<z.ZodType>;
  meta?: ProcedureMeta;
}

/** Every operation can meet a database outage (503) or a bug (500, details only in the log). */
const serverErrors: ErrorCode[] = ["SERVICE_UNAVAILABLE", "INTERNAL"];

/**
 * The event stream (realtime.ts) is no procedure: it refuses a missing, spent or invalid ticket or
 * token, a `deviceId` other than the session's, and one stream too many.
 */
const eventStreamErrors: ErrorCode[] = ["UNAUTHORIZED", "DEVICE_MISMATCH", "STREAM_LIMIT_REACHED"];

/** One tag per router; a new router needs its line here (the type says so). */
const tagDescriptions: Record<keyof typeof appRouter._def.record, string> = {
  auth: "Log in and refresh sessions",
  sync: "Push and pull changes, sync status and the live event stream",
  verify: "Verify a replica against bucket digests and repair only what differs",
  devices: "Devices and what they keep offline",
  conflicts: "Conflicts between concurrent edits",
  queue: "Background processing of large pushes",
  health: "Sync health and liveness",
  audit: "The organization's audit trail",
  users: "The organization's users, whom tasks can be assigned to",
};

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

const errorCodeOrder = Object.keys(errorCodes) as ErrorCode[];

/** The codes a route answers with: its procedure's access check and resolver, its input, the server. */
function routeErrors(route: RestRoute, def: ProcedureDef): ErrorCode[] {
  const codes = new Set<ErrorCode>([
    ...accessErrors[def.meta?.access ?? "public"],
    ...(def.meta?.errors ?? []),
    ...(def.inputs.length > 0 ? inputErrors[route.source] : []),
    ...serverErrors,
  ]);
  return errorCodeOrder.filter((code) => codes.has(code));
}

/** One response per status, its body an ErrorBody whose `code` is one of exactly these. */
function errorResponses(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(httpStatusOf(code), [...(byStatus.get(httpStatusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, statusCodes]) => [
        String(status),
        {
          description: statusCodes.join(", "),
          content: {
            "application/json": {
              schema: { allOf: [ref("ErrorBody"), { type: "object", properties: { code: { enum: statusCodes } } }] },
              example: { statusCode: status, code: statusCodes[0], message: "…" },
            },
          },
        },
      ]),
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

const operationCase = (operation: string) => operation[0] + operation.slice(1).toLowerCase();

/**
 * Entity fields described in the registry's words (label, enum values, referenced type), in the
 * entity components and in each change's payload: the converted schemas carry no descriptions of
 * their own, since field schemas are shared (one `isoDateTime` serves every date field).
 */
function describeEntityFields(components: Record<string, JsonSchema>) {
  for (const { type, operation } of syncChangeVariants) {
    const change = components[`Change${componentStem(type)}${operationCase(operation)}`];
    const payload = (change?.properties as Record<string, JsonSchema> | undefined)?.["payload"];
    for (const entity of [components[`Entity${componentStem(type)}`], payload]) {
      for (const [field, schema] of Object.entries((entity?.properties ?? {}) as Record<string, JsonSchema>)) {
        schema.description = fieldDescription(type, field);
      }
    }
  }
}

export function openApiDocument() {
  const inputs: Record<string, z.ZodType> = {};
  const outputs: Record<string, z.ZodType> = { ErrorBody: errorBodySchema, SyncEvent: syncEventSchema };
  for (const type of entityTypes) outputs[`Entity${componentStem(type)}`] = entityRegistry[type as EntityType].schema;
  // Named, so generated clients get one type per entity type and operation (e.g. ChangeAssetUpdate).
  for (const { type, operation, schema } of syncChangeVariants) inputs[`Change${componentStem(type)}${operationCase(operation)}`] = schema;
  for (const route of restRoutes) {
    const def = procedureDef(route.procedure);
    const stem = componentStem(route.procedure);
    if (def.inputs[0]) inputs[`${stem}Input`] = def.inputs[0];
    if (def.output) outputs[`${stem}Output`] = outputSchemaOf(def.output);
  }
  const components = { ...convert(inputs, "input"), ...convert(outputs, "output") };
  describeEntityFields(components);
  const example = (schema: JsonSchema) => exampleOf(schema, components);

  const paths: Record<string, Record<string, unknown>> = {};
  const documentedCodes = new Set<ErrorCode>(eventStreamErrors);
  for (const route of restRoutes) {
    const def = procedureDef(route.procedure);
    const stem = componentStem(route.procedure);
    const input = components[`${stem}Input`];
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    const access = def.meta?.access ?? "public";
    const codes = routeErrors(route, def);
    codes.forEach((code) => documentedCodes.add(code));
    const operation: Record<string, unknown> = {
      operationId: route.procedure,
      summary: route.summary,
      description: `tRPC procedure \`${route.procedure}\` (also at /trpc/${route.procedure}).${access === "admin" ? " Organization admins only." : ""}`,
      tags: [route.procedure.split(".")[0]],
      security: access === "public" ? [] : [{ bearerAuth: [] }],
      parameters: parameters(route, input).map((parameter) => ({ ...parameter, example: example(parameter.schema) })),
      responses: {
        [String(route.status ?? 200)]: {
          description: "Success",
          content: { "application/json": { schema: ref(`${stem}Output`), example: example(ref(`${stem}Output`)) } },
        },
        ...errorResponses(codes),
      },
    };
    if (route.source === "body" && input) {
      operation.requestBody = { required: true, content: { "application/json": { schema: ref(`${stem}Input`), example: example(ref(`${stem}Input`)) } } };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }

  // Not procedures (no zod schema of their own): a stream and a probe.
  paths["/api/sync/events"] = {
    get: {
      operationId: "events",
      summary: "Server-Sent Events: \"your organization has new changes\" (event `changes`, data SyncEvent)",
      description:
        "A single-use `?ticket=` from POST /api/sync/events/ticket (EventSource cannot send headers; access tokens are not " +
        "accepted in the URL), or a bearer token. With `?deviceId=` (the session's own device), other devices' pushes of up to 100 changes / 64 KB carry " +
        "their changes (`changes`, as a pull returns them; none for a device with a subscription) to show before pulling; " +
        "otherwise the device pulls. The stream ends with event `reauth` when the access token expires.",
      tags: ["sync"],
      security: [{ bearerAuth: [] }, { streamTicket: [] }],
      parameters: [
        { name: "deviceId", in: "query", required: false, schema: { type: "string" }, description: "The listening device: its own changes are left out", example: "tablet-7" },
      ],
      responses: {
        "200": {
          description: "An event stream; the data of a `changes` event is a SyncEvent (#/components/schemas/SyncEvent)",
          content: { "text/event-stream": { schema: { type: "string" }, example: `event: changes\ndata: ${JSON.stringify(example(ref("SyncEvent")))}\n\n` } },
        },
        ...errorResponses(eventStreamErrors),
      },
    },
  };
  paths["/healthz"] = {
    get: {
      operationId: "healthz",
      summary: "200 only while PostgreSQL answers",
      tags: ["health"],
      security: [],
      responses: {
        "200": { description: "Healthy", content: { "application/json": { schema: { type: "object" }, example: { status: "ok" } } } },
        "503": { description: "The database is down", content: { "application/json": { schema: { type: "object" }, example: { status: "unavailable", database: "down" } } } },
      },
    },
  };

  // The error vocabulary of the document: the codes some operation returns, no others.
  const vocabulary = errorCodeOrder.filter((code) => documentedCodes.has(code));
  const errorBody = components.ErrorBody as { properties: { code: JsonSchema } };
  errorBody.properties.code = { ...errorBody.properties.code, enum: vocabulary };

  return {
    openapi: "3.1.0",
    info: {
      title: "Fieldsync sync API",
      version: "1.0.0",
      description:
        "Offline-first sync for the Asset Manager PWA. Every REST endpoint maps onto a tRPC procedure; errors are " +
        `{statusCode, code, message, issues?} with stable codes (${vocabulary.join(", ")}); each operation lists the codes it answers with.`,
      license: { name: "UNLICENSED", identifier: "UNLICENSED" },
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    // The default PORT; a deployment serves this document at its own origin's /api/openapi.json.
    servers: [{ url: "http://localhost:{port}", description: "A Fieldsync server", variables: { port: { default: "3000" } } }],
    tags: Object.entries(tagDescriptions).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "From POST /api/auth/login or /api/auth/refresh" },
        streamTicket: { type: "apiKey", in: "query", name: "ticket", description: "A single-use ticket from POST /api/sync/events/ticket, valid 30 s (SSE only)" },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
