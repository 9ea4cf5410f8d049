import { forgetUser, type SessionUser } from "../lib/session";
import { useSyncState } from "../lib/user-context";
import { AccountPage } from "../features/account/components/AccountPage";
import { logout } from "../features/auth/api/logout";
import { LoginForm } from "../features/auth/components/LoginForm";
import { CapturePage } from "../features/capture/components/CapturePage";
import { DashboardPage } from "../features/dashboard/components/DashboardPage";
import { DeskPage } from "../features/desk/components/DeskPage";
import { StorageInfo } from "../features/device/components/StorageInfo";
import { PushToggle } from "../features/device/components/PushToggle";
import { InboxPage } from "../features/notifications/components/InboxPage";
import { ReportsPage } from "../features/reports/components/ReportsPage";
import { Header } from "./Header";
import { useHashRoute } from "./use-hash-route";

function SignedOutBanner({ user, isDesk }: { user: SessionUser; isDesk: boolean }) {
  return (
    <section className="flex flex-col gap-2 rounded-xl bg-amber-50 p-4 ring-1 ring-amber-200" data-testid="signed-out-banner">
      <p className="text-sm text-amber-900">
        {isDesk
          ? "Your session has ended. Your draft reports are safe on this device and sync after you sign in again."
          : "Your session has ended. Everything you captured is safe on this device and goes out after you sign in again."}
      </p>
      <LoginForm compact defaultUsername={user.username} />
    </section>
  );
}

/** The replicating app: the clinic's (capture, studies, reports) or the radiology desk. */
export function Shell({ user, signedIn }: { user: SessionUser; signedIn: boolean }) {
  const route = useHashRoute(user.role);
  const sync = useSyncState();
  const isDesk = user.role === "radiologist";

  const onLogout = async () => {
    if (sync.pending && !confirm(`${sync.pending} studies are not sent yet. They stay on this phone and go out after you sign in again. Sign out?`)) return;
    await logout();
    forgetUser();
  };

  return (
    <div className="min-h-dvh">
      <Header user={user} route={route} onLogout={() => void onLogout()} />
      <main className={`mx-auto flex ${isDesk ? "max-w-6xl" : "max-w-3xl"} flex-col gap-4 p-4`}>
        {!signedIn && <SignedOutBanner user={user} isDesk={isDesk} />}
        {isDesk ? (
          route.page === "desk" && <DeskPage clinic={route.rest[0]} studyId={route.rest[1]} signedIn={signedIn} />
        ) : (
          /* Capture stays mounted so files keep saving while you look at other screens. */
          <div hidden={route.page !== "capture"}>
            <CapturePage />
          </div>
        )}
        {route.page === "studies" && <DashboardPage />}
        {route.page === "reports" && <ReportsPage focus={route.param} />}
        {route.page === "account" && <AccountPage user={user} />}
        {route.page === "inbox" && (
          <>
            <InboxPage />
            <PushToggle />
          </>
        )}
        {!isDesk && (
          <StorageInfo refreshKey={`${sync.pendingBytes}:${Object.values(sync.studies).filter((s) => s.phase === "freed").length}`} />
        )}
      </main>
    </div>
  );
}
