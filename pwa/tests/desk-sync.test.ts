import { afterEach, describe, expect, it } from "vitest";
import { SyncEngine } from "../src/lib/sync/engine";
import { deskProfile, deskPushFilter } from "../src/lib/sync/filters";
import { SCHEMA_VERSION } from "../src/lib/contract";
import { saveDraft } from "../src/features/desk/api/report";
import { memoryDb } from "./helpers/memory-pouch";
import { worklistEntry } from "./helpers/desk-docs";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("timed out");
}

const has = (db: PouchDB.Database, id: string) => () => db.get(id).then(() => true, () => false);

describe("the desk replica", () => {
  it("pulls the worklist live and all claims, pushes only my claims/reports, never others' reports or chunks", async () => {
    const server = memoryDb("desk-server");
    const local = memoryDb("desk-osei");
    const engine = new SyncEngine({
      username: "osei",
      mainDb: local,
      remote: server,
      openOutbox: () => {
        throw new Error("a radiologist has no outbox");
      },
      destroyOutbox: async () => undefined,
      profile: deskProfile("osei"),
      maxBackoff: 200,
    });
    cleanup.push(() => server.destroy(), () => local.destroy(), () => engine.stop());
    engine.start();

    const entry = worklistEntry({ study_id: "livestudy01" });
    await server.put(entry);
    const took = await waitFor(has(local, entry._id));
    expect(took).toBeLessThan(1000);

    await server.bulkDocs([
      { _id: "claim:demo:other0001", schema_version: SCHEMA_VERSION, type: "claim", study_id: "other0001", clinic: "demo", radiologist: "kofi", claimed_at: "2026-01-01T00:00:00Z" },
      { _id: "report:demo:other0001", schema_version: SCHEMA_VERSION, type: "report", study_id: "other0001", clinic: "demo", author: "kofi", state: "draft", findings: "", impression: "", created_at: "x", updated_at: "x" },
      { _id: "chunk:other0001:aa:00000", type: "chunk", author: "amina" },
      { _id: "notification:osei:urgent-1", type: "notification", user: "osei", kind: "study_urgent", study_id: "livestudy01", clinic: "demo", title: "Urgent", body: "", created_at: "x", read: false },
    ]);
    await waitFor(has(local, "claim:demo:other0001"));
    await waitFor(has(local, "notification:osei:urgent-1"));
    // my draft goes up by replication
    await saveDraft(local, undefined, entry, { findings: "draft text", impression: "" }, "osei");
    await waitFor(has(server, "report:demo:livestudy01"));
    await new Promise((r) => setTimeout(r, 150));
    expect(await has(local, "report:demo:other0001")()).toBe(false);
    expect(await has(local, "chunk:other0001:aa:00000")()).toBe(false);
  });

  it("push filter: my claims, reports and notifications only, never deletions or the bridge's documents", () => {
    const f = deskPushFilter("osei");
    expect(f({ _id: "claim:a:b", type: "claim", radiologist: "osei" })).toBe(true);
    expect(f({ _id: "claim:a:b", type: "claim", radiologist: "kofi" })).toBe(false);
    expect(f({ _id: "report:a:b", type: "report", author: "osei" })).toBe(true);
    expect(f({ _id: "report:a:b", type: "report", author: "kofi" })).toBe(false);
    expect(f({ _id: "notification:osei:1", type: "notification", user: "osei" })).toBe(true);
    expect(f({ _id: "worklist:a:b", type: "worklist" })).toBe(false);
    expect(f({ _id: "report:a:b", type: "report", author: "osei", _deleted: true })).toBe(false);
  });
});
