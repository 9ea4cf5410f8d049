import { JOURNEY_STEPS } from "../lib/study-state";

export function JourneySteps({ step }: { step: number }) {
  return (
    <ol className="flex flex-wrap items-center gap-1 text-xs" aria-label="progress to the PACS">
      {JOURNEY_STEPS.map((name, i) => (
        <li key={name} className={`flex items-center gap-1 ${i <= step ? "text-teal-700 font-semibold" : "text-slate-400"}`}>
          <span aria-hidden>{i <= step ? "●" : "○"}</span>
          {name}
          {i < JOURNEY_STEPS.length - 1 && <span className="text-slate-300" aria-hidden>→</span>}
        </li>
      ))}
    </ol>
  );
}
