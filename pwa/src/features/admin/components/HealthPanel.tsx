import { formatDateTime } from "../../../lib/format";
import { clinicRows } from "../api/health-view";
import type { Failure } from "../api/types";
import { useAction, useAdminApi, useLoad } from "../hooks/use-admin";
import { button, Feedback, th } from "./Feedback";

function Unavailable({ what, reason }: { what: string; reason: string }) {
  return (
    <p data-testid="admin-unavailable" className="rounded bg-slate-100 p-3 text-sm text-slate-600">
      {what}: {reason}
    </p>
  );
}

function FailureRow({ f, onRetried }: { f: Failure; onRetried: () => void }) {
  const api = useAdminApi();
  const action = useAction();
  const retry = async () => {
    if (await action.run(() => api.retry(f.clinic, f.study_id), "Retry requested: the bridge runs it again.")) onRetried();
  };
  return (
    <tr data-testid="failure-row" data-clinic={f.clinic} data-study-id={f.study_id} data-state={f.state} className="border-t border-slate-100 align-top">
      <td className={th}>{f.clinic}</td>
      <td className={`${th} font-mono text-xs`}>{f.study_id}</td>
      <td className={th}>{f.state}</td>
      <td className={th}>
        <ul className="flex flex-col gap-1">
          {f.errors.map((e, i) => (
            <li key={i} data-testid="failure-error" data-code={e.code ?? ""}>
              <span className="font-mono text-xs">{e.code}</span> {e.message}
              {e.destination && <span className="text-xs text-slate-500"> ({e.destination})</span>}
            </li>
          ))}
          {f.errors.length === 0 && <li className="text-slate-500">no reason recorded</li>}
        </ul>
      </td>
      <td className={th}>{formatDateTime(f.updated_at ?? undefined)}</td>
      <td className={th}>
        {f.retry ? (
          <span data-testid="retry-pending" className="text-xs text-slate-600">
            retry requested by {f.retry.requested_by} {formatDateTime(f.retry.requested_at)}
          </span>
        ) : (
          <button data-testid="retry-button" disabled={action.busy} className={button} onClick={() => void retry()}>
            Retry
          </button>
        )}
        <Feedback message={action.message} error={action.error} />
      </td>
    </tr>
  );
}

export function HealthPanel() {
  const api = useAdminApi();
  const health = useLoad(() => api.health(), 10000);
  const failures = useLoad(() => api.failures(), 10000);
  const h = health.data;
  return (
    <section className="flex flex-col gap-4" data-testid="admin-health">
      <div className="flex items-center justify-between">
        <h2 className="text-lg font-bold">System health</h2>
        <button data-testid="health-refresh" className={button} onClick={() => void Promise.all([health.reload(), failures.reload()])}>
          Refresh
        </button>
      </div>
      <Feedback error={health.error} />
      {h && !h.available && <Unavailable what="Health" reason={h.reason} />}
      {h?.available && (
        <>
          <div data-testid="health-status" data-status={h.data.status} className={`rounded-xl p-3 ring-1 ${h.data.status === "ok" ? "bg-emerald-50 ring-emerald-200" : "bg-amber-50 ring-amber-200"}`}>
            <p className="font-semibold">
              {h.data.status === "ok" ? "All good" : "Needs attention"} · {h.data.totals.queued} queued · {h.data.totals.failed} failed · {h.data.totals.partial} partial ·{" "}
              {h.data.totals.delivered} delivered
            </p>
            {h.data.problems.map((p) => (
              <p key={p} data-testid="health-problem" className="text-sm text-amber-900">
                {p}
              </p>
            ))}
            <p className="text-xs text-slate-500">as of {formatDateTime(h.data.at)}</p>
          </div>
          <h3 className="font-semibold">Bridge workers</h3>
          <ul className="flex flex-col gap-1 text-sm">
            {h.data.bridge.workers.length === 0 && <li className="text-slate-500">No bridge worker has reported.</li>}
            {h.data.bridge.workers.map((w) => (
              <li key={w.worker} data-testid="bridge-worker" data-worker={w.worker} data-stale={w.stale} className={w.stale ? "text-rose-700" : ""}>
                {w.worker}: {w.stale ? "stale" : "alive"}, last report {w.age_seconds ?? "?"} s ago, queue depth <span data-testid="queue-depth">{w.queue_depth}</span>
                {w.failed.length ? `, ${w.failed.length} failed` : ""}
              </li>
            ))}
          </ul>
          <h3 className="font-semibold">Clinics</h3>
          <div className="overflow-x-auto rounded-xl bg-white shadow-sm">
            <table data-testid="clinic-health-table" className="w-full text-left text-sm">
              <thead className="bg-slate-100 text-xs uppercase text-slate-600">
                <tr>
                  <th className={th}>Clinic</th>
                  <th className={th}>Bridge lag (changes)</th>
                  <th className={th}>Queued</th>
                  <th className={th}>In work / retrying / waiting for chunks</th>
                  <th className={th}>Failed</th>
                  <th className={th}>Partial</th>
                  <th className={th}>Delivered</th>
                </tr>
              </thead>
              <tbody>
                {clinicRows(h.data).map((c) => (
                  <tr key={c.clinic_id} data-testid="clinic-health-row" data-clinic-id={c.clinic_id} data-queued={c.queued ?? ""} data-lag={c.lag ?? ""} className="border-t border-slate-100">
                    <td className={th}>{c.name || c.clinic_id}</td>
                    <td className={th}>{c.lag ?? "-"}</td>
                    <td className={th}>{c.error ? <span className="text-rose-700">{c.error}</span> : c.queued}</td>
                    <td className={th}>
                      {c.openJobs} / {c.retrying} / {c.waiting}
                    </td>
                    <td className={th}>{c.failed ?? "-"}</td>
                    <td className={th}>{c.partial ?? "-"}</td>
                    <td className={th}>{c.delivered ?? "-"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <h3 className="font-semibold">Failed deliveries</h3>
      <Feedback error={failures.error} />
      {failures.data && !failures.data.available && <Unavailable what="Failures" reason={failures.data.reason} />}
      {failures.data?.available &&
        (failures.data.data.length === 0 ? (
          <p data-testid="failures-empty" className="text-sm text-slate-500">
            No failed or partial study.
          </p>
        ) : (
          <div className="overflow-x-auto rounded-xl bg-white shadow-sm">
            <table data-testid="failures-table" className="w-full text-left text-sm">
              <thead className="bg-slate-100 text-xs uppercase text-slate-600">
                <tr>
                  <th className={th}>Clinic</th>
                  <th className={th}>Study</th>
                  <th className={th}>State</th>
                  <th className={th}>Why</th>
                  <th className={th}>Updated</th>
                  <th className={th}></th>
                </tr>
              </thead>
              <tbody>
                {failures.data.data.map((f) => (
                  <FailureRow key={`${f.clinic}:${f.study_id}`} f={f} onRetried={() => void failures.reload()} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
