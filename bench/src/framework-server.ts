// B4's server, in a process of its own like the real one: three routes that take a push body and
// answer {ok: true}. The tRPC and REST routes validate the body with the push endpoint's own zod
// schema (pushBodySchema), as the real procedure does; the bare route only parses the JSON.
import { pushBodySchema } from "@fieldsync/schema";
import { initTRPC } from "@trpc/server";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify from "fastify";

const t = initTRPC.create();
const noopRouter = t.router({ noop: t.procedure.input(pushBodySchema).mutation(() => ({ ok: true })) });
const caller = t.createCallerFactory(noopRouter)({});

const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.post("/bare", async () => ({ ok: true }));
app.post("/rest", async (request) => caller.noop(request.body as never));
await app.register(fastifyTRPCPlugin, { prefix: "/trpc", trpcOptions: { router: noopRouter } });
await app.listen({ host: "127.0.0.1", port: 0 });
const { port } = app.server.address() as { port: number };
console.log(`running at http://127.0.0.1:${port}`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
