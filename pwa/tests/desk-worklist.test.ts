import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION, type Claim, type Report } from "../src/lib/contract";
import { buildRows, clinicsOf, DEFAULT_FILTER, filterRows, formatWaiting, sortRows, waitingMs, worklistView } from "../src/features/desk/api/worklist";
import { newReport } from "../src/features/desk/api/report";
import { worklistEntry } from "./helpers/desk-docs";

const claim = (clinic: string, study_id: string, radiologist: string): Claim => ({
  _id: `claim:${clinic}:${study_id}`,
  schema_version: SCHEMA_VERSION,
  type: "claim",
  study_id,
  clinic,
  radiologist,
  claimed_at: "2026-01-01T11:00:00.000Z",
});

const ids = (rows: { entry: { study_id: string } }[]) => rows.map((r) => r.entry.study_id);

describe("worklist rows", () => {
  const a = worklistEntry({ study_id: "routine-old", received_at: "2026-01-01T08:00:00Z" });
  const b = worklistEntry({ study_id: "urgent-new", priority: "urgent", received_at: "2026-01-01T09:30:00Z" });
  const c = worklistEntry({ study_id: "stat-newest", priority: "stat", received_at: "2026-01-01T09:45:00Z", clinic: "north" });
  const d = worklistEntry({ study_id: "urgent-old", priority: "urgent", received_at: "2026-01-01T09:00:00Z" });
  const e = worklistEntry({ study_id: "reported-one", priority: "stat", state: "reported", received_at: "2026-01-01T07:00:00Z", reported_at: "2026-01-01T07:30:00Z" });
  const entries = [a, b, c, d, e];
  const claims = [claim("demo", "urgent-new", "osei"), claim("demo", "urgent-old", "kofi")];
  const reports: Report[] = [
    { ...newReport(a, "osei", "2026-01-01T10:00:00Z") },
    { ...newReport(d, "kofi", "2026-01-01T10:00:00Z") },
  ];
  const rows = buildRows(entries, claims, reports, "osei");

  it("a claim given back leaves the study unclaimed, whoever held it", () => {
    const released = { ...claim("demo", "urgent-old", "kofi"), released_at: "2026-01-01T11:30:00.000Z" };
    const [row] = buildRows([d], [released], [], "osei");
    expect(row!.claimView).toBe("unclaimed");
    expect(row!.claim?._id).toBe(released._id); // kept: taking it over updates that document
  });

  it("joins claims (mine / taken / unclaimed) and only my reports", () => {
    const by = Object.fromEntries(rows.map((r) => [r.entry.study_id, r]));
    expect(by["urgent-new"]!.claimView).toBe("mine");
    expect(by["urgent-old"]!.claimView).toBe("taken");
    expect(by["urgent-old"]!.claim?.radiologist).toBe("kofi");
    expect(by["routine-old"]!.claimView).toBe("unclaimed");
    expect(by["routine-old"]!.report?.author).toBe("osei");
    expect(by["urgent-old"]!.report).toBeUndefined();
  });

  it("sorts urgent first (stat, urgent, routine), longest waiting first within a priority", () => {
    expect(ids(sortRows(rows, "urgency"))).toEqual(["reported-one", "stat-newest", "urgent-old", "urgent-new", "routine-old"]);
  });

  it("sorts by waiting time, newest, patient and clinic", () => {
    expect(ids(sortRows(rows, "waiting"))).toEqual(["reported-one", "routine-old", "urgent-old", "urgent-new", "stat-newest"]);
    expect(ids(sortRows(rows, "newest"))[0]).toBe("stat-newest");
    const patients = sortRows(rows, "patient").map((r) => r.entry.patient.name);
    expect(patients).toEqual([...patients].sort((x, y) => x!.toLowerCase().localeCompare(y!.toLowerCase())));
    expect(ids(sortRows(rows, "clinic"))[0]).not.toBe("stat-newest"); // "Clinic demo" < "Clinic north"
    expect(ids(sortRows(rows, "clinic")).at(-1)).toBe("stat-newest");
  });

  it("does not reorder its input", () => {
    const before = ids(rows);
    sortRows(rows, "newest");
    expect(ids(rows)).toEqual(before);
  });

  it("filters by state, claim, clinic and priority", () => {
    const all = { ...DEFAULT_FILTER, state: "all" as const };
    expect(ids(filterRows(rows, { ...all, state: "open" }))).not.toContain("reported-one");
    expect(ids(filterRows(rows, { ...all, state: "reported" }))).toEqual(["reported-one"]);
    expect(ids(filterRows(rows, { ...all, state: "mine" }))).toEqual(["urgent-new"]);
    expect(ids(filterRows(rows, { ...all, state: "taken" }))).toEqual(["urgent-old"]);
    expect(ids(filterRows(rows, { ...all, state: "unclaimed" })).sort()).toEqual(["reported-one", "routine-old", "stat-newest"]);
    expect(ids(filterRows(rows, { ...all, clinic: "north" }))).toEqual(["stat-newest"]);
    expect(ids(filterRows(rows, { ...all, priority: "urgent" })).sort()).toEqual(["urgent-new", "urgent-old"]);
    expect(ids(worklistView(rows, { state: "open", clinic: "demo", priority: "all", sort: "urgency" }))).toEqual(["urgent-old", "urgent-new", "routine-old"]);
  });

  it("hides studies I signed from the open list even before the bridge marks them reported", () => {
    const signed = { ...newReport(b, "osei"), state: "final" as const, signed_at: "2026-01-01T12:00:00Z" };
    const r = buildRows([b], claims, [signed], "osei");
    expect(filterRows(r, { ...DEFAULT_FILTER, state: "open" })).toEqual([]);
  });

  it("lists the clinics present, by name", () => {
    expect(clinicsOf(entries)).toEqual([
      { id: "demo", name: "Clinic demo" },
      { id: "north", name: "Clinic north" },
    ]);
  });

  it("counts waiting time until now, or until reported", () => {
    const now = Date.parse("2026-01-01T10:00:00Z");
    expect(waitingMs(a, now)).toBe(2 * 3600_000);
    expect(waitingMs(e, now)).toBe(30 * 60_000);
    expect(formatWaiting(20_000)).toBe("just now");
    expect(formatWaiting(5 * 60_000)).toBe("5 min");
    expect(formatWaiting(125 * 60_000)).toBe("2 h 5 min");
    expect(formatWaiting(27 * 3600_000)).toBe("1 d 3 h");
  });
});
