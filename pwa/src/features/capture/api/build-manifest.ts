/** Study manifests as the contract wants them (couch_design_docs.models.Study). */
import {
  CHUNK_SIZE,
  MAX_FILES_PER_STUDY,
  MAX_NOTES,
  SCHEMA_VERSION,
  chunkCount,
  studyDocId,
  type ClinicId,
  type Priority,
  type Study,
  type StudyFile,
  type StudyId,
  type Timestamp,
  type Username,
} from "../../../lib/contract";
import type { DicomHeader } from "./parse-dicom";
import type { StudyGroup } from "./group-files";

/** Drops undefined values: the server's schema has no `null` for most optional fields. */
function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

export function manifestFile(
  file: { name: string; size: number; sha256: string; header: DicomHeader },
  chunkSize: number = CHUNK_SIZE,
): StudyFile {
  const h = file.header;
  return compact<StudyFile>({
    file_id: file.sha256,
    name: (file.name || "unnamed.dcm").slice(0, 255),
    size: file.size,
    sha256: file.sha256,
    chunk_count: chunkCount(file.size, chunkSize),
    sop_instance_uid: h.sopInstanceUid,
    sop_class_uid: h.sopClassUid,
    series_instance_uid: h.seriesInstanceUid,
    study_instance_uid: h.studyInstanceUid,
    modality: h.modality,
    series_number: h.seriesNumber,
    series_description: h.seriesDescription,
    instance_number: h.instanceNumber,
  });
}

export interface DraftInput {
  studyId: StudyId;
  clinic: ClinicId;
  author: Username;
  group: StudyGroup;
  createdAt: Timestamp;
  chunkSize?: number;
}

export function newDraftStudy(input: DraftInput): Study {
  const g = input.group;
  return {
    _id: studyDocId(input.studyId),
    schema_version: SCHEMA_VERSION,
    type: "study",
    study_id: input.studyId,
    clinic: input.clinic,
    author: input.author,
    state: "draft",
    created_at: input.createdAt,
    priority: "routine",
    notes: "",
    patient: compact(g.patient),
    study: compact({
      instance_uid: g.studyInstanceUid,
      date: g.date,
      time: g.time,
      description: g.description,
      accession_number: g.accessionNumber,
      modalities: g.modalities.slice(0, 32),
    }),
    chunk_size: input.chunkSize ?? CHUNK_SIZE,
    files: [],
  };
}

/** Adds files to a manifest; a file with the same SOP Instance UID replaces the old one. */
export function mergeFiles(existing: StudyFile[], added: StudyFile[]): StudyFile[] {
  const bySop = new Map(existing.map((f) => [f.sop_instance_uid, f] as const));
  for (const f of added) bySop.set(f.sop_instance_uid, f);
  return [...bySop.values()];
}

export function withModalities(study: Study): Study {
  const modalities = [...study.study.modalities];
  for (const f of study.files) if (f.modality && !modalities.includes(f.modality)) modalities.push(f.modality);
  return { ...study, study: { ...study.study, modalities } };
}

export function sealed(study: Study, at: Timestamp, notes: string, priority: Priority): Study {
  return { ...study, state: "sealed", sealed_at: at, notes: notes.slice(0, MAX_NOTES), priority };
}

/** The checks validate_doc_update makes on a study, so a refusal is caught before saving. */
export function studyProblem(study: Study): string | null {
  if (study.state === "sealed" && study.files.length === 0) return "a sealed study needs at least one file";
  if (study.state === "sealed" && !study.sealed_at) return "sealed_at is required when sealed";
  if (study.files.length > MAX_FILES_PER_STUDY) return `at most ${MAX_FILES_PER_STUDY} files per study`;
  if (study.notes.length > MAX_NOTES) return `notes are limited to ${MAX_NOTES} characters`;
  for (const [i, f] of study.files.entries()) {
    if (f.file_id !== f.sha256) return `files[${i}].file_id must equal its sha256`;
    if (f.chunk_count !== chunkCount(f.size, study.chunk_size)) return `files[${i}].chunk_count does not match`;
  }
  return null;
}
