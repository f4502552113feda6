// A TCP proxy between a client and the server that can lose responses: requests are forwarded
// untouched; in "drop-response" mode the first bytes of the server's answer (which it writes only
// after its transaction committed) are swallowed and both connections are cut, so the client sees
// a reset and cannot know whether its push was applied.
import { type Server, type Socket, connect, createServer } from "node:net";

export type ProxyMode = "pass" | "drop-response";

export class LossyProxy {
  mode: ProxyMode = "pass";
  /** Responses swallowed so far. */
  dropped = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly upstreamPort: number) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.server = createServer((client) => {
      const upstream = connect(this.upstreamPort, "127.0.0.1");
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.on("data", (chunk) => upstream.write(chunk));
      upstream.on("data", (chunk) => {
        if (this.mode === "drop-response") {
          this.dropped++;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
