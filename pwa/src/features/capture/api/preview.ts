/**
 * A thumbnail of the first frame when the pixel data is stored raw (PS3.5 §8: native
 * format); compressed syntaxes get no preview rather than a wrong one.
 */
import type { ImageInfo } from "./parse-dicom";

const MAX_PREVIEW_FILE = 64 * 1024 * 1024;
const THUMB = 160;

function sampleReader(view: DataView, info: ImageInfo): (i: number) => number {
  const le = info.littleEndian;
  const signed = info.pixelRepresentation === 1;
  if (info.bitsAllocated === 8) return signed ? (i) => view.getInt8(i) : (i) => view.getUint8(i);
  if (info.bitsAllocated === 16) {
    return signed ? (i) => view.getInt16(i * 2, le) : (i) => view.getUint16(i * 2, le);
  }
  if (info.bitsAllocated === 32) {
    return signed ? (i) => view.getInt32(i * 4, le) : (i) => view.getUint32(i * 4, le);
  }
  throw new Error(`unsupported BitsAllocated ${info.bitsAllocated}`);
}

/** RGBA pixels of the first frame, windowed to 8 bits (pure: unit-testable). */
export function toRgba(pixels: ArrayBuffer, info: ImageInfo): Uint8ClampedArray<ArrayBuffer> {
  const count = info.rows * info.columns;
  const out = new Uint8ClampedArray(count * 4);
  const view = new DataView(pixels);
  const read = sampleReader(view, info);
  if (info.samplesPerPixel === 3) {
    for (let p = 0; p < count; p++) {
      for (let c = 0; c < 3; c++) {
        const idx = info.planarConfiguration === 1 ? c * count + p : p * 3 + c;
        out[p * 4 + c] = read(idx);
      }
      out[p * 4 + 3] = 255;
    }
    return out;
  }
  const values = new Float32Array(count);
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < count; p++) {
    const v = read(p) * info.rescaleSlope + info.rescaleIntercept;
    values[p] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let low = min;
  let high = max;
  if (info.windowWidth && info.windowWidth > 1 && info.windowCenter !== undefined) {
    low = info.windowCenter - info.windowWidth / 2;
    high = info.windowCenter + info.windowWidth / 2;
  }
  const span = high - low || 1;
  const invert = info.photometric === "MONOCHROME1";
  for (let p = 0; p < count; p++) {
    let g = ((values[p]! - low) / span) * 255;
    if (invert) g = 255 - g;
    out[p * 4] = out[p * 4 + 1] = out[p * 4 + 2] = g;
    out[p * 4 + 3] = 255;
  }
  return out;
}

export function canPreview(info: ImageInfo | undefined, fileSize: number): info is ImageInfo & { pixelDataOffset: number } {
  if (!info || info.pixelDataOffset === undefined || fileSize > MAX_PREVIEW_FILE) return false;
  const mono = info.samplesPerPixel === 1 && /^MONOCHROME[12]$/.test(info.photometric);
  const rgb = info.samplesPerPixel === 3 && info.photometric === "RGB" && info.bitsAllocated === 8;
  return (mono || rgb) && [8, 16, 32].includes(info.bitsAllocated);
}

/** A PNG data URL thumbnail, or null when this file cannot be previewed here. */
export async function renderPreview(file: Blob, info: ImageInfo | undefined): Promise<string | null> {
  if (!canPreview(info, file.size) || typeof document === "undefined") return null;
  const frameBytes = info.rows * info.columns * info.samplesPerPixel * (info.bitsAllocated / 8);
  const start = info.pixelDataOffset;
  if (start + frameBytes > file.size) return null;
  try {
    const pixels = await file.slice(start, start + frameBytes).arrayBuffer();
    const rgba = toRgba(pixels, info);
    const full = document.createElement("canvas");
    full.width = info.columns;
    full.height = info.rows;
    full.getContext("2d")!.putImageData(new ImageData(rgba, info.columns, info.rows), 0, 0);
    const scale = Math.min(1, THUMB / Math.max(info.rows, info.columns));
    const thumb = document.createElement("canvas");
    thumb.width = Math.max(1, Math.round(info.columns * scale));
    thumb.height = Math.max(1, Math.round(info.rows * scale));
    thumb.getContext("2d")!.drawImage(full, 0, 0, thumb.width, thumb.height);
    return thumb.toDataURL("image/png");
  } catch {
    return null;
  }
}
