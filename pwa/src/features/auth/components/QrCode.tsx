import { useMemo } from "react";
import { QUIET_ZONE, qrMatrix, qrPath } from "../api/qr";

/** `text` as a QR code, drawn as SVG (crisp at any size, black on white as scanners expect). */
export function QrCode({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
  const { path, extent } = useMemo(() => {
    const matrix = qrMatrix(text);
    return { path: qrPath(matrix), extent: matrix.length + 2 * QUIET_ZONE };
  }, [text]);
  return (
    <svg
      data-testid="totp-qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${extent} ${extent}`}
      shapeRendering="crispEdges"
      className="rounded bg-white"
    >
      <rect width={extent} height={extent} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
