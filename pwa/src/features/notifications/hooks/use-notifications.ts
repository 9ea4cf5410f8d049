import { useCallback, useEffect } from "react";
import { notificationPrefix, type Notification } from "../../../lib/contract";
import { useDocs } from "../../../lib/use-docs";
import { useUserData } from "../../../lib/user-context";

type BadgeNavigator = Navigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };

export function useNotifications(): { list: Notification[]; unread: number } {
  const { mainDb, user } = useUserData();
  const mine = useCallback((n: Notification) => n.user === user.username, [user.username]);
  const list = useDocs<Notification>(mainDb, notificationPrefix(user.username), mine).sort((a, b) =>
    b.created_at.localeCompare(a.created_at),
  );
  const unread = list.filter((n) => !n.read).length;
  useEffect(() => {
    const nav = navigator as BadgeNavigator;
    if (!nav.setAppBadge) return;
    const done = unread ? nav.setAppBadge(unread) : nav.clearAppBadge?.();
    void done?.catch(() => undefined);
  }, [unread]);
  return { list, unread };
}
