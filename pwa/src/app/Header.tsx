import type { ReactNode } from "react";
import type { SessionUser } from "../lib/session";
import { useOnline } from "../lib/use-online";
import { useSyncState } from "../lib/user-context";
import { InstallButton } from "../features/device/components/InstallButton";
import { NetworkIndicator } from "../features/sync/components/NetworkIndicator";
import { PendingSummary } from "../features/sync/components/PendingSummary";
import { useNotifications } from "../features/notifications/hooks/use-notifications";
import { PAGES_BY_ROLE, type Page, type Route } from "./use-hash-route";

const LABELS: Record<Page, string> = {
  capture: "Capture",
  studies: "Studies",
  reports: "Reports",
  inbox: "Inbox",
  desk: "Worklist",
  admin: "Administration",
  account: "Account",
};

/** Brand, user, sign-out and the role's tabs; `status` and `badges` come from the caller. */
export function HeaderBar(props: {
  user: SessionUser;
  route: Route;
  onLogout: () => void;
  status?: ReactNode;
  below?: ReactNode;
  badges?: Partial<Record<Page, number>>;
  wide?: boolean;
}) {
  const width = props.wide ? "max-w-6xl" : "max-w-3xl";
  const nav = PAGES_BY_ROLE[props.user.role] ?? PAGES_BY_ROLE.clinician;
  return (
    <header className="sticky top-0 z-10 bg-teal-800 text-white shadow">
      <div className={`mx-auto flex ${width} flex-wrap items-center justify-between gap-2 px-4 py-2`}>
        <div className="flex items-center gap-2 font-bold">
          <img src="/icons/favicon.svg" alt="" className="h-6 w-6" />
          RelayPACS
        </div>
        <div className="flex flex-wrap items-center gap-3">
          {props.status}
          <span className="text-sm opacity-80" data-testid="current-user" data-role={props.user.role}>
            {props.user.username}
          </span>
          <button data-testid="logout-button" onClick={props.onLogout} className="text-sm underline">
            Sign out
          </button>
        </div>
      </div>
      {props.below && <div className={`mx-auto flex ${width} items-center justify-between gap-2 px-4 pb-1 text-teal-50`}>{props.below}</div>}
      <nav className={`mx-auto flex ${width} gap-1 overflow-x-auto whitespace-nowrap px-2`}>
        {nav.map((page) => {
          const count = props.badges?.[page] ?? 0;
          return (
            <a
              key={page}
              href={`#/${page}`}
              data-testid={`nav-${page}`}
              aria-current={props.route.page === page ? "page" : undefined}
              className={`rounded-t px-3 py-2 text-sm font-semibold ${props.route.page === page ? "bg-slate-50 text-teal-900" : "text-teal-50"}`}
            >
              {LABELS[page]}
              {page === "inbox" && count > 0 && (
                <span data-testid="unread-count" className="ml-1 rounded-full bg-rose-500 px-1.5 text-xs text-white">
                  {count}
                </span>
              )}
            </a>
          );
        })}
      </nav>
    </header>
  );
}

/** The header of the replicating apps (clinic and desk): link and sync state, unread count. */
export function Header(props: { user: SessionUser; route: Route; onLogout: () => void }) {
  const online = useOnline();
  const sync = useSyncState();
  const { unread } = useNotifications();
  const isDesk = props.user.role === "radiologist";
  return (
    <HeaderBar
      user={props.user}
      route={props.route}
      onLogout={props.onLogout}
      wide={isDesk}
      badges={{ inbox: unread }}
      status={
        <>
          <NetworkIndicator online={online} sync={sync} />
          <InstallButton />
        </>
      }
      below={isDesk ? undefined : <PendingSummary sync={sync} online={online} />}
    />
  );
}
