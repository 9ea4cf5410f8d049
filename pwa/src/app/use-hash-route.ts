import { useSyncExternalStore } from "react";

export type Route = { page: "capture" | "studies" | "reports" | "inbox"; param?: string };

function parse(hash: string): Route {
  const [, page, param] = hash.replace(/^#/, "").split("/");
  if (page === "studies" || page === "reports" || page === "inbox") return { page, param };
  return { page: "capture" };
}

const subscribe = (cb: () => void) => {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
};

export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash, () => "");
  return parse(hash);
}
