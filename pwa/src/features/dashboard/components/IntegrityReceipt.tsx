import type { Status, Study } from "../../../lib/contract";
import { formatDateTime } from "../../../lib/format";

/** Per file: our sha256, the bridge's, when it was stored, which PACS confirmed it, and
 * whether the bytes the PACS holds were checked equal to what was sent. */
export function IntegrityReceipt({ study, status }: { study: Study; status: Status }) {
  const destinations = Object.entries(status.destinations);
  const allMatch = study.files.every((f) => status.files[f.file_id]?.sha256 === f.sha256);
  return (
    <details className="rounded border border-emerald-200 bg-emerald-50/50 p-2 text-sm" data-testid="integrity-receipt" data-all-match={allMatch}>
      <summary className="cursor-pointer font-medium text-emerald-900">
        Integrity receipt: {allMatch ? "every file's checksum matched" : "some checksums did not match"}
        {destinations.map(([name, d]) => (
          <span key={name} className="ml-2 font-normal text-emerald-800">
            · {name} confirmed {d.delivered.length + d.already_present.length}/{d.total}
            {d.delivered_at && <> at {formatDateTime(d.delivered_at)}</>}
            {d.verified && <>, checksums matched at the PACS for {d.verified.length}</>}
          </span>
        ))}
      </summary>
      <table className="mt-2 w-full table-fixed text-left text-xs">
        <thead>
          <tr className="text-slate-500">
            <th className="w-1/4">file</th>
            <th className="w-2/5">sha256</th>
            <th>stored</th>
            <th>PACS</th>
          </tr>
        </thead>
        <tbody>
          {study.files.map((f) => {
            const fs = status.files[f.file_id];
            const match = fs?.sha256 === f.sha256;
            const confirmed = destinations.filter(
              ([, d]) => d.delivered.includes(f.sop_instance_uid) || d.already_present.includes(f.sop_instance_uid),
            );
            return (
              <tr key={f.file_id} data-testid="receipt-file" data-match={match}>
                <td className="truncate" title={f.name}>{f.name}</td>
                <td className="truncate font-mono" title={f.sha256}>
                  {match ? "✓ " : "✗ "}
                  {f.sha256.slice(0, 16)}…
                </td>
                <td>{formatDateTime(fs?.stored_at)}</td>
                <td data-testid="receipt-pacs" data-verified={confirmed.some(([, d]) => d.verified?.includes(f.sop_instance_uid))}>
                  {confirmed
                    .map(([n, d]) => (d.verified?.includes(f.sop_instance_uid) ? `${n} ✓ checksum` : n))
                    .join(", ") || "-"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
