import type { SessionUser } from "../../../lib/session";
import { TwoFactorPanel } from "../../auth/components/TwoFactorPanel";

/** The signed-in person's own settings: who they are here, and how they sign in. */
export function AccountPage({ user }: { user: SessionUser }) {
  return (
    <div className="flex flex-col gap-4" data-testid="account-page">
      <section className="rounded-xl bg-white p-4 text-sm text-slate-700 shadow-sm">
        Signed in as <strong data-testid="account-username">{user.username}</strong> ({user.role}
        {user.clinic ? `, clinic ${user.clinic}` : ""}).
      </section>
      <TwoFactorPanel />
    </div>
  );
}
