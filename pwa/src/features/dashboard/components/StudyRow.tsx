import type { Report, Status, Study } from "../../../lib/contract";
import { formatBytes, formatDateTime, formatDicomDate, formatPersonName } from "../../../lib/format";
import { studyDisplay } from "../../../lib/study-state";
import type { StudySync } from "../../../lib/sync/state";
import { JourneySteps } from "../../../components/JourneySteps";
import { ProgressBar } from "../../../components/ProgressBar";
import { StatusBadge } from "../../../components/StatusBadge";
import { FailureList } from "./FailureList";
import { IntegrityReceipt } from "./IntegrityReceipt";

export function StudyRow(props: { study: Study; status?: Status; sync?: StudySync; report?: Report; online: boolean }) {
  const { study, status, sync } = props;
  const display = studyDisplay(study, status, sync, props.online);
  const bytes = study.files.reduce((n, f) => n + f.size, 0);
  return (
    <li
      data-testid="dashboard-row"
      data-study-id={study.study_id}
      data-study-uid={study.study.instance_uid}
      data-state={display.state}
      className="flex flex-col gap-2 rounded-xl bg-white p-4 shadow-sm"
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <div className="font-semibold">{formatPersonName(study.patient?.name) || "Unnamed patient"}</div>
          <div className="text-sm text-slate-600">
            ID {study.patient?.id || "?"} · {formatDicomDate(study.study.date)} · {(study.study.modalities ?? []).join(", ")} ·{" "}
            {(study.files ?? []).length} files, {formatBytes(bytes)} · {study.priority}
          </div>
          <div className="text-xs text-slate-500">
            sealed {formatDateTime(study.sealed_at)}
            {status && <> · updated {formatDateTime(status.updated_at)}</>}
          </div>
        </div>
        <StatusBadge display={display} />
      </div>
      <JourneySteps step={display.step} />
      {(sync?.phase === "sending" || sync?.phase === "waiting") && (
        <ProgressBar value={sync.sentBytes} total={sync.totalBytes} testId="sync-progress" label="sent to the server" />
      )}
      {sync?.error && sync.phase !== "sent" && (
        <p className="text-xs text-amber-800" data-testid="sync-error">
          Last attempt: {sync.error}
        </p>
      )}
      {status && <FailureList status={status} />}
      {(status?.state === "failed" || status?.state === "partial") && (
        <a href="#/capture" className="text-sm text-teal-800 underline" data-testid="add-files-link">
          Add the re-exported file(s) to this study
        </a>
      )}
      {status?.state === "delivered" && <IntegrityReceipt study={study} status={status} />}
      {sync?.phase === "freed" && (
        <p className="text-xs text-emerald-800" data-testid="freed-space">
          {formatBytes(sync.freedBytes ?? bytes)} of image data freed on this device.
        </p>
      )}
      {props.report && (
        <a href={`#/reports/${study.study_id}`} className="text-sm text-teal-800 underline" data-testid="report-link">
          {props.report.state === "final" ? "Report ready" : "Report in progress"}
        </a>
      )}
    </li>
  );
}
