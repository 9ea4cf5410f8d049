/**
 * The capture pipeline, outside React so it keeps running while the user looks at other
 * screens: parse headers → group by study → pick the target manifest (a new draft, the
 * open draft of the same study, or an addition to a sealed study not yet delivered) →
 * fingerprint and chunk each file into the study's outbox → list it in the manifest.
 */
import { nowIso, newStudyId, type Priority, type Status, type Study, type StudyFile, type StudyId } from "../../../lib/contract";
import { fingerprintBlob, type Fingerprint } from "../../../lib/sha256";
import { Store } from "../../../lib/sync/state";
import { updateOutboxRecord } from "../../../lib/sync/outbox";
import { manifestFile, mergeFiles, newDraftStudy, sealed, withModalities } from "./build-manifest";
import { groupByStudy, type CandidateFile, type StudyGroup } from "./group-files";
import { readDicomHeader, type DicomHeader } from "./parse-dicom";
import { renderPreview } from "./preview";
import { FileChangedError, storeFileChunks, storedChunkIds } from "./store-chunks";
import { getStudy, myStudies, updateStudy } from "./update-study";

export type ItemStatus = "parsing" | "rejected" | "queued" | "hashing" | "storing" | "stored" | "failed";

export interface FileItem {
  key: string;
  name: string;
  size: number;
  status: ItemStatus;
  reason?: string;
  studyId?: StudyId;
  doneBytes: number;
}

export interface Target {
  studyId: StudyId;
  mode: "draft" | "amend";
  group: StudyGroup;
  thumbnails: Record<string, string>;
  /** amend mode: stored files waiting for "send addition" */
  additions: StudyFile[];
}

export interface CaptureState {
  items: FileItem[];
  targets: Record<StudyId, Target>;
  /** studies the user sealed while their files were still being saved: sealed once saved */
  sealing: Record<StudyId, { notes: string; priority: Priority }>;
  error?: string;
}

/** What storing a file needs of its study's manifest (kept current by the controller). */
interface ManifestFacts {
  state: Study["state"];
  chunkSize: number | undefined;
  /** the files listed or being listed, by SOP Instance UID */
  sha256BySop: Map<string, string>;
}

export interface CaptureDeps {
  mainDb: PouchDB.Database;
  openOutbox: (studyId: StudyId) => PouchDB.Database;
  username: string;
  clinic: string;
  kick: () => void;
}

interface Job {
  item: FileItem;
  file: File;
  header: DicomHeader;
  studyId: StudyId;
}

const PARSE_CONCURRENCY = 4;
const ITEMS_PER_TASK = 250;
let keySeq = 0;

export class CaptureController {
  readonly store = new Store<CaptureState>({ items: [], targets: {}, sealing: {} });
  private queue: Job[] = [];
  private working = false;
  private pendingManifest = new Map<StudyId, StudyFile[]>();
  /** Bytes of the files in pendingManifest, counted in the outbox record with them. */
  private pendingBytes = new Map<StudyId, number>();
  /** Chunk ids in each study's outbox, asked once per run of the queue (not per file). */
  private storedChunks = new Map<StudyId, Promise<Set<string>>>();
  /** What storing a file needs of its study's manifest, read once per run of the queue
   *  (read per file, it was a read of the whole, growing manifest every time). */
  private manifests = new Map<StudyId, Promise<ManifestFacts | null>>();

  constructor(private deps: CaptureDeps) {}

  private patchItem(key: string, patch: Partial<FileItem>): void {
    this.patchItems(new Map([[key, patch]]));
  }

  /** One update of the screen for many files (a pick of 2,000 patched one by one was a
   *  2,000 x 2,000 copy in one task: the page froze for over half a second). */
  private patchItems(patches: Map<string, Partial<FileItem>>): void {
    if (!patches.size) return;
    this.store.set((s) => ({ ...s, items: s.items.map((i) => (patches.has(i.key) ? { ...i, ...patches.get(i.key) } : i)) }));
  }

  private patchTarget(studyId: StudyId, patch: (t: Target) => Target): void {
    this.store.set((s) => {
      const t = s.targets[studyId];
      return t ? { ...s, targets: { ...s.targets, [studyId]: patch(t) } } : s;
    });
  }

  /** Files still being hashed or stored for a study (the seal button waits for them). */
  inflight(studyId: StudyId): number {
    return this.store.get().items.filter((i) => i.studyId === studyId && ["queued", "hashing", "storing"].includes(i.status)).length;
  }

  clearFinished(): void {
    this.store.set((s) => ({ ...s, items: s.items.filter((i) => !["stored", "rejected", "failed"].includes(i.status)) }));
  }

  async addFiles(files: File[]): Promise<void> {
    // a File's size is a round trip to the browser process the first time: asked for 2,000
    // files in one go, the page froze for 0.3 s; a few hundred at a time, it does not
    const batch: { file: File; item: FileItem }[] = [];
    for (let start = 0; start < files.length; start += ITEMS_PER_TASK) {
      if (start) await new Promise((resume) => setTimeout(resume));
      for (const file of files.slice(start, start + ITEMS_PER_TASK)) {
        const key = `${++keySeq}:${(file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name}`;
        batch.push({ file, item: { key, name: file.name, size: file.size, status: "parsing", doneBytes: 0 } });
      }
    }
    this.store.set((s) => ({ ...s, items: [...s.items, ...batch.map((b) => b.item)], error: undefined }));

    const candidates: (CandidateFile & { file: File })[] = [];
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const { file, item } = batch[next++]!;
        const result = await readDicomHeader(file).catch((e: unknown) => ({ ok: false as const, reason: `could not read the file (${String(e)})` }));
        if (result.ok) candidates.push({ key: item.key, name: item.name, size: item.size, header: result.header, file });
        else this.patchItem(item.key, { status: "rejected", reason: result.reason });
      }
    };
    await Promise.all(Array.from({ length: PARSE_CONCURRENCY }, worker));

    const { studies, rejected } = groupByStudy(candidates);
    this.patchItems(new Map(rejected.map((r) => [r.key, { status: "rejected" as ItemStatus, reason: r.reason }])));
    const fileByKey = new Map(candidates.map((c) => [c.key, c.file] as const));
    for (const group of studies) {
      try {
        const studyId = await this.resolveTarget(group);
        const items = new Map(this.store.get().items.map((i) => [i.key, i] as const));
        const queued = { status: "queued" as ItemStatus, studyId };
        for (const f of group.files) {
          this.queue.push({ item: { ...items.get(f.key)!, ...queued }, file: fileByKey.get(f.key)!, header: f.header, studyId });
        }
        this.patchItems(new Map(group.files.map((f) => [f.key, queued])));
        void this.thumbnails(studyId, group, fileByKey);
      } catch (err) {
        this.store.set({ error: `Could not start the study: ${String((err as Error).message ?? err)}` });
      }
    }
    void this.work();
  }

  /** The manifest these files go into: an open draft, a sealed study to add to, or a new draft. */
  private async resolveTarget(group: StudyGroup): Promise<StudyId> {
    const mine = await myStudies(this.deps.mainDb, this.deps.username);
    const same = mine.filter((s) => s.study.instance_uid === group.studyInstanceUid);
    const draft = same.find((s) => s.state === "draft");
    let studyId: StudyId;
    let mode: Target["mode"] = "draft";
    if (draft) {
      studyId = draft.study_id;
    } else {
      let amend: StudyId | null = null;
      for (const s of same) {
        const status = await this.deps.mainDb.get(`status:${s.study_id}`).catch(() => null);
        if ((status as Status | null)?.state !== "delivered") amend = s.study_id;
      }
      if (amend) {
        studyId = amend;
        mode = "amend";
      } else {
        studyId = newStudyId();
        const doc = newDraftStudy({ studyId, clinic: this.deps.clinic, author: this.deps.username, group, createdAt: nowIso() });
        await this.deps.mainDb.put(doc as unknown as PouchDB.Core.PutDocument<object>);
      }
    }
    const existing = this.store.get().targets[studyId];
    const target: Target = existing
      ? { ...existing, group, mode }
      : { studyId, mode, group, thumbnails: {}, additions: [] };
    this.store.set((s) => ({ ...s, targets: { ...s.targets, [studyId]: target } }));
    return studyId;
  }

  private async thumbnails(studyId: StudyId, group: StudyGroup, files: Map<string, File>): Promise<void> {
    for (const series of group.series) {
      for (const f of series.files.slice(0, 3)) {
        const url = await renderPreview(files.get(f.key)!, f.header.image);
        if (url) {
          this.patchTarget(studyId, (t) => ({ ...t, thumbnails: { ...t.thumbnails, [series.seriesInstanceUid]: url } }));
          break;
        }
      }
    }
  }

  private lastProgress = new Map<string, number>();

  /** Progress updates re-render the screen: at most one per item every 150 ms. */
  private progress(key: string, doneBytes: number, total: number): void {
    const now = Date.now();
    if (doneBytes < total && now - (this.lastProgress.get(key) ?? 0) < 150) return;
    this.lastProgress.set(key, now);
    this.patchItem(key, { doneBytes });
  }

  /**
   * One file at a time is stored, while the next one is already being fingerprinted
   * (hashing is CPU on this thread, storing is mostly IndexedDB work elsewhere).
   */
  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      let prefetched: { job: Job; fingerprint: Promise<Fingerprint> } | null = null;
      while (this.queue.length) {
        const job = this.queue.shift()!;
        const fingerprint: Promise<Fingerprint> =
          prefetched?.job === job ? prefetched.fingerprint : this.fingerprint(job);
        prefetched = null;
        const next = this.queue[0];
        if (next) {
          prefetched = { job: next, fingerprint: this.fingerprint(next) };
          prefetched.fingerprint.catch(() => undefined);
        }
        await this.process(job, fingerprint);
        if (!this.queue.some((j) => j.studyId === job.studyId)) await this.allSaved(job.studyId);
      }
    } finally {
      this.storedChunks.clear();
      this.manifests.clear();
      this.working = false;
    }
  }

  private manifestFacts(studyId: StudyId): Promise<ManifestFacts | null> {
    let facts = this.manifests.get(studyId);
    if (!facts) {
      facts = getStudy(this.deps.mainDb, studyId).then(
        (study) =>
          study && {
            state: study.state,
            chunkSize: study.chunk_size,
            sha256BySop: new Map(study.files.map((f) => [f.sop_instance_uid, f.sha256] as const)),
          },
      );
      facts.catch(() => this.manifests.delete(studyId));
      this.manifests.set(studyId, facts);
    }
    return facts;
  }

  private chunksStored(studyId: StudyId): Promise<Set<string>> {
    let ids = this.storedChunks.get(studyId);
    if (!ids) {
      ids = storedChunkIds(this.deps.openOutbox(studyId), studyId);
      ids.catch(() => this.storedChunks.delete(studyId));
      this.storedChunks.set(studyId, ids);
    }
    return ids;
  }

  private fingerprint(job: Job): Promise<Fingerprint> {
    this.patchItem(job.item.key, { status: "hashing", doneBytes: 0 });
    return fingerprintBlob(job.file, { onProgress: (n) => this.progress(job.item.key, n, job.file.size) });
  }

  private async process(job: Job, fingerprint: Promise<Fingerprint>): Promise<void> {
    const { item, file, studyId } = job;
    try {
      const fp = await fingerprint;
      const study = await this.manifestFacts(studyId);
      if (study?.sha256BySop.get(job.header.sopInstanceUid) === fp.sha256) {
        this.patchItem(item.key, { status: "stored", reason: "already in this study", doneBytes: file.size });
        return;
      }
      this.patchItem(item.key, { status: "storing", doneBytes: 0 });
      await storeFileChunks({
        db: this.deps.openOutbox(studyId),
        file,
        studyId,
        fileId: fp.sha256,
        chunkSha256: fp.chunkSha256,
        clinic: this.deps.clinic,
        author: this.deps.username,
        chunkSize: study?.chunkSize,
        stored: await this.chunksStored(studyId),
        bytes: fp.bytes,
        onProgress: (n) => this.progress(item.key, n, file.size),
      });
      this.pendingBytes.set(studyId, (this.pendingBytes.get(studyId) ?? 0) + file.size);
      study?.sha256BySop.set(job.header.sopInstanceUid, fp.sha256);
      const entry = manifestFile({ name: file.name, size: file.size, sha256: fp.sha256, header: job.header }, study?.chunkSize);
      // a sealed manifest only changes when the user says "send addition"
      if (study?.state === "sealed") {
        this.patchTarget(studyId, (t) => ({ ...t, additions: mergeFiles(t.additions, [entry]) }));
      } else {
        this.pendingManifest.set(studyId, [...(this.pendingManifest.get(studyId) ?? []), entry]);
        if ((this.pendingManifest.get(studyId)?.length ?? 0) >= 25) await this.flushManifest(studyId);
      }
      this.patchItem(item.key, { status: "stored", doneBytes: file.size });
    } catch (err) {
      const reason = err instanceof FileChangedError ? err.message : `could not store the file: ${String((err as Error)?.message ?? err)}`;
      this.patchItem(item.key, { status: "failed", reason });
    } finally {
      this.lastProgress.delete(item.key);
    }
  }

  /** Adds the bytes of the files stored since the last count to the study's outbox record
   *  (what the app says it freed once the study is delivered). */
  private async countStored(studyId: StudyId): Promise<void> {
    const bytes = this.pendingBytes.get(studyId);
    if (!bytes) return;
    this.pendingBytes.delete(studyId);
    await updateOutboxRecord(this.deps.mainDb, studyId, (r) => ({ ...r, bytes_stored: r.bytes_stored + bytes }));
  }

  /** Lists stored files in the draft manifest, and counts their bytes (batched: one write
   *  each per ~25 files). */
  private async flushManifest(studyId: StudyId): Promise<void> {
    await this.countStored(studyId);
    const files = this.pendingManifest.get(studyId);
    if (!files?.length) return;
    this.pendingManifest.delete(studyId);
    try {
      await updateStudy(this.deps.mainDb, studyId, (s) => withModalities({ ...s, files: mergeFiles(s.files, files) }));
    } catch (err) {
      this.store.set({ error: `Could not update the study: ${String((err as Error).message ?? err)}` });
    }
  }

  async saveDetails(studyId: StudyId, notes: string, priority: Priority): Promise<void> {
    await updateStudy(this.deps.mainDb, studyId, (s) =>
      s.state === "draft" && (s.notes !== notes || s.priority !== priority) ? { ...s, notes, priority } : s,
    );
  }

  /** The last queued file of a study is saved: list what is pending, and seal it if the
   *  user asked to while files were saving — unless one of its files could not be saved. */
  private async allSaved(studyId: StudyId): Promise<void> {
    await this.flushManifest(studyId);
    const asked = this.store.get().sealing[studyId];
    if (!asked) return;
    this.setSealing(studyId, null);
    if (this.store.get().items.some((i) => i.studyId === studyId && i.status === "failed")) {
      this.store.set({ error: "Not sealed: a file could not be saved (see the list). Pick it again or seal without it." });
      return;
    }
    try {
      await this.seal(studyId, asked.notes, asked.priority);
    } catch (err) {
      this.store.set({ error: `Could not seal the study: ${String((err as Error).message ?? err)}` });
    }
  }

  private setSealing(studyId: StudyId, asked: CaptureState["sealing"][StudyId] | null): void {
    this.store.set((s) => {
      const sealing = { ...s.sealing };
      if (asked) sealing[studyId] = asked;
      else delete sealing[studyId];
      return { ...s, sealing };
    });
  }

  /** Seal now, or — while files are still being saved — as soon as the last one is. */
  async sealWhenSaved(studyId: StudyId, notes: string, priority: Priority): Promise<void> {
    if (this.inflight(studyId) === 0) return this.seal(studyId, notes, priority);
    this.setSealing(studyId, { notes, priority });
    await this.saveDetails(studyId, notes, priority);
    // the last file may have been saved meanwhile, after its check for this request
    if (this.inflight(studyId) === 0) await this.allSaved(studyId);
  }

  async seal(studyId: StudyId, notes: string, priority: Priority): Promise<void> {
    this.manifests.delete(studyId); // files picked for it from now on are additions
    await this.flushManifest(studyId);
    await updateStudy(this.deps.mainDb, studyId, (s) => sealed(s, nowIso(), notes, priority));
    this.deps.kick();
  }

  /** Adds the stored re-exported/extra files to a sealed study (same SOP Instance UID replaces). */
  async sendAdditions(studyId: StudyId): Promise<void> {
    const target = this.store.get().targets[studyId];
    if (!target?.additions.length) return;
    await updateStudy(this.deps.mainDb, studyId, (s) => withModalities({ ...s, files: mergeFiles(s.files, target.additions) }));
    this.patchTarget(studyId, (t) => ({ ...t, additions: [] }));
    this.store.set((s) => {
      const targets = { ...s.targets };
      delete targets[studyId];
      return { ...s, targets };
    });
    this.deps.kick();
  }

  async discardDraft(studyId: StudyId, destroyOutbox: () => Promise<void>): Promise<void> {
    const study = await getStudy(this.deps.mainDb, studyId);
    if (!study || study.state !== "draft") return;
    this.queue = this.queue.filter((j) => j.studyId !== studyId);
    await this.deps.mainDb.remove(study._id, study._rev!);
    await destroyOutbox();
    const record = await this.deps.mainDb.get(`_local/outbox:${studyId}`).catch(() => null);
    if (record) await this.deps.mainDb.remove(record as PouchDB.Core.RemoveDocument).catch(() => undefined);
    this.store.set((s) => {
      const targets = { ...s.targets };
      delete targets[studyId];
      return { ...s, targets, items: s.items.filter((i) => i.studyId !== studyId) };
    });
  }
}
