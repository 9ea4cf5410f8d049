import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { registerSW } from "virtual:pwa-register";
import { App } from "./app/App";
import "./index.css";

// Precaches the app shell so the second visit opens with no network at all.
if ("serviceWorker" in navigator) registerSW({ immediate: true });

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
