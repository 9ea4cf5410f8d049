import { useState, type FormEvent } from "react";
import { useLogin } from "../hooks/use-login";

export function LoginForm(props: { defaultUsername?: string; onDone?: () => void; compact?: boolean }) {
  const [username, setUsername] = useState(props.defaultUsername ?? "");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
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
        <label className="flex flex-col gap-1 text-sm font-medium">
          Authenticator code
          <input
            data-testid="login-totp"
            name="totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]*"
            autoFocus
            className="rounded border border-slate-300 px-3 py-2 text-base tracking-widest"
            value={totp}
            onChange={(e) => setTotp(e.target.value)}
          />
        </label>
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
