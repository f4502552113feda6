import { Prisma } from "@fieldsync/db";
import { describe, expect, test } from "vitest";
import { isDatabaseUnavailable } from "./database-unavailable.ts";

const known = (message: string, code: string) => new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: "6.19.3" });

describe("isDatabaseUnavailable", () => {
  test("an exhausted pool (no transaction within maxWait) is overload: 503, not 500", () => {
    expect(isDatabaseUnavailable(known("Transaction API error: Unable to start a transaction in the given time.", "P2028"))).toBe(true);
  });

  test("unreachable servers and dropped connections, also deep in a cause chain", () => {
    expect(isDatabaseUnavailable(known("Can't reach database server at 127.0.0.1:5432", "P1001"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: new Error("Connection terminated unexpectedly") }))).toBe(true);
  });

  test("request errors are not outages", () => {
    expect(isDatabaseUnavailable(known("Unique constraint failed", "P2002"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("Transaction already closed: a commit cannot be executed on an expired transaction"))).toBe(false);
  });
});
