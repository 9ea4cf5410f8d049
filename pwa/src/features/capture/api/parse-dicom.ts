/**
 * Reads a DICOM Part 10 file's header in the browser (PS3.10 §7: 128-byte preamble,
 * "DICM", then the File Meta group) without loading the pixel data: only a prefix of the
 * file is read, grown if the header turns out to be longer.
 */
import dicomParser, { type DataSet } from "dicom-parser";
import { isValidUid, type Patient } from "../../../lib/contract";
import { DEFLATED_SYNTAX, DICOMDIR_SOP_CLASS, TAG, UNCOMPRESSED_SYNTAXES } from "./dicom-tags";

export interface ImageInfo {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  planarConfiguration: number;
  photometric: string;
  frames: number;
  windowCenter?: number;
  windowWidth?: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Byte offset of the raw pixel data in the file, when the syntax is uncompressed. */
  pixelDataOffset?: number;
  littleEndian: boolean;
}

export interface DicomHeader {
  sopInstanceUid: string;
  sopClassUid?: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  transferSyntaxUid?: string;
  patient: Patient;
  studyDate?: string;
  studyTime?: string;
  studyDescription?: string;
  accessionNumber?: string;
  modality?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  instanceNumber?: number;
  image?: ImageInfo;
}

export type ParseResult = { ok: true; header: DicomHeader } | { ok: false; reason: string };

const FIRST_READ = 256 * 1024;
const MAX_HEADER_READ = 64 * 1024 * 1024;

function clean(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const v = value.replace(/[\u0000-\u001f]/g, " ").trim();
  return v ? v.slice(0, max) : undefined;
}

function cleanDate(value: string | undefined): string | undefined {
  const digits = value?.replace(/\D/g, "");
  return digits && digits.length === 8 ? digits : undefined;
}

function intOrUndefined(ds: DataSet, tag: string): number | undefined {
  const s = ds.string(tag);
  if (s === undefined || !/^[+-]?\d+$/.test(s.trim())) return undefined;
  const n = Number.parseInt(s, 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

function floatOrUndefined(ds: DataSet, tag: string): number | undefined {
  const s = ds.string(tag, 0);
  if (s === undefined) return undefined;
  const n = Number.parseFloat(s);
  return Number.isFinite(n) ? n : undefined;
}

function errorText(err: unknown): string {
  const inner = (err as { exception?: unknown })?.exception ?? err;
  if (typeof inner === "string") return inner;
  if (inner instanceof Error) return inner.message;
  return String(inner);
}

function hasPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function imageInfo(ds: DataSet, syntax: string | undefined): ImageInfo | undefined {
  const rows = ds.uint16(TAG.rows);
  const columns = ds.uint16(TAG.columns);
  if (!rows || !columns) return undefined;
  const raw = syntax ? UNCOMPRESSED_SYNTAXES[syntax] : undefined;
  const pixel = ds.elements[TAG.pixelData];
  return {
    rows,
    columns,
    bitsAllocated: ds.uint16(TAG.bitsAllocated) ?? 16,
    bitsStored: ds.uint16(TAG.bitsStored) ?? ds.uint16(TAG.bitsAllocated) ?? 16,
    pixelRepresentation: ds.uint16(TAG.pixelRepresentation) ?? 0,
    samplesPerPixel: ds.uint16(TAG.samplesPerPixel) ?? 1,
    planarConfiguration: ds.uint16(TAG.planarConfiguration) ?? 0,
    photometric: clean(ds.string(TAG.photometricInterpretation), 32) ?? "MONOCHROME2",
    frames: intOrUndefined(ds, TAG.numberOfFrames) ?? 1,
    windowCenter: floatOrUndefined(ds, TAG.windowCenter),
    windowWidth: floatOrUndefined(ds, TAG.windowWidth),
    rescaleSlope: floatOrUndefined(ds, TAG.rescaleSlope) ?? 1,
    rescaleIntercept: floatOrUndefined(ds, TAG.rescaleIntercept) ?? 0,
    pixelDataOffset: raw && pixel && !pixel.hadUndefinedLength ? pixel.dataOffset : undefined,
    littleEndian: raw?.littleEndian ?? true,
  };
}

/** The manifest-relevant attributes of a parsed data set, or why it cannot be sent. */
export function headerFromDataSet(ds: DataSet): ParseResult {
  const mediaClass = ds.string(TAG.mediaStorageSopClassUid);
  const sopClassUid = ds.string(TAG.sopClassUid) ?? mediaClass;
  if (sopClassUid === DICOMDIR_SOP_CLASS) {
    return { ok: false, reason: "DICOMDIR index file, not an image: skipped" };
  }
  const required: [string, string | undefined][] = [
    ["SOP Instance UID", ds.string(TAG.sopInstanceUid)],
    ["Study Instance UID", ds.string(TAG.studyInstanceUid)],
    ["Series Instance UID", ds.string(TAG.seriesInstanceUid)],
  ];
  for (const [label, value] of required) {
    if (!value) return { ok: false, reason: `DICOM file without a ${label}: skipped` };
    if (!isValidUid(value)) return { ok: false, reason: `DICOM file with a malformed ${label}: skipped` };
  }
  const [sop, studyUid, seriesUid] = required.map(([, v]) => v as string) as [string, string, string];
  const syntax = ds.string(TAG.transferSyntaxUid);
  const header: DicomHeader = {
    sopInstanceUid: sop,
    sopClassUid: isValidUid(sopClassUid) ? sopClassUid : undefined,
    studyInstanceUid: studyUid,
    seriesInstanceUid: seriesUid,
    transferSyntaxUid: syntax,
    patient: {
      name: clean(ds.string(TAG.patientName), 256),
      id: clean(ds.string(TAG.patientId), 256),
      birth_date: cleanDate(ds.string(TAG.patientBirthDate)),
      sex: clean(ds.string(TAG.patientSex), 16),
    },
    studyDate: cleanDate(ds.string(TAG.studyDate)),
    studyTime: clean(ds.string(TAG.studyTime), 16),
    studyDescription: clean(ds.string(TAG.studyDescription), 256),
    accessionNumber: clean(ds.string(TAG.accessionNumber), 256),
    modality: clean(ds.string(TAG.modality), 16),
    seriesNumber: intOrUndefined(ds, TAG.seriesNumber),
    seriesDescription: clean(ds.string(TAG.seriesDescription), 256),
    instanceNumber: intOrUndefined(ds, TAG.instanceNumber),
    image: imageInfo(ds, syntax),
  };
  return { ok: true, header };
}

/**
 * Parses the header from `bytes` (a prefix of the file, or all of it when `complete`).
 * Returns "more" when the prefix ended inside the header and a longer read may succeed.
 */
export function parseDicomBytes(bytes: Uint8Array, complete: boolean, fileSize: number = bytes.length): ParseResult | "more" {
  if (!hasPreamble(bytes)) {
    if (!complete && bytes.length < 132) return "more";
    return { ok: false, reason: "not a DICOM file (no DICM marker): skipped" };
  }
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, { untilTag: TAG.pixelData });
  } catch (err) {
    const text = errorText(err);
    const meta = new TextDecoder("latin1").decode(bytes.subarray(132, 2048));
    if (/inflat|deflat|pako/i.test(text) || meta.includes(DEFLATED_SYNTAX)) {
      return { ok: false, reason: "DICOM file in the deflated transfer syntax, which this app cannot read: skipped" };
    }
    if (!complete) return "more";
    return { ok: false, reason: `DICOM file is damaged or cut short (${text.slice(0, 120)}): export it again` };
  }
  if (ds.string(TAG.transferSyntaxUid) === DEFLATED_SYNTAX && !ds.string(TAG.sopInstanceUid)) {
    return { ok: false, reason: "DICOM file in the deflated transfer syntax, which this app cannot read: skipped" };
  }
  const pixel = ds.elements[TAG.pixelData];
  if (pixel && !pixel.hadUndefinedLength && pixel.length > 0 && pixel.dataOffset + pixel.length > fileSize) {
    return { ok: false, reason: "file is cut short (the image data ends early): export it again" };
  }
  return headerFromDataSet(ds);
}

/** Reads as little of the file as the header needs (256 KiB, doubling up to 64 MiB). */
export async function readDicomHeader(blob: Blob): Promise<ParseResult> {
  if (blob.size === 0) return { ok: false, reason: "empty file: skipped" };
  let length = Math.min(blob.size, FIRST_READ);
  for (;;) {
    const complete = length >= blob.size;
    const bytes = new Uint8Array(await blob.slice(0, length).arrayBuffer());
    const result = parseDicomBytes(bytes, complete, blob.size);
    if (result !== "more") return result;
    if (length >= MAX_HEADER_READ) {
      return { ok: false, reason: "DICOM header longer than 64 MiB, which this app cannot read: skipped" };
    }
    length = Math.min(blob.size, length * 4);
  }
}
