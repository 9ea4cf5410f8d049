import type { Report, WorklistEntry } from "../../../lib/contract";
import { MAX_FINDINGS, MAX_IMPRESSION } from "../../../lib/contract";
import { formatDateTime } from "../../../lib/format";
import { useReportEditor } from "../hooks/use-report-editor";

/** A signed report, read only: it can no longer change. */
function FinalReport({ report }: { report: Report }) {
  return (
    <section data-testid="report-editor" data-state="final" className="flex flex-col gap-2 rounded-xl bg-emerald-50 p-4 ring-1 ring-emerald-200">
      <h2 className="font-semibold text-emerald-900" data-testid="report-signed">
        Signed by {report.author} {formatDateTime(report.signed_at)}
      </h2>
      <h3 className="text-sm font-semibold text-slate-700">Findings</h3>
      <p className="whitespace-pre-wrap text-sm" data-testid="desk-findings-final">
        {report.findings || "-"}
      </p>
      <h3 className="text-sm font-semibold text-slate-700">Impression</h3>
      <p className="whitespace-pre-wrap text-sm" data-testid="desk-impression-final">
        {report.impression}
      </p>
    </section>
  );
}

export function ReportEditor({ entry, report }: { entry: WorklistEntry; report?: Report }) {
  const editor = useReportEditor(entry, report);
  if (report?.state === "final") return <FinalReport report={report} />;
  const { text, setText, busy } = editor;
  return (
    <section data-testid="report-editor" data-state={report ? "draft" : "new"} className="flex flex-col gap-3 rounded-xl bg-white p-4 shadow-sm">
      <h2 className="font-semibold">Report {report ? <span className="text-sm font-normal text-slate-500">(draft, saved {formatDateTime(report.updated_at)})</span> : null}</h2>
      <label className="flex flex-col gap-1 text-sm font-medium">
        Findings
        <textarea
          data-testid="desk-findings"
          rows={8}
          maxLength={MAX_FINDINGS}
          className="rounded border border-slate-300 p-2 font-normal"
          value={text.findings}
          onChange={(e) => setText({ ...text, findings: e.target.value })}
        />
      </label>
      <label className="flex flex-col gap-1 text-sm font-medium">
        Impression
        <textarea
          data-testid="desk-impression"
          rows={3}
          maxLength={MAX_IMPRESSION}
          className="rounded border border-slate-300 p-2 font-normal"
          value={text.impression}
          onChange={(e) => setText({ ...text, impression: e.target.value })}
        />
      </label>
      <div className="flex flex-wrap items-center gap-3">
        <button data-testid="save-draft-button" disabled={busy} onClick={() => void editor.saveDraft()} className="rounded border border-teal-700 px-3 py-1.5 text-teal-800 disabled:opacity-50">
          Save draft
        </button>
        <button
          data-testid="sign-button"
          disabled={busy || !text.impression.trim()}
          onClick={() => {
            if (confirm("Sign this report? A signed report is final and cannot be changed.")) void editor.sign();
          }}
          className="rounded bg-teal-700 px-3 py-1.5 font-semibold text-white disabled:opacity-50"
        >
          Sign report
        </button>
        {editor.message && (
          <span data-testid="report-message" className="text-sm text-slate-600">
            {editor.message}
          </span>
        )}
        {editor.error && (
          <span data-testid="report-error" className="text-sm text-rose-700">
            {editor.error}
          </span>
        )}
      </div>
    </section>
  );
}
