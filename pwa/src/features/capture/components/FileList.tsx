import { formatBytes } from "../../../lib/format";
import { ProgressBar } from "../../../components/ProgressBar";
import type { FileItem } from "../api/capture-controller";

const LABEL: Record<FileItem["status"], string> = {
  parsing: "reading header",
  rejected: "skipped",
  queued: "waiting",
  hashing: "checksumming",
  storing: "saving on this device",
  stored: "saved",
  failed: "failed",
};

export function FileList({ items, onClear }: { items: FileItem[]; onClear: () => void }) {
  if (!items.length) return null;
  const rejected = items.filter((i) => i.status === "rejected" || i.status === "failed");
  const active = items.filter((i) => ["parsing", "queued", "hashing", "storing"].includes(i.status));
  const stored = items.filter((i) => i.status === "stored").length;
  const current = active.find((i) => i.status === "hashing" || i.status === "storing");
  return (
    <section className="flex flex-col gap-2 rounded-xl bg-white p-4 shadow-sm" data-testid="file-list">
      <div className="flex items-center justify-between text-sm">
        <span data-testid="file-summary">
          {items.length} files: {stored} saved, {active.length} in progress, {rejected.length} skipped
        </span>
        {!active.length && (
          <button className="text-teal-800 underline" onClick={onClear}>
            clear list
          </button>
        )}
      </div>
      {current && (
        <div className="flex flex-col gap-1 text-xs text-slate-600" data-testid="file-progress">
          <span>
            {LABEL[current.status]}: {current.name} ({formatBytes(current.doneBytes)} of {formatBytes(current.size)})
          </span>
          <ProgressBar value={current.doneBytes} total={current.size} label={`${current.name} progress`} />
        </div>
      )}
      {rejected.length > 0 && (
        <ul className="flex flex-col gap-1" aria-label="skipped files">
          {rejected.map((i) => (
            <li
              key={i.key}
              data-testid="rejected-file"
              data-file-name={i.name}
              className="rounded bg-amber-50 px-3 py-1 text-sm text-amber-900"
            >
              <span className="font-medium">{i.name}</span>: <span data-testid="rejection-reason">{i.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
