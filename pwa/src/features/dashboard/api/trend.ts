/** Studies per day by state, for the trend chart (pure). */
import type { Status, StatusState, Study } from "../../../lib/contract";

export const TREND_BUCKETS = ["waiting", "in progress", "delivered", "partial", "failed"] as const;
export type TrendBucket = (typeof TREND_BUCKETS)[number];
export type TrendRow = { day: string } & Record<TrendBucket, number>;

export function bucketOf(status: StatusState | undefined): TrendBucket {
  if (!status) return "waiting";
  if (status === "delivered" || status === "partial" || status === "failed") return status;
  return "in progress";
}

const dayOf = (iso: string) => iso.slice(0, 10);

export function trendByDay(studies: Study[], statuses: Map<string, Status>, days = 14, today = new Date()): TrendRow[] {
  const rows = new Map<string, TrendRow>();
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    const day = d.toISOString().slice(0, 10);
    rows.set(day, { day, waiting: 0, "in progress": 0, delivered: 0, partial: 0, failed: 0 });
  }
  for (const s of studies) {
    if (s.state !== "sealed") continue;
    const row = rows.get(dayOf(s.sealed_at ?? s.created_at));
    if (row) row[bucketOf(statuses.get(s.study_id)?.state)] += 1;
  }
  return [...rows.values()];
}
