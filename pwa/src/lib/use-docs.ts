/**
 * Live local queries: every document whose id starts with a prefix (ids are typed by
 * prefix, `study:`, `status:`…), reloaded when one of them changes locally — whether
 * the change came from this app or from replication.
 */
import { useEffect, useState } from "react";
import { onDocChange } from "./db-events";

export function useDocs<T>(db: PouchDB.Database, prefix: string, filter?: (doc: T) => boolean): T[] {
  const [docs, setDocs] = useState<T[]>([]);
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = async () => {
      const res = await db.allDocs({ startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true });
      if (cancelled) return;
      const list = res.rows.map((r) => r.doc as unknown as T).filter((d) => d && (!filter || filter(d)));
      setDocs(list);
    };
    void load().catch(() => undefined);
    const unsubscribe = onDocChange(db, (id) => {
      if (!id.startsWith(prefix)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void load().catch(() => undefined), 80);
    });
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
    // the filter is a closure over stable values (the username); the prefix is the key
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [db, prefix]);
  return docs;
}
