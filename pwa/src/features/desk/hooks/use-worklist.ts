import { useCallback, useEffect, useMemo, useState } from "react";
import type { Claim, Report, WorklistEntry } from "../../../lib/contract";
import { useDocs } from "../../../lib/use-docs";
import { useUserData } from "../../../lib/user-context";
import { buildRows, type WorklistRow } from "../api/worklist";

/** The replicated worklist joined with claims and my reports; live (local changes feed). */
export function useWorklist(): WorklistRow[] {
  const { mainDb, user } = useUserData();
  const mine = useCallback((r: Report) => r.author === user.username, [user.username]);
  const entries = useDocs<WorklistEntry>(mainDb, "worklist:");
  const claims = useDocs<Claim>(mainDb, "claim:");
  const reports = useDocs<Report>(mainDb, "report:", mine);
  return useMemo(() => buildRows(entries, claims, reports, user.username), [entries, claims, reports, user.username]);
}

/** Date.now(), refreshed every `ms` (waiting times). */
export function useNow(ms = 30000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
