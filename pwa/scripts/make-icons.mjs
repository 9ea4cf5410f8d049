// Draws the app icons (PNG) with no image library: a white "send up" arrow on teal.
// Run: node scripts/make-icons.mjs  (the outputs are committed in public/icons)
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

function png(size, paint) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = paint(x / size, y / size);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const TEAL = [15, 118, 110, 255];
const WHITE = [255, 255, 255, 255];
const CLEAR = [0, 0, 0, 0];

function arrow(u, v, s) {
  // scale about the centre so the maskable icon keeps its safe zone
  const x = (u - 0.5) / s + 0.5;
  const y = (v - 0.5) / s + 0.5;
  const shaft = Math.abs(x - 0.5) < 0.07 && y > 0.36 && y < 0.72;
  const head = y > 0.2 && y < 0.42 && Math.abs(x - 0.5) < (y - 0.2) * 1.1;
  const base = y > 0.76 && y < 0.84 && Math.abs(x - 0.5) < 0.26;
  return shaft || head || base;
}

function rounded(u, v, r) {
  const dx = Math.max(r - u, 0, u - (1 - r));
  const dy = Math.max(r - v, 0, v - (1 - r));
  return dx * dx + dy * dy <= r * r;
}

const icon = (s, radius) => (u, v) => {
  if (radius && !rounded(u, v, radius)) return CLEAR;
  return arrow(u, v, s) ? WHITE : TEAL;
};

writeFileSync("public/icons/icon-192.png", png(192, icon(1, 0.18)));
writeFileSync("public/icons/icon-512.png", png(512, icon(1, 0.18)));
writeFileSync("public/icons/icon-maskable-512.png", png(512, icon(0.7, 0)));
writeFileSync("public/icons/apple-touch-icon.png", png(180, icon(0.85, 0)));
writeFileSync(
  "public/icons/favicon.svg",
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="18" fill="#0f766e"/>` +
    `<path d="M50 20 L74 42 L57 42 L57 72 L43 72 L43 42 L26 42 Z M24 76 H76 V84 H24 Z" fill="#fff"/></svg>\n`,
);
