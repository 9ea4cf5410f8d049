/**
 * Builds small DICOM Part 10 files (explicit VR little endian, PS3.10 §7.1) for tests:
 * preamble, "DICM", the File Meta group, a data set and 8-bit raw pixel data.
 */
export interface DicomSpec {
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  patientName?: string;
  patientId?: string;
  studyDate?: string;
  modality?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  seriesDescription?: string;
  rows?: number;
  columns?: number;
  /** Extra pixel bytes to make the file bigger (multi-chunk tests). */
  padTo?: number;
}

const SHORT_VRS = new Set(["AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "PN", "SH", "TM", "UI", "US", "UL", "SS"]);

function element(group: number, el: number, vr: string, value: Uint8Array): Uint8Array {
  const even = value.length % 2 === 1 ? padValue(value, vr) : value;
  const short = SHORT_VRS.has(vr);
  const head = new Uint8Array(short ? 8 : 12);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, group, true);
  dv.setUint16(2, el, true);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  if (short) dv.setUint16(6, even.length, true);
  else dv.setUint32(8, even.length, true);
  return concat([head, even]);
}

function padValue(value: Uint8Array, vr: string): Uint8Array {
  const out = new Uint8Array(value.length + 1);
  out.set(value);
  out[value.length] = vr === "UI" || vr === "OB" ? 0 : 0x20;
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);
const u16 = (n: number) => {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n, true);
  return b;
};
const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

export function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function makeDicom(spec: DicomSpec = {}): Uint8Array<ArrayBuffer> {
  const sop = spec.sopInstanceUid ?? "1.2.826.0.1.3680043.8.498.1";
  const sopClass = "1.2.840.10008.5.1.4.1.1.7"; // Secondary Capture
  const syntax = "1.2.840.10008.1.2.1";
  const metaBody = concat([
    element(0x0002, 0x0001, "OB", new Uint8Array([0, 1])),
    element(0x0002, 0x0002, "UI", text(sopClass)),
    element(0x0002, 0x0003, "UI", text(sop)),
    element(0x0002, 0x0010, "UI", text(syntax)),
  ]);
  const meta = concat([element(0x0002, 0x0000, "UL", u32(metaBody.length)), metaBody]);
  const rows = spec.rows ?? 4;
  const columns = spec.columns ?? 4;
  let pixelCount = rows * columns;
  const tags: Uint8Array[] = [
    element(0x0008, 0x0016, "UI", text(sopClass)),
    element(0x0008, 0x0018, "UI", text(sop)),
    element(0x0008, 0x0020, "DA", text(spec.studyDate ?? "20240102")),
    element(0x0008, 0x0060, "CS", text(spec.modality ?? "CT")),
  ];
  if (spec.seriesDescription) tags.push(element(0x0008, 0x103e, "LO", text(spec.seriesDescription)));
  tags.push(
    element(0x0010, 0x0010, "PN", text(spec.patientName ?? "Doe^Jane")),
    element(0x0010, 0x0020, "LO", text(spec.patientId ?? "P-001")),
  );
  if (spec.studyInstanceUid !== "") tags.push(element(0x0020, 0x000d, "UI", text(spec.studyInstanceUid ?? "1.2.3.4")));
  tags.push(element(0x0020, 0x000e, "UI", text(spec.seriesInstanceUid ?? "1.2.3.4.1")));
  tags.push(element(0x0020, 0x0011, "IS", text(String(spec.seriesNumber ?? 1))));
  tags.push(element(0x0020, 0x0013, "IS", text(String(spec.instanceNumber ?? 1))));
  tags.push(
    element(0x0028, 0x0002, "US", u16(1)),
    element(0x0028, 0x0004, "CS", text("MONOCHROME2")),
    element(0x0028, 0x0010, "US", u16(rows)),
    element(0x0028, 0x0011, "US", u16(columns)),
    element(0x0028, 0x0100, "US", u16(8)),
    element(0x0028, 0x0101, "US", u16(8)),
    element(0x0028, 0x0103, "US", u16(0)),
  );
  const headerLength = 132 + meta.length + tags.reduce((n, t) => n + t.length, 0) + 12;
  if (spec.padTo && spec.padTo > headerLength + pixelCount) pixelCount = spec.padTo - headerLength;
  if (pixelCount % 2) pixelCount++;
  const pixels = new Uint8Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) pixels[i] = (i * 7 + sop.length) & 0xff;
  tags.push(element(0x7fe0, 0x0010, "OB", pixels));
  const preamble = new Uint8Array(132);
  preamble.set(text("DICM"), 128);
  return concat([preamble, meta, ...tags]);
}
