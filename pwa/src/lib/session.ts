/**
 * The signed-in user and their tokens, kept in localStorage so the app opens offline.
 * A refresh that the server refuses ends the tokens but keeps the user: their local work
 * stays and syncs after the next login.
 */
import { useSyncExternalStore } from "react";
import { ApiError, apiRequest } from "./api-client";
import type { ClinicId, Role, Username } from "./contract";

export interface SessionUser {
  username: Username;
  role: Role;
  clinic: ClinicId | null;
  databases: string[];
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: "bearer";
  expires_in: number;
  user: SessionUser;
}

export interface Session {
  user: SessionUser;
  accessToken: string | null;
  refreshToken: string | null;
  /** epoch ms */
  accessExpiresAt: number;
}

const KEY = "relaypacs.session.v1";
const listeners = new Set<() => void>();
let current: Session | null = load();

function load(): Session | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function save(next: Session | null): void {
  current = next;
  try {
    if (next) globalThis.localStorage?.setItem(KEY, JSON.stringify(next));
    else globalThis.localStorage?.removeItem(KEY);
  } catch {
    // storage full or disabled: the session still lives in memory
  }
  for (const l of listeners) l();
}

export const getSession = (): Session | null => current;

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}

export function hasTokens(session: Session | null): boolean {
  return !!session?.refreshToken;
}

export function saveTokens(res: TokenResponse): Session {
  const session: Session = {
    user: res.user,
    accessToken: res.access_token,
    refreshToken: res.refresh_token,
    accessExpiresAt: Date.now() + Math.max(0, res.expires_in - 15) * 1000,
  };
  save(session);
  return session;
}

/** Forget the tokens (refresh refused, or logout) but keep who the local data belongs to. */
export function dropTokens(): void {
  if (current) save({ ...current, accessToken: null, refreshToken: null, accessExpiresAt: 0 });
}

export function forgetUser(): void {
  save(null);
}

export type RefreshOutcome = "ok" | "expired" | "offline";
let inflight: Promise<RefreshOutcome> | null = null;

/** One refresh at a time, however many requests hit a 401 together. */
export function refreshSession(): Promise<RefreshOutcome> {
  inflight ??= (async () => {
    const refreshToken = current?.refreshToken;
    if (!refreshToken) return "expired";
    try {
      saveTokens(await apiRequest<TokenResponse>("/api/v1/auth/refresh", { body: { refresh_token: refreshToken } }));
      return "ok";
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        dropTokens();
        return "expired";
      }
      return "offline";
    }
  })().finally(() => {
    inflight = null;
  });
  return inflight;
}

/** A usable access token, refreshed first if it is about to expire (and we are online). */
export async function accessToken(): Promise<string | null> {
  if (!current?.refreshToken) return null;
  if (current.accessToken && Date.now() < current.accessExpiresAt) return current.accessToken;
  const outcome = await refreshSession();
  return outcome === "ok" ? current?.accessToken ?? null : current?.accessToken ?? null;
}
