import { type ErrorCode, jsonShapeIssue } from "@fieldsync/schema";
import { initTRPC } from "@trpc/server";
import type { Context } from "./context.ts";
import { isDatabaseUnavailable } from "./database-unavailable.ts";
import { databaseUnavailableError, fail, inputShapeError, toErrorBody, unauthorizedMessage } from "./errors.ts";

export type Access = "public" | "user" | "device" | "admin";

/**
 * What the OpenAPI document says about a procedure besides its schemas: who may call it (set by
 * the builders below) and the codes its resolver fails with (set by each procedure). Codes of the
 * access check (`accessErrors`) and of input parsing are added by the document generator.
 */
export interface ProcedureMeta {
  access?: Access;
  errors?: readonly ErrorCode[];
}

/** The codes each access level's middleware below answers with. */
export const accessErrors: Record<Access, readonly ErrorCode[]> = {
  public: [],
  user: ["UNAUTHORIZED"],
  device: ["UNAUTHORIZED", "DEVICE_MISMATCH"],
  admin: ["UNAUTHORIZED", "FORBIDDEN"],
};

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({
  errorFormatter: ({ shape, error }) => ({ ...shape, data: { ...shape.data, ...toErrorBody(error), stack: undefined } }),
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure, public ones included: the raw input's shape (depth, prototype keys, string
 * lengths) is checked before zod or any resolver sees it, and a database outage surfaces as 503
 * with Retry-After on both transports (not as a 500). REST bodies were already checked the same
 * way by the server's JSON parser; /trpc bodies arrive here straight from JSON.parse.
 */
export const publicProcedure = t.procedure.meta({ access: "public" }).use(async ({ getRawInput, next }) => {
  const issue = jsonShapeIssue(await getRawInput());
  if (issue) throw inputShapeError(issue);
  const result = await next();
  if (!result.ok && isDatabaseUnavailable(result.error)) throw databaseUnavailableError(result.error);
  return result;
});

/** A valid token of an active user; the user's organization scopes everything. */
export const authedProcedure = publicProcedure.meta({ access: "user" }).use(({ ctx, next }) => {
  const user = ctx.user ?? fail("UNAUTHORIZED", unauthorizedMessage);
  const session = ctx.session ?? fail("UNAUTHORIZED", unauthorizedMessage);
  return next({ ctx: { ...ctx, user, session } });
});

/** The `deviceId` a raw request input names, if any. */
const namedDevice = (input: unknown) =>
  typeof input === "object" && input !== null && "deviceId" in input && typeof input.deviceId === "string" ? input.deviceId : null;

/**
 * Requests that act as a device (sync, registration, subscription): the device they name must be
 * the one the access token was issued for, so a token taken off one phone works for no other.
 */
export const deviceProcedure = authedProcedure.meta({ access: "device" }).use(async ({ ctx, getRawInput, next }) => {
  const deviceId = namedDevice(await getRawInput());
  if (deviceId !== null && deviceId !== ctx.session.deviceId) {
    return fail("DEVICE_MISMATCH", "This access token was issued for another device; log in on this device");
  }
  return next({ ctx });
});

/**
 * Organization admins only: device management of the whole org, audit trail, queue stats. A
 * technician gets 403 (the capability is no secret); foreign ids stay 404 inside the resolvers.
 */
export const adminProcedure = authedProcedure.meta({ access: "admin" }).use(({ ctx, next }) => {
  if (ctx.user.role !== "ADMIN") return fail("FORBIDDEN", "This needs an organization admin");
  return next({ ctx });
});
