// The document as a client generator reads it: requests generated from each operation's
// parameters and body schemas, sent to the real server on a real database, are accepted with the
// documented success status or refused with a status and code the operation documents, never 5xx.
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { arbitraryOf } from "@fieldsync/testing/openapi-arbitrary";
import { users } from "@fieldsync/testing/demo";
import { type TestServer, startTestServer } from "@fieldsync/testing/server";

let server: TestServer;
// any: the document under test, read as plain JSON
let document: any;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  document = await (await fetch(`${server.url}/api/openapi.json`)).json();
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: users.admin, password: "fieldsync-demo" }),
  });
  token = ((await login.json()) as { token: string }).token;
});
afterAll(async () => {
  await server?.stop();
});

interface GeneratedRequest {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}

const jsonOperations = () =>
  Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
    Object.entries(ops)
      // JSON operations; the event stream's success is a never-ending text/event-stream.
      .filter(([, op]) => Object.entries(op.responses as Record<string, any>).some(([status, r]) => Number(status) < 300 && r.content?.["application/json"]))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );

function requestArbitrary(op: any): fc.Arbitrary<GeneratedRequest> {
  const schemas = document.components.schemas;
  const group = (where: string) => {
    const parameters = (op.parameters ?? []).filter((p: any) => p.in === where);
    return arbitraryOf(schemas, {
      type: "object",
      properties: Object.fromEntries(parameters.map((p: any) => [p.name, p.schema])),
      required: parameters.filter((p: any) => p.required).map((p: any) => p.name),
    }) as fc.Arbitrary<Record<string, unknown>>;
  };
  const body = op.requestBody ? arbitraryOf(schemas, op.requestBody.content["application/json"].schema) : fc.constant(undefined);
  return fc.record({ params: group("path"), query: group("query"), body });
}

const send = async (path: string, method: string, op: any, request: GeneratedRequest) => {
  const url = new URL(server.url + path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(request.params[name]))));
  for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, String(value));
  const headers: Record<string, string> = op.security.length ? { authorization: `Bearer ${token}` } : {};
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, { method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) });
  return { status: response.status, body: (await response.json()) as { code?: string } };
};

const documentedCodes = (op: any, status: number): string[] | undefined => {
  const schema = op.responses[String(status)]?.content?.["application/json"]?.schema;
  return schema?.allOf?.[1]?.properties?.code?.enum;
};

test("every request valid by the document is accepted or refused as the document says", async () => {
  const checked = jsonOperations();
  expect(checked.length).toBeGreaterThanOrEqual(16);
  for (const { path, method, op } of checked) {
    const success = Object.keys(op.responses).map(Number).find((status) => status < 300)!;
    await fc.assert(
      fc.asyncProperty(requestArbitrary(op), async (request) => {
        const response = await send(path, method, op, request);
        const where = `${method} ${path} ${JSON.stringify(request)} → ${response.status} ${JSON.stringify(response.body)}`;
        expect(response.status, where).toBeLessThan(500);
        if (response.status < 300) expect(response.status, where).toBe(success);
        else expect(documentedCodes(op, response.status), where).toContain(response.body.code);
      }),
      { numRuns: 20 },
    );
  }
  // Hundreds of real requests (logins hash passwords): a budget for a busy machine, not a timing claim.
}, 600_000);
