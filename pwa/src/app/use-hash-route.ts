import { useSyncExternalStore } from "react";
import type { Role } from "../lib/contract";

export type Page = "capture" | "studies" | "reports" | "inbox" | "desk" | "admin" | "account";
export type Route = { page: Page; param?: string; rest: string[] };

/** The pages each role sees, the first being its home (role-based navigation). */
export const PAGES_BY_ROLE: Record<Role, Page[]> = {
  clinician: ["capture", "studies", "reports", "inbox", "account"],
  radiographer: ["capture", "studies", "reports", "inbox", "account"],
  radiologist: ["desk", "inbox", "account"],
  admin: ["admin", "account"],
};

const ALL: Page[] = ["capture", "studies", "reports", "inbox", "desk", "admin", "account"];

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function parseRoute(hash: string, role: Role = "clinician"): Route {
  const [, page, ...rest] = hash.replace(/^#/, "").split("/").map(safeDecode);
  const pages = PAGES_BY_ROLE[role] ?? PAGES_BY_ROLE.clinician;
  if (ALL.includes(page as Page) && pages.includes(page as Page)) return { page: page as Page, param: rest[0] || undefined, rest: rest.filter(Boolean) };
  return { page: pages[0]!, rest: [] };
}

const subscribe = (cb: () => void) => {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
};

export function useHashRoute(role: Role = "clinician"): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash, () => "");
  return parseRoute(hash, role);
}
