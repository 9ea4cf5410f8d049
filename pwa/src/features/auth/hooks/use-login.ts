import { useState } from "react";
import { ApiError } from "../../../lib/api-client";
import { login, TotpRequiredError, type Credentials } from "../api/login";

export function useLogin(onDone?: () => void) {
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(c: Credentials) {
    setBusy(true);
    setError(null);
    try {
      await login(c);
      onDone?.();
    } catch (err) {
      if (err instanceof TotpRequiredError) {
        setNeedTotp(true);
        if (err.invalidCode) setError(err.message);
      } else if (err instanceof ApiError) {
        setError(err.offline ? "No connection: sign in once while online." : err.reason || "Sign-in failed");
      } else {
        setError("Sign-in failed");
      }
    } finally {
      setBusy(false);
    }
  }

  return { submit, needTotp, error, busy };
}
