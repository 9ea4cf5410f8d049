/**
 * The one HTTP client for the gateway's JSON API (`/api/v1/...`, same origin). Errors
 * come back as ApiError with the gateway's `{error, reason}`; a network failure is
 * status 0 so callers can tell "offline" from "refused".
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
  ) {
    super(reason || error);
    this.name = "ApiError";
  }

  get offline(): boolean {
    return this.status === 0;
  }
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  token?: string | null;
  signal?: AbortSignal;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? (options.body === undefined ? "GET" : "POST"),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: "same-origin",
    });
  } catch (err) {
    if ((err as Error)?.name === "AbortError") throw err;
    throw new ApiError(0, "network", "No connection to the server");
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const body = (data ?? {}) as { error?: string; reason?: string; detail?: unknown };
    const reason = body.reason ?? (typeof body.detail === "string" ? body.detail : "") ?? "";
    throw new ApiError(res.status, body.error ?? `http_${res.status}`, reason || res.statusText);
  }
  return data as T;
}
