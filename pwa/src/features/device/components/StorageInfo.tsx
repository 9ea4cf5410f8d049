import { formatBytes } from "../../../lib/format";
import { useStorage } from "../hooks/use-storage";

export function StorageInfo({ refreshKey }: { refreshKey?: unknown }) {
  const s = useStorage(refreshKey);
  if (s.usage === undefined) return null;
  return (
    <p className="text-xs text-slate-500" data-testid="storage-estimate" data-persisted={s.persisted ?? false}>
      This device: {formatBytes(s.usage)} used of {formatBytes(s.quota ?? 0)} available
      {s.persisted ? " · kept safe from automatic clean-up" : " · the browser may clear it if space runs low"}
    </p>
  );
}
