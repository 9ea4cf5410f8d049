/**
 * The worklist as the desk shows it: each bridge-written entry joined with its claim and
 * our report, then filtered and sorted. Pure functions (the screen and the tests share them).
 */
import {
  PRIORITIES,
  type Claim,
  type ClinicId,
  type Priority,
  type Report,
  type Timestamp,
  type Username,
  type WorklistEntry,
  type WorklistState,
} from "../../../lib/contract";

/** Who reads it, from where I sit: nobody yet, me, or a colleague. */
export type ClaimView = "unclaimed" | "mine" | "taken";

export interface WorklistRow {
  entry: WorklistEntry;
  claim?: Claim;
  claimView: ClaimView;
  /** My report on it (draft or final), if any. */
  report?: Report;
}

export type StateFilter = "all" | "open" | WorklistState | ClaimView;
export type SortKey = "urgency" | "waiting" | "newest" | "patient" | "clinic";

export interface WorklistFilter {
  state: StateFilter;
  clinic: ClinicId | "all";
  priority: Priority | "all";
  sort: SortKey;
}

export const DEFAULT_FILTER: WorklistFilter = { state: "open", clinic: "all", priority: "all", sort: "urgency" };

const studyKey = (clinic: ClinicId, studyId: string) => `${clinic}:${studyId}`;

export function buildRows(entries: WorklistEntry[], claims: Claim[], reports: Report[], me: Username): WorklistRow[] {
  const claimOf = new Map(claims.map((c) => [studyKey(c.clinic, c.study_id), c] as const));
  const reportOf = new Map(reports.filter((r) => r.author === me).map((r) => [studyKey(r.clinic, r.study_id), r] as const));
  return entries.map((entry) => {
    const key = studyKey(entry.clinic, entry.study_id);
    const claim = claimOf.get(key);
    const claimView: ClaimView = !claim || claim.released_at ? "unclaimed" : claim.radiologist === me ? "mine" : "taken";
    return { entry, claim, claimView, report: reportOf.get(key) };
  });
}

/** stat 2, urgent 1, routine 0 (unknown values sort as routine). */
export function priorityRank(p: Priority | string | undefined): number {
  const i = PRIORITIES.indexOf(p as Priority);
  return i < 0 ? 0 : i;
}

function matchesState(row: WorklistRow, state: StateFilter): boolean {
  switch (state) {
    case "all":
      return true;
    case "open":
      return row.entry.state !== "reported" && row.report?.state !== "final";
    case "unclaimed":
    case "mine":
    case "taken":
      return row.claimView === state;
    default:
      return row.entry.state === state;
  }
}

export function filterRows(rows: WorklistRow[], f: Pick<WorklistFilter, "state" | "clinic" | "priority">): WorklistRow[] {
  return rows.filter(
    (r) =>
      matchesState(r, f.state) &&
      (f.clinic === "all" || r.entry.clinic === f.clinic) &&
      (f.priority === "all" || r.entry.priority === f.priority),
  );
}

const ts = (t: Timestamp | undefined) => (t ? Date.parse(t) || 0 : 0);
const patientName = (e: WorklistEntry) => (e.patient?.name ?? "").toLowerCase();

/** Urgency is the default: stat, then urgent, then routine; within each, longest waiting first. */
export function sortRows(rows: WorklistRow[], key: SortKey): WorklistRow[] {
  const byWait = (a: WorklistRow, b: WorklistRow) => ts(a.entry.received_at) - ts(b.entry.received_at);
  const tie = (a: WorklistRow, b: WorklistRow) => a.entry._id.localeCompare(b.entry._id);
  const cmp: Record<SortKey, (a: WorklistRow, b: WorklistRow) => number> = {
    urgency: (a, b) => priorityRank(b.entry.priority) - priorityRank(a.entry.priority) || byWait(a, b),
    waiting: byWait,
    newest: (a, b) => -byWait(a, b),
    patient: (a, b) => patientName(a.entry).localeCompare(patientName(b.entry)) || byWait(a, b),
    clinic: (a, b) =>
      (a.entry.clinic_name ?? a.entry.clinic).localeCompare(b.entry.clinic_name ?? b.entry.clinic) ||
      priorityRank(b.entry.priority) - priorityRank(a.entry.priority) ||
      byWait(a, b),
  };
  return [...rows].sort((a, b) => cmp[key](a, b) || tie(a, b));
}

export function worklistView(rows: WorklistRow[], f: WorklistFilter): WorklistRow[] {
  return sortRows(filterRows(rows, f), f.sort);
}

/** Clinics present in the worklist, for the filter: id and display name. */
export function clinicsOf(entries: WorklistEntry[]): { id: ClinicId; name: string }[] {
  const seen = new Map<ClinicId, string>();
  for (const e of entries) if (!seen.has(e.clinic)) seen.set(e.clinic, e.clinic_name || e.clinic);
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Milliseconds a study has waited: since it arrived, until it was reported (or now). */
export function waitingMs(entry: WorklistEntry, now: number): number {
  const end = entry.reported_at ? ts(entry.reported_at) : now;
  return Math.max(0, end - ts(entry.received_at));
}

export function formatWaiting(ms: number): string {
  const min = Math.floor(ms / 60000);
  if (min < 1) return "just now";
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h`;
}
