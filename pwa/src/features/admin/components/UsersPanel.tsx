import { useState, type FormEvent } from "react";
import type { Role } from "../../../lib/contract";
import { getSession } from "../../../lib/session";
import { formatDateTime } from "../../../lib/format";
import type { AdminUser } from "../api/types";
import { useAction, useAdminApi, useLoad } from "../hooks/use-admin";
import { button, Feedback, input, primary, th } from "./Feedback";

const ROLES: Role[] = ["clinician", "radiographer", "radiologist", "admin"];
const CLINIC_ROLES = new Set<Role>(["clinician", "radiographer"]);

function CreateUser({ clinics, onCreated }: { clinics: string[]; onCreated: () => void }) {
  const api = useAdminApi();
  const action = useAction();
  const [form, setForm] = useState({ username: "", password: "", role: "clinician" as Role, clinic: "", email: "" });
  const needsClinic = CLINIC_ROLES.has(form.role);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(
      () => api.createUser({ ...form, clinic: needsClinic ? form.clinic : null }),
      `User ${form.username} created.`,
    );
    if (ok) {
      setForm({ ...form, username: "", password: "", email: "" });
      onCreated();
    }
  };
  return (
    <form data-testid="user-create-form" onSubmit={(e) => void submit(e)} className="flex flex-wrap items-end gap-2 rounded-xl bg-white p-3 shadow-sm">
      <label className="flex flex-col text-xs">
        Username
        <input data-testid="new-user-username" className={input} value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value.trim().toLowerCase() })} required />
      </label>
      <label className="flex flex-col text-xs">
        Initial password
        <input data-testid="new-user-password" type="password" autoComplete="new-password" className={input} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
      </label>
      <label className="flex flex-col text-xs">
        Role
        <select data-testid="new-user-role" className={input} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      {needsClinic && (
        <label className="flex flex-col text-xs">
          Clinic
          <select data-testid="new-user-clinic" className={input} value={form.clinic} onChange={(e) => setForm({ ...form, clinic: e.target.value })} required>
            <option value="">choose…</option>
            {clinics.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      )}
      <label className="flex flex-col text-xs">
        Email (optional)
        <input data-testid="new-user-email" type="email" className={input} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
      </label>
      <button data-testid="new-user-submit" disabled={action.busy} className={primary}>
        Create user
      </button>
      <div className="basis-full">
        <Feedback message={action.message} error={action.error} />
      </div>
    </form>
  );
}

function UserRow({ user, me, onChanged }: { user: AdminUser; me: string | undefined; onChanged: () => void }) {
  const api = useAdminApi();
  const action = useAction();
  const act = async (what: () => Promise<unknown>, done: string) => {
    if (await action.run(what, done)) onChanged();
  };
  const resetPassword = () => {
    const password = prompt(`New password for ${user.username} (every session of theirs ends):`);
    if (password) void act(() => api.resetPassword(user.username, password), `Password of ${user.username} reset.`);
  };
  return (
    <tr data-testid="user-row" data-username={user.username} data-role={user.role} data-active={user.active} className="border-t border-slate-100">
      <td className={th}>{user.username}</td>
      <td className={th}>{user.role}</td>
      <td className={th}>{user.clinic ?? "-"}</td>
      <td className={th} data-testid="user-active">
        {user.active ? "active" : "disabled"}
        {user.locked_until && <span className="ml-1 text-xs text-amber-700">locked until {formatDateTime(user.locked_until)}</span>}
      </td>
      <td className={th}>{user.totp_enabled ? "on" : "off"}</td>
      <td className={`${th} flex flex-wrap gap-1`}>
        {user.username === me ? null : user.active ? (
          <button data-testid="user-disable" disabled={action.busy} className={button} onClick={() => confirm(`Disable ${user.username}? Their app stops syncing at once.`) && void act(() => api.disableUser(user.username), `${user.username} disabled.`)}>
            Disable
          </button>
        ) : (
          <button data-testid="user-enable" disabled={action.busy} className={button} onClick={() => void act(() => api.enableUser(user.username), `${user.username} enabled.`)}>
            Enable
          </button>
        )}
        <button data-testid="user-reset-password" disabled={action.busy} className={button} onClick={resetPassword}>
          Reset password
        </button>
        <button
          data-testid="user-reset-totp"
          disabled={action.busy || !user.totp_enabled}
          className={button}
          onClick={() => confirm(`Remove ${user.username}'s authenticator? They sign in with the password and enrol again.`) && void act(() => api.resetTotp(user.username), `Authenticator of ${user.username} reset.`)}
        >
          Reset authenticator
        </button>
        <Feedback message={action.message} error={action.error} />
      </td>
    </tr>
  );
}

export function UsersPanel() {
  const api = useAdminApi();
  const users = useLoad(() => api.listUsers());
  const clinics = useLoad(() => api.listClinics());
  const list = [...(users.data ?? [])].sort((a, b) => a.username.localeCompare(b.username));
  return (
    <section className="flex flex-col gap-3" data-testid="admin-users">
      <h2 className="text-lg font-bold">Users</h2>
      <CreateUser clinics={(clinics.data ?? []).map((c) => c.clinic_id)} onCreated={() => void users.reload()} />
      <Feedback error={users.error} />
      <div className="overflow-x-auto rounded-xl bg-white shadow-sm">
        <table data-testid="users-table" className="w-full text-left text-sm">
          <thead className="bg-slate-100 text-xs uppercase text-slate-600">
            <tr>
              <th className={th}>User</th>
              <th className={th}>Role</th>
              <th className={th}>Clinic</th>
              <th className={th}>State</th>
              <th className={th}>Authenticator</th>
              <th className={th}>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((u) => (
              <UserRow key={u.username} user={u} me={getSession()?.user.username} onChanged={() => void users.reload()} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
