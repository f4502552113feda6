/**
 * Reads a Server-Sent Events response (GET /api/sync/events) fetched with fetch, which, unlike
 * EventSource, can send an Authorization header: yields each event's name and parsed data.
 * For tests and benchmarks; the PWA uses EventSource. `parse` reads each event's data (JSON.parse
 * by default; a benchmark simulating thousands of devices may share one parse per distinct text).
 */
export async function* readEvents(response: Response, parse: (data: string) => unknown = JSON.parse): AsyncGenerator<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  const events = new EventText(parse);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) yield* events.push(decoder.decode(chunk, { stream: true }));
}

/**
 * The events in a stream's text, fed as it arrives: `push` returns the events its text completed
 * (a block's `event:` and `data:` lines, read line by line: thousands of streams are read this way).
 */
export class EventText {
  private buffer = "";

  constructor(private readonly parse: (data: string) => unknown = JSON.parse) {}

  push(text: string): { event: string; data: unknown }[] {
    this.buffer += text;
    const events: { event: string; data: unknown }[] = [];
    let start = 0;
    for (let end: number; (end = this.buffer.indexOf("\n\n", start)) >= 0; start = end + 2) {
      const { event, data } = fields(this.buffer, start, end);
      if (event) events.push({ event, data: data ? this.parse(data) : null });
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }
}

/** The `event:` and `data:` lines of the block `text[start, end)`. */
function fields(text: string, start: number, end: number) {
  let event: string | undefined;
  let data: string | undefined;
  for (let line = start; line < end; ) {
    const next = text.indexOf("\n", line);
    const stop = next < 0 || next > end ? end : next;
    if (text.startsWith("event: ", line)) event ??= text.slice(line + 7, stop);
    else if (text.startsWith("data: ", line)) data ??= text.slice(line + 6, stop);
    line = stop + 1;
  }
  return { event, data };
}
