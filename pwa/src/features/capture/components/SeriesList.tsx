import type { StudyFile } from "../../../lib/contract";
import { formatBytes } from "../../../lib/format";

interface SeriesRow {
  uid: string;
  number?: number;
  modality?: string;
  description?: string;
  count: number;
  bytes: number;
}

export function seriesOf(files: StudyFile[]): SeriesRow[] {
  const map = new Map<string, SeriesRow>();
  for (const f of files) {
    const row = map.get(f.series_instance_uid) ?? {
      uid: f.series_instance_uid,
      number: f.series_number,
      modality: f.modality,
      description: f.series_description,
      count: 0,
      bytes: 0,
    };
    row.count += 1;
    row.bytes += f.size;
    map.set(f.series_instance_uid, row);
  }
  return [...map.values()].sort((a, b) => (a.number ?? 1e9) - (b.number ?? 1e9));
}

export function SeriesList({ files, thumbnails }: { files: StudyFile[]; thumbnails: Record<string, string> }) {
  const rows = seriesOf(files);
  if (!rows.length) return <p className="text-sm text-slate-500">No files saved yet.</p>;
  return (
    <ul className="flex flex-col gap-2" aria-label="series">
      {rows.map((s) => (
        <li key={s.uid} data-testid="series-row" className="flex items-center gap-3 rounded border border-slate-200 p-2">
          {thumbnails[s.uid] ? (
            <img src={thumbnails[s.uid]} alt={`preview of series ${s.number ?? ""}`} data-testid="series-preview" className="h-16 w-16 rounded bg-black object-contain" />
          ) : (
            <div className="flex h-16 w-16 items-center justify-center rounded bg-slate-100 text-center text-[10px] text-slate-500">no preview</div>
          )}
          <div className="text-sm">
            <div className="font-medium">
              Series {s.number ?? "?"} {s.modality && <span className="text-slate-500">· {s.modality}</span>}
            </div>
            {s.description && <div className="text-slate-600">{s.description}</div>}
            <div className="text-slate-500" data-testid="series-count">
              {s.count} {s.count === 1 ? "image" : "images"} · {formatBytes(s.bytes)}
            </div>
          </div>
        </li>
      ))}
    </ul>
  );
}
