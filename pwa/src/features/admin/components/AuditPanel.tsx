import { useState } from "react";
import { formatDateTime } from "../../../lib/format";
import type { AuditEvent } from "../api/types";
import { errorText, useAdminApi } from "../hooks/use-admin";
import { useEffect } from "react";
import { button, Feedback, input, th } from "./Feedback";

const PAGE = 100;

/** The audit trail, newest first: who sent, opened or reported which study, and admin actions. */
export function AuditPanel() {
  const api = useAdminApi();
  const [filter, setFilter] = useState({ actor: "", doc: "" });
  const [applied, setApplied] = useState(filter);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [more, setMore] = useState(false);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (before?: string) => {
    setBusy(true);
    try {
      const res = await api.audit({ actor: applied.actor || undefined, doc: applied.doc || undefined, before, limit: PAGE });
      if (!res.available) {
        setUnavailable(res.reason);
        return;
      }
      setEvents((prev) => (before ? [...prev, ...res.data] : res.data));
      setMore(res.data.length === PAGE);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [applied]);

  return (
    <section className="flex flex-col gap-3" data-testid="admin-audit">
      <h2 className="text-lg font-bold">Audit trail</h2>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...filter });
        }}
      >
        <label className="flex flex-col text-xs">
          Who (username)
          <input data-testid="audit-filter-actor" className={input} value={filter.actor} onChange={(e) => setFilter({ ...filter, actor: e.target.value.trim() })} />
        </label>
        <label className="flex flex-col text-xs">
          Document (e.g. study:…, user:…)
          <input data-testid="audit-filter-doc" className={input} value={filter.doc} onChange={(e) => setFilter({ ...filter, doc: e.target.value.trim() })} />
        </label>
        <button data-testid="audit-apply" className={button}>
          Show
        </button>
      </form>
      {unavailable && (
        <p data-testid="admin-unavailable" className="rounded bg-slate-100 p-3 text-sm text-slate-600">
          Audit trail: {unavailable}
        </p>
      )}
      <Feedback error={error} />
      <div className="overflow-x-auto rounded-xl bg-white shadow-sm">
        <table data-testid="audit-table" className="w-full text-left text-sm">
          <thead className="bg-slate-100 text-xs uppercase text-slate-600">
            <tr>
              <th className={th}>When</th>
              <th className={th}>Who</th>
              <th className={th}>Action</th>
              <th className={th}>Outcome</th>
              <th className={th}>Documents</th>
              <th className={th}>Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e._id} data-testid="audit-row" data-actor={e.actor} data-action={e.action} data-outcome={e.outcome} className="border-t border-slate-100 align-top">
                <td className={`${th} whitespace-nowrap`}>{formatDateTime(e.at)}</td>
                <td className={th}>
                  {e.actor}
                  {e.role && <span className="text-xs text-slate-500"> ({e.role})</span>}
                </td>
                <td className={th}>{e.action}</td>
                <td className={th}>{e.outcome}</td>
                <td className={`${th} font-mono text-xs`}>
                  {e.db && <div className="text-slate-500">{e.db}</div>}
                  {e.doc_ids.slice(0, 5).join(", ")}
                  {e.doc_ids.length > 5 && ` … +${e.doc_ids.length - 5}`}
                </td>
                <td className={th}>{e.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {events.length === 0 && !unavailable && !busy && <p className="text-sm text-slate-500">No events.</p>}
      {more && (
        <button data-testid="audit-more" disabled={busy} className={`${button} self-start`} onClick={() => void load(events[events.length - 1]?.at)}>
          Older events
        </button>
      )}
    </section>
  );
}
