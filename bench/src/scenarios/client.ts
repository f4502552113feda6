import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { createChange } from "../data.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { summarize } from "../stats.ts";

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
// Loopback counts as a secure context (crypto.subtle, randomUUID); requests are answered by route().
const origin = "http://127.0.0.1:9";

/**
 * Client: 10k server changes (asset creates of ~1 KB, as a delta brings them, pages of 1000)
 * applied into IndexedDB in headless Chromium through @fieldsync/sync-client's
 * LocalStore.applyServerPage. Baseline: Dexie bulkPut of the same rows into the same store;
 * raw IndexedDB puts for reference.
 */
export async function clientScenario(options: BenchOptions): Promise<ResultRow[]> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("../client-page.ts", import.meta.url))],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: flags, headless: true });
  try {
    const page = await browser.newPage();
    await page.route(`${origin}/**`, (route) =>
      route.request().url().endsWith(".js")
        ? route.fulfill({ contentType: "text/javascript", body: script })
        : route.fulfill({ contentType: "text/html", body: `<!doctype html><script src="/bench.js"></script>` }),
    );
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => "bench" in globalThis);
    const changes = Array.from({ length: options.clientChanges }, () => {
      const { changeId: _, ...change } = createChange();
      return { ...change, clientVersion: 1, checksum: null };
    });
    const pages = Array.from({ length: Math.ceil(changes.length / 1000) }, (_, i) => changes.slice(i * 1000, (i + 1) * 1000));
    const rates = { store: [] as number[], raw: [] as number[], dexie: [] as number[] };
    for (let r = 0; r < options.repeats; r++) {
      for (const kind of (r % 2 ? ["raw", "dexie", "store"] : ["store", "raw", "dexie"]) as (keyof typeof rates)[]) {
        const ms = await page.evaluate(
          ([k, name, p]) => (globalThis as unknown as Record<string, Record<string, (n: string, p: unknown) => Promise<number>>>).bench![k]!(name, p),
          [kind, `bench-${kind}-${r}`, pages] as const,
        );
        rates[kind].push(changes.length / (ms / 1000));
      }
    }
    const raw = summarize(rates.raw);
    const dexie = summarize(rates.dexie);
    const client = row({
      id: "client",
      scenario: `Client: apply ${changes.length.toLocaleString("en")} server changes into IndexedDB (Chromium, pages of 1000)`,
      unit: "rows/s",
      higherIsBetter: true,
      ours: summarize(rates.store),
      baseline: dexie,
      baselineLabel: "Dexie bulkPut of the same rows into the same store (LocalDb's indexes) with the cursor, one transaction per page",
      target: "≥ 0.8×",
      met: null,
      note: `@fieldsync/sync-client LocalStore.applyServerPage (per page: the queued edits, one bulkAdd of the creates whose keys hold no row, the stored versions of the other keys, one bulkPut of what is newer; it was a get, a put and a refresh per row, 469 rows/s); raw IndexedDB put per row, one transaction per page, into a store without indexes: ${raw.median.toFixed(0)} rows/s`,
    });
    client.met = client.ratio! >= 0.8;
    return [client];
  } finally {
    await browser.close();
  }
}
