import { describe, expect, it } from "vitest";
import jsQR from "jsqr";
import { QUIET_ZONE, qrMatrix, qrPath } from "../src/features/auth/api/qr";

const URI =
  "otpauth://totp/RelayPACS:amina?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=RelayPACS&algorithm=SHA1&digits=6&period=30";

/** What the page draws: the path's unit squares, scaled up, black on white (RGBA). */
function rasterise(path: string, extent: number, scale = 4) {
  const side = extent * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  for (const [, x, y] of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    for (let dy = 0; dy < scale; dy++)
      for (let dx = 0; dx < scale; dx++) {
        const at = ((Number(y) * scale + dy) * side + Number(x) * scale + dx) * 4;
        pixels.fill(0, at, at + 3);
      }
  }
  return { pixels, side };
}

describe("the enrolment QR code", () => {
  it("scans back to the otpauth link", () => {
    const matrix = qrMatrix(URI);
    const extent = matrix.length + 2 * QUIET_ZONE;
    const { pixels, side } = rasterise(qrPath(matrix), extent);
    expect(jsQR(pixels, side, side)?.data).toBe(URI);
  });

  it("draws exactly the dark modules, inside the quiet zone", () => {
    const matrix = qrMatrix(URI);
    const squares = [...qrPath(matrix).matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(([, x, y]) => [Number(x), Number(y)]);
    expect(squares.length).toBe(matrix.flat().filter(Boolean).length);
    for (const [x, y] of squares) expect(matrix[y! - QUIET_ZONE]![x! - QUIET_ZONE]).toBe(true);
    expect(Math.min(...squares.flat())).toBe(QUIET_ZONE);
  });

  it("a different link is a different code", () => {
    expect(qrPath(qrMatrix(URI))).not.toBe(qrPath(qrMatrix(URI.replace("amina", "osei"))));
  });
});
