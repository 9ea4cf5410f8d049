import { SCHEMA_VERSION, worklistDocId, type Priority, type WorklistEntry, type WorklistState } from "../../src/lib/contract";

let n = 0;
export function worklistEntry(over: Partial<WorklistEntry> & { priority?: Priority; state?: WorklistState } = {}): WorklistEntry {
  n += 1;
  const study_id = over.study_id ?? `study${String(n).padStart(6, "0")}`;
  const clinic = over.clinic ?? "demo";
  return {
    _id: worklistDocId(clinic, study_id),
    schema_version: SCHEMA_VERSION,
    type: "worklist",
    study_id,
    clinic,
    clinic_name: over.clinic_name ?? `Clinic ${clinic}`,
    author: "amina",
    patient: { name: `Doe^Patient${n}`, id: `P${n}` },
    study: { instance_uid: `1.2.3.${n}`, modalities: ["CT"] },
    priority: "routine",
    notes: "",
    state: "delivered",
    instance_count: 3,
    received_at: "2026-01-01T10:00:00.000Z",
    ...over,
  };
}
