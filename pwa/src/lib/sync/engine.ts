/**
 * The replication engine: one live, retrying two-way sync of the main database (filtered
 * both ways, see filters.ts) and a queue that pushes each sealed study's outbox, most
 * urgent first, a pass at a time, retrying with back-off and at once when the network
 * returns. Delivered studies get their outbox destroyed (local space freed).
 *
 * Everything it needs arrives as dependencies, so Node tests run it on memory databases.
 */
import type { Status, Study, StudyId, Username } from "../contract";
import { PRIORITIES } from "../contract";
import { onDocChange } from "../db-events";
import { clinicProfile, type ReplicationProfile } from "./filters";
import { getOutboxRecord, needsPush, pushOutbox, readProgress, updateOutboxRecord } from "./outbox";
import { initialSyncState, Store, type StudySync, type SyncState } from "./state";

export interface EngineDeps {
  username: Username;
  mainDb: PouchDB.Database;
  /** The clinic database through the gateway; null when signed out. */
  remote: PouchDB.Database | null;
  openOutbox: (studyId: StudyId) => PouchDB.Database;
  destroyOutbox: (studyId: StudyId) => Promise<void>;
  online?: boolean;
  /** What the main replica pulls and pushes (default: a clinic's, see filters.ts). */
  profile?: ReplicationProfile;
  /** ms; tests shorten it */
  maxBackoff?: number;
  now?: () => string;
}

const MIN_BACKOFF = 1000;

function priorityRank(s: Study): number {
  return PRIORITIES.length - PRIORITIES.indexOf(s.priority);
}

export class SyncEngine {
  readonly store: Store<SyncState>;
  private mainSync: PouchDB.Replication.Sync<object> | null = null;
  private unsubscribe: (() => void) | null = null;
  private running = false;
  private dirty = false;
  private stopped = true;
  private pushing: { studyId: StudyId; abort: AbortController } | null = null;
  private backoff = MIN_BACKOFF;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private idle: Promise<void> = Promise.resolve();

  constructor(private deps: EngineDeps) {
    this.store = new Store(initialSyncState(deps.online ?? true));
  }

  private now = () => (this.deps.now ?? (() => new Date().toISOString()))();

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = onDocChange(this.deps.mainDb, (id) => {
      if (id.startsWith("study:") || id.startsWith("status:")) this.kick();
    });
    this.startMainSync();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.stopMainSync();
    this.pushing?.abort.abort();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.idle;
  }

  setOnline(online: boolean): void {
    this.store.set({ online });
    if (online && !this.stopped) {
      // skip PouchDB's back-off: the link is back now
      this.stopMainSync();
      this.startMainSync();
      this.backoff = MIN_BACKOFF;
      this.kick();
    }
  }

  /** Re-check every study (after capture, a seal, a status change or a timer). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    this.idle = this.loop().finally(() => {
      this.running = false;
    });
  }

  /** Resolves when the current reconcile/push round is over (tests). */
  settled(): Promise<void> {
    return this.idle;
  }

  private startMainSync(): void {
    const remote = this.deps.remote;
    if (!remote) {
      this.store.set({ main: "signed-out" });
      return;
    }
    this.store.set({ main: "connecting" });
    const profile = this.deps.profile ?? clinicProfile(this.deps.username);
    const sync = this.deps.mainDb.sync(remote, {
      live: true,
      retry: true,
      batch_size: 25,
      back_off_function: (delay: number) => Math.min(Math.max(delay * 2, MIN_BACKOFF), this.deps.maxBackoff ?? 30000),
      push: { filter: profile.pushFilter as unknown as string },
      pull: { selector: profile.pullSelector },
    } as PouchDB.Replication.SyncOptions);
    sync
      .on("change", () => this.store.set({ main: "active", lastChangeAt: this.now(), lastError: undefined }))
      .on("active", () => this.store.set({ main: "active", lastError: undefined }))
      .on("paused", (err) =>
        this.store.set(err ? { main: "error", lastError: describe(err) } : { main: "idle", lastError: undefined }),
      )
      .on("denied", (err) => this.store.set({ lastError: describe(err) }))
      .on("error", (err) => this.store.set({ main: "error", lastError: describe(err) }));
    this.mainSync = sync;
  }

  private stopMainSync(): void {
    this.mainSync?.cancel();
    this.mainSync = null;
  }

  private async loop(): Promise<void> {
    do {
      this.dirty = false;
      try {
        await this.reconcile();
      } catch (err) {
        this.store.set({ lastError: describe(err) });
      }
    } while (this.dirty && !this.stopped);
  }

  private async myStudies(): Promise<{ studies: Study[]; statuses: Map<StudyId, Status> }> {
    const db = this.deps.mainDb;
    const [s, st] = await Promise.all([
      db.allDocs({ startkey: "study:", endkey: "study:\ufff0", include_docs: true }),
      db.allDocs({ startkey: "status:", endkey: "status:\ufff0", include_docs: true }),
    ]);
    const studies = s.rows.map((r) => r.doc as unknown as Study).filter((d) => d && d.author === this.deps.username);
    const statuses = new Map<StudyId, Status>();
    for (const r of st.rows) {
      const doc = r.doc as unknown as Status | undefined;
      if (doc) statuses.set(doc.study_id, doc);
    }
    return { studies, statuses };
  }

  private setStudy(next: StudySync): void {
    this.store.set((v) => {
      const studies = { ...v.studies, [next.studyId]: next };
      const pendingList = Object.values(studies).filter((s) => s.phase === "waiting" || s.phase === "sending");
      return {
        ...v,
        studies,
        pending: pendingList.length,
        pendingBytes: pendingList.reduce((n, s) => n + Math.max(0, s.totalBytes - s.sentBytes), 0),
      };
    });
  }

  /** Frees a delivered study's chunk data on this device. */
  private async free(study: Study): Promise<void> {
    if (this.pushing?.studyId === study.study_id) this.pushing.abort.abort();
    const record = await getOutboxRecord(this.deps.mainDb, study.study_id);
    await this.deps.destroyOutbox(study.study_id);
    const at = this.now();
    await updateOutboxRecord(this.deps.mainDb, study.study_id, (r) => ({
      ...r,
      freed_at: at,
      freed_bytes: record?.bytes_stored ?? r.bytes_stored,
    }));
  }

  private async reconcile(): Promise<void> {
    const { studies, statuses } = await this.myStudies();
    const queue: Study[] = [];
    for (const study of studies) {
      const total = study.files.reduce((n, f) => n + f.size, 0);
      const base: StudySync = { studyId: study.study_id, phase: "draft", totalBytes: total, sentBytes: 0 };
      let record = await getOutboxRecord(this.deps.mainDb, study.study_id);
      if (!record) {
        this.setStudy({ ...base, phase: study.state === "sealed" ? "elsewhere" : "draft" });
        continue;
      }
      if (!record.freed_at && statuses.get(study.study_id)?.state === "delivered") {
        await this.free(study);
        record = await getOutboxRecord(this.deps.mainDb, study.study_id);
      }
      if (record?.freed_at) {
        this.setStudy({ ...base, phase: "freed", sentBytes: total, freedBytes: record.freed_bytes, freedAt: record.freed_at });
        continue;
      }
      if (study.state !== "sealed") {
        this.setStudy(base);
        continue;
      }
      const outbox = this.deps.openOutbox(study.study_id);
      const progress = await readProgress(outbox);
      if (await needsPush(outbox, progress)) {
        const previous = this.store.get().studies[study.study_id];
        this.setStudy({
          ...base,
          phase: "waiting",
          sentBytes: Math.min(progress.bytes, total),
          error: previous?.error,
        });
        queue.push(study);
      } else {
        this.setStudy({ ...base, phase: "sent", sentBytes: total });
      }
    }
    queue.sort(
      (a, b) => priorityRank(b) - priorityRank(a) || (a.sealed_at ?? "").localeCompare(b.sealed_at ?? ""),
    );
    for (const study of queue) {
      if (this.stopped || !this.store.get().online || !this.deps.remote) return;
      const ok = await this.pushStudy(study);
      if (!ok) return;
    }
  }

  private async pushStudy(study: Study): Promise<boolean> {
    const remote = this.deps.remote;
    if (!remote) return false;
    const total = study.files.reduce((n, f) => n + f.size, 0);
    const abort = new AbortController();
    this.pushing = { studyId: study.study_id, abort };
    const current = () => this.store.get().studies[study.study_id];
    this.setStudy({ ...current()!, phase: "sending", error: undefined });
    try {
      const progress = await pushOutbox(this.deps.openOutbox(study.study_id), remote, {
        signal: abort.signal,
        onProgress: (bytes) => this.setStudy({ ...current()!, phase: "sending", sentBytes: Math.min(bytes, total) }),
      });
      this.backoff = MIN_BACKOFF;
      const stillNeeds = await needsPush(this.deps.openOutbox(study.study_id), progress);
      this.setStudy({
        ...current()!,
        phase: stillNeeds ? "waiting" : "sent",
        sentBytes: stillNeeds ? Math.min(progress.bytes, total) : total,
      });
      if (stillNeeds) this.dirty = true;
      return true;
    } catch (err) {
      if (abort.signal.aborted || this.stopped) return false;
      this.setStudy({ ...current()!, phase: "waiting", error: describe(err) });
      this.scheduleRetry();
      return false;
    } finally {
      this.pushing = null;
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.deps.maxBackoff ?? 60000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
  }
}

export function describe(err: unknown): string {
  if (!err) return "";
  const e = err as { reason?: string; message?: string; error?: string; status?: number };
  const text = e.reason || e.message || e.error || String(err);
  return e.status ? `${text} (${e.status})` : text;
}
