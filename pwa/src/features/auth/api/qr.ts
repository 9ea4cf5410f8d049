/**
 * The enrolment link as a QR code, for an authenticator app on a phone to scan off a
 * laptop's screen (on the phone itself the link opens the app). qrcode-generator makes the
 * code; what the page draws is one SVG path of its dark modules, so nothing is rasterised
 * and no image URL is needed (the gateway's Content-Security-Policy stays as it is).
 */
import qrcode from "qrcode-generator";

/** Dark (true) and light modules, row by row; error correction M, the smallest version. */
export function qrMatrix(text: string): boolean[][] {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const size = qr.getModuleCount();
  return Array.from({ length: size }, (_, row) => Array.from({ length: size }, (_, col) => qr.isDark(row, col)));
}

/** Light modules a scanner needs around the code (the QR standard's quiet zone). */
export const QUIET_ZONE = 4;

/** An SVG path of one unit square per dark module, offset by the quiet zone. */
export function qrPath(matrix: boolean[][], margin: number = QUIET_ZONE): string {
  const parts: string[] = [];
  matrix.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) parts.push(`M${x + margin} ${y + margin}h1v1h-1z`);
    }),
  );
  return parts.join("");
}
