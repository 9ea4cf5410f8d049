/**
 * `apiRequest` as the signed-in user: the access token (refreshed first when about to
 * expire) and one refresh-and-retry on a 401, the same rule the PouchDB client follows.
 */
import { ApiError, apiRequest, type RequestOptions } from "./api-client";
import { accessToken, refreshSession } from "./session";

export type AuthedRequest = <T>(path: string, options?: Omit<RequestOptions, "token">) => Promise<T>;

export const authedRequest: AuthedRequest = async <T,>(path: string, options: Omit<RequestOptions, "token"> = {}) => {
  try {
    return await apiRequest<T>(path, { ...options, token: await accessToken() });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    if ((await refreshSession()) !== "ok") throw err;
    return apiRequest<T>(path, { ...options, token: await accessToken() });
  }
};

/** `?a=1&b=x` from the defined values only (empty string when none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
