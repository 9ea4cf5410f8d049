/**
 * Links into the app from outside it (push payloads, notification documents): the bridge
 * and gateway speak in paths (`/studies/<id>`, `/reports/<id>`, `/desk/<clinic>/<id>`),
 * the app routes by hash (`#/studies/<id>`). public/push-sw.js applies the same rule.
 */
import type { Notification } from "./contract";

export function hashForUrl(url: string | undefined | null, fallback = "#/"): string {
  if (!url) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(url, "http://app.invalid");
  } catch {
    return fallback;
  }
  if (parsed.hash.startsWith("#/")) return parsed.hash;
  const path = parsed.pathname.replace(/^\/+|\/+$/g, "");
  return path ? `#/${path}` : fallback;
}

/** Where a notification leads: its `url` when it has one, else by kind. */
export function notificationHash(n: Pick<Notification, "kind" | "study_id" | "clinic" | "url">): string {
  if (n.url) return hashForUrl(n.url);
  if (n.kind === "report_final") return `#/reports/${n.study_id}`;
  if (n.kind === "study_urgent") return `#/desk/${n.clinic}/${n.study_id}`;
  return `#/studies/${n.study_id}`;
}
