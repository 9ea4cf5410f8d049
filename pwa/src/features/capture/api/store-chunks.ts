/**
 * Cuts one file into chunk documents (couch_design_docs.models.Chunk) in a local outbox
 * database: one chunk-sized slice read at a time, its sha256 checked against the one
 * taken when the file was fingerprinted (so a file that changed on the USB stick since is
 * caught), written a few at a time. Idempotent: chunks already stored are skipped.
 */
import {
  CHUNK_ATTACHMENT,
  CHUNK_CONTENT_TYPE,
  CHUNK_SIZE,
  SCHEMA_VERSION,
  chunkCount,
  chunkDocId,
  chunkPrefix,
  type Chunk,
  type ClinicId,
  type Sha256,
  type StudyId,
  type Username,
} from "../../../lib/contract";
import { sha256Hex } from "../../../lib/sha256";

export type AttachmentData = (bytes: Uint8Array<ArrayBuffer>) => unknown;

/** Browsers store a Blob; Node tests pass Buffer.from instead. */
export const blobAttachment: AttachmentData = (bytes) => new Blob([bytes], { type: CHUNK_CONTENT_TYPE });

export interface ChunkInput {
  studyId: StudyId;
  fileId: Sha256;
  index: number;
  sha256: Sha256;
  size: number;
  clinic: ClinicId;
  author: Username;
  data: unknown;
}

export function buildChunk(c: ChunkInput): Chunk {
  return {
    _id: chunkDocId(c.studyId, c.fileId, c.index),
    schema_version: SCHEMA_VERSION,
    type: "chunk",
    study_id: c.studyId,
    file_id: c.fileId,
    index: c.index,
    sha256: c.sha256,
    size: c.size,
    clinic: c.clinic,
    author: c.author,
    _attachments: {
      [CHUNK_ATTACHMENT]: { content_type: CHUNK_CONTENT_TYPE, data: c.data as Blob },
    },
  };
}

export class FileChangedError extends Error {
  constructor(readonly index: number) {
    super(`the file changed while it was being read (chunk ${index}): pick it again`);
    this.name = "FileChangedError";
  }
}

export interface StoreChunksInput {
  db: PouchDB.Database;
  file: Blob;
  studyId: StudyId;
  fileId: Sha256;
  /** From fingerprintBlob: one sha256 per chunk. */
  chunkSha256: Sha256[];
  clinic: ClinicId;
  author: Username;
  chunkSize?: number;
  /** Chunk ids already in the outbox (asked of it when not given); the ids written are
   *  added to it. */
  stored?: Set<string>;
  /** The bytes of a one-chunk file, read and hashed by fingerprintBlob: stored as they are. */
  bytes?: Uint8Array<ArrayBuffer>;
  /** Chunks per bulkDocs call (each about 1 MiB in memory). */
  batch?: number;
  attachmentData?: AttachmentData;
  onProgress?: (bytesStored: number) => void;
  signal?: AbortSignal;
}

export interface StoreChunksResult {
  written: number;
  skipped: number;
  bytes: number;
}

export async function storedChunkIds(db: PouchDB.Database, studyId: StudyId, fileId?: Sha256): Promise<Set<string>> {
  const prefix = chunkPrefix(studyId, fileId);
  const res = await db.allDocs({ startkey: prefix, endkey: `${prefix}\ufff0` });
  return new Set(res.rows.map((r) => r.id));
}

export async function storeFileChunks(input: StoreChunksInput): Promise<StoreChunksResult> {
  const chunkSize = input.chunkSize ?? CHUNK_SIZE;
  const batchSize = input.batch ?? 4;
  const toData = input.attachmentData ?? blobAttachment;
  const count = chunkCount(input.file.size, chunkSize);
  if (input.chunkSha256.length !== count) {
    throw new Error(`expected ${count} chunk hashes, got ${input.chunkSha256.length}`);
  }
  const existing = input.stored ?? (await storedChunkIds(input.db, input.studyId, input.fileId));
  const result: StoreChunksResult = { written: 0, skipped: 0, bytes: 0 };
  let batch: Chunk[] = [];

  const flush = async () => {
    if (!batch.length) return;
    const res = await input.db.bulkDocs(batch as unknown as PouchDB.Core.PutDocument<object>[]);
    for (const r of res) {
      // a conflict means the same immutable chunk is already there: that is success
      if ("error" in r && r.status !== 409) throw new Error(`storing ${r.id} failed: ${r.message ?? r.error}`);
    }
    result.written += batch.length;
    for (const chunk of batch) existing.add(chunk._id);
    batch = [];
  };

  for (let index = 0; index < count; index++) {
    input.signal?.throwIfAborted();
    const start = index * chunkSize;
    const end = Math.min(start + chunkSize, input.file.size);
    if (existing.has(chunkDocId(input.studyId, input.fileId, index))) {
      result.skipped++;
      result.bytes += end - start;
      continue;
    }
    const given = count === 1 && input.bytes?.byteLength === end - start;
    const bytes = given ? input.bytes! : new Uint8Array(await input.file.slice(start, end).arrayBuffer());
    const sha = given ? input.chunkSha256[0]! : await sha256Hex(bytes);
    if (sha !== input.chunkSha256[index]) throw new FileChangedError(index);
    batch.push(
      buildChunk({
        studyId: input.studyId,
        fileId: input.fileId,
        index,
        sha256: sha,
        size: bytes.byteLength,
        clinic: input.clinic,
        author: input.author,
        data: toData(bytes),
      }),
    );
    result.bytes += bytes.byteLength;
    if (batch.length >= batchSize) await flush();
    input.onProgress?.(result.bytes);
  }
  await flush();
  input.onProgress?.(result.bytes);
  return result;
}
