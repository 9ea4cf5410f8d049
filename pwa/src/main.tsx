import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { registerSW } from "virtual:pwa-register";
import { App } from "./app/App";
import { hashForUrl } from "./lib/links";
import "./index.css";

// Links from outside (push payloads, notification documents) name pages by path
// (`/studies/<id>`); the gateway answers any such path with the app, which routes by hash.
if (location.pathname !== "/" && !location.hash) history.replaceState(null, "", "/" + hashForUrl(location.pathname + location.search));

// Precaches the app shell so the second visit opens with no network at all.
if ("serviceWorker" in navigator) {
  registerSW({ immediate: true });
  // A click on a push notification while the app is open: go to its page without a reload.
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data as { type?: string; url?: string } | null;
    if (data?.type === "relaypacs:navigate") location.hash = hashForUrl(data.url).slice(1);
  });
}

// PouchDB 9's replicator updates its task list with `src.info().then(…)` and no catch, so
// a pull that loses the network mid-batch leaves a "Failed to fetch" rejection behind.
// Going offline is normal here (replication retries by itself): do not report it as a crash.
window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason as { name?: string; message?: string } | undefined;
  if (reason?.name === "TypeError" && reason.message === "Failed to fetch") event.preventDefault();
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
