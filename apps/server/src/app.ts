import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import compress from "@fastify/compress";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import {
  type Deps,
  PushGate,
  ReadAhead,
  SharedPages,
  type PushGateOptions,
  type RestRoute,
  appRouter,
  createCaller,
  createContextInner,
  databaseUnavailableError,
  inputShapeError,
  isDatabaseUnavailable,
  restRoutes,
  renderedBodyOf,
  retryAfterOf,
  toErrorBody,
} from "@fieldsync/api";
import { type ErrorBody, errorCodes, jsonShapeIssue, limits } from "@fieldsync/schema";
import { TRPCError } from "@trpc/server";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyError, type FastifyServerOptions, LogController } from "fastify";
import { registerApiDocs } from "./api-docs.ts";
import { registerBullBoard } from "./bull-board.ts";
import { defaultPullGate, defaultPushGate } from "./env.ts";
import { metricsRefusal } from "./metrics-access.ts";
import { createMetrics } from "./metrics.ts";
import { logsEveryRequest, redactingLogger } from "./log-redaction.ts";
import { NudgeHub, type StreamLimits } from "./nudge-hub.ts";
import { registerEvents } from "./realtime.ts";
import { type SyncRateLimitOptions, registerSyncRateLimit } from "./plugins/sync-rate-limit.ts";
import { registerTrpcBatchLimit } from "./plugins/trpc-batch-limit.ts";

export interface AppOptions {
  deps: Deps;
  corsOrigins?: string[];
  webDist?: string;
  bodyLimit?: number;
  logger?: FastifyServerOptions["logger"];
  /** When set, GET /metrics requires this bearer token; without it /metrics answers only on a loopback-only listener. */
  metricsToken?: string;
  /** Calls allowed in one batched /trpc request (limits.maxBatchCalls when omitted). */
  trpcMaxBatchCalls?: number;
  /** Live-nudge fan-out (fed from Redis by main.ts); a process-local hub when omitted. */
  hub?: NudgeHub;
  /** Open event streams allowed per user and per device on this process. */
  streamLimits?: StreamLimits;
  /** Rate limits on push and delta; without it the sync endpoints are not rate limited. */
  syncRateLimit?: SyncRateLimitOptions;
  /** Bounds on the pushes this process applies at once (defaultPushGate when omitted). */
  pushGate?: PushGateOptions;
  /** Bounds on the pulls this process serves at once (defaultPullGate when omitted). */
  pullGate?: PushGateOptions;
  /** Proxies whose X-Forwarded-For names the client (comma-separated addresses or CIDRs); none when omitted. */
  trustProxy?: string;
}

declare module "fastify" {
  interface FastifyInstance {
    /** This process's push gate: its state for /metrics and for tests. */
    pushGate: PushGate;
    /** This process's pull gate, likewise. */
    pullGate: PushGate;
  }
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
  const app = Fastify({
    // Request log lines never carry credentials from the query string (stream tickets).
    logger: redactingLogger(options.logger ?? false),
    logController: new LogController({ disableRequestLogging: !logsEveryRequest(options.logger) }),
    bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024,
    routerOptions: { maxParamLength: 5000 },
    // request.ip: the client as the trusted proxies report it, else the peer.
    trustProxy: options.trustProxy ?? false,
  });
  // One gate per process: REST and tRPC pushes (batched calls too) take their slots from it.
  const pushGate = new PushGate(options.pushGate ?? defaultPushGate);
  const pullGate = new PushGate(options.pullGate ?? defaultPullGate);
  // One per process too: devices nudged for the same range share the page that answers them.
  const deps: Deps = { log: app.log, sharedPages: new SharedPages(), readAhead: new ReadAhead(), ...options.deps, pushGate, pullGate };
  app.decorate("pushGate", pushGate);
  app.decorate("pullGate", pullGate);

  // REST bodies: JSON.parse, then the shape check every procedure also runs on its raw input (depth,
  // __proto__/constructor/prototype keys at any depth, string lengths), so prototype-pollution keys
  // never reach a hook or handler and are refused with FORBIDDEN_KEY and their path (Fastify's own
  // parser would refuse them as malformed JSON, without saying which key or where).
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    if (body === "") return done(Object.assign(new SyntaxError("The request body is empty"), { statusCode: 400 }), undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body as string);
    } catch (error) {
      return done(Object.assign(error as SyntaxError, { statusCode: 400 }), undefined);
    }
    const issue = jsonShapeIssue(parsed);
    return issue ? done(inputShapeError(issue) as unknown as FastifyError, undefined) : done(null, parsed);
  });

  await app.register(helmet, { contentSecurityPolicy: { directives: { "worker-src": ["'self'"] } } });
  await app.register(cors, { origin: options.corsOrigins?.length ? options.corsOrigins : false });
  // Responses in br/gzip as the client accepts; request bodies with Content-Encoding gzip/br/deflate
  // are inflated before parsing, and bodyLimit applies to the inflated size (no zip bombs).
  // Brotli at quality 1, measured (pnpm --filter @fieldsync/bench compression, 2 cores): a page of
  // 1,000 changes in 3 ms against 12 ms at the plugin's default 4, for ~9 % more bytes (both ~97 %
  // smaller than the JSON); on a CPU-bound server the quarter of a core matters more.
  await app.register(compress, {
    encodings: ["br", "gzip"],
    requestEncodings: ["gzip", "br", "deflate"],
    threshold: 1024,
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } },
  });

  app.setErrorHandler((raw: FastifyError, request, reply) => {
    // PostgreSQL down or restarting outside a procedure (e.g. the user lookup): the same 503 +
    // Retry-After as inside one (clients keep their changes).
    const error = isDatabaseUnavailable(raw) ? databaseUnavailableError(raw) : raw;
    const body = error instanceof TRPCError ? toErrorBody(error) : requestErrorBody(error);
    if (body?.code === errorCodes.SERVICE_UNAVAILABLE) request.log.warn({ err: error }, "database unavailable");
    // Refusals of the push gate are counted on /metrics; one log line each would flood the log under load.
    else if (body?.code === errorCodes.SERVER_BUSY) request.log.debug("push refused: server busy");
    else if (!body || body.statusCode >= 500) request.log.error({ err: error }, "request failed");
    const sent = body ?? { statusCode: 500, code: errorCodes.INTERNAL, message: "Internal server error" };
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== undefined) void reply.header("retry-after", String(retryAfter));
    return reply.code(sent.statusCode).send(sent);
  });

  const metrics = createMetrics(deps, { push: pushGate, pull: pullGate });
  const timedRoutes = new Map([
    ["/api/sync", "push"],
    ["/api/sync/delta", "delta"],
    ["/trpc/sync.push", "push"],
    ["/trpc/sync.delta", "delta"],
  ]);
  app.addHook("onResponse", async (request, reply) => {
    const endpoint = timedRoutes.get(request.url.split("?")[0]!);
    if (endpoint) metrics.syncDuration.observe({ endpoint, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get("/metrics", async (request, reply) => {
    const refusal = metricsRefusal(app, options.metricsToken, request.headers.authorization);
    if (refusal) return reply.code(refusal.statusCode).send(refusal);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  await registerBullBoard(app, deps);
  registerEvents(app, deps, options.hub ?? new NudgeHub(), options.streamLimits);

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

  // Before the rate limit: an oversized batch is refused without spending the caller's budget.
  registerTrpcBatchLimit(app, options.trpcMaxBatchCalls ?? limits.maxBatchCalls);
  if (options.syncRateLimit) registerSyncRateLimit(app, deps.config, options.syncRateLimit);

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      // The user lookup runs before any procedure: an outage there is a 503 too.
      createContext: ({ req }: { req: { headers: Record<string, string | string[] | undefined>; ip: string } }) =>
        createContextInner(deps, req.headers.authorization as string | undefined, { ip: req.ip }).catch((error: unknown) =>
          Promise.reject(isDatabaseUnavailable(error) ? databaseUnavailableError(error) : error),
        ),
      responseMeta: ({ errors }: { errors: unknown[] }) => {
        const retryAfter = errors.map(retryAfterOf).find((seconds) => seconds !== undefined);
        return retryAfter === undefined ? {} : { headers: { "retry-after": String(retryAfter) } };
      },
    },
  });

  const mount = (route: RestRoute) =>
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const ctx = await createContextInner(deps, request.headers.authorization, { ip: request.ip });
        const input = route.input({
          body: request.body ?? {},
          params: request.params as Record<string, string>,
          query: request.query as Record<string, string>,
        });
        const result = await procedureOf(createCaller(ctx), route.procedure)(input);
        // A delta page's changes arrive as JSON text rendered by PostgreSQL: sent as they are.
        const rendered = renderedBodyOf(result);
        if (rendered !== undefined) return reply.code(route.status ?? 200).type("application/json; charset=utf-8").send(rendered);
        return reply.code(route.status ?? 200).send(result);
      },
    });
  restRoutes.forEach(mount);
  registerApiDocs(app);

  if (options.webDist && existsSync(join(options.webDist, "index.html"))) {
    // No reply decorator: Bull Board registers its own copy of @fastify/static.
    await app.register(fastifyStatic, { root: options.webDist, wildcard: false, decorateReply: false });
    const shell = readFileSync(join(options.webDist, "index.html"));
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split("?")[0]!;
      const isApi = path.startsWith("/api") || path.startsWith("/trpc") || path.startsWith("/admin");
      // A missing file (/assets/old-hash.js from a stale service worker) is a 404, not the app shell.
      const isFile = /\.[A-Za-z0-9]+$/.test(path);
      if (request.method === "GET" && !isApi && !isFile) return reply.type("text/html").send(shell);
      return reply.code(404).send({ statusCode: 404, code: errorCodes.NOT_FOUND, message: "Not found" });
    });
  } else {
    app.setNotFoundHandler((_request, reply) =>
      reply.code(404).send({ statusCode: 404, code: errorCodes.NOT_FOUND, message: "Not found" }),
    );
  }
  return app;
}
