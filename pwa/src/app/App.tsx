import { hasTokens, useSession } from "../lib/session";
import { UserDataProvider } from "../lib/user-context";
import { LoginForm } from "../features/auth/components/LoginForm";
import { CaptureProvider } from "../features/capture/hooks/use-capture";
import { Shell } from "./Shell";

/**
 * Signed in once → the app opens from local data, online or not. Without a stored user,
 * the login screen (which needs the network once).
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
  return (
    <UserDataProvider key={session.user.username} user={session.user} signedIn={hasTokens(session)}>
      <CaptureProvider>
        <Shell user={session.user} signedIn={hasTokens(session)} />
      </CaptureProvider>
    </UserDataProvider>
  );
}
