/**
 * Outboxes: one local database per study holding its chunk documents, pushed one-way to
 * the clinic database in small batches (chunk docs carry ~1 MiB each). A whole outbox is
 * destroyed once the study is delivered: that frees the space at once, and a destroyed
 * database has nothing to replicate, so no deletion can ever travel up.
 *
 * Two `_local` documents (never replicated) keep the bookkeeping:
 *  - `_local/outbox:<study_id>` in the main database: the outbox exists, bytes stored, freed;
 *  - `_local/progress` in the outbox: which chunks went out, and up to which local seq
 *    everything did (so a reopened app resumes and shows the right progress).
 */
import type { StudyId, Timestamp } from "../contract";
import { outboxPushFilter } from "./filters";

export interface OutboxRecord {
  _id: string;
  _rev?: string;
  study_id: StudyId;
  bytes_stored: number;
  created_at: Timestamp;
  freed_at?: Timestamp;
  freed_bytes?: number;
}

export interface PushProgress {
  _id: "_local/progress";
  _rev?: string;
  ids: string[];
  bytes: number;
  complete_seq: number | string | null;
}

const recordId = (studyId: StudyId) => `_local/outbox:${studyId}`;

function isNotFound(err: unknown): boolean {
  return (err as { status?: number })?.status === 404;
}

export async function getOutboxRecord(mainDb: PouchDB.Database, studyId: StudyId): Promise<OutboxRecord | null> {
  try {
    return (await mainDb.get(recordId(studyId))) as unknown as OutboxRecord;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Read-modify-write with a retry on conflict (several tabs, or capture and sync together). */
export async function updateOutboxRecord(
  mainDb: PouchDB.Database,
  studyId: StudyId,
  change: (current: OutboxRecord) => OutboxRecord,
  now: () => Timestamp = () => new Date().toISOString(),
): Promise<OutboxRecord> {
  for (let attempt = 0; ; attempt++) {
    const current =
      (await getOutboxRecord(mainDb, studyId)) ??
      ({ _id: recordId(studyId), study_id: studyId, bytes_stored: 0, created_at: now() } as OutboxRecord);
    const next = change({ ...current });
    try {
      const res = await mainDb.put(next as unknown as PouchDB.Core.PutDocument<object>);
      return { ...next, _rev: res.rev };
    } catch (err) {
      if ((err as { status?: number })?.status !== 409 || attempt > 5) throw err;
    }
  }
}

export async function readProgress(outbox: PouchDB.Database): Promise<PushProgress> {
  try {
    return (await outbox.get("_local/progress")) as unknown as PushProgress;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return { _id: "_local/progress", ids: [], bytes: 0, complete_seq: null };
  }
}

async function writeProgress(outbox: PouchDB.Database, progress: PushProgress): Promise<PushProgress> {
  const res = await outbox.put(progress as unknown as PouchDB.Core.PutDocument<object>);
  return { ...progress, _rev: res.rev };
}

function seqNumber(seq: number | string | null | undefined): number {
  if (seq === null || seq === undefined) return -1;
  if (typeof seq === "number") return seq;
  const n = Number.parseInt(seq, 10);
  return Number.isFinite(n) ? n : -1;
}

/** True when the outbox holds chunks written after the last complete push. */
export async function needsPush(outbox: PouchDB.Database, progress?: PushProgress): Promise<boolean> {
  const p = progress ?? (await readProgress(outbox));
  const info = await outbox.info();
  return seqNumber(info.update_seq) > seqNumber(p.complete_seq);
}

interface PushedDoc {
  type?: string;
  file_id?: string;
  index?: number;
  size?: number;
}

const progressKey = (d: PushedDoc) => `${(d.file_id ?? "").slice(0, 16)}:${d.index ?? -1}`;

export interface PushOptions {
  batchSize?: number;
  onProgress?: (bytesSent: number) => void;
  signal?: AbortSignal;
}

/**
 * One pass of the outbox to the remote (resumes from PouchDB's checkpoint); resolves when
 * everything written before it started is on the server, rejects on any failure.
 */
export async function pushOutbox(
  outbox: PouchDB.Database,
  remote: PouchDB.Database,
  options: PushOptions = {},
): Promise<PushProgress> {
  let progress = await readProgress(outbox);
  const startSeq = (await outbox.info()).update_seq;
  const ids = new Set(progress.ids);
  let bytes = progress.bytes;
  let saving: Promise<unknown> = Promise.resolve();
  const save = () => {
    saving = saving
      .then(async () => {
        progress = await writeProgress(outbox, { ...progress, ids: [...ids], bytes });
      })
      .catch(() => undefined);
    return saving;
  };

  const replication = outbox.replicate.to(remote, {
    batch_size: options.batchSize ?? 10,
    batches_limit: 1,
    filter: outboxPushFilter as unknown as string,
  });
  const abort = () => replication.cancel();
  options.signal?.addEventListener("abort", abort);
  replication.on("change", (info) => {
    for (const doc of info.docs as unknown as PushedDoc[]) {
      if (doc.type !== "chunk") continue;
      const key = progressKey(doc);
      if (ids.has(key)) continue;
      ids.add(key);
      bytes += doc.size ?? 0;
    }
    options.onProgress?.(bytes);
    void save();
  });
  try {
    const result = await replication;
    options.signal?.throwIfAborted();
    await save();
    const info = await outbox.info();
    const completeSeq = result.docs_written === 0 ? info.update_seq : startSeq;
    progress = await writeProgress(outbox, { ...progress, ids: [...ids], bytes, complete_seq: completeSeq });
    return progress;
  } finally {
    options.signal?.removeEventListener("abort", abort);
    await saving;
  }
}
