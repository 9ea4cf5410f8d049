import { useCallback, useEffect, useState } from "react";

export interface StorageInfo {
  usage?: number;
  quota?: number;
  persisted?: boolean;
}

/** Asks once for persistent storage (so the browser does not evict unsent studies) and shows the estimate. */
export function useStorage(refreshKey: unknown): StorageInfo {
  const [info, setInfo] = useState<StorageInfo>({});
  const refresh = useCallback(async () => {
    const storage = navigator.storage;
    if (!storage) return;
    const [estimate, persisted] = await Promise.all([
      storage.estimate?.().catch(() => undefined),
      storage.persisted?.().catch(() => undefined),
    ]);
    setInfo({ usage: estimate?.usage, quota: estimate?.quota, persisted });
  }, []);
  useEffect(() => {
    const storage = navigator.storage;
    void (async () => {
      if (storage?.persisted && !(await storage.persisted().catch(() => true))) {
        await storage.persist?.().catch(() => false);
      }
      await refresh();
    })();
  }, [refresh]);
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), 15000);
    return () => clearInterval(t);
  }, [refresh, refreshKey]);
  return info;
}
