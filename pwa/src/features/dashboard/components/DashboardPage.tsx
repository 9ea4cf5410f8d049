import { useCallback, useMemo, useState } from "react";
import type { Report, Status, Study } from "../../../lib/contract";
import { useDocs } from "../../../lib/use-docs";
import { useOnline } from "../../../lib/use-online";
import { useSyncState, useUserData } from "../../../lib/user-context";
import { bucketOf, trendByDay, TREND_BUCKETS } from "../api/trend";
import { StudyRow } from "./StudyRow";
import { TrendChart } from "./TrendChart";

export function DashboardPage() {
  const { mainDb, user } = useUserData();
  const sync = useSyncState();
  const online = useOnline();
  const [scope, setScope] = useState<"mine" | "clinic">("mine");
  const sealedOnly = useCallback((s: Study) => s.state === "sealed", []);
  const studies = useDocs<Study>(mainDb, "study:", sealedOnly);
  const statuses = useDocs<Status>(mainDb, "status:");
  const reports = useDocs<Report>(mainDb, "report:");
  const statusOf = useMemo(() => new Map(statuses.map((s) => [s.study_id, s] as const)), [statuses]);
  const reportOf = useMemo(() => new Map(reports.map((r) => [r.study_id, r] as const)), [reports]);
  const shown = studies
    .filter((s) => scope === "clinic" || s.author === user.username)
    .sort((a, b) => (b.sealed_at ?? "").localeCompare(a.sealed_at ?? ""));
  const rows = useMemo(() => trendByDay(shown, statusOf), [shown, statusOf]);
  const counts = TREND_BUCKETS.map((b) => [b, shown.filter((s) => bucketOf(statusOf.get(s.study_id)?.state) === b).length] as const);

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-bold">Studies</h1>
        <select
          aria-label="whose studies"
          data-testid="dashboard-scope"
          className="rounded border border-slate-300 px-2 py-1"
          value={scope}
          onChange={(e) => setScope(e.target.value as "mine" | "clinic")}
        >
          <option value="mine">my studies</option>
          <option value="clinic">whole clinic</option>
        </select>
      </div>
      <ul className="flex flex-wrap gap-2 text-sm" data-testid="dashboard-counts">
        {counts.map(([b, n]) => (
          <li key={b} className="rounded bg-white px-3 py-1 shadow-sm" data-bucket={b}>
            {b}: <span className="font-semibold">{n}</span>
          </li>
        ))}
      </ul>
      <TrendChart rows={rows} />
      {shown.length === 0 && <p className="text-center text-slate-500">No sealed studies yet.</p>}
      <ul className="flex flex-col gap-3" data-testid="dashboard-list">
        {shown.map((s) => (
          <StudyRow
            key={s.study_id}
            study={s}
            status={statusOf.get(s.study_id)}
            sync={sync.studies[s.study_id]}
            report={reportOf.get(s.study_id)}
            online={online}
          />
        ))}
      </ul>
    </div>
  );
}
