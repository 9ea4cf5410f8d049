/**
 * Two-factor sign-in for the signed-in user: enrol an authenticator app, confirm it with one
 * of its codes, and get the one-time recovery codes (shown once: the gateway keeps hashes).
 */
import { ApiError } from "../../../lib/api-client";
import { authedRequest, type AuthedRequest } from "../../../lib/authed-request";

export interface Enrolment {
  /** base32, typed into an authenticator app by hand when the link cannot be opened */
  secret: string;
  /** otpauth://totp/... : opens the authenticator app on the same phone */
  otpauth_uri: string;
}

export function totpApi(send: AuthedRequest = authedRequest) {
  return {
    /** whether two-factor sign-in is on for the signed-in user */
    enabled: async () => (await send<{ totp_enabled: boolean }>("/api/v1/auth/me")).totp_enabled,
    enrol: () => send<Enrolment>("/api/v1/auth/totp/enrol", { method: "POST" }),
    confirm: async (code: string) =>
      (await send<{ recovery_codes: string[] }>("/api/v1/auth/totp/confirm", { method: "POST", body: { code: code.replace(/\s+/g, "") } }))
        .recovery_codes,
  };
}

export type TotpApi = ReturnType<typeof totpApi>;

/** The secret in groups of four, the way authenticator apps ask for it. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?!$)/g, "$1 ");
}

/** What went wrong, in words for the person holding the phone. */
export function totpProblem(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.offline) return "No connection: two-factor sign-in is set up while online.";
    if (err.error === "totp_invalid") return "That code did not work: type the code your app shows now.";
    if (err.reason) return err.reason;
  }
  return "Something went wrong: try again.";
}
