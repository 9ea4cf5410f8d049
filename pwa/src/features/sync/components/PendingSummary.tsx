import { formatBytes } from "../../../lib/format";
import type { SyncState } from "../../../lib/sync/state";

export function PendingSummary({ sync, online }: { sync: SyncState; online: boolean }) {
  if (!sync.pending) {
    return (
      <span data-testid="pending-count" data-pending={0} className="text-sm">
        nothing waiting to send
      </span>
    );
  }
  return (
    <span data-testid="pending-count" data-pending={sync.pending} className="text-sm">
      {sync.pending} {sync.pending === 1 ? "study" : "studies"} {online ? "to send" : "waiting for network"}: {formatBytes(sync.pendingBytes)}
    </span>
  );
}
