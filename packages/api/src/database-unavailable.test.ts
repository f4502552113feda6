import { Prisma } from "@fieldsync/db";
import { describe, expect, test } from "vitest";
import { isDatabaseUnavailable } from "./database-unavailable.ts";
import { databaseUnavailableError } from "./errors.ts";

const known = (message: string, code: string) => new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: "6.19.3" });

describe("isDatabaseUnavailable", () => {
  test("an exhausted pool (no transaction within maxWait) is overload: 503, not 500", () => {
    expect(isDatabaseUnavailable(known("Transaction API error: Unable to start a transaction in the given time.", "P2028"))).toBe(true);
  });

  test("unreachable servers and dropped connections, also deep in a cause chain", () => {
    expect(isDatabaseUnavailable(known("Can't reach database server at 127.0.0.1:5432", "P1001"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: new Error("Connection terminated unexpectedly") }))).toBe(true);
  });

  test("a bare driver adapter error (a COMMIT on a closed connection) and a pool that had no connection in time", () => {
    // Shapes as thrown by @prisma/adapter-pg and pg-pool during the chaos suite's database restarts.
    const commitOnClosed = Object.assign(new Error("ConnectionClosed"), { name: "DriverAdapterError", cause: { kind: "ConnectionClosed" } });
    expect(isDatabaseUnavailable(commitOnClosed)).toBe(true);
    const recovering = Object.assign(new Error("the database system is in recovery mode"), { name: "DriverAdapterError", cause: { kind: "postgres", originalCode: "57P03" } });
    expect(isDatabaseUnavailable(recovering)).toBe(true);
    expect(isDatabaseUnavailable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    const uniqueViolation = Object.assign(new Error("duplicate key"), { name: "DriverAdapterError", cause: { kind: "postgres", originalCode: "23505" } });
    expect(isDatabaseUnavailable(uniqueViolation)).toBe(false);
  });

  test("request errors are not outages", () => {
    expect(isDatabaseUnavailable(known("Unique constraint failed", "P2002"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("Transaction already closed: a commit cannot be executed on an expired transaction"))).toBe(false);
  });

  test("an outage translated by an inner layer is not wrapped again by an outer one", () => {
    const once = databaseUnavailableError(new Error("Connection terminated unexpectedly"));
    expect(databaseUnavailableError(once)).toBe(once);
  });
});
