/**
 * Reads a Server-Sent Events response (GET /api/sync/events) fetched with fetch, which, unlike
 * EventSource, can send an Authorization header: yields each event's name and parsed data.
 * For tests and benchmarks; the PWA uses EventSource. `parse` reads each event's data (JSON.parse
 * by default; a benchmark simulating thousands of devices may share one parse per distinct text).
 */
export async function* readEvents(response: Response, parse: (data: string) => unknown = JSON.parse): AsyncGenerator<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end: number; (end = buffer.indexOf("\n\n", start)) >= 0; start = end + 2) {
      const { event, data } = fields(buffer, start, end);
      if (event) yield { event, data: data ? parse(data) : null };
    }
    buffer = buffer.slice(start);
  }
}

/** The `event:` and `data:` lines of the block `text[start, end)` (line by line: thousands of streams are read this way). */
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
