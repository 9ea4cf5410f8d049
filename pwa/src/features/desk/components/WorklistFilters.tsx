import { PRIORITIES, WORKLIST_STATES } from "../../../lib/contract";
import type { SortKey, StateFilter, WorklistFilter } from "../api/worklist";

const STATE_LABELS: [StateFilter, string][] = [
  ["open", "Open (not reported)"],
  ["all", "All"],
  ["unclaimed", "Unclaimed"],
  ["mine", "Claimed by me"],
  ["taken", "Claimed by others"],
  ...WORKLIST_STATES.map((s) => [s, `State: ${s}`] as [StateFilter, string]),
];

const SORTS: [SortKey, string][] = [
  ["urgency", "Urgent first"],
  ["waiting", "Longest waiting"],
  ["newest", "Newest"],
  ["patient", "Patient"],
  ["clinic", "Clinic"],
];

const select = "rounded border border-slate-300 bg-white px-2 py-1 text-sm";

export function WorklistFilters(props: {
  filter: WorklistFilter;
  clinics: { id: string; name: string }[];
  onChange: (f: WorklistFilter) => void;
}) {
  const { filter, onChange } = props;
  return (
    <div className="flex flex-wrap items-end gap-3" data-testid="worklist-filters">
      <label className="flex flex-col text-xs font-medium text-slate-600">
        State
        <select data-testid="worklist-filter-state" className={select} value={filter.state} onChange={(e) => onChange({ ...filter, state: e.target.value as StateFilter })}>
          {STATE_LABELS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600">
        Clinic
        <select data-testid="worklist-filter-clinic" className={select} value={filter.clinic} onChange={(e) => onChange({ ...filter, clinic: e.target.value })}>
          <option value="all">All clinics</option>
          {props.clinics.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600">
        Priority
        <select
          data-testid="worklist-filter-priority"
          className={select}
          value={filter.priority}
          onChange={(e) => onChange({ ...filter, priority: e.target.value as WorklistFilter["priority"] })}
        >
          <option value="all">Any priority</option>
          {[...PRIORITIES].reverse().map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600">
        Sort
        <select data-testid="worklist-sort" className={select} value={filter.sort} onChange={(e) => onChange({ ...filter, sort: e.target.value as SortKey })}>
          {SORTS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
