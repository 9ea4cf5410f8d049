import type { Status, StatusError } from "../../../lib/contract";

/** Every error the bridge recorded (study, file, destination), once each, with what to do. */
export function errorsOf(status: Status): StatusError[] {
  const all: StatusError[] = [...status.errors];
  for (const f of Object.values(status.files)) {
    if (f.error) all.push({ ...f.error, file_name: f.error.file_name ?? f.name });
  }
  for (const [name, d] of Object.entries(status.destinations)) {
    if (d.error) all.push({ ...d.error, destination: d.error.destination ?? name });
  }
  const seen = new Set<string>();
  return all.filter((e) => {
    const k = `${e.code}|${e.file_id ?? e.file_name ?? ""}|${e.destination ?? ""}|${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
