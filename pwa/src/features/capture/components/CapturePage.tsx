import { useCallback } from "react";
import type { Priority, Status, Study } from "../../../lib/contract";
import { destroyLocalDb, outboxDbName } from "../../../lib/pouch";
import { useDocs } from "../../../lib/use-docs";
import { useOnline } from "../../../lib/use-online";
import { useSyncState, useUserData } from "../../../lib/user-context";
import { useCaptureController, useCaptureState } from "../hooks/use-capture";
import { FilePicker } from "./FilePicker";
import { FileList } from "./FileList";
import { StudyCard } from "./StudyCard";

export function CapturePage() {
  const { mainDb, user } = useUserData();
  const controller = useCaptureController();
  const capture = useCaptureState();
  const sync = useSyncState();
  const online = useOnline();
  const mine = useCallback((s: Study) => s.author === user.username, [user.username]);
  const studies = useDocs<Study>(mainDb, "study:", mine);
  const statuses = useDocs<Status>(mainDb, "status:");
  const statusOf = new Map(statuses.map((s) => [s.study_id, s] as const));

  const visible = studies
    .filter((s) => {
      if (s.state === "draft") return true;
      if (capture.targets[s.study_id]?.mode === "amend") return true;
      const phase = sync.studies[s.study_id]?.phase;
      return phase !== "freed" && statusOf.get(s.study_id)?.state !== "delivered";
    })
    .sort((a, b) => (a.state === b.state ? b.created_at.localeCompare(a.created_at) : a.state === "draft" ? -1 : 1));

  return (
    <div className="flex flex-col gap-4">
      <FilePicker onFiles={(files) => void controller.addFiles(files)} />
      {capture.error && (
        <p role="alert" className="rounded bg-rose-50 px-3 py-2 text-sm text-rose-800">
          {capture.error}
        </p>
      )}
      <FileList items={capture.items} onClear={() => controller.clearFinished()} />
      {visible.length === 0 && <p className="text-center text-slate-500">No studies in progress.</p>}
      {visible.map((study) => (
        <StudyCard
          key={study.study_id}
          study={study}
          status={statusOf.get(study.study_id)}
          sync={sync.studies[study.study_id]}
          online={online}
          target={capture.targets[study.study_id]}
          inflight={controller.inflight(study.study_id)}
          sealing={!!capture.sealing[study.study_id]}
          onSeal={(notes: string, priority: Priority) => controller.sealWhenSaved(study.study_id, notes, priority)}
          onSave={(notes: string, priority: Priority) => void controller.saveDetails(study.study_id, notes, priority).catch(() => undefined)}
          onSendAdditions={() => controller.sendAdditions(study.study_id)}
          onDiscard={() => controller.discardDraft(study.study_id, () => destroyLocalDb(outboxDbName(user.username, study.study_id)))}
        />
      ))}
    </div>
  );
}
