import { AuditPanel } from "./AuditPanel";
import { ClinicsPanel } from "./ClinicsPanel";
import { HealthPanel } from "./HealthPanel";
import { UsersPanel } from "./UsersPanel";

export const ADMIN_TABS = [
  ["users", "Users"],
  ["clinics", "Clinics & PACS"],
  ["health", "Health"],
  ["audit", "Audit trail"],
] as const;
export type AdminTab = (typeof ADMIN_TABS)[number][0];

export function AdminPage({ tab }: { tab?: string }) {
  const current: AdminTab = ADMIN_TABS.some(([t]) => t === tab) ? (tab as AdminTab) : "users";
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap gap-2" role="tablist">
        {ADMIN_TABS.map(([t, label]) => (
          <a
            key={t}
            href={`#/admin/${t}`}
            role="tab"
            data-testid={`admin-tab-${t}`}
            aria-selected={current === t}
            className={`rounded-full px-3 py-1 text-sm font-semibold ${current === t ? "bg-teal-700 text-white" : "bg-white text-teal-800 ring-1 ring-teal-700"}`}
          >
            {label}
          </a>
        ))}
      </div>
      {current === "users" && <UsersPanel />}
      {current === "clinics" && <ClinicsPanel />}
      {current === "health" && <HealthPanel />}
      {current === "audit" && <AuditPanel />}
    </div>
  );
}
