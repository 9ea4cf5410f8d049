import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError } from "../../../lib/api-client";
import { adminApi, type AdminApi } from "../api/admin-api";

export function useAdminApi(): AdminApi {
  return useMemo(() => adminApi(), []);
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.offline) return "No connection to the server.";
    return `${err.reason || err.error} (${err.status})`;
  }
  return (err as Error)?.message ?? String(err);
}

/** Load once (and on `reload()`, or every `refreshMs`), keeping the last good data on error. */
export function useLoad<T>(load: () => Promise<T>, refreshMs?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await loadRef.current());
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    void reload();
    if (!refreshMs) return;
    const t = setInterval(() => void reload(), refreshMs);
    return () => clearInterval(t);
  }, [reload, refreshMs]);
  return { data, error, loading, reload };
}

/** Runs one admin action at a time, with a message for the person. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await what();
      setMessage(done);
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, error, run };
}
