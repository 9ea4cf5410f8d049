export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  const i = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1000)));
  const value = bytes / 1000 ** i;
  return `${value >= 100 || i === 0 ? Math.round(value) : value.toFixed(1)} ${units[i]}`;
}

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** DICOM DA (YYYYMMDD) to a readable date. */
export function formatDicomDate(da: string | undefined): string {
  if (!da || !/^\d{8}$/.test(da)) return da ?? "";
  return `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
}

/** DICOM PN (`Family^Given^Middle`) to a readable name. */
export function formatPersonName(pn: string | undefined): string {
  if (!pn) return "";
  return pn.split("=")[0]!.split("^").filter(Boolean).join(" ").trim();
}

export function percent(part: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((part / total) * 100)));
}
