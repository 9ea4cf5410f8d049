/**
 * A radiologist's report in the desk database (`report:<clinic>:<study_id>`, model
 * `Report` in couch_design_docs/models.py): draft → final, nothing after.
 *
 * Drafts are saved to the local replica and go up by replication (they survive a closed
 * laptop or a lost link); signing writes `state: final` and `signed_at` the same way. A final
 * report is never changed again: the functions below refuse to, and the screen shows it
 * read only. The bridge then carries it to the clinic and marks the worklist `reported`.
 */
import {
  deskReportDocId,
  MAX_FINDINGS,
  MAX_IMPRESSION,
  nowIso,
  SCHEMA_VERSION,
  type Report,
  type Timestamp,
  type Username,
  type WorklistEntry,
} from "../../../lib/contract";

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportError";
  }
}

export interface ReportText {
  findings: string;
  impression: string;
}

export function newReport(entry: Pick<WorklistEntry, "clinic" | "study_id">, me: Username, now: Timestamp = nowIso()): Report {
  return {
    _id: deskReportDocId(entry.clinic, entry.study_id),
    schema_version: SCHEMA_VERSION,
    type: "report",
    study_id: entry.study_id,
    clinic: entry.clinic,
    author: me,
    state: "draft",
    findings: "",
    impression: "",
    created_at: now,
    updated_at: now,
  };
}

function checkText(text: ReportText): void {
  if (text.findings.length > MAX_FINDINGS) throw new ReportError(`Findings are limited to ${MAX_FINDINGS} characters.`);
  if (text.impression.length > MAX_IMPRESSION) throw new ReportError(`The impression is limited to ${MAX_IMPRESSION} characters.`);
}

/** The draft with new text. A final report cannot be edited. */
export function editDraft(report: Report, text: ReportText, me: Username, now: Timestamp = nowIso()): Report {
  if (report.author !== me) throw new ReportError(`This report belongs to ${report.author}.`);
  if (report.state === "final") throw new ReportError("This report is signed and can no longer be changed.");
  checkText(text);
  return { ...report, findings: text.findings, impression: text.impression, updated_at: now };
}

/** The signed report: final, with `signed_at`. Needs an impression; signing twice is refused. */
export function signReport(report: Report, text: ReportText, me: Username, now: Timestamp = nowIso()): Report {
  const draft = editDraft(report, text, me, now);
  if (!draft.impression.trim()) throw new ReportError("Write an impression before signing.");
  return { ...draft, state: "final", signed_at: now };
}

export function isFinal(report: Report | undefined): boolean {
  return report?.state === "final";
}

/**
 * Writes the report to the local replica on top of whatever revision it holds (the author is
 * the only writer, so the latest local revision is the one to follow); returns it saved.
 */
export async function saveReport(db: PouchDB.Database, report: Report): Promise<Report> {
  if (report.state === "final" && !report.signed_at) throw new ReportError("A final report needs signed_at.");
  const stored = (await db.get(report._id).catch(() => null)) as Report | null;
  // never overwrite a report that was signed meanwhile (another tab, another device)
  if (stored?.state === "final") throw new ReportError("This report is already signed and can no longer be changed.");
  const next = { ...report, _rev: stored?._rev };
  if (!next._rev) delete next._rev;
  const res = await db.put(next as unknown as PouchDB.Core.PutDocument<object>);
  return { ...next, _rev: res.rev };
}

/** Save a draft (creating the report on first save). */
export async function saveDraft(
  db: PouchDB.Database,
  current: Report | undefined,
  entry: Pick<WorklistEntry, "clinic" | "study_id">,
  text: ReportText,
  me: Username,
  now: Timestamp = nowIso(),
): Promise<Report> {
  return saveReport(db, editDraft(current ?? newReport(entry, me, now), text, me, now));
}

/** Sign: the last text, final, saved. */
export async function sign(
  db: PouchDB.Database,
  current: Report | undefined,
  entry: Pick<WorklistEntry, "clinic" | "study_id">,
  text: ReportText,
  me: Username,
  now: Timestamp = nowIso(),
): Promise<Report> {
  return saveReport(db, signReport(current ?? newReport(entry, me, now), text, me, now));
}
