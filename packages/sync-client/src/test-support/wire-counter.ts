// A TCP relay in front of a test server that counts every byte crossing it both ways: requests
// and responses as sent, headers and compression included ("bytes on the wire").
import { type Socket, connect, createServer } from "node:net";

export interface WireCounter {
  /** Base URL of the relay: point a device here instead of at the server. */
  url: string;
  /** Bytes relayed so far (set it to 0 to start a measurement). */
  bytes: number;
  close(): Promise<void>;
}

export async function wireCounter(target: string): Promise<WireCounter> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const counter = { bytes: 0 };
  const relay = (from: Socket, to: Socket) => {
    from.on("data", (chunk: Buffer) => {
      counter.bytes += chunk.length;
      to.write(chunk);
    });
    from.on("end", () => to.end());
    from.on("error", () => to.destroy());
    from.on("close", () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    get bytes() {
      return counter.bytes;
    },
    set bytes(value: number) {
      counter.bytes = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
