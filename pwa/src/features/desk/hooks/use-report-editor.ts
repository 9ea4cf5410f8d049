import { useEffect, useState } from "react";
import type { Report, WorklistEntry } from "../../../lib/contract";
import { useUserData } from "../../../lib/user-context";
import { ReportError, saveDraft, sign, type ReportText } from "../api/report";

/** The editor's text, seeded from the stored report (draft) once it loads. */
export function useReportEditor(entry: WorklistEntry, report: Report | undefined) {
  const { mainDb, user } = useUserData();
  const [text, setText] = useState<ReportText>({ findings: report?.findings ?? "", impression: report?.impression ?? "" });
  const [seeded, setSeeded] = useState(!!report);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (report && !seeded) {
      setText({ findings: report.findings, impression: report.impression });
      setSeeded(true);
    }
  }, [report, seeded]);

  const run = async (what: "draft" | "sign") => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      if (what === "draft") {
        await saveDraft(mainDb, report, entry, text, user.username);
        setMessage("Draft saved on this device; it syncs to the desk.");
      } else {
        await sign(mainDb, report, entry, text, user.username);
        setMessage("Report signed.");
      }
      setSeeded(true);
    } catch (err) {
      setError(err instanceof ReportError ? err.message : `Could not save: ${(err as Error)?.message ?? err}`);
    } finally {
      setBusy(false);
    }
  };
  return { text, setText, busy, message, error, saveDraft: () => run("draft"), sign: () => run("sign") };
}
