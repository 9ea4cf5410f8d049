import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../src/lib/contract";
import { editDraft, newReport, ReportError, saveDraft, sign, signReport } from "../src/features/desk/api/report";
import { memoryDb } from "./helpers/memory-pouch";
import { worklistEntry } from "./helpers/desk-docs";

const dbs: PouchDB.Database[] = [];
afterEach(async () => {
  for (const d of dbs.splice(0)) await d.destroy();
});

const entry = worklistEntry({ clinic: "demo", study_id: "report0001" });

describe("report state transitions", () => {
  it("a new report is a contract-shaped draft with the desk id", () => {
    const r = newReport(entry, "osei", "2026-01-01T10:00:00Z");
    expect(r).toEqual({
      _id: "report:demo:report0001",
      schema_version: 1,
      type: "report",
      study_id: "report0001",
      clinic: "demo",
      author: "osei",
      state: "draft",
      findings: "",
      impression: "",
      created_at: "2026-01-01T10:00:00Z",
      updated_at: "2026-01-01T10:00:00Z",
    });
  });

  it("draft → draft (edit) → final (sign), with signed_at", () => {
    const draft = editDraft(newReport(entry, "osei", "t0-0000000"), { findings: "No free air.", impression: "" }, "osei", "2026-01-01T10:05:00Z");
    expect(draft).toMatchObject({ state: "draft", findings: "No free air.", updated_at: "2026-01-01T10:05:00Z" });
    expect(draft.signed_at).toBeUndefined();
    const final = signReport(draft, { findings: "No free air.", impression: "Normal study." }, "osei", "2026-01-01T10:09:00Z");
    expect(final).toMatchObject({ state: "final", impression: "Normal study.", signed_at: "2026-01-01T10:09:00Z", updated_at: "2026-01-01T10:09:00Z" });
  });

  it("final is final: no edit, no second signature", () => {
    const final = signReport(newReport(entry, "osei"), { findings: "x", impression: "y" }, "osei");
    expect(() => editDraft(final, { findings: "changed", impression: "y" }, "osei")).toThrow(ReportError);
    expect(() => signReport(final, { findings: "x", impression: "y" }, "osei")).toThrow(/signed/);
  });

  it("signing needs an impression; only the author edits; limits are the contract's", () => {
    const draft = newReport(entry, "osei");
    expect(() => signReport(draft, { findings: "lots", impression: "   " }, "osei")).toThrow(/impression/);
    expect(() => editDraft(draft, { findings: "", impression: "" }, "kofi")).toThrow(/belongs to osei/);
    expect(() => editDraft(draft, { findings: "x".repeat(20001), impression: "" }, "osei")).toThrow(/20000/);
    expect(() => editDraft(draft, { findings: "", impression: "x".repeat(5001) }, "osei")).toThrow(/5000/);
  });
});

describe("saving reports in the local replica", () => {
  it("saves drafts repeatedly (following the stored revision), then signs; a signed report is never overwritten", async () => {
    const db = memoryDb("desk-local");
    dbs.push(db);
    const first = await saveDraft(db, undefined, entry, { findings: "a", impression: "" }, "osei");
    expect(first._rev).toMatch(/^1-/);
    // a second save with a stale copy (the screen had not reloaded yet) still succeeds
    const second = await saveDraft(db, undefined, entry, { findings: "ab", impression: "" }, "osei");
    expect(second._rev).toMatch(/^2-/);
    const stored = (await db.get(entry._id.replace("worklist", "report"))) as unknown as Report;
    expect(stored.findings).toBe("ab");
    const signed = await sign(db, stored, entry, { findings: "ab", impression: "Fine." }, "osei");
    expect(signed.state).toBe("final");
    const after = (await db.get(signed._id)) as unknown as Report;
    expect(after).toMatchObject({ state: "final", impression: "Fine." });
    expect(after.signed_at).toBeTruthy();
    // an old draft copy from another tab cannot undo the signature
    await expect(saveDraft(db, stored, entry, { findings: "late edit", impression: "" }, "osei")).rejects.toThrow(/signed/);
    await expect(sign(db, stored, entry, { findings: "x", impression: "y" }, "osei")).rejects.toThrow(ReportError);
  });
});
