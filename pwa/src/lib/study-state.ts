/**
 * One answer to "where is my study?", from the manifest (draft/sealed), the local push
 * (waiting/sending/sent) and the bridge's status document (received … delivered).
 */
import type { Status, StatusState, Study } from "./contract";
import type { StudySync } from "./sync/state";
import { formatBytes, percent } from "./format";

export type DisplayState = "draft" | "waiting" | "sending" | "sent" | StatusState;
export type Tone = "neutral" | "progress" | "good" | "bad" | "warn";

export interface StudyDisplay {
  state: DisplayState;
  label: string;
  tone: Tone;
  /** index in JOURNEY_STEPS reached so far (-1: not sent) */
  step: number;
}

/** What Amina sees move: uploaded → checked → archived → in PACS. */
export const JOURNEY_STEPS = ["sent", "uploaded", "checked", "archived", "in PACS"] as const;

const STATUS_VIEW: Record<StatusState, { label: string; tone: Tone; step: number }> = {
  received: { label: "uploaded", tone: "progress", step: 1 },
  assembling: { label: "uploaded, assembling files", tone: "progress", step: 1 },
  validating: { label: "checking the files", tone: "progress", step: 2 },
  stored: { label: "archived", tone: "progress", step: 3 },
  delivering: { label: "sending to the PACS", tone: "progress", step: 3 },
  delivered: { label: "in PACS", tone: "good", step: 4 },
  failed: { label: "failed", tone: "bad", step: -1 },
  partial: { label: "partly delivered", tone: "warn", step: 3 },
};

export function studyDisplay(study: Study, status: Status | undefined, sync: StudySync | undefined, online: boolean): StudyDisplay {
  if (study.state === "draft") return { state: "draft", label: "draft: not sealed yet", tone: "neutral", step: -1 };
  if (status) return { state: status.state, ...STATUS_VIEW[status.state] };
  const total = sync?.totalBytes ?? study.files.reduce((n, f) => n + f.size, 0);
  const sent = sync?.sentBytes ?? 0;
  const left = formatBytes(Math.max(0, total - sent));
  if (!sync || sync.phase === "waiting") {
    if (!online) return { state: "waiting", label: `waiting for network: ${left}`, tone: "neutral", step: -1 };
    if (sync?.error) return { state: "waiting", label: `retrying: ${left} to send`, tone: "warn", step: -1 };
    return { state: "waiting", label: `queued: ${left} to send`, tone: "neutral", step: -1 };
  }
  if (sync.phase === "sending") {
    return { state: "sending", label: `sending ${percent(sent, total)}% (${formatBytes(sent)} of ${formatBytes(total)})`, tone: "progress", step: -1 };
  }
  return { state: "sent", label: "sent: waiting for radiology to confirm", tone: "progress", step: 0 };
}
