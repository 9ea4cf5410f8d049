import type { SyncState } from "../../../lib/sync/state";

/** The link as the user cares about it: offline, connecting, syncing, up to date, or trouble. */
export function NetworkIndicator({ online, sync }: { online: boolean; sync: SyncState }) {
  let label = "offline";
  let tone = "bg-slate-500";
  if (online) {
    switch (sync.main) {
      case "active":
        label = "syncing";
        tone = "bg-sky-500";
        break;
      case "idle":
        label = "online, up to date";
        tone = "bg-emerald-500";
        break;
      case "connecting":
        label = "connecting";
        tone = "bg-sky-300";
        break;
      case "signed-out":
        label = "online, sign in to sync";
        tone = "bg-amber-500";
        break;
      case "error":
        label = "server unreachable, retrying";
        tone = "bg-amber-500";
        break;
      default:
        label = "online";
        tone = "bg-emerald-500";
    }
  }
  return (
    <span data-testid="network-indicator" data-online={online} data-sync={sync.main} title={sync.lastError} className="inline-flex items-center gap-1.5 text-sm">
      <span className={`h-2.5 w-2.5 rounded-full ${tone}`} aria-hidden />
      {label}
    </span>
  );
}
