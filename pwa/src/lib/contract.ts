/**
 * The document contract, mirrored from couch_design_docs/models.py and names.py.
 *
 * The server's validate_doc_update is generated from those pydantic models and refuses
 * unknown fields, so every document this app writes is built here and nowhere else.
 * Keep this file in step with the Python side (same names, same limits).
 */

export const SCHEMA_VERSION = 1 as const;
export const CHUNK_SIZE = 1024 * 1024;
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;
export const MIN_CHUNK_SIZE = 64 * 1024;
export const CHUNK_ATTACHMENT = "data";
export const CHUNK_CONTENT_TYPE = "application/octet-stream";
export const MAX_FILES_PER_STUDY = 20000;
export const MAX_NOTES = 4000;

// -- names.py patterns -----------------------------------------------------------------
export const CLINIC_ID_PATTERN = /^[a-z][a-z0-9_-]{1,39}$/;
export const STUDY_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
export const UID_PATTERN = /^[0-9]+(\.[0-9]+)*$/;
export const UID_MAX_LENGTH = 64;
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** Names the way starlette/types.py names Scope/Receive/Send: once, for everyone. */
export type DocId = string;
export type Rev = string;
export type StudyId = string;
export type Sha256 = string;
export type Uid = string;
export type ClinicId = string;
export type Username = string;
/** ISO 8601, UTC (e.g. `2026-01-02T03:04:05.678Z`). */
export type Timestamp = string;

export const PRIORITIES = ["routine", "urgent", "stat"] as const;
export type Priority = (typeof PRIORITIES)[number];

export type StudyState = "draft" | "sealed";

export const STATUS_STATES = [
  "received",
  "assembling",
  "validating",
  "stored",
  "delivering",
  "delivered",
  "failed",
  "partial",
] as const;
export type StatusState = (typeof STATUS_STATES)[number];
export const FINAL_STATES: ReadonlySet<StatusState> = new Set(["delivered", "failed", "partial"]);

export type Role = "clinician" | "radiographer" | "radiologist" | "admin";

export interface DocumentBase {
  _id: DocId;
  _rev?: Rev;
  schema_version: typeof SCHEMA_VERSION;
}

// -- clinician-written -----------------------------------------------------------------

export interface Patient {
  name?: string;
  id?: string;
  birth_date?: string;
  sex?: string;
}

export interface StudyInfo {
  instance_uid: Uid;
  date?: string;
  time?: string;
  description?: string;
  accession_number?: string;
  modalities: string[];
}

export interface StudyFile {
  file_id: Sha256;
  name: string;
  size: number;
  sha256: Sha256;
  chunk_count: number;
  sop_instance_uid: Uid;
  sop_class_uid?: Uid;
  series_instance_uid: Uid;
  study_instance_uid: Uid;
  modality?: string;
  series_number?: number;
  series_description?: string;
  instance_number?: number;
}

export interface Study extends DocumentBase {
  type: "study";
  study_id: StudyId;
  clinic: ClinicId;
  author: Username;
  state: StudyState;
  created_at: Timestamp;
  sealed_at?: Timestamp;
  priority: Priority;
  notes: string;
  patient: Patient;
  study: StudyInfo;
  chunk_size: number;
  files: StudyFile[];
}

export interface ChunkAttachment {
  content_type: string;
  data?: Blob | ArrayBuffer | Uint8Array | string;
  stub?: boolean;
  length?: number;
  digest?: string;
}

export interface Chunk extends DocumentBase {
  type: "chunk";
  study_id: StudyId;
  file_id: Sha256;
  index: number;
  sha256: Sha256;
  size: number;
  clinic: ClinicId;
  author: Username;
  _attachments?: Record<string, ChunkAttachment>;
}

// -- bridge-written (read only here) ---------------------------------------------------

export interface StatusError {
  code: string;
  message: string;
  detail?: string;
  file_id?: Sha256;
  file_name?: string;
  destination?: string;
  retryable: boolean;
}

export interface HistoryEntry {
  state: StatusState;
  at: Timestamp;
}

export type FileState = "pending" | "assembled" | "valid" | "stored" | "delivered" | "failed";

export interface FileStatus {
  name: string;
  state: FileState;
  sha256: Sha256;
  sop_instance_uid?: Uid;
  object_key?: string;
  stored_at?: Timestamp;
  error?: StatusError;
}

export type DestinationState = "pending" | "delivering" | "delivered" | "partial" | "failed" | "retrying";

export interface DestinationStatus {
  state: DestinationState;
  total: number;
  delivered: Uid[];
  failed: Uid[];
  already_present: Uid[];
  /** instances whose bytes at the PACS were checked equal to what was sent (Orthanc) */
  verified?: Uid[];
  attempts: number;
  last_attempt_at?: Timestamp;
  next_attempt_at?: Timestamp;
  delivered_at?: Timestamp;
  error?: StatusError;
}

export interface Status extends DocumentBase {
  type: "status";
  study_id: StudyId;
  clinic: ClinicId;
  author: Username;
  state: StatusState;
  manifest_rev?: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  history: HistoryEntry[];
  files: Record<Sha256, FileStatus>;
  destinations: Record<string, DestinationStatus>;
  errors: StatusError[];
  reclaimed_at?: Timestamp;
}

export type NotificationKind = "study_delivered" | "study_failed" | "report_final" | "study_urgent";

export interface Notification extends DocumentBase {
  type: "notification";
  user: Username;
  kind: NotificationKind;
  study_id: StudyId;
  clinic: ClinicId;
  title: string;
  body: string;
  url?: string;
  created_at: Timestamp;
  read: boolean;
  read_at?: Timestamp;
}

export interface Report extends DocumentBase {
  type: "report";
  study_id: StudyId;
  clinic: ClinicId;
  author: Username;
  state: "draft" | "final";
  findings: string;
  impression: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  signed_at?: Timestamp;
}

export type ClinicDoc = Study | Chunk | Status | Notification | Report;

// -- ids (names.py) --------------------------------------------------------------------

export const studyDocId = (studyId: StudyId): DocId => `study:${studyId}`;
export const statusDocId = (studyId: StudyId): DocId => `status:${studyId}`;
export const reportDocId = (studyId: StudyId): DocId => `report:${studyId}`;
export const notificationPrefix = (user: Username): string => `notification:${user}:`;

export function chunkDocId(studyId: StudyId, fileId: Sha256, index: number): DocId {
  return `chunk:${studyId}:${fileId}:${String(index).padStart(5, "0")}`;
}

export function chunkPrefix(studyId: StudyId, fileId?: Sha256): string {
  return `chunk:${studyId}:` + (fileId ? `${fileId}:` : "");
}

/** The document type implied by an id (`study:…` → `study`), null for others. */
export function docTypeOf(docId: DocId): string | null {
  const at = docId.indexOf(":");
  return at < 0 ? null : docId.slice(0, at);
}

/** `ceil(size / chunk_size)`: the rule validate_doc_update checks for every file. */
export function chunkCount(size: number, chunkSize: number = CHUNK_SIZE): number {
  return Math.ceil(size / chunkSize);
}

/** 32 random hex characters: a study id that matches STUDY_ID_PATTERN. */
export function newStudyId(): StudyId {
  return crypto.randomUUID().replace(/-/g, "");
}

export function isValidUid(uid: string | undefined): uid is Uid {
  return !!uid && uid.length <= UID_MAX_LENGTH && UID_PATTERN.test(uid);
}

export const nowIso = (): Timestamp => new Date().toISOString();

/**
 * The clinic database of a user, from the login response's `databases` list (the names
 * may carry a deployment prefix, so they are never built here).
 */
export function clinicDatabase(databases: string[], clinic: ClinicId | null | undefined): string | null {
  if (clinic) {
    const exact = databases.find((db) => db.endsWith(`clinic_${clinic}`));
    if (exact) return exact;
  }
  return databases.find((db) => /clinic_[a-z][a-z0-9_-]{1,39}$/.test(db)) ?? null;
}

// -- the desk database (worklist written by the bridge; claims and reports by radiologists)

export type WorklistState = "received" | "delivered" | "partial" | "failed" | "reported";
export const WORKLIST_STATES: readonly WorklistState[] = ["received", "delivered", "partial", "failed", "reported"];

export interface WorklistEntry extends DocumentBase {
  type: "worklist";
  study_id: StudyId;
  clinic: ClinicId;
  clinic_name?: string;
  author: Username;
  patient: Patient;
  study: StudyInfo;
  priority: Priority;
  notes: string;
  state: WorklistState;
  instance_count: number;
  received_at: Timestamp;
  delivered_at?: Timestamp;
  reported_at?: Timestamp;
  viewer_url?: string;
}

/** Who reads a study. One id per study, so the second claimant gets a 409. */
export interface Claim extends DocumentBase {
  type: "claim";
  study_id: StudyId;
  clinic: ClinicId;
  radiologist: Username;
  claimed_at: Timestamp;
  /** Set when its radiologist gave the study back; another may then take the claim over. */
  released_at?: Timestamp;
}

export type DeskDoc = WorklistEntry | Claim | Report | Notification;

export const MAX_FINDINGS = 20000;
export const MAX_IMPRESSION = 5000;

export const worklistDocId = (clinic: ClinicId, studyId: StudyId): DocId => `worklist:${clinic}:${studyId}`;
export const claimDocId = (clinic: ClinicId, studyId: StudyId): DocId => `claim:${clinic}:${studyId}`;
export const deskReportDocId = (clinic: ClinicId, studyId: StudyId): DocId => `report:${clinic}:${studyId}`;

/** The desk database from the login response's `databases` (it may carry a deployment prefix). */
export function deskDatabase(databases: string[]): string | null {
  return databases.find((db) => db.endsWith("relaypacs_desk")) ?? null;
}
