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
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = block.match(/^event: (.*)$/m)?.[1];
      const data = block.match(/^data: (.*)$/m)?.[1];
      if (event) yield { event, data: data ? parse(data) : null };
    }
  }
}
