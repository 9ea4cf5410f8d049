import { useEffect, useRef, useState } from "react";
import { MAX_NOTES, PRIORITIES, type Priority, type Study } from "../../../lib/contract";

/** Clinical notes and priority of a draft, saved as you type (debounced), sealed with the study. */
export function StudyDetailsForm(props: {
  study: Study;
  onSave: (notes: string, priority: Priority) => void;
  onChange: (notes: string, priority: Priority) => void;
}) {
  const [notes, setNotes] = useState(props.study.notes);
  const [priority, setPriority] = useState<Priority>(props.study.priority);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { onSave, onChange } = props;

  useEffect(() => onChange(notes, priority), [notes, priority, onChange]);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const schedule = (n: string, p: Priority) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => onSave(n, p), 700);
  };

  return (
    <div className="flex flex-col gap-2">
      <label className="flex flex-col gap-1 text-sm font-medium">
        Clinical notes
        <textarea
          data-testid="study-notes"
          maxLength={MAX_NOTES}
          rows={3}
          className="rounded border border-slate-300 px-3 py-2 text-base font-normal"
          placeholder="e.g. query appendicitis, urgent"
          value={notes}
          onChange={(e) => {
            setNotes(e.target.value);
            schedule(e.target.value, priority);
          }}
        />
      </label>
      <label className="flex items-center gap-2 text-sm font-medium">
        Priority
        <select
          data-testid="study-priority"
          className="rounded border border-slate-300 px-2 py-1 text-base font-normal"
          value={priority}
          onChange={(e) => {
            const p = e.target.value as Priority;
            setPriority(p);
            schedule(notes, p);
          }}
        >
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
