import { describe, expect, it } from "vitest";
import { groupByStudy, type CandidateFile } from "../src/features/capture/api/group-files";
import { manifestFile, mergeFiles, newDraftStudy, sealed, studyProblem } from "../src/features/capture/api/build-manifest";
import { readDicomHeader, type DicomHeader } from "../src/features/capture/api/parse-dicom";
import { CHUNK_SIZE, STUDY_ID_PATTERN, newStudyId } from "../src/lib/contract";
import { makeDicom, type DicomSpec } from "./helpers/make-dicom";

async function candidate(name: string, spec: DicomSpec): Promise<CandidateFile> {
  const data = makeDicom(spec);
  const parsed = await readDicomHeader(new Blob([data]));
  if (!parsed.ok) throw new Error(parsed.reason);
  return { key: name, name, size: data.length, header: parsed.header };
}

describe("groupByStudy", () => {
  it("groups by Study Instance UID, then series, sorted by series and instance number", async () => {
    const files = await Promise.all([
      candidate("b2.dcm", { sopInstanceUid: "1.9.2", seriesInstanceUid: "1.2.3.4.2", seriesNumber: 2, instanceNumber: 2 }),
      candidate("a1.dcm", { sopInstanceUid: "1.9.1", seriesInstanceUid: "1.2.3.4.1", seriesNumber: 1, instanceNumber: 1, seriesDescription: "AX" }),
      candidate("b1.dcm", { sopInstanceUid: "1.9.3", seriesInstanceUid: "1.2.3.4.2", seriesNumber: 2, instanceNumber: 1 }),
      candidate("other.dcm", {
        sopInstanceUid: "1.9.4", studyInstanceUid: "1.5.6", seriesInstanceUid: "1.5.6.1",
        patientName: "Roe^Richard", patientId: "P-2", studyDate: "20230101", modality: "MR",
      }),
    ]);
    const { studies, rejected } = groupByStudy(files);
    expect(rejected).toEqual([]);
    expect(studies.map((s) => s.studyInstanceUid)).toEqual(["1.2.3.4", "1.5.6"]); // newest date first
    const [ct, mr] = studies;
    expect(ct!.patient).toEqual({ name: "Doe^Jane", id: "P-001", birth_date: undefined, sex: undefined });
    expect(ct!.date).toBe("20240102");
    expect(ct!.modalities).toEqual(["CT"]);
    expect(ct!.series.map((s) => [s.seriesInstanceUid, s.seriesNumber, s.files.map((f) => f.name)])).toEqual([
      ["1.2.3.4.1", 1, ["a1.dcm"]],
      ["1.2.3.4.2", 2, ["b1.dcm", "b2.dcm"]],
    ]);
    expect(ct!.series[0]!.description).toBe("AX");
    expect(ct!.bytes).toBe(files.slice(0, 3).reduce((n, f) => n + f.size, 0));
    expect(mr!.patient.name).toBe("Roe^Richard");
    expect(mr!.series).toHaveLength(1);
  });

  it("rejects a second file with the same SOP Instance UID, with a reason", async () => {
    const files = await Promise.all([
      candidate("one.dcm", { sopInstanceUid: "1.9.9" }),
      candidate("copy.dcm", { sopInstanceUid: "1.9.9" }),
    ]);
    const { studies, rejected } = groupByStudy(files);
    expect(studies[0]!.files.map((f) => f.name)).toEqual(["one.dcm"]);
    expect(rejected).toEqual([{ key: "copy.dcm", name: "copy.dcm", reason: expect.stringContaining("duplicate of one.dcm") }]);
  });

  it("warns when files of one study disagree on the patient", async () => {
    const files = await Promise.all([
      candidate("a.dcm", { sopInstanceUid: "1.9.1", patientId: "A" }),
      candidate("b.dcm", { sopInstanceUid: "1.9.2", patientId: "B" }),
    ]);
    expect(groupByStudy(files).studies[0]!.warnings[0]).toMatch(/patient ID/);
  });
});

describe("readDicomHeader rejections", () => {
  it.each([
    ["a text file", new TextEncoder().encode("hello, not dicom\n".repeat(20)), /not a DICOM file/],
    ["an empty file", new Uint8Array(0), /empty file/],
    ["a DICOM file without a Study Instance UID", makeDicom({ studyInstanceUid: "" }), /Study Instance UID/],
    ["a malformed UID", makeDicom({ sopInstanceUid: "1.2.abc" }), /malformed SOP Instance UID/],
    ["a header cut short", makeDicom().subarray(0, 300), /cut short/],
  ])("gives a reason for %s", async (_label, data, reason) => {
    const result = await readDicomHeader(new Blob([data as Uint8Array<ArrayBuffer>]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("reads the header of a file much larger than the first read", async () => {
    const data = makeDicom({ padTo: 3 * CHUNK_SIZE });
    const result = await readDicomHeader(new Blob([data]));
    expect(result.ok && result.header.image?.pixelDataOffset).toBeGreaterThan(0);
  });
});

describe("manifest", () => {
  const header = (sop: string): DicomHeader => ({
    sopInstanceUid: sop, studyInstanceUid: "1.2.3", seriesInstanceUid: "1.2.3.1", patient: {}, modality: "CT",
  });
  const sha = (c: string) => c.repeat(64);

  it("builds contract-valid files and drafts, and seals them", async () => {
    const f = manifestFile({ name: "x.dcm", size: 2 * CHUNK_SIZE + 1, sha256: sha("a"), header: header("1.1") });
    expect(f).toEqual({
      file_id: sha("a"), sha256: sha("a"), name: "x.dcm", size: 2 * CHUNK_SIZE + 1, chunk_count: 3,
      sop_instance_uid: "1.1", series_instance_uid: "1.2.3.1", study_instance_uid: "1.2.3", modality: "CT",
    });
    const group = groupByStudy([await candidate("a.dcm", { sopInstanceUid: "1.9.1" })]).studies[0]!;
    const id = newStudyId();
    expect(id).toMatch(STUDY_ID_PATTERN);
    const draft = newDraftStudy({ studyId: id, clinic: "north", author: "amina", group, createdAt: "2024-01-02T03:04:05.000Z" });
    expect(draft._id).toBe(`study:${id}`);
    expect(draft.patient).toEqual({ name: "Doe^Jane", id: "P-001" });
    expect(draft.study).toEqual({ instance_uid: "1.2.3.4", date: "20240102", modalities: ["CT"] });
    expect(studyProblem(draft)).toBeNull();
    const emptySeal = sealed(draft, "2024-01-02T04:00:00.000Z", "query appendicitis", "urgent");
    expect(studyProblem(emptySeal)).toMatch(/at least one file/);
    const full = sealed({ ...draft, files: [f] }, "2024-01-02T04:00:00.000Z", "query appendicitis", "urgent");
    expect(studyProblem(full)).toBeNull();
    expect(full).toMatchObject({ state: "sealed", priority: "urgent", notes: "query appendicitis" });
    expect(studyProblem({ ...full, files: [{ ...f, chunk_count: 2 }] })).toMatch(/chunk_count/);
  });

  it("merges files, replacing an instance re-exported with new content", () => {
    const a = manifestFile({ name: "17.dcm", size: 10, sha256: sha("a"), header: header("1.17") });
    const b = manifestFile({ name: "18.dcm", size: 10, sha256: sha("b"), header: header("1.18") });
    const a2 = manifestFile({ name: "17.dcm", size: 12, sha256: sha("c"), header: header("1.17") });
    expect(mergeFiles([a, b], [a2]).map((f) => f.sha256)).toEqual([sha("c"), sha("b")]);
  });
});
