/**
 * The gateway's admin API (`/api/v1/admin/*`, administrators only; routes in
 * sync_gateway/routes.py), typed. Every call goes through one `send` (the signed-in
 * request by default), so tests pass a fake. Health, failures and the audit trail answer
 * `Maybe`: a gateway without those endpoints (404) is shown as "not available", not an error.
 */
import { ApiError } from "../../../lib/api-client";
import { authedRequest, query, type AuthedRequest } from "../../../lib/authed-request";
import type { ClinicId, StudyId, Username } from "../../../lib/contract";
import type {
  AdminClinic,
  AdminUser,
  AuditEvent,
  AuditQuery,
  ClinicChange,
  Destination,
  Failure,
  Maybe,
  NewClinic,
  NewUser,
  RetryAnswer,
  SystemHealth,
} from "./types";

const BASE = "/api/v1/admin";
const seg = encodeURIComponent;

export async function maybe<T>(call: Promise<T>): Promise<Maybe<T>> {
  try {
    return { available: true, data: await call };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404)
      return { available: false, reason: "This server does not offer this yet." };
    throw err;
  }
}

/** Only the fields the gateway's models accept (no `has_secret`; `secret` only when typed). */
export function destinationBody(d: Destination): Destination {
  const out: Destination = { name: d.name.trim(), kind: d.kind, stow_url: d.stow_url.trim(), auth: d.auth };
  if (d.auth !== "none" && d.username) out.username = d.username;
  if (d.auth !== "none" && d.secret) out.secret = d.secret;
  if (d.viewer_url_template) out.viewer_url_template = d.viewer_url_template;
  if (d.enabled === false) out.enabled = false;
  return out;
}

export function adminApi(send: AuthedRequest = authedRequest) {
  return {
    // users
    listUsers: (clinic?: ClinicId) => send<AdminUser[]>(`${BASE}/users${query({ clinic })}`),
    createUser: (user: NewUser) =>
      send<AdminUser>(`${BASE}/users`, {
        method: "POST",
        body: { ...user, clinic: user.clinic || null, email: user.email || null },
      }),
    disableUser: (username: Username) => send<AdminUser>(`${BASE}/users/${seg(username)}/disable`, { method: "POST" }),
    enableUser: (username: Username) => send<AdminUser>(`${BASE}/users/${seg(username)}/enable`, { method: "POST" }),
    resetPassword: (username: Username, password: string) =>
      send<AdminUser>(`${BASE}/users/${seg(username)}/password`, { method: "POST", body: { password } }),
    resetTotp: (username: Username) => send<AdminUser>(`${BASE}/users/${seg(username)}/totp/reset`, { method: "POST" }),
    // clinics and their PACS destinations
    listClinics: () => send<AdminClinic[]>(`${BASE}/clinics`),
    createClinic: (clinic: NewClinic) =>
      send<AdminClinic>(`${BASE}/clinics`, {
        method: "POST",
        body: { ...clinic, destinations: (clinic.destinations ?? []).map(destinationBody) },
      }),
    updateClinic: (clinicId: ClinicId, change: ClinicChange) =>
      send<AdminClinic>(`${BASE}/clinics/${seg(clinicId)}`, {
        method: "PATCH",
        body: change.destinations ? { ...change, destinations: change.destinations.map(destinationBody) } : change,
      }),
    setDestinations: (clinicId: ClinicId, destinations: Destination[]) =>
      send<AdminClinic>(`${BASE}/clinics/${seg(clinicId)}/destinations`, { method: "PUT", body: destinations.map(destinationBody) }),
    // health, failures, retry, audit
    health: () => maybe(send<SystemHealth>(`${BASE}/health`)),
    failures: (clinic?: ClinicId, limit?: number) => maybe(send<Failure[]>(`${BASE}/failures${query({ clinic, limit })}`)),
    retry: (clinicId: ClinicId, studyId: StudyId) =>
      send<RetryAnswer>(`${BASE}/clinics/${seg(clinicId)}/studies/${seg(studyId)}/retry`, { method: "POST" }),
    audit: (q: AuditQuery = {}) => maybe(send<AuditEvent[]>(`${BASE}/audit${query({ ...q })}`)),
  };
}

export type AdminApi = ReturnType<typeof adminApi>;
