/** POST /api/v1/auth/login: password first, then the authenticator code when enrolled. */
import { ApiError, apiRequest } from "../../../lib/api-client";
import { saveTokens, type Session, type TokenResponse } from "../../../lib/session";

export interface Credentials {
  username: string;
  password: string;
  totpCode?: string;
}

export class TotpRequiredError extends Error {
  constructor(readonly invalidCode: boolean) {
    super(invalidCode ? "That code did not work: try the current one" : "Enter the code from your authenticator app");
    this.name = "TotpRequiredError";
  }
}

export async function login(c: Credentials): Promise<Session> {
  const body: Record<string, string> = { username: c.username.trim().toLowerCase(), password: c.password };
  if (c.totpCode) body.totp_code = c.totpCode.replace(/\s+/g, "");
  try {
    return saveTokens(await apiRequest<TokenResponse>("/api/v1/auth/login", { body }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && /totp/i.test(err.error)) {
      throw new TotpRequiredError(!!c.totpCode);
    }
    throw err;
  }
}
