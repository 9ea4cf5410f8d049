/**
 * One live local changes feed per database, shared by every subscriber (each screen and
 * the sync engine used to open its own, which PouchDB warns about past ten listeners).
 */
type Listener = (id: string) => void;

interface Feed {
  listeners: Set<Listener>;
  changes: PouchDB.Core.Changes<object>;
}

const feeds = new WeakMap<PouchDB.Database, Feed>();

export function onDocChange(db: PouchDB.Database, listener: Listener): () => void {
  let feed = feeds.get(db);
  if (!feed) {
    const listeners = new Set<Listener>();
    const changes = db
      .changes({ since: "now", live: true })
      .on("change", (c) => {
        for (const l of listeners) l(c.id);
      })
      .on("error", () => feeds.delete(db));
    feed = { listeners, changes };
    feeds.set(db, feed);
  }
  const current = feed;
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (!current.listeners.size) {
      current.changes.cancel();
      if (feeds.get(db) === current) feeds.delete(db);
    }
  };
}
