import type { Status, StatusError } from "../../../lib/contract";
import { errorsOf } from "../api/errors";

function advice(e: StatusError): string {
  if (e.retryable) return "Nothing to do: it will be retried by itself.";
  if (e.file_id || e.file_name) return "Export this file again and pick it on the Capture screen: only that file is sent again.";
  return "Contact the radiology desk if this does not clear.";
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
