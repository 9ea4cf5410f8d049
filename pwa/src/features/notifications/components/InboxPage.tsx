import { formatDateTime } from "../../../lib/format";
import { notificationHash } from "../../../lib/links";
import { useUserData } from "../../../lib/user-context";
import { markRead } from "../api/mark-read";
import { useNotifications } from "../hooks/use-notifications";

export function InboxPage() {
  const { mainDb } = useUserData();
  const { list, unread } = useNotifications();
  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-bold">Notifications</h1>
        <button
          data-testid="mark-all-read"
          disabled={!unread}
          onClick={() => void markRead(mainDb, list)}
          className="text-sm text-teal-800 underline disabled:text-slate-400 disabled:no-underline"
        >
          Mark all read
        </button>
      </div>
      {list.length === 0 && <p className="text-center text-slate-500">Nothing yet.</p>}
      <ul className="flex flex-col gap-2">
        {list.map((n) => (
          <li
            key={n._id}
            data-testid="notification-item"
            data-read={n.read}
            data-kind={n.kind}
            className={`flex items-start justify-between gap-3 rounded-xl p-3 shadow-sm ${n.read ? "bg-white" : "bg-teal-50 ring-1 ring-teal-200"}`}
          >
            <a href={notificationHash(n)} data-testid="notification-link" className="flex flex-col">
              <span className={n.read ? "" : "font-semibold"}>{n.title}</span>
              {n.body && <span className="text-sm text-slate-600">{n.body}</span>}
              <span className="text-xs text-slate-500">{formatDateTime(n.created_at)}</span>
            </a>
            {!n.read && (
              <button data-testid="mark-read-button" onClick={() => void markRead(mainDb, [n])} className="shrink-0 text-sm text-teal-800 underline">
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
