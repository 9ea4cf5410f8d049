import type { Report, Study } from "../../../lib/contract";
import { formatDateTime, formatPersonName } from "../../../lib/format";

export function ReportCard({ report, study, open }: { report: Report; study?: Study; open: boolean }) {
  return (
    <li id={`report-${report.study_id}`} data-testid="report-item" data-study-id={report.study_id} data-state={report.state} className="rounded-xl bg-white p-4 shadow-sm">
      <details open={open}>
        <summary className="cursor-pointer">
          <span className="font-semibold">{formatPersonName(study?.patient.name) || "Study " + report.study_id.slice(0, 8)}</span>
          <span className="ml-2 text-sm text-slate-600">
            {report.state === "final" ? `signed ${formatDateTime(report.signed_at)}` : "draft, not signed yet"} · by {report.author}
          </span>
        </summary>
        <div className="mt-3 flex flex-col gap-3 text-sm">
          <section>
            <h3 className="font-semibold text-slate-700">Findings</h3>
            <p className="whitespace-pre-wrap" data-testid="report-findings">{report.findings || "-"}</p>
          </section>
          <section>
            <h3 className="font-semibold text-slate-700">Impression</h3>
            <p className="whitespace-pre-wrap" data-testid="report-impression">{report.impression || "-"}</p>
          </section>
        </div>
      </details>
    </li>
  );
}
