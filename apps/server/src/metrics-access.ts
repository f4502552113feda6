import { createHash, timingSafeEqual } from "node:crypto";
import { type ErrorBody, errorCodes } from "@fieldsync/schema";
import type { FastifyInstance } from "fastify";

// Who may scrape GET /metrics. With METRICS_TOKEN set: whoever sends it as a bearer token. Without
// it: only a server whose every listener is on loopback (then only local processes reach it); on
// an address the network reaches, it is refused rather than open to anyone.

const isLoopback = (address: string) => address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Why a scrape is refused; null when it is allowed. */
export function metricsRefusal(app: FastifyInstance, token: string | undefined, authorization: string | undefined): ErrorBody | null {
  if (token) {
    // Digests have equal lengths, so the comparison takes the same time whatever was sent.
    if (timingSafeEqual(digest(authorization ?? ""), digest(`Bearer ${token}`))) return null;
    return { statusCode: 401, code: errorCodes.UNAUTHORIZED, message: "A metrics token is required" };
  }
  // A Unix socket, or no listener at all (tests calling the app in-process), is not reachable from
  // the network either.
  if (app.addresses().every((listener) => typeof listener === "string" || isLoopback(listener.address))) return null;
  return {
    statusCode: 403,
    code: errorCodes.FORBIDDEN,
    message: "GET /metrics is open only while the server listens on loopback; set METRICS_TOKEN to scrape it over the network",
  };
}
