import { Fragment, useState, type FormEvent } from "react";
import { CLINIC_ID_PATTERN } from "../../../lib/contract";
import { destinationProblems, emptyDestination, fromDraft, toDraft, type DestinationDraft } from "../api/destinations";
import { DESTINATION_AUTHS, DESTINATION_KINDS, type AdminClinic, type DestinationAuth, type DestinationKind } from "../api/types";
import { useAction, useAdminApi, useLoad } from "../hooks/use-admin";
import { button, Feedback, input, primary, th } from "./Feedback";

function DestinationEditor({ clinic, onSaved, onClose }: { clinic: AdminClinic; onSaved: () => void; onClose: () => void }) {
  const api = useAdminApi();
  const action = useAction();
  const [list, setList] = useState<DestinationDraft[]>(() => clinic.destinations.map(toDraft));
  const [problems, setProblems] = useState<string[]>([]);
  const change = (i: number, patch: Partial<DestinationDraft>) => setList(list.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const save = async () => {
    const found = destinationProblems(list);
    setProblems(found);
    if (found.length) return;
    if (await action.run(() => api.setDestinations(clinic.clinic_id, list.map(fromDraft)), `Destinations of ${clinic.name} saved.`)) onSaved();
  };
  return (
    <div data-testid="destinations-editor" data-clinic-id={clinic.clinic_id} className="flex flex-col gap-2 rounded-lg bg-slate-50 p-3">
      {list.length === 0 && <p className="text-sm text-slate-500">No destination: this clinic's studies are stored but go to no PACS.</p>}
      {list.map((d, i) => (
        <div key={i} data-testid="destination-row" data-name={d.name} className="flex flex-wrap items-end gap-2 border-b border-slate-200 pb-2">
          <label className="flex flex-col text-xs">
            Name
            <input data-testid="destination-name" className={input} value={d.name} onChange={(e) => change(i, { name: e.target.value })} />
          </label>
          <label className="flex flex-col text-xs">
            Kind
            <select data-testid="destination-kind" className={input} value={d.kind} onChange={(e) => change(i, { kind: e.target.value as DestinationKind })}>
              {DESTINATION_KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label className="flex min-w-64 grow flex-col text-xs">
            STOW URL (DICOMweb root)
            <input data-testid="destination-stow-url" className={input} value={d.stow_url} placeholder="https://pacs.example/dicom-web" onChange={(e) => change(i, { stow_url: e.target.value })} />
          </label>
          <label className="flex flex-col text-xs">
            Auth
            <select data-testid="destination-auth" className={input} value={d.auth} onChange={(e) => change(i, { auth: e.target.value as DestinationAuth })}>
              {DESTINATION_AUTHS.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
          {d.auth === "basic" && (
            <label className="flex flex-col text-xs">
              Username
              <input data-testid="destination-username" className={input} value={d.username ?? ""} onChange={(e) => change(i, { username: e.target.value })} />
            </label>
          )}
          {d.auth !== "none" && (
            <label className="flex flex-col text-xs">
              {d.auth === "basic" ? "Password" : "Token"}
              <input
                data-testid="destination-secret"
                type="password"
                autoComplete="off"
                className={input}
                placeholder={d.had_secret ? "stored: type it again" : ""}
                value={d.secret ?? ""}
                onChange={(e) => change(i, { secret: e.target.value })}
              />
            </label>
          )}
          <label className="flex items-center gap-1 text-xs">
            <input type="checkbox" data-testid="destination-enabled" checked={d.enabled !== false} onChange={(e) => change(i, { enabled: e.target.checked })} />
            enabled
          </label>
          <button data-testid="destination-remove" className={button} onClick={() => setList(list.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <div className="flex flex-wrap gap-2">
        <button data-testid="destination-add" className={button} onClick={() => setList([...list, emptyDestination()])}>
          Add destination
        </button>
        <button data-testid="destinations-save" disabled={action.busy} className={primary} onClick={() => void save()}>
          Save destinations
        </button>
        <button className={button} onClick={onClose}>
          Close
        </button>
      </div>
      {problems.length > 0 && (
        <ul data-testid="destination-problems" className="list-disc pl-5 text-sm text-rose-700">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <Feedback message={action.message} error={action.error} />
    </div>
  );
}

function CreateClinic({ onCreated }: { onCreated: () => void }) {
  const api = useAdminApi();
  const action = useAction();
  const [form, setForm] = useState({ clinic_id: "", name: "" });
  const valid = CLINIC_ID_PATTERN.test(form.clinic_id) && form.name.trim().length > 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => api.createClinic({ clinic_id: form.clinic_id, name: form.name.trim() }), `Clinic ${form.name} created.`)) {
      setForm({ clinic_id: "", name: "" });
      onCreated();
    }
  };
  return (
    <form data-testid="clinic-create-form" onSubmit={(e) => void submit(e)} className="flex flex-wrap items-end gap-2 rounded-xl bg-white p-3 shadow-sm">
      <label className="flex flex-col text-xs">
        Clinic id (a-z, 0-9, - _)
        <input data-testid="new-clinic-id" className={input} value={form.clinic_id} onChange={(e) => setForm({ ...form, clinic_id: e.target.value.trim().toLowerCase() })} />
      </label>
      <label className="flex flex-col text-xs">
        Name
        <input data-testid="new-clinic-name" className={input} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
      </label>
      <button data-testid="new-clinic-submit" disabled={action.busy || !valid} className={primary}>
        Create clinic
      </button>
      <div className="basis-full">
        <Feedback message={action.message} error={action.error} />
      </div>
    </form>
  );
}

export function ClinicsPanel() {
  const api = useAdminApi();
  const clinics = useLoad(() => api.listClinics());
  const [editing, setEditing] = useState<string | null>(null);
  const rename = useAction();
  const list = [...(clinics.data ?? [])].sort((a, b) => a.clinic_id.localeCompare(b.clinic_id));
  return (
    <section className="flex flex-col gap-3" data-testid="admin-clinics">
      <h2 className="text-lg font-bold">Clinics</h2>
      <CreateClinic onCreated={() => void clinics.reload()} />
      <Feedback error={clinics.error} />
      <Feedback message={rename.message} error={rename.error} />
      <div className="overflow-x-auto rounded-xl bg-white shadow-sm">
        <table data-testid="clinics-table" className="w-full text-left text-sm">
          <thead className="bg-slate-100 text-xs uppercase text-slate-600">
            <tr>
              <th className={th}>Clinic</th>
              <th className={th}>Name</th>
              <th className={th}>State</th>
              <th className={th}>PACS destinations</th>
              <th className={th}></th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <Fragment key={c.clinic_id}>
                <tr data-testid="clinic-row" data-clinic-id={c.clinic_id} data-active={c.active} className="border-t border-slate-100">
                  <td className={th}>{c.clinic_id}</td>
                  <td className={th}>{c.name}</td>
                  <td className={th}>{c.active ? "active" : "inactive"}</td>
                  <td className={th} data-testid="clinic-destinations">
                    {c.destinations.length ? c.destinations.map((d) => `${d.name} (${d.kind}${d.enabled === false ? ", off" : ""})`).join(", ") : "none"}
                  </td>
                  <td className={`${th} flex flex-wrap gap-1`}>
                    <button data-testid="clinic-edit-destinations" className={button} onClick={() => setEditing(editing === c.clinic_id ? null : c.clinic_id)}>
                      Destinations
                    </button>
                    <button
                      data-testid="clinic-rename"
                      className={button}
                      onClick={() => {
                        const name = prompt(`New name for ${c.clinic_id}:`, c.name);
                        if (name && name.trim() !== c.name) void rename.run(() => api.updateClinic(c.clinic_id, { name: name.trim() }), "Clinic renamed.").then(() => clinics.reload());
                      }}
                    >
                      Rename
                    </button>
                    <button
                      data-testid="clinic-toggle-active"
                      className={button}
                      onClick={() => void rename.run(() => api.updateClinic(c.clinic_id, { active: !c.active }), c.active ? "Clinic deactivated." : "Clinic activated.").then(() => clinics.reload())}
                    >
                      {c.active ? "Deactivate" : "Activate"}
                    </button>
                  </td>
                </tr>
                {editing === c.clinic_id && (
                  <tr>
                    <td colSpan={5} className="p-2">
                      <DestinationEditor clinic={c} onClose={() => setEditing(null)} onSaved={() => void clinics.reload()} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
