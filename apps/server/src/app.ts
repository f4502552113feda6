import { existsSync } from "node:fs";
import { join } from "node:path";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import { type Deps, type RestRoute, appRouter, createCaller, createContextInner, restRoutes, toErrorBody } from "@fieldsync/api";
import { type ErrorBody, errorCodes } from "@fieldsync/schema";
import { TRPCError } from "@trpc/server";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyError, type FastifyServerOptions } from "fastify";

export interface AppOptions {
  deps: Deps;
  corsOrigins?: string[];
  webDist?: string;
  bodyLimit?: number;
  logger?: FastifyServerOptions["logger"];
}

type Caller = ReturnType<typeof createCaller>;
const procedureOf = (caller: Caller, path: string) =>
  path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;

/** Fastify's own request errors, in the API's error body. */
function requestErrorBody(error: FastifyError): ErrorBody | null {
  if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError) {
    return { statusCode: 400, code: errorCodes.MALFORMED_JSON, message: "The request body is not valid JSON" };
  }
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return { statusCode: 413, code: errorCodes.PAYLOAD_TOO_LARGE, message: "The request body is too large" };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { statusCode: error.statusCode, code: errorCodes.VALIDATION_FAILED, message: error.message };
  }
  return null;
}

/** The Fastify application: REST and tRPC over one router, health, and the PWA. */
export async function buildApp(options: AppOptions) {
  const { deps } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024,
    routerOptions: { maxParamLength: 5000 },
  });

  await app.register(helmet, { contentSecurityPolicy: { directives: { "worker-src": ["'self'"] } } });
  await app.register(cors, { origin: options.corsOrigins?.length ? options.corsOrigins : false });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = error instanceof TRPCError ? toErrorBody(error) : requestErrorBody(error);
    if (!body || body.statusCode >= 500) request.log.error({ err: error }, "request failed");
    const sent = body ?? { statusCode: 500, code: errorCodes.INTERNAL, message: "Internal server error" };
    return reply.code(sent.statusCode).send(sent);
  });

  app.get("/healthz", async (_request, reply) => {
    try {
      await Promise.race([
        deps.db.$queryRaw`SELECT 1`,
        new Promise((_, reject) => setTimeout(() => reject(new Error("database timeout")), 2000)),
      ]);
      return { status: "ok" };
    } catch {
      return reply.code(503).send({ status: "unavailable", database: "down" });
    }
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: ({ req }: { req: { headers: Record<string, string | string[] | undefined> } }) =>
        createContextInner(deps, req.headers.authorization as string | undefined),
    },
  });

  const mount = (route: RestRoute) =>
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const ctx = await createContextInner(deps, request.headers.authorization);
        const input = route.input({
          body: request.body ?? {},
          params: request.params as Record<string, string>,
          query: request.query as Record<string, string>,
        });
        const result = await procedureOf(createCaller(ctx), route.procedure)(input);
        return reply.code(route.status ?? 200).send(result);
      },
    });
  restRoutes.forEach(mount);

  if (options.webDist && existsSync(join(options.webDist, "index.html"))) {
    await app.register(fastifyStatic, { root: options.webDist, wildcard: false });
    app.setNotFoundHandler((request, reply) => {
      const isApi = request.url.startsWith("/api") || request.url.startsWith("/trpc");
      if (request.method === "GET" && !isApi) return reply.sendFile("index.html");
      return reply.code(404).send({ statusCode: 404, code: errorCodes.NOT_FOUND, message: "Not found" });
    });
  } else {
    app.setNotFoundHandler((_request, reply) =>
      reply.code(404).send({ statusCode: 404, code: errorCodes.NOT_FOUND, message: "Not found" }),
    );
  }
  return app;
}
