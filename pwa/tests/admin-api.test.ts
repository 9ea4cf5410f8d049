import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, type RequestOptions } from "../src/lib/api-client";
import { adminApi, destinationBody, maybe } from "../src/features/admin/api/admin-api";
import { destinationProblems, emptyDestination, toDraft } from "../src/features/admin/api/destinations";
import { clinicRows } from "../src/features/admin/api/health-view";
import type { SystemHealth } from "../src/features/admin/api/types";

type Call = { path: string; options: Omit<RequestOptions, "token"> };

function fake(answer: (c: Call) => unknown = () => ({})) {
  const calls: Call[] = [];
  const send = (async (path: string, options: Omit<RequestOptions, "token"> = {}) => {
    const call = { path, options };
    calls.push(call);
    const res = answer(call);
    if (res instanceof Error) throw res;
    return res;
  }) as <T>(path: string, options?: Omit<RequestOptions, "token">) => Promise<T>;
  return { calls, api: adminApi(send) };
}

afterEach(() => vi.unstubAllGlobals());

describe("admin API client", () => {
  it("calls the gateway's user endpoints", async () => {
    const { calls, api } = fake();
    await api.listUsers();
    await api.listUsers("demo");
    await api.createUser({ username: "kofi", password: "pw-long-enough", role: "radiologist", clinic: "", email: "" });
    await api.disableUser("kofi");
    await api.enableUser("kofi");
    await api.resetPassword("kofi", "another-pass");
    await api.resetTotp("kofi");
    expect(calls.map((c) => `${c.options.method ?? "GET"} ${c.path}`)).toEqual([
      "GET /api/v1/admin/users",
      "GET /api/v1/admin/users?clinic=demo",
      "POST /api/v1/admin/users",
      "POST /api/v1/admin/users/kofi/disable",
      "POST /api/v1/admin/users/kofi/enable",
      "POST /api/v1/admin/users/kofi/password",
      "POST /api/v1/admin/users/kofi/totp/reset",
    ]);
    expect(calls[2]!.options.body).toEqual({ username: "kofi", password: "pw-long-enough", role: "radiologist", clinic: null, email: null });
    expect(calls[5]!.options.body).toEqual({ password: "another-pass" });
  });

  it("calls the clinic endpoints, sending only the destination fields the contract accepts", async () => {
    const { calls, api } = fake();
    const dest = { name: "pacs", kind: "orthanc" as const, stow_url: " http://o/dicom-web ", auth: "basic" as const, username: "u", secret: "s", has_secret: true } as never;
    await api.listClinics();
    await api.createClinic({ clinic_id: "north", name: "North" });
    await api.updateClinic("north", { name: "North Clinic" });
    await api.setDestinations("north", [dest]);
    expect(calls.map((c) => `${c.options.method ?? "GET"} ${c.path}`)).toEqual([
      "GET /api/v1/admin/clinics",
      "POST /api/v1/admin/clinics",
      "PATCH /api/v1/admin/clinics/north",
      "PUT /api/v1/admin/clinics/north/destinations",
    ]);
    expect(calls[1]!.options.body).toEqual({ clinic_id: "north", name: "North", destinations: [] });
    expect(calls[3]!.options.body).toEqual([{ name: "pacs", kind: "orthanc", stow_url: "http://o/dicom-web", auth: "basic", username: "u", secret: "s" }]);
  });

  it("health, failures, retry and audit use the monitor endpoints", async () => {
    const { calls, api } = fake(() => []);
    await api.health();
    await api.failures("demo", 50);
    await api.retry("demo", "study-0001");
    await api.audit({ actor: "sam", before: "2026-01-01T00:00:00Z", limit: 100 });
    expect(calls.map((c) => `${c.options.method ?? "GET"} ${c.path}`)).toEqual([
      "GET /api/v1/admin/health",
      "GET /api/v1/admin/failures?clinic=demo&limit=50",
      "POST /api/v1/admin/clinics/demo/studies/study-0001/retry",
      "GET /api/v1/admin/audit?actor=sam&before=2026-01-01T00%3A00%3A00Z&limit=100",
    ]);
  });

  it("a 404 from an optional endpoint reads as 'not available'; other errors still throw", async () => {
    const missing = fake(() => new ApiError(404, "not_found", "Not Found"));
    await expect(missing.api.health()).resolves.toMatchObject({ available: false });
    await expect(missing.api.audit()).resolves.toMatchObject({ available: false });
    const broken = fake(() => new ApiError(503, "unavailable", "CouchDB is down"));
    await expect(broken.api.failures()).rejects.toMatchObject({ status: 503 });
    await expect(maybe(Promise.resolve(3))).resolves.toEqual({ available: true, data: 3 });
  });

  it("maps the gateway's {error, reason} answers through the real client (fetch stubbed)", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      if (url.endsWith("/retry")) return new Response(JSON.stringify({ error: "conflict", reason: "demo/x is delivered; only failed or partial studies are retried" }), { status: 409 });
      return new Response(JSON.stringify({ clinic: "demo", study_id: "x", requested_by: "sam", requested_at: "t", already_requested: false }), { status: 202 });
    });
    const api = adminApi();
    await expect(api.retry("demo", "x")).rejects.toMatchObject({ status: 409, error: "conflict", reason: expect.stringContaining("only failed") });
    expect(seen[0]!.init.method).toBe("POST");
  });
});

describe("destinations editing", () => {
  it("drops secrets that were not typed and fields of other auth kinds", () => {
    expect(destinationBody({ name: "a", kind: "dicomweb", stow_url: "https://x", auth: "none", username: "u", secret: "s" })).toEqual({
      name: "a",
      kind: "dicomweb",
      stow_url: "https://x",
      auth: "none",
    });
    expect(destinationBody({ name: "a", kind: "dicomweb", stow_url: "https://x", auth: "bearer", secret: "" })).toEqual({ name: "a", kind: "dicomweb", stow_url: "https://x", auth: "bearer" });
  });

  it("asks for a stored secret again rather than let a save drop it", () => {
    const stored = toDraft({ name: "orthanc", kind: "orthanc", stow_url: "http://o/dicom-web", auth: "basic", username: "u", has_secret: true });
    expect(destinationProblems([stored])).toEqual([expect.stringContaining("type the password again")]);
    expect(destinationProblems([{ ...stored, secret: "pw" }])).toEqual([]);
    const bad = { ...emptyDestination(), name: "Bad Name", stow_url: "ftp://x" };
    expect(destinationProblems([bad, bad])).toHaveLength(5); // name and URL twice, and the duplicate
  });
});

describe("health per clinic", () => {
  it("takes lag from live workers only and counts from the clinic", () => {
    const health: SystemHealth = {
      at: "t",
      status: "ok",
      problems: [],
      totals: { queued: 1, failed: 0, partial: 0, delivered: 2 },
      bridge: {
        alive: 1,
        stale: 1,
        stale_after_seconds: 30,
        workers: [
          { worker: "w1", started_at: null, at: null, age_seconds: 1, stale: false, queue_depth: 2, failed: [], clinics: { clinic_demo: { db: "clinic_demo", pending_changes: 4, open_jobs: 1, waiting: 0, retrying: 1 } } },
          { worker: "w0", started_at: null, at: null, age_seconds: 99, stale: true, queue_depth: 9, failed: [], clinics: { clinic_demo: { db: "clinic_demo", pending_changes: 99, open_jobs: 9, waiting: 9, retrying: 9 } } },
        ],
      },
      clinics: [{ clinic_id: "demo", name: "Demo", active: true, db: "clinic_demo", queued: 1, failed: 0, partial: 0, delivered: 2 }],
    };
    expect(clinicRows(health)[0]).toMatchObject({ clinic_id: "demo", lag: 4, openJobs: 1, retrying: 1, waiting: 0, queued: 1 });
  });
});
