/**
 * What the gateway's admin API answers (sync_gateway/api/admin.py, api/monitor.py,
 * monitoring/*.py). Secrets never come back: a destination says `has_secret` instead.
 */
import type { ClinicId, Role, StatusState, StudyId, Timestamp, Username } from "../../../lib/contract";

export interface AdminUser {
  username: Username;
  email: string | null;
  role: Role;
  clinic: ClinicId | null;
  active: boolean;
  totp_enabled: boolean;
  locked_until: Timestamp | null;
  created_at: Timestamp | null;
}

export interface NewUser {
  username: Username;
  password: string;
  role: Role;
  clinic?: ClinicId | null;
  email?: string | null;
}

export type DestinationKind = "orthanc" | "dcm4chee" | "dicomweb";
export type DestinationAuth = "none" | "basic" | "bearer";
export const DESTINATION_KINDS: DestinationKind[] = ["orthanc", "dcm4chee", "dicomweb"];
export const DESTINATION_AUTHS: DestinationAuth[] = ["none", "basic", "bearer"];

/** A PACS destination as sent (`secret` only when typed) — couch_design_docs Destination. */
export interface Destination {
  name: string;
  kind: DestinationKind;
  stow_url: string;
  auth: DestinationAuth;
  username?: string | null;
  secret?: string | null;
  viewer_url_template?: string | null;
  enabled?: boolean;
}

/** A destination as the API shows it. */
export interface PublicDestination extends Omit<Destination, "secret"> {
  has_secret: boolean;
}

export interface AdminClinic {
  clinic_id: ClinicId;
  name: string;
  active: boolean;
  created_at: Timestamp | null;
  destinations: PublicDestination[];
}

export interface NewClinic {
  clinic_id: ClinicId;
  name: string;
  destinations?: Destination[];
}

export interface ClinicChange {
  name?: string;
  active?: boolean;
  destinations?: Destination[];
}

/** One bridge worker's report about one clinic database (ClinicHealth). */
export interface WorkerClinicHealth {
  db: string;
  pending_changes?: number | null;
  open_jobs: number;
  waiting: number;
  retrying: number;
}

export interface FailedStudySummary {
  clinic: ClinicId;
  study_id: StudyId;
  state: StatusState;
  code?: string | null;
  message?: string | null;
  at: Timestamp;
}

export interface BridgeWorker {
  worker: string;
  started_at: Timestamp | null;
  at: Timestamp | null;
  age_seconds: number | null;
  stale: boolean;
  queue_depth: number;
  clinics: Record<string, WorkerClinicHealth>;
  failed: FailedStudySummary[];
}

export interface ClinicHealth {
  clinic_id: ClinicId;
  name: string | null;
  active: boolean;
  db: string;
  error?: string;
  states?: Partial<Record<StatusState, number>>;
  queued?: number;
  failed?: number;
  partial?: number;
  delivered?: number;
}

export interface SystemHealth {
  at: Timestamp;
  status: "ok" | "degraded";
  problems: string[];
  bridge: { workers: BridgeWorker[]; alive: number; stale: number; stale_after_seconds: number };
  totals: { queued: number; failed: number; partial: number; delivered: number };
  clinics: ClinicHealth[];
}

export interface FailureError {
  code?: string | null;
  message?: string | null;
  destination?: string | null;
  retryable?: boolean;
}

export interface RetryInfo {
  clinic: ClinicId;
  study_id: StudyId;
  requested_by: Username;
  requested_at: Timestamp;
}

export interface Failure {
  clinic: ClinicId;
  study_id: StudyId;
  state: StatusState;
  author: Username | null;
  updated_at: Timestamp | null;
  errors: FailureError[];
  destinations: Record<string, string>;
  retry: RetryInfo | null;
}

export interface RetryAnswer extends RetryInfo {
  already_requested: boolean;
}

export interface AuditEvent {
  _id: string;
  at: Timestamp;
  actor: string;
  role?: string | null;
  action: string;
  outcome: "ok" | "denied" | "error";
  db?: string | null;
  doc_ids: string[];
  ip?: string | null;
  detail?: string | null;
}

export interface AuditQuery {
  actor?: string;
  doc?: string;
  before?: Timestamp;
  limit?: number;
}

/** An endpoint this gateway may not have yet (404): the page says so instead of failing. */
export type Maybe<T> = { available: true; data: T } | { available: false; reason: string };
