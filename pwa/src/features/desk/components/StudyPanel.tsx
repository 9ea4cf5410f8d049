import { formatDateTime, formatDicomDate, formatPersonName } from "../../../lib/format";
import type { WorklistRow } from "../api/worklist";
import { formatWaiting, waitingMs } from "../api/worklist";
import { useClaim } from "../hooks/use-claim";
import { ReportEditor } from "./ReportEditor";

function ClaimBox({ row, signedIn }: { row: WorklistRow; signedIn: boolean }) {
  const { claim, release, busy, error, outcome } = useClaim(row.entry, signedIn);
  // the answer of our own PUT counts until the replica holds that revision or a later one
  const generation = (rev?: string) => (rev ? parseInt(rev, 10) : 0);
  const newer = outcome && (generation(outcome.claim?._rev) > generation(row.claim?._rev) || (!outcome.claim && !row.claim));
  const fresh = newer ? outcome : null;
  const takenBy = fresh?.kind === "taken" ? fresh.by : !fresh && row.claimView === "taken" ? row.claim?.radiologist : null;
  const mine = fresh ? fresh.kind === "claimed" : row.claimView === "mine";
  const held = fresh?.kind === "claimed" ? fresh.claim : row.claim;
  if (takenBy)
    return (
      <p data-testid="claimed-by" data-radiologist={takenBy} className="rounded bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
        This study is taken by {takenBy}
        {row.claim?.claimed_at ? ` (since ${formatDateTime(row.claim.claimed_at)})` : ""}.
      </p>
    );
  const reported = row.entry.state === "reported";
  return (
    <div className="flex flex-wrap items-center gap-3">
      {mine ? (
        <>
          <p data-testid="claim-mine" className="text-sm text-emerald-800">
            You are reading this study.
          </p>
          <button data-testid="release-button" disabled={busy || reported} onClick={() => void release(held)} className="rounded px-3 py-1 text-sm text-teal-800 ring-1 ring-teal-700 disabled:opacity-50">
            {busy ? "Giving back…" : "Give back"}
          </button>
        </>
      ) : (
        <button data-testid="claim-button" disabled={busy || reported} onClick={() => void claim()} className="rounded bg-teal-700 px-4 py-2 font-semibold text-white disabled:opacity-50">
          {busy ? "Claiming…" : "Claim this study"}
        </button>
      )}
      {error && (
        <span data-testid="claim-error" className="text-sm text-rose-700">
          {error}
        </span>
      )}
    </div>
  );
}

export function StudyPanel({ row, now, signedIn }: { row: WorklistRow; now: number; signedIn: boolean }) {
  const e = row.entry;
  const mine = row.claimView === "mine";
  return (
    <div className="flex flex-col gap-4" data-testid="desk-study" data-study-id={e.study_id} data-state={e.state}>
      <a href="#/desk" data-testid="back-to-worklist" className="text-sm text-teal-800 underline">
        ← Worklist
      </a>
      <section className="flex flex-col gap-1 rounded-xl bg-white p-4 shadow-sm">
        <h1 className="text-xl font-bold">{formatPersonName(e.patient?.name) || "(no name)"}</h1>
        <p className="text-sm text-slate-600">
          {[e.patient?.id && `ID ${e.patient.id}`, e.study?.modalities?.join(", "), formatDicomDate(e.study?.date), e.study?.description].filter(Boolean).join(" · ")}
        </p>
        <p className="text-sm">
          <span className="font-semibold uppercase">{e.priority}</span> · {e.clinic_name || e.clinic} · sent by {e.author} · {e.instance_count} images · state{" "}
          <span data-testid="desk-study-state">{e.state}</span> · waiting {formatWaiting(waitingMs(e, now))}
        </p>
        {e.notes && <p className="mt-1 whitespace-pre-wrap rounded bg-slate-50 p-2 text-sm">{e.notes}</p>}
        {e.viewer_url ? (
          <a data-testid="viewer-link" href={e.viewer_url} target="_blank" rel="noopener noreferrer" className="mt-2 self-start rounded border border-teal-700 px-3 py-1 text-sm text-teal-800">
            Open in PACS viewer ↗
          </a>
        ) : (
          <p className="text-sm text-slate-500">Not in the PACS yet: no viewer link.</p>
        )}
      </section>
      <ClaimBox row={row} signedIn={signedIn} />
      {(mine || row.report) && <ReportEditor key={e._id} entry={e} report={row.report} />}
      {e.state === "reported" && (
        <p data-testid="desk-reported" className="text-sm text-emerald-800">
          Reported {formatDateTime(e.reported_at)}: the report is on its way to the clinic.
        </p>
      )}
    </div>
  );
}
