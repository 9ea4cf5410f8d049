import type { SessionUser } from "../lib/session";
import { useOnline } from "../lib/use-online";
import { useSyncState } from "../lib/user-context";
import { InstallButton } from "../features/device/components/InstallButton";
import { NetworkIndicator } from "../features/sync/components/NetworkIndicator";
import { PendingSummary } from "../features/sync/components/PendingSummary";
import { useNotifications } from "../features/notifications/hooks/use-notifications";
import type { Route } from "./use-hash-route";

const NAV: { page: Route["page"]; label: string }[] = [
  { page: "capture", label: "Capture" },
  { page: "studies", label: "Studies" },
  { page: "reports", label: "Reports" },
  { page: "inbox", label: "Inbox" },
];

export function Header(props: { user: SessionUser; route: Route; onLogout: () => void }) {
  const online = useOnline();
  const sync = useSyncState();
  const { unread } = useNotifications();
  return (
    <header className="sticky top-0 z-10 bg-teal-800 text-white shadow">
      <div className="mx-auto flex max-w-3xl flex-wrap items-center justify-between gap-2 px-4 py-2">
        <div className="flex items-center gap-2 font-bold">
          <img src="/icons/favicon.svg" alt="" className="h-6 w-6" />
          RelayPACS
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <NetworkIndicator online={online} sync={sync} />
          <InstallButton />
          <span className="text-sm opacity-80" data-testid="current-user">
            {props.user.username}
          </span>
          <button data-testid="logout-button" onClick={props.onLogout} className="text-sm underline">
            Sign out
          </button>
        </div>
      </div>
      <div className="mx-auto flex max-w-3xl items-center justify-between gap-2 px-4 pb-1 text-teal-50">
        <PendingSummary sync={sync} online={online} />
      </div>
      <nav className="mx-auto flex max-w-3xl gap-1 px-2">
        {NAV.map((n) => (
          <a
            key={n.page}
            href={`#/${n.page}`}
            data-testid={`nav-${n.page}`}
            aria-current={props.route.page === n.page ? "page" : undefined}
            className={`rounded-t px-3 py-2 text-sm font-semibold ${props.route.page === n.page ? "bg-slate-50 text-teal-900" : "text-teal-50"}`}
          >
            {n.label}
            {n.page === "inbox" && unread > 0 && (
              <span data-testid="unread-count" className="ml-1 rounded-full bg-rose-500 px-1.5 text-xs text-white">
                {unread}
              </span>
            )}
          </a>
        ))}
      </nav>
    </header>
  );
}
