import { useState, type FormEvent } from "react";
import { useLogin } from "../hooks/use-login";

export function LoginForm(props: { defaultUsername?: string; onDone?: () => void; compact?: boolean }) {
  const [username, setUsername] = useState(props.defaultUsername ?? "");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  // a recovery code (hex, with a dash) cannot be typed on the numeric keypad the app's code gets
  const [recovery, setRecovery] = useState(false);
  const { submit, needTotp, error, busy } = useLogin(props.onDone);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit({ username, password, totpCode: needTotp ? totp : undefined });
  };

  return (
    <form onSubmit={onSubmit} data-testid="login-form" className="flex w-full max-w-sm flex-col gap-3" noValidate>
      {!props.compact && <h1 className="text-2xl font-bold text-teal-800">Sign in to RelayPACS</h1>}
      <label className="flex flex-col gap-1 text-sm font-medium">
        Username
        <input
          data-testid="login-username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          className="rounded border border-slate-300 px-3 py-2 text-base"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
        />
      </label>
      <label className="flex flex-col gap-1 text-sm font-medium">
        Password
        <input
          data-testid="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          className="rounded border border-slate-300 px-3 py-2 text-base"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      {needTotp && (
        <>
          <label className="flex flex-col gap-1 text-sm font-medium">
            {recovery ? "Recovery code" : "Authenticator code"}
            <input
              key={recovery ? "recovery" : "app"}
              data-testid="login-totp"
              name="totp"
              inputMode={recovery ? "text" : "numeric"}
              autoComplete={recovery ? "off" : "one-time-code"}
              autoCapitalize="none"
              pattern={recovery ? undefined : "[0-9 ]*"}
              autoFocus
              className="rounded border border-slate-300 px-3 py-2 text-base tracking-widest"
              value={totp}
              onChange={(e) => setTotp(e.target.value)}
            />
          </label>
          <button
            type="button"
            data-testid="login-use-recovery"
            className="self-start text-sm text-teal-800 underline"
            onClick={() => {
              setRecovery(!recovery);
              setTotp("");
            }}
          >
            {recovery ? "Use the code from my authenticator app" : "Lost your phone? Use a recovery code"}
          </button>
        </>
      )}
      {error && (
        <p role="alert" data-testid="login-error" className="rounded bg-rose-50 px-3 py-2 text-sm text-rose-800">
          {error}
        </p>
      )}
      <button
        data-testid="login-submit"
        type="submit"
        disabled={busy || !username || !password}
        className="rounded bg-teal-700 px-4 py-2 font-semibold text-white disabled:opacity-50"
      >
        {busy ? "Signing in…" : needTotp ? "Verify code" : "Sign in"}
      </button>
    </form>
  );
}
