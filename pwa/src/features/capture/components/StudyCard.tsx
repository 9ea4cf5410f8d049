import { useCallback, useRef, useState } from "react";
import type { Priority, Status, Study } from "../../../lib/contract";
import { formatBytes } from "../../../lib/format";
import { studyDisplay } from "../../../lib/study-state";
import type { StudySync } from "../../../lib/sync/state";
import { StatusBadge } from "../../../components/StatusBadge";
import { ProgressBar } from "../../../components/ProgressBar";
import type { Target } from "../api/capture-controller";
import { PatientHeader } from "./PatientHeader";
import { SeriesList } from "./SeriesList";
import { StudyDetailsForm } from "./StudyDetailsForm";

export interface StudyCardProps {
  study: Study;
  status?: Status;
  sync?: StudySync;
  online: boolean;
  target?: Target;
  inflight: number;
  /** sealed as soon as its files are saved (the user asked while they were saving) */
  sealing: boolean;
  onSeal: (notes: string, priority: Priority) => Promise<void>;
  onSave: (notes: string, priority: Priority) => void;
  onSendAdditions: () => Promise<void>;
  onDiscard: () => Promise<void>;
}

export function StudyCard(props: StudyCardProps) {
  const { study, target } = props;
  const display = studyDisplay(study, props.status, props.sync, props.online);
  const details = useRef({ notes: study.notes, priority: study.priority });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onChange = useCallback((notes: string, priority: Priority) => {
    details.current = { notes, priority };
  }, []);
  const bytes = study.files.reduce((n, f) => n + f.size, 0);
  const isDraft = study.state === "draft";

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(String((err as Error)?.message ?? err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article
      data-testid="study-card"
      data-study-id={study.study_id}
      data-study-uid={study.study.instance_uid}
      data-state={study.state}
      className="flex flex-col gap-3 rounded-xl bg-white p-4 shadow-sm"
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <PatientHeader study={study} />
        <StatusBadge display={display} />
      </div>
      <SeriesList files={study.files} thumbnails={target?.thumbnails ?? {}} />
      <p className="text-sm text-slate-600" data-testid="study-files">
        {study.files.length} files · {formatBytes(bytes)} saved on this device
        {props.inflight > 0 && <> · {props.inflight} more being saved…</>}
      </p>
      {props.sync?.phase === "sending" && (
        <ProgressBar value={props.sync.sentBytes} total={props.sync.totalBytes} testId="sync-progress" label="sending" />
      )}
      {isDraft ? (
        <>
          <StudyDetailsForm study={study} onSave={props.onSave} onChange={onChange} />
          <div className="flex flex-wrap gap-3">
            <button
              data-testid="seal-button"
              disabled={busy || props.sealing || (props.inflight === 0 && study.files.length === 0)}
              onClick={() => void run(() => props.onSeal(details.current.notes, details.current.priority))}
              className="rounded bg-teal-700 px-4 py-2 font-semibold text-white disabled:opacity-50"
            >
              {props.sealing ? "Seals when saved…" : props.inflight > 0 ? "Seal when saved" : "Seal and send"}
            </button>
            <button
              data-testid="discard-button"
              disabled={busy}
              onClick={() => {
                if (confirm("Discard this draft and the files saved for it?")) void run(props.onDiscard);
              }}
              className="rounded px-3 py-2 text-sm text-rose-700 underline"
            >
              Discard draft
            </button>
          </div>
        </>
      ) : (
        <div className="text-sm text-slate-600">
          <span className="font-medium">{study.priority}</span>
          {study.notes && <> · <span data-testid="sealed-notes">{study.notes}</span></>}
        </div>
      )}
      {target?.mode === "amend" && (
        <div className="flex flex-wrap items-center gap-3 rounded bg-sky-50 p-3 text-sm">
          <span>
            Adding to this sealed study: {target.additions.length} file(s) ready
            {props.inflight > 0 && <>, {props.inflight} being saved</>}.
          </span>
          <button
            data-testid="send-addition-button"
            disabled={busy || props.inflight > 0 || target.additions.length === 0}
            onClick={() => void run(props.onSendAdditions)}
            className="rounded bg-teal-700 px-3 py-1 font-semibold text-white disabled:opacity-50"
          >
            Send addition
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="rounded bg-rose-50 px-3 py-2 text-sm text-rose-800" data-testid="study-error">
          {error}
        </p>
      )}
    </article>
  );
}
