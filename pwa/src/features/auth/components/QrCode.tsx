import { useMemo } from "react";
import { QUIET_ZONE, qrMatrix, qrPath } from "../api/qr";

/** `text` as a QR code, black on white as scanners expect, about `size` pixels wide: a
 *  whole number of pixels per module (at 4.08 px a module some scanners misread it). */
export function QrCode({ text, label, size = 240 }: { text: string; label: string; size?: number }) {
  const { path, extent } = useMemo(() => {
    const matrix = qrMatrix(text);
    return { path: qrPath(matrix), extent: matrix.length + 2 * QUIET_ZONE };
  }, [text]);
  const side = extent * Math.max(4, Math.floor(size / extent));
  return (
    <svg
      data-testid="totp-qr"
      role="img"
      aria-label={label}
      width={side}
      height={side}
      viewBox={`0 0 ${extent} ${extent}`}
      shapeRendering="crispEdges"
      className="rounded bg-white"
    >
      <rect width={extent} height={extent} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
