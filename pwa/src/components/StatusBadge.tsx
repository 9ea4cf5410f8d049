import type { StudyDisplay, Tone } from "../lib/study-state";

const TONES: Record<Tone, string> = {
  neutral: "bg-slate-100 text-slate-700 ring-slate-300",
  progress: "bg-sky-50 text-sky-800 ring-sky-300",
  good: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  bad: "bg-rose-50 text-rose-800 ring-rose-300",
  warn: "bg-amber-50 text-amber-900 ring-amber-300",
};

/** The state word itself (`delivered`, `waiting`, …) is the badge text, for people and tests. */
export function StatusBadge({ display }: { display: StudyDisplay }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <span
        data-testid="status-badge"
        data-state={display.state}
        className={`rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ${TONES[display.tone]}`}
      >
        {display.state}
      </span>
      <span data-testid="status-label" className="text-sm text-slate-600">
        {display.label}
      </span>
    </span>
  );
}
