/** POST /api/v1/auth/logout, best effort: the local tokens go whatever the server says. */
import { apiRequest } from "../../../lib/api-client";
import { dropTokens, getSession } from "../../../lib/session";

export async function logout(): Promise<void> {
  const token = getSession()?.accessToken;
  try {
    if (token) await apiRequest("/api/v1/auth/logout", { method: "POST", body: {}, token });
  } catch {
    // offline or already expired: the tokens are dropped below anyway
  } finally {
    dropTokens();
  }
}
