import { hasTokens, useSession } from "../lib/session";
import { UserDataProvider } from "../lib/user-context";
import { LoginForm } from "../features/auth/components/LoginForm";
import { CaptureProvider } from "../features/capture/hooks/use-capture";
import { AdminShell } from "./AdminShell";
import { Shell } from "./Shell";

/**
 * Signed in once → the app opens from local data, online or not. Without a stored user,
 * the login screen (which needs the network once). The role picks the app: clinicians and
 * radiographers capture and follow their studies, radiologists work the desk, an
 * administrator gets the admin page (no local replica).
 */
export function App() {
  const session = useSession();
  if (!session) {
    return (
      <main className="flex min-h-dvh items-center justify-center p-6">
        <LoginForm />
      </main>
    );
  }
  const { user } = session;
  if (user.role === "admin") return <AdminShell key={user.username} user={user} signedIn={hasTokens(session)} />;
  const shell = <Shell user={user} signedIn={hasTokens(session)} />;
  return (
    <UserDataProvider key={user.username} user={user} signedIn={hasTokens(session)}>
      {user.role === "radiologist" ? shell : <CaptureProvider>{shell}</CaptureProvider>}
    </UserDataProvider>
  );
}
