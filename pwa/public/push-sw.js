/* Web Push for RelayPACS, imported into the generated service worker (Workbox importScripts).
 * The bridge sends {title, body, url, tag?, unread?}; the badge follows the unread count when
 * given. `url` names a page by path (`/studies/<id>`, `/reports/<id>`, `/desk/<clinic>/<id>`);
 * the app routes by hash, so a click opens `/#/studies/<id>` (same rule as src/lib/links.ts):
 * an open window is told to go there (no reload: a draft report being typed stays), else a
 * new window opens on it. */
function appUrl(url) {
  try {
    var u = new URL(url || "/", self.location.origin);
    if (u.origin !== self.location.origin) return "/";
    if (u.hash.indexOf("#/") === 0) return "/" + u.hash;
    var path = u.pathname.replace(/^\/+|\/+$/g, "");
    return path ? "/#/" + path : "/";
  } catch (e) {
    return "/";
  }
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { title: event.data ? event.data.text() : "RelayPACS" };
  }
  const title = data.title || "RelayPACS";
  const jobs = [
    self.registration.showNotification(title, {
      body: data.body || "",
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      tag: data.tag || data.url || title,
      data: { url: appUrl(data.url) },
    }),
  ];
  if (self.navigator && self.navigator.setAppBadge) {
    const badge = typeof data.unread === "number" ? self.navigator.setAppBadge(data.unread) : self.navigator.setAppBadge();
    jobs.push(Promise.resolve(badge).catch(() => undefined));
  }
  event.waitUntil(Promise.all(jobs));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
      for (const client of list) {
        if ("focus" in client) {
          client.postMessage({ type: "relaypacs:navigate", url: url });
          return client.focus();
        }
      }
      return self.clients.openWindow(url);
    }),
  );
});
