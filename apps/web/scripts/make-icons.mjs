// Writes the PWA icons (public/icons/*.png) without any image tooling: a teal tile with a white
// "sync" ring of two arcs and arrow heads. Run with `pnpm icons`; the PNGs are committed.
import { mkdirSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes) => {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x + 0.5, y + 0.5), y * (size * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const teal = [15, 118, 110, 255];
const white = [255, 255, 255, 255];
const clear = [0, 0, 0, 0];

/** `scale` shrinks the ring into the maskable safe zone; `rounded` clips the tile's corners. */
function icon(size, { scale = 1, rounded = true } = {}) {
  const c = size / 2;
  const outer = size * 0.34 * scale;
  const inner = size * 0.24 * scale;
  const radius = size * 0.2;
  return png(size, (x, y) => {
    if (rounded) {
      const dx = Math.max(radius - x, 0, x - (size - radius));
      const dy = Math.max(radius - y, 0, y - (size - radius));
      if (dx * dx + dy * dy > radius * radius) return clear;
    }
    const d = Math.hypot(x - c, y - c);
    const angle = (Math.atan2(y - c, x - c) * 180) / Math.PI + 180; // 0..360
    // Two arcs with gaps at 80–110° and 260–290°, arrow heads just before each gap.
    const inGap = (angle > 80 && angle < 110) || (angle > 260 && angle < 290);
    if (d > inner && d < outer && !inGap) return white;
    for (const head of [80, 260]) {
      const a = ((head - 180) * Math.PI) / 180;
      const hx = c + Math.cos(a) * ((outer + inner) / 2);
      const hy = c + Math.sin(a) * ((outer + inner) / 2);
      const tangent = a + Math.PI / 2;
      const along = (x - hx) * Math.cos(tangent) + (y - hy) * Math.sin(tangent);
      const across = Math.abs((x - hx) * Math.cos(a) + (y - hy) * Math.sin(a));
      const length = size * 0.12 * scale;
      if (along >= 0 && along < length && across < (length - along) * 0.9) return white;
    }
    return teal;
  });
}

const dir = new URL("../public/icons/", import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL("icon-192.png", dir), icon(192));
writeFileSync(new URL("icon-512.png", dir), icon(512));
writeFileSync(new URL("maskable-512.png", dir), icon(512, { scale: 0.8, rounded: false }));
writeFileSync(new URL("apple-touch-icon-180.png", dir), icon(180, { rounded: false }));
writeFileSync(new URL("favicon-32.png", dir), icon(32));
console.log("icons written to public/icons/");
