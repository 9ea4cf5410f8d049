import { percent } from "../lib/format";

export function ProgressBar(props: { value: number; total: number; testId?: string; label?: string }) {
  const p = percent(props.value, props.total);
  return (
    <div
      className="h-2 w-full overflow-hidden rounded bg-slate-200"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={p}
      data-testid={props.testId}
    >
      <div className="h-full bg-teal-600 transition-[width] duration-300" style={{ width: `${p}%` }} />
    </div>
  );
}
