import { appRouter } from "@fieldsync/api";
import { type TRPCError, getErrorShape } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { FastifyReply, FastifyRequest } from "fastify";

// The calls of a /trpc request as the host's limits (rate limit, batch bounds) see them before
// tRPC runs them. tRPC hands bodies over unparsed: `{"0": input, "1": input}` when batched
// (`/trpc/a,b?batch=1`), the bare input otherwise; a GET carries the same JSON in `?input=`.

export interface TrpcCall {
  path: string;
  /** The call's raw input: undefined when absent or not JSON (tRPC then refuses the call itself). */
  input: unknown;
}

const isBatch = (request: FastifyRequest) => (request.query as { batch?: string } | undefined)?.batch === "1";

function parseJson(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function readCalls(request: FastifyRequest): TrpcCall[] | null {
  if (!request.routeOptions.url?.startsWith("/trpc")) return null;
  const path = (request.params as { path?: string } | undefined)?.path ?? "";
  const raw = parseJson(request.method === "GET" ? (request.query as { input?: string } | undefined)?.input : request.body);
  if (!isBatch(request)) return [{ path, input: raw }];
  const inputs = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  return path.split(",").map((call, index) => ({ path: call, input: Object.hasOwn(inputs, index) ? inputs[index] : undefined }));
}

// Parsed once per request, however many hooks ask.
const parsed = new WeakMap<FastifyRequest, TrpcCall[] | null>();

/** The tRPC calls of a request (one per path when batched); null for routes outside /trpc. */
export function trpcCalls(request: FastifyRequest): TrpcCall[] | null {
  if (!parsed.has(request)) parsed.set(request, readCalls(request));
  return parsed.get(request)!;
}

/**
 * Refuses a /trpc request in tRPC's own envelope (one `{error}` per call when batched), so tRPC
 * clients read it like any procedure error. The status is the error's.
 */
export function refuseTrpc(request: FastifyRequest, reply: FastifyReply, calls: TrpcCall[], error: TRPCError) {
  const config = appRouter._def._config;
  const answers = calls.map(({ path }) => ({ error: getErrorShape({ config, error, type: "mutation", path, input: undefined, ctx: undefined }) }));
  return reply.code(getHTTPStatusCodeFromError(error)).send(isBatch(request) ? answers : answers[0]);
}
