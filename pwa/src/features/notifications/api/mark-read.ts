/** The owner may flip `read`/`read_at` on their own notifications (nothing else changes). */
import { nowIso, type Notification } from "../../../lib/contract";

export async function markRead(db: PouchDB.Database, notes: Notification[]): Promise<void> {
  const unread = notes.filter((n) => !n.read);
  if (!unread.length) return;
  const at = nowIso();
  await db.bulkDocs(unread.map((n) => ({ ...n, read: true, read_at: at })));
}
