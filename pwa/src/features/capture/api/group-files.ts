/**
 * Groups parsed DICOM files the way a PACS shows them: study (Study Instance UID) →
 * series (Series Instance UID) → instances, with duplicate instances turned away.
 */
import type { Patient } from "../../../lib/contract";
import type { DicomHeader } from "./parse-dicom";

export interface CandidateFile {
  /** Unique within one selection (e.g. the path in the picked folder). */
  key: string;
  name: string;
  size: number;
  header: DicomHeader;
}

export interface Rejection {
  key: string;
  name: string;
  reason: string;
}

export interface SeriesGroup {
  seriesInstanceUid: string;
  seriesNumber?: number;
  modality?: string;
  description?: string;
  files: CandidateFile[];
  bytes: number;
}

export interface StudyGroup {
  studyInstanceUid: string;
  patient: Patient;
  date?: string;
  time?: string;
  description?: string;
  accessionNumber?: string;
  modalities: string[];
  series: SeriesGroup[];
  files: CandidateFile[];
  bytes: number;
  warnings: string[];
}

const byNumber = (a?: number, b?: number) => (a ?? Number.MAX_SAFE_INTEGER) - (b ?? Number.MAX_SAFE_INTEGER);

function compareFiles(a: CandidateFile, b: CandidateFile): number {
  return (
    byNumber(a.header.seriesNumber, b.header.seriesNumber) ||
    a.header.seriesInstanceUid.localeCompare(b.header.seriesInstanceUid) ||
    byNumber(a.header.instanceNumber, b.header.instanceNumber) ||
    a.name.localeCompare(b.name, undefined, { numeric: true })
  );
}

function firstDefined<T>(files: CandidateFile[], pick: (h: DicomHeader) => T | undefined): T | undefined {
  for (const f of files) {
    const v = pick(f.header);
    if (v !== undefined) return v;
  }
  return undefined;
}

function buildSeries(files: CandidateFile[]): SeriesGroup[] {
  const map = new Map<string, CandidateFile[]>();
  for (const f of files) {
    const list = map.get(f.header.seriesInstanceUid) ?? [];
    list.push(f);
    map.set(f.header.seriesInstanceUid, list);
  }
  return [...map.entries()].map(([uid, list]) => ({
    seriesInstanceUid: uid,
    seriesNumber: firstDefined(list, (h) => h.seriesNumber),
    modality: firstDefined(list, (h) => h.modality),
    description: firstDefined(list, (h) => h.seriesDescription),
    files: list,
    bytes: list.reduce((n, f) => n + f.size, 0),
  }));
}

function buildStudy(uid: string, files: CandidateFile[]): StudyGroup {
  const sorted = [...files].sort(compareFiles);
  const patientIds = new Set(sorted.map((f) => f.header.patient.id).filter(Boolean));
  const warnings = patientIds.size > 1 ? [`files disagree on the patient ID (${[...patientIds].join(", ")})`] : [];
  const modalities: string[] = [];
  for (const f of sorted) {
    if (f.header.modality && !modalities.includes(f.header.modality)) modalities.push(f.header.modality);
  }
  return {
    studyInstanceUid: uid,
    patient: {
      name: firstDefined(sorted, (h) => h.patient.name),
      id: firstDefined(sorted, (h) => h.patient.id),
      birth_date: firstDefined(sorted, (h) => h.patient.birth_date),
      sex: firstDefined(sorted, (h) => h.patient.sex),
    },
    date: firstDefined(sorted, (h) => h.studyDate),
    time: firstDefined(sorted, (h) => h.studyTime),
    description: firstDefined(sorted, (h) => h.studyDescription),
    accessionNumber: firstDefined(sorted, (h) => h.accessionNumber),
    modalities,
    series: buildSeries(sorted),
    files: sorted,
    bytes: sorted.reduce((n, f) => n + f.size, 0),
    warnings,
  };
}

/**
 * Studies in the selection, newest study date first. A second file with a SOP Instance
 * UID already seen is rejected (one instance is one file in a study).
 */
export function groupByStudy(files: CandidateFile[]): { studies: StudyGroup[]; rejected: Rejection[] } {
  const seen = new Map<string, CandidateFile>();
  const rejected: Rejection[] = [];
  const byStudy = new Map<string, CandidateFile[]>();
  for (const f of files) {
    const dup = seen.get(f.header.sopInstanceUid);
    if (dup) {
      rejected.push({ key: f.key, name: f.name, reason: `duplicate of ${dup.name} (same SOP Instance UID): skipped` });
      continue;
    }
    seen.set(f.header.sopInstanceUid, f);
    const list = byStudy.get(f.header.studyInstanceUid) ?? [];
    list.push(f);
    byStudy.set(f.header.studyInstanceUid, list);
  }
  const studies = [...byStudy.entries()].map(([uid, list]) => buildStudy(uid, list));
  studies.sort((a, b) => (b.date ?? "").localeCompare(a.date ?? "") || a.studyInstanceUid.localeCompare(b.studyInstanceUid));
  return { studies, rejected };
}
