import { useMemo } from "react";
import type { Report, Study } from "../../../lib/contract";
import { useDocs } from "../../../lib/use-docs";
import { useUserData } from "../../../lib/user-context";
import { ReportCard } from "./ReportCard";

/** Reports on this clinic's studies, as they replicate in (readable offline once here). */
export function ReportsPage({ focus }: { focus?: string }) {
  const { mainDb, user } = useUserData();
  const reports = useDocs<Report>(mainDb, "report:");
  const studies = useDocs<Study>(mainDb, "study:");
  const studyOf = useMemo(() => new Map(studies.map((s) => [s.study_id, s] as const)), [studies]);
  const sorted = reports
    .filter((r) => studyOf.get(r.study_id)?.author === user.username || !studyOf.has(r.study_id) || focus === r.study_id)
    .sort((a, b) => (b.signed_at ?? b.updated_at).localeCompare(a.signed_at ?? a.updated_at));
  return (
    <div className="flex flex-col gap-3">
      <h1 className="text-xl font-bold">Reports</h1>
      {sorted.length === 0 && <p className="text-center text-slate-500">No reports yet.</p>}
      <ul className="flex flex-col gap-3">
        {sorted.map((r) => (
          <ReportCard key={r._id} report={r} study={studyOf.get(r.study_id)} open={focus === r.study_id} />
        ))}
      </ul>
    </div>
  );
}
