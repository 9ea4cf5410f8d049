import { afterEach, describe, expect, it } from "vitest";
import { SyncEngine } from "../src/lib/sync/engine";
import { getOutboxRecord, updateOutboxRecord } from "../src/lib/sync/outbox";
import { mainPushFilter } from "../src/lib/sync/filters";
import { CHUNK_SIZE, type Status, type Study } from "../src/lib/contract";
import { fingerprintBlob } from "../src/lib/sha256";
import { storeFileChunks } from "../src/features/capture/api/store-chunks";
import { manifestFile, newDraftStudy, sealed } from "../src/features/capture/api/build-manifest";
import { groupByStudy } from "../src/features/capture/api/group-files";
import { readDicomHeader } from "../src/features/capture/api/parse-dicom";
import { makeDicom } from "./helpers/make-dicom";
import { memoryDb } from "./helpers/memory-pouch";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function waitFor(check: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("timed out");
}

async function setup() {
  const main = memoryDb("main");
  const remote = memoryDb("remote");
  const outboxes = new Map<string, PouchDB.Database>();
  const destroyed: string[] = [];
  const openOutbox = (id: string) => {
    let db = outboxes.get(id);
    if (!db) outboxes.set(id, (db = memoryDb(`outbox-${id}`)));
    return db;
  };
  const engine = new SyncEngine({
    username: "amina",
    mainDb: main,
    remote,
    openOutbox,
    destroyOutbox: async (id) => {
      destroyed.push(id);
      await outboxes.get(id)?.destroy();
      outboxes.delete(id);
    },
    maxBackoff: 200,
  });
  cleanup.push(() => main.destroy(), () => remote.destroy(), async () => {
    for (const db of outboxes.values()) await db.destroy();
  });
  cleanup.push(() => engine.stop());
  return { main, remote, engine, openOutbox, destroyed };
}

/** Captures one study the way the capture feature does: chunks into the outbox, then the manifest. */
async function capture(main: PouchDB.Database, openOutbox: (id: string) => PouchDB.Database, seal: boolean, sop = "1.9.1") {
  const data = makeDicom({ sopInstanceUid: sop, padTo: CHUNK_SIZE + 5000 });
  const parsed = await readDicomHeader(new Blob([data]));
  if (!parsed.ok) throw new Error(parsed.reason);
  const group = groupByStudy([{ key: "f", name: "f.dcm", size: data.length, header: parsed.header }]).studies[0]!;
  const studyId = `study${sop.replace(/\./g, "")}xyz`;
  const draft = newDraftStudy({ studyId, clinic: "north", author: "amina", group, createdAt: new Date().toISOString() });
  const fp = await fingerprintBlob(new Blob([data]));
  await storeFileChunks({
    db: openOutbox(studyId), file: new Blob([data]), studyId, fileId: fp.sha256, chunkSha256: fp.chunkSha256,
    clinic: "north", author: "amina", attachmentData: (b) => Buffer.from(b),
  });
  await updateOutboxRecord(main, studyId, (r) => ({ ...r, bytes_stored: data.length }));
  const withFile: Study = { ...draft, files: [manifestFile({ name: "f.dcm", size: data.length, sha256: fp.sha256, header: parsed.header })] };
  const doc = seal ? sealed(withFile, new Date().toISOString(), "query appendicitis", "urgent") : withFile;
  await main.put(doc as unknown as PouchDB.Core.PutDocument<object>);
  return { studyId, size: data.length, sha: fp.sha256 };
}

describe("mainPushFilter", () => {
  it("lets out only our sealed manifests and our notifications, never deletions", () => {
    const f = mainPushFilter("amina");
    expect(f({ _id: "study:x", type: "study", state: "sealed", author: "amina" })).toBe(true);
    expect(f({ _id: "study:x", type: "study", state: "draft", author: "amina" })).toBe(false);
    expect(f({ _id: "study:x", type: "study", state: "sealed", author: "bob" })).toBe(false);
    expect(f({ _id: "notification:amina:1", type: "notification", user: "amina" })).toBe(true);
    expect(f({ _id: "status:x", type: "status" })).toBe(false);
    expect(f({ _id: "chunk:x", _deleted: true })).toBe(false);
  });
});

describe("SyncEngine", () => {
  it("pushes a sealed study's chunks and manifest, keeps drafts home, and frees space once delivered", async () => {
    const { main, remote, engine, openOutbox, destroyed } = await setup();
    const sent = await capture(main, openOutbox, true, "1.9.1");
    const draft = await capture(main, openOutbox, false, "1.9.2");
    engine.start();

    await waitFor(() => engine.store.get().studies[sent.studyId]?.phase === "sent");
    const state = engine.store.get();
    expect(state.studies[sent.studyId]).toMatchObject({ totalBytes: sent.size, sentBytes: sent.size });
    expect(state.studies[draft.studyId]?.phase).toBe("draft");
    expect(state.pending).toBe(0);

    await waitFor(async () => (await remote.allDocs({ key: `study:${sent.studyId}` })).rows.length === 1);
    const remoteIds = (await remote.allDocs()).rows.map((r) => r.id);
    expect(remoteIds.filter((id) => id.startsWith(`chunk:${sent.studyId}:`))).toHaveLength(2);
    expect(remoteIds.some((id) => id.includes(draft.studyId))).toBe(false);

    // the bridge writes the status; it replicates down and the outbox is destroyed
    const now = new Date().toISOString();
    const status: Status = {
      _id: `status:${sent.studyId}`, schema_version: 1, type: "status", study_id: sent.studyId, clinic: "north",
      author: "amina", state: "delivered", created_at: now, updated_at: now, history: [], files: {}, destinations: {}, errors: [],
    };
    await remote.put(status as unknown as PouchDB.Core.PutDocument<object>);
    await waitFor(() => engine.store.get().studies[sent.studyId]?.phase === "freed");
    expect(destroyed).toEqual([sent.studyId]);
    expect((await getOutboxRecord(main, sent.studyId))?.freed_bytes).toBe(sent.size);

    // nothing was deleted on the server, and no chunk came down into the main database
    await engine.settled();
    const after = (await remote.allDocs()).rows.filter((r) => r.id.startsWith(`chunk:${sent.studyId}:`));
    expect(after).toHaveLength(2);
    expect((await main.allDocs({ startkey: "chunk:", endkey: "chunk:\ufff0" })).rows).toHaveLength(0);
  });

  it("waits while offline and resumes when the link returns", async () => {
    const { main, remote, engine, openOutbox } = await setup();
    engine.setOnline(false);
    const s = await capture(main, openOutbox, true, "1.9.3");
    engine.start();
    await waitFor(() => engine.store.get().studies[s.studyId]?.phase === "waiting");
    expect(engine.store.get()).toMatchObject({ pending: 1, pendingBytes: s.size });
    expect((await remote.allDocs({ startkey: "chunk:", endkey: "chunk:\ufff0" })).rows).toHaveLength(0);
    engine.setOnline(true);
    await waitFor(() => engine.store.get().studies[s.studyId]?.phase === "sent");
    expect(engine.store.get().pending).toBe(0);
  });
});

describe("pull", () => {
  it("brings manifests, statuses, reports and notifications, but no chunk and no design doc", async () => {
    const { main, remote, engine } = await setup();
    const now = new Date().toISOString();
    await remote.bulkDocs([
      { _id: "_design/relaypacs", validate_doc_update: "function () {}" },
      { _id: "chunk:someoneelse12:" + "a".repeat(64) + ":00000", type: "chunk" },
      { _id: "report:abc12345", type: "report", study_id: "abc12345", state: "final", findings: "", impression: "", created_at: now, updated_at: now },
      { _id: "notification:amina:1", type: "notification", user: "amina", title: "hi", created_at: now, read: false },
    ] as unknown as PouchDB.Core.PutDocument<object>[]);
    engine.start();
    await waitFor(async () => (await main.allDocs({ key: "notification:amina:1" })).rows.length === 1);
    await waitFor(async () => (await main.allDocs({ key: "report:abc12345" })).rows.length === 1);
    const ids = (await main.allDocs()).rows.map((r) => r.id);
    expect(ids.some((id) => id.startsWith("chunk:") || id.startsWith("_design/"))).toBe(false);
  });
});
