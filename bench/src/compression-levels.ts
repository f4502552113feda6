// pnpm --filter @fieldsync/bench compression: what each brotli quality and gzip level costs and
// saves on a delta page as the server sends it (asset changes of ~1 KB, pages of 1,000 and 5,000),
// measured on this machine; app.ts picks the response compression level from these figures.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { createChange } from "./data.ts";

const page = (rows: number) =>
  JSON.stringify({
    changes: Array.from({ length: rows }, () => {
      const { changeId: _, ...change } = createChange();
      return { ...change, clientVersion: 1, checksum: "0".repeat(64) };
    }),
  });

const codecs: [string, (body: Buffer) => Buffer][] = [
  ...[1, 2, 3, 4, 5, 6, 11].map((q): [string, (body: Buffer) => Buffer] => [
    `brotli q${q}`,
    (body) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: q, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  ]),
  ...[1, 6].map((level): [string, (body: Buffer) => Buffer] => [`gzip ${level}`, (body) => gzipSync(body, { level })]),
];

for (const rows of [1000, 5000]) {
  const body = Buffer.from(page(rows));
  console.log(`page of ${rows} changes: ${(body.length / 1024).toFixed(0)} KiB`);
  for (const [name, compress] of codecs) {
    const runs = name === "brotli q11" ? 2 : 10;
    compress(body);
    const start = performance.now();
    let size = 0;
    for (let i = 0; i < runs; i++) size = compress(body).length;
    const ms = (performance.now() - start) / runs;
    const rate = rows / (ms / 1000);
    console.log(`  ${name.padEnd(10)} ${ms.toFixed(1).padStart(7)} ms  ${(size / 1024).toFixed(0).padStart(5)} KiB (${((1 - size / body.length) * 100).toFixed(0)} % smaller)  ${rate.toFixed(0).padStart(8)} rows/s of one core`);
  }
}
