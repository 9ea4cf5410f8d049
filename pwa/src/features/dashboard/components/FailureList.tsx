import type { Status, StatusError } from "../../../lib/contract";

function advice(e: StatusError): string {
  if (e.retryable) return "Nothing to do: it will be retried by itself.";
  if (e.file_id || e.file_name) return "Export this file again and pick it on the Capture screen: only that file is sent again.";
  return "Contact the radiology desk if this does not clear.";
}

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

export function FailureList({ status }: { status: Status }) {
  const errors = errorsOf(status);
  if (!errors.length) return null;
  return (
    <ul className="flex flex-col gap-1">
      {errors.map((e, i) => (
        <li key={i} data-testid="failure-reason" data-code={e.code} className="rounded bg-rose-50 px-3 py-2 text-sm text-rose-900">
          {e.file_name && <span className="font-medium">{e.file_name}: </span>}
          {e.destination && !e.file_name && <span className="font-medium">{e.destination}: </span>}
          {e.message}
          <div className="text-xs text-rose-700">{advice(e)}</div>
        </li>
      ))}
    </ul>
  );
}
