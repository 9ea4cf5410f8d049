import { forgetUser, type SessionUser } from "../lib/session";
import { useOnline } from "../lib/use-online";
import { AccountPage } from "../features/account/components/AccountPage";
import { logout } from "../features/auth/api/logout";
import { LoginForm } from "../features/auth/components/LoginForm";
import { AdminPage } from "../features/admin/components/AdminPage";
import { HeaderBar } from "./Header";
import { useHashRoute } from "./use-hash-route";

/** The administrator's app: no local replica, everything through the admin API (online). */
export function AdminShell({ user, signedIn }: { user: SessionUser; signedIn: boolean }) {
  const route = useHashRoute(user.role);
  const online = useOnline();
  const onLogout = async () => {
    await logout();
    forgetUser();
  };
  return (
    <div className="min-h-dvh">
      <HeaderBar
        user={user}
        route={route}
        wide
        onLogout={() => void onLogout()}
        status={!online ? <span className="text-sm text-amber-200" data-testid="network-indicator" data-online="false">offline</span> : undefined}
      />
      <main className="mx-auto flex max-w-6xl flex-col gap-4 p-4">
        {signedIn ? (
          route.page === "account" ? <AccountPage user={user} /> : <AdminPage tab={route.param} />
        ) : (
          <section className="flex flex-col gap-2 rounded-xl bg-amber-50 p-4 ring-1 ring-amber-200" data-testid="signed-out-banner">
            <p className="text-sm text-amber-900">Your session has ended. Sign in again to administer RelayPACS.</p>
            <LoginForm compact defaultUsername={user.username} />
          </section>
        )}
      </main>
    </div>
  );
}
