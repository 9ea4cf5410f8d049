import { formatPersonName } from "../../../lib/format";
import { formatWaiting, waitingMs, type WorklistRow } from "../api/worklist";

const PRIORITY_TONE: Record<string, string> = {
  stat: "bg-rose-600 text-white",
  urgent: "bg-amber-400 text-amber-950",
  routine: "bg-slate-200 text-slate-700",
};

export const studyHref = (row: WorklistRow) => `#/desk/${row.entry.clinic}/${row.entry.study_id}`;

function claimText(row: WorklistRow): string {
  if (row.entry.state === "reported") return "reported";
  if (row.report?.state === "final") return "signed by me";
  if (row.claimView === "mine") return row.report ? "mine (draft)" : "mine";
  if (row.claimView === "taken") return `taken by ${row.claim?.radiologist}`;
  return "unclaimed";
}

export function WorklistTable({ rows, now }: { rows: WorklistRow[]; now: number }) {
  return (
    <div className="overflow-x-auto rounded-xl bg-white shadow-sm">
      <table className="w-full text-left text-sm" data-testid="worklist-table">
        <thead className="bg-slate-100 text-xs uppercase text-slate-600">
          <tr>
            <th className="px-3 py-2">Priority</th>
            <th className="px-3 py-2">Patient</th>
            <th className="px-3 py-2">Modality</th>
            <th className="px-3 py-2">Clinic</th>
            <th className="px-3 py-2">Status</th>
            <th className="px-3 py-2">Reader</th>
            <th className="px-3 py-2">Waiting</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const e = row.entry;
            return (
              <tr
                key={e._id}
                data-testid="worklist-row"
                data-study-id={e.study_id}
                data-clinic={e.clinic}
                data-state={e.state}
                data-priority={e.priority}
                data-claim={row.claimView}
                data-claimed-by={row.claim?.radiologist ?? ""}
                className={`border-t border-slate-100 hover:bg-teal-50 ${e.priority !== "routine" ? "font-semibold" : ""}`}
              >
                <td className="px-3 py-2">
                  <span className={`rounded px-1.5 py-0.5 text-xs uppercase ${PRIORITY_TONE[e.priority] ?? PRIORITY_TONE.routine}`}>{e.priority}</span>
                </td>
                <td className="px-3 py-2">
                  <a href={studyHref(row)} data-testid="worklist-open" className="text-teal-800 underline">
                    {formatPersonName(e.patient?.name) || "(no name)"}
                  </a>
                  {e.patient?.id && <span className="ml-1 text-xs text-slate-500">{e.patient.id}</span>}
                </td>
                <td className="px-3 py-2">{e.study?.modalities?.join(", ") || "-"}</td>
                <td className="px-3 py-2">{e.clinic_name || e.clinic}</td>
                <td className="px-3 py-2" data-testid="worklist-state">
                  {e.state}
                </td>
                <td className="px-3 py-2">{claimText(row)}</td>
                <td className="px-3 py-2" data-testid="worklist-waiting">
                  {formatWaiting(waitingMs(e, now))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
