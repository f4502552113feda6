// B6's readers of thousands of live streams, on plain TCP sockets: ours read the events stream
// (HTTP/1.1, chunked, Server-Sent Events), the baseline's read a Redis subscription (RESP). Both
// split their bytes themselves and share one JSON.parse per distinct payload (SharedPayloads):
// the simulated fleet shares one core with the server, and node:http's parser, readable streams
// and string decoding cost it several times the bytes' own handling, which 2,000 phones would pay
// on 2,000 CPUs. Every device still receives, de-frames and compares its own bytes.
import net from "node:net";

/**
 * One JSON.parse per distinct payload, found by comparing bytes with the payloads seen last
 * (a fleet's streams carry the same frames in the same order). Values are only read.
 */
export class SharedPayloads {
  private readonly recent: { bytes: Buffer; value: unknown }[] = [];

  constructor(private readonly keep = 256) {}

  parse(bytes: Buffer): unknown {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const known = this.recent[i]!;
      if (known.bytes.length === bytes.length && known.bytes.equals(bytes)) return known.value;
    }
    const value = JSON.parse(bytes.toString("utf8")) as unknown;
    if (this.recent.length >= this.keep) this.recent.shift();
    this.recent.push({ bytes: Buffer.from(bytes), value });
    return value;
  }
}

/**
 * Decodes an HTTP/1.1 chunked body as it arrives; `onData` gets the data as it comes, a chunk's
 * bytes possibly in several pieces, without copying them.
 */
class Dechunker {
  /** The size line so far (it may be split across reads). */
  private sizeLine = "";
  /** Data bytes of the current chunk still to come; then its CRLF (`crlf` bytes of it left). */
  private left = 0;
  private crlf = 0;
  private ended = false;

  constructor(private readonly onData: (bytes: Buffer) => void) {}

  push(bytes: Buffer) {
    let at = 0;
    while (at < bytes.length && !this.ended) {
      if (this.left > 0) {
        const take = Math.min(this.left, bytes.length - at);
        this.onData(bytes.subarray(at, at + take));
        this.left -= take;
        at += take;
        if (this.left === 0) this.crlf = 2;
      } else if (this.crlf > 0) {
        this.crlf--;
        at++;
      } else {
        const lineEnd = bytes.indexOf(10, at);
        this.sizeLine += bytes.toString("latin1", at, lineEnd < 0 ? bytes.length : lineEnd);
        if (lineEnd < 0) return;
        at = lineEnd + 1;
        this.left = Number.parseInt(this.sizeLine, 16);
        this.sizeLine = "";
        // The body's end.
        if (this.left === 0) this.ended = true;
      }
    }
  }
}

const dataPrefix = Buffer.from("data: ");
const eventPrefix = Buffer.from("event: ");

/**
 * Splits Server-Sent Events text (as bytes, in pieces as they arrive) into events:
 * `onEvent(name, dataBytes)`. Only an event split across pieces is copied, and only its own bytes.
 */
class EventFrames {
  /** The start of an event whose end has not arrived. */
  private partial: Buffer | null = null;

  constructor(private readonly onEvent: (name: string, data: Buffer) => void) {}

  push(piece: Buffer) {
    let start = 0;
    if (this.partial) {
      // Its end is the first blank line, which may begin in the partial's last byte.
      const joined = this.partial[this.partial.length - 1] === 10 && piece[0] === 10 ? 0 : piece.indexOf("\n\n");
      if (joined < 0) {
        this.partial = Buffer.concat([this.partial, piece]);
        return;
      }
      const block = Buffer.concat([this.partial, piece.subarray(0, joined + 1)]);
      this.partial = null;
      this.block(block);
      start = joined === 0 ? 1 : joined + 2;
    }
    for (let end: number; (end = piece.indexOf("\n\n", start)) >= 0; start = end + 2) this.block(piece.subarray(start, end + 1));
    if (start < piece.length) this.partial = Buffer.from(piece.subarray(start));
  }

  /** One event's lines, each ending with "\n": its first `event:` and `data:` lines. */
  private block(block: Buffer) {
    let name: string | undefined;
    let data: Buffer | undefined;
    for (let line = 0; line < block.length; ) {
      const stop = block.indexOf(10, line);
      if (name === undefined && block.subarray(line, line + eventPrefix.length).equals(eventPrefix)) name = block.toString("latin1", line + eventPrefix.length, stop);
      else if (data === undefined && block.subarray(line, line + dataPrefix.length).equals(dataPrefix)) data = block.subarray(line + dataPrefix.length, stop);
      line = stop + 1;
    }
    if (name !== undefined) this.onEvent(name, data ?? Buffer.alloc(0));
  }
}

/**
 * GET `path` on `url` with `headers`, read as an events stream: resolves once the response's
 * head said 200 (rejects otherwise), then calls `onEvent` for every event. `signal` ends it.
 */
export function openEventStream(url: string, path: string, headers: Record<string, string>, signal: AbortSignal, onEvent: (name: string, data: Buffer) => void): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const end = () => socket.destroy();
    signal.addEventListener("abort", end, { once: true });
    socket.once("close", () => signal.removeEventListener("abort", end));
    socket.on("error", (error) => reject(error));
    const lines = Object.entries({ host: `${hostname}:${port}`, accept: "text/event-stream", ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`GET ${path} HTTP/1.1\r\n${lines.join("")}\r\n`);
    const frames = new EventFrames(onEvent);
    let head = Buffer.alloc(0);
    let body: ((chunk: Buffer) => void) | null = null;
    socket.on("data", (chunk: Buffer) => {
      if (body) return body(chunk);
      const bytes = (head = Buffer.concat([head, chunk]));
      const headEnd = bytes.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const text = bytes.toString("latin1", 0, headEnd);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      if (status !== 200) {
        socket.destroy();
        return reject(new Error(`events stream answered ${status}`));
      }
      const dechunker = /\r\ntransfer-encoding: chunked/i.test(text) ? new Dechunker((data) => frames.push(data)) : null;
      body = dechunker ? (data) => dechunker.push(data) : (data) => frames.push(data);
      resolve();
      if (bytes.length > headEnd + 4) body(bytes.subarray(headEnd + 4));
    });
  });
}

/**
 * Subscribes to `channel` on the Redis at `redisUrl` over a plain socket; `onMessage` gets each
 * message's payload bytes. Resolves once subscribed; `close()` ends it.
 */
export function subscribeRaw(redisUrl: string, channel: string, onMessage: (payload: Buffer) => void): Promise<{ close(): void }> {
  const { hostname, port } = new URL(redisUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port || 6379), hostname);
    socket.on("error", reject);
    socket.write(`SUBSCRIBE ${channel}\r\n`);
    let partial: Buffer | null = null;
    const handle = (push: Push) => {
      if (push.kind === "subscribe") resolve({ close: () => socket.destroy() });
      else if (push.kind === "message") onMessage(push.payload);
    };
    socket.on("data", (chunk: Buffer) => {
      let at = 0;
      if (partial) {
        // Completes the message begun in the last read, copying only its own bytes.
        const probe = readPush(Buffer.concat([partial, chunk.subarray(0, 256)]), 0);
        const length = probe && ("need" in probe ? probe.need : probe.next);
        if (length === null || partial.length + chunk.length < length) {
          partial = Buffer.concat([partial, chunk]);
          return;
        }
        at = length - partial.length;
        handle(readPush(Buffer.concat([partial, chunk.subarray(0, at)]), 0) as Push);
        partial = null;
      }
      for (let push = readPush(chunk, at); push && !("need" in push); push = readPush(chunk, at)) {
        handle(push);
        at = push.next;
      }
      if (at < chunk.length) partial = Buffer.from(chunk.subarray(at));
    });
  });
}

interface Push {
  kind: string;
  payload: Buffer;
  next: number;
}

/**
 * The RESP push `*3 $kind $channel $payload|:count` at `at`; `need` (its length from `at`) when
 * its payload has not all arrived, null when its header has not.
 */
function readPush(bytes: Buffer, at: number): Push | { need: number } | null {
  const header = bytes.indexOf("\r\n", at);
  if (header < 0) return null;
  if (bytes[at] !== 0x2a) throw new Error(`not a RESP push: ${bytes.toString("latin1", at, header)}`);
  let next = header + 2;
  const items: Buffer[] = [];
  for (let i = 0; i < 3; i++) {
    const line = bytes.indexOf("\r\n", next);
    if (line < 0) return null;
    if (bytes[next] === 0x3a) {
      // An integer (the subscription count).
      items.push(bytes.subarray(next + 1, line));
      next = line + 2;
      continue;
    }
    const size = Number(bytes.toString("latin1", next + 1, line));
    if (bytes.length < line + 2 + size + 2) return i === 2 ? { need: line + 2 + size + 2 - at } : null;
    items.push(bytes.subarray(line + 2, line + 2 + size));
    next = line + 2 + size + 2;
  }
  return { kind: items[0]!.toString("latin1"), payload: items[2]!, next };
}
