/* Web Push for RelayPACS, imported into the generated service worker (Workbox importScripts).
 * The bridge sends {title, body, url, unread?}; the badge follows the unread count when given. */
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
      data: { url: data.url || "/" },
    }),
  ];
  if (typeof data.unread === "number" && self.navigator && self.navigator.setAppBadge) {
    jobs.push(self.navigator.setAppBadge(data.unread).catch(() => undefined));
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
          if ("navigate" in client && url !== "/") client.navigate(url).catch(() => undefined);
          return client.focus();
        }
      }
      return self.clients.openWindow(url);
    }),
  );
});
