import { describe, expect, it } from "vitest";
import { trendByDay, bucketOf } from "../src/features/dashboard/api/trend";
import { errorsOf } from "../src/features/dashboard/api/errors";
import { studyDisplay } from "../src/lib/study-state";
import type { Status, Study } from "../src/lib/contract";

const study = (id: string, sealedAt: string | undefined, state: Study["state"] = "sealed"): Study => ({
  _id: `study:${id}`, schema_version: 1, type: "study", study_id: id, clinic: "north", author: "amina", state,
  created_at: sealedAt ?? "2024-03-01T00:00:00Z", sealed_at: sealedAt, priority: "routine", notes: "", patient: {},
  study: { instance_uid: "1.2", modalities: [] }, chunk_size: 1048576,
  files: [{ file_id: "a".repeat(64), sha256: "a".repeat(64), name: "x", size: 3_000_000, chunk_count: 3, sop_instance_uid: "1", series_instance_uid: "1.1", study_instance_uid: "1.2" }],
});
const status = (id: string, state: Status["state"], extra: Partial<Status> = {}): Status => ({
  _id: `status:${id}`, schema_version: 1, type: "status", study_id: id, clinic: "north", author: "amina", state,
  created_at: "2024-03-01T00:00:00Z", updated_at: "2024-03-01T00:00:00Z", history: [], files: {}, destinations: {}, errors: [], ...extra,
});

describe("trendByDay", () => {
  it("counts sealed studies per day and bucket, zero-filled", () => {
    const studies = [study("s1", "2024-03-10T08:00:00Z"), study("s2", "2024-03-10T09:00:00Z"), study("s3", "2024-03-09T09:00:00Z"), study("d", undefined, "draft")];
    const statuses = new Map([["s1", status("s1", "delivered")], ["s3", status("s3", "validating")]]);
    const rows = trendByDay(studies, statuses, 3, new Date("2024-03-10T12:00:00Z"));
    expect(rows).toEqual([
      { day: "2024-03-08", waiting: 0, "in progress": 0, delivered: 0, partial: 0, failed: 0 },
      { day: "2024-03-09", waiting: 0, "in progress": 1, delivered: 0, partial: 0, failed: 0 },
      { day: "2024-03-10", waiting: 1, "in progress": 0, delivered: 1, partial: 0, failed: 0 },
    ]);
    expect(bucketOf("failed")).toBe("failed");
  });
});

describe("studyDisplay", () => {
  it("says what a clinician needs: waiting for network, sending, then the bridge's words", () => {
    const s = study("s1", "2024-03-10T08:00:00Z");
    expect(studyDisplay(s, undefined, undefined, false)).toMatchObject({ state: "waiting", label: "waiting for network: 3.0 MB" });
    expect(studyDisplay(s, undefined, { studyId: "s1", phase: "sending", totalBytes: 3_000_000, sentBytes: 1_500_000 }, true).label).toMatch(/sending 50%/);
    expect(studyDisplay(s, status("s1", "stored"), undefined, true)).toMatchObject({ state: "stored", label: "archived", step: 3 });
    expect(studyDisplay(s, status("s1", "delivered"), undefined, true)).toMatchObject({ state: "delivered", label: "in PACS", tone: "good" });
    expect(studyDisplay({ ...s, state: "draft" }, undefined, undefined, true).state).toBe("draft");
  });
});

describe("errorsOf", () => {
  it("collects study, file and destination errors once each", () => {
    const err = { code: "truncated", message: "file 17 is cut short: export it again", retryable: false };
    const st = status("s1", "failed", {
      errors: [{ ...err, file_name: "IMG17.dcm" }],
      files: { ["b".repeat(64)]: { name: "IMG17.dcm", state: "failed", sha256: "b".repeat(64), error: err } },
      destinations: { orthanc: { state: "failed", total: 1, delivered: [], failed: [], already_present: [], attempts: 3, error: { code: "unreachable", message: "PACS unreachable", retryable: true } } },
    });
    expect(errorsOf(st).map((e) => [e.code, e.file_name, e.destination])).toEqual([
      ["truncated", "IMG17.dcm", undefined],
      ["unreachable", undefined, "orthanc"],
    ]);
  });
});
