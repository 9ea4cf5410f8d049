/** The health answer rearranged per clinic: counts from the clinic database, lag from the bridge. */
import type { ClinicHealth, SystemHealth } from "./types";

export interface ClinicHealthRow extends ClinicHealth {
  /** Changes in the clinic database the bridge has not processed yet (max over workers). */
  lag: number | null;
  openJobs: number;
  retrying: number;
  waiting: number;
}

export function clinicRows(health: SystemHealth): ClinicHealthRow[] {
  return health.clinics.map((c) => {
    let lag: number | null = null;
    let openJobs = 0;
    let retrying = 0;
    let waiting = 0;
    for (const w of health.bridge.workers) {
      if (w.stale) continue;
      const h = w.clinics?.[c.db] ?? w.clinics?.[c.clinic_id];
      if (!h) continue;
      if (typeof h.pending_changes === "number") lag = Math.max(lag ?? 0, h.pending_changes);
      openJobs += h.open_jobs ?? 0;
      retrying += h.retrying ?? 0;
      waiting += h.waiting ?? 0;
    }
    return { ...c, lag, openJobs, retrying, waiting };
  });
}
