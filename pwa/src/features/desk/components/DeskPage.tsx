import { useMemo, useState } from "react";
import { clinicsOf, DEFAULT_FILTER, worklistView, type WorklistFilter } from "../api/worklist";
import { useNow, useWorklist } from "../hooks/use-worklist";
import { StudyPanel } from "./StudyPanel";
import { WorklistFilters } from "./WorklistFilters";
import { WorklistTable } from "./WorklistTable";

const FILTER_KEY = "relaypacs.desk.filter.v1";

function loadFilter(): WorklistFilter {
  try {
    return { ...DEFAULT_FILTER, ...(JSON.parse(localStorage.getItem(FILTER_KEY) ?? "{}") as Partial<WorklistFilter>) };
  } catch {
    return DEFAULT_FILTER;
  }
}

/** The radiology desk: the live worklist, or one study (claim, viewer link, report). */
export function DeskPage({ clinic, studyId, signedIn }: { clinic?: string; studyId?: string; signedIn: boolean }) {
  const rows = useWorklist();
  const now = useNow();
  const [filter, setFilterState] = useState<WorklistFilter>(loadFilter);
  const setFilter = (f: WorklistFilter) => {
    setFilterState(f);
    try {
      localStorage.setItem(FILTER_KEY, JSON.stringify(f));
    } catch {
      // private mode: the filter lives in memory
    }
  };
  const clinics = useMemo(() => clinicsOf(rows.map((r) => r.entry)), [rows]);
  const visible = useMemo(() => worklistView(rows, filter), [rows, filter]);

  if (studyId) {
    const row = rows.find((r) => r.entry.study_id === studyId && (!clinic || r.entry.clinic === clinic));
    if (!row)
      return (
        <p data-testid="desk-study-missing" className="text-slate-600">
          This study is not on the worklist on this device (yet). <a href="#/desk" className="text-teal-800 underline">Back to the worklist</a>
        </p>
      );
    return <StudyPanel row={row} now={now} signedIn={signedIn} />;
  }

  const urgentOpen = rows.filter((r) => r.entry.priority !== "routine" && r.entry.state !== "reported" && r.claimView === "unclaimed").length;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-xl font-bold">Worklist</h1>
        <span className="text-sm text-slate-600" data-testid="worklist-count" data-count={visible.length} data-total={rows.length}>
          {visible.length} of {rows.length} studies{urgentOpen ? ` · ${urgentOpen} urgent unclaimed` : ""}
        </span>
      </div>
      <WorklistFilters filter={filter} clinics={clinics} onChange={setFilter} />
      {visible.length === 0 ? (
        <p data-testid="worklist-empty" className="py-6 text-center text-slate-500">
          {rows.length ? "No study matches these filters." : "No studies yet. New ones appear here as they arrive."}
        </p>
      ) : (
        <WorklistTable rows={visible} now={now} />
      )}
    </div>
  );
}
