/**
 * Web Push subscription (RFC 8030 / VAPID, RFC 8292). Assumed gateway endpoints:
 * GET /api/v1/push/vapid-public-key → {public_key} (base64url), and
 * POST /api/v1/push/subscriptions with {endpoint, keys: {p256dh, auth}} (Bearer), the
 * fields of couch_design_docs.models.PushSubscription that the browser knows.
 */
import { apiRequest } from "../../../lib/api-client";
import { accessToken } from "../../../lib/session";

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export async function enablePush(): Promise<"on" | "denied" | "unavailable"> {
  if (!pushSupported()) return "unavailable";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "denied";
  const registration = await navigator.serviceWorker.ready;
  const token = await accessToken();
  const { public_key } = await apiRequest<{ public_key: string }>("/api/v1/push/vapid-public-key", { token });
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(public_key) }));
  const { endpoint, keys } = subscription.toJSON();
  await apiRequest("/api/v1/push/subscriptions", { body: { endpoint, keys }, token });
  return "on";
}
