import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { CHUNK_SIZE, chunkCount, chunkDocId, type Chunk } from "../src/lib/contract";
import { fingerprintBlob } from "../src/lib/sha256";
import { FileChangedError, storeFileChunks, storedChunkIds } from "../src/features/capture/api/store-chunks";
import { memoryDb } from "./helpers/memory-pouch";

const nodeAttachment = (bytes: Uint8Array) => Buffer.from(bytes);
const dbs: PouchDB.Database[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((db) => db.destroy()));
});

function bytes(size: number, seed = 3): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

async function store(data: Uint8Array<ArrayBuffer>, extra: Partial<Parameters<typeof storeFileChunks>[0]> = {}) {
  const db = memoryDb("chunks");
  dbs.push(db);
  const file = new Blob([data]);
  const fp = await fingerprintBlob(file);
  const result = await storeFileChunks({
    db,
    file,
    studyId: "abcdef0123456789",
    fileId: fp.sha256,
    chunkSha256: fp.chunkSha256,
    clinic: "north",
    author: "amina",
    attachmentData: nodeAttachment,
    ...extra,
  });
  return { db, fp, result, file };
}

describe("chunkCount", () => {
  it("is ceil(size / chunk_size)", () => {
    expect(chunkCount(1)).toBe(1);
    expect(chunkCount(CHUNK_SIZE)).toBe(1);
    expect(chunkCount(CHUNK_SIZE + 1)).toBe(2);
    expect(chunkCount(5 * CHUNK_SIZE - 1)).toBe(5);
    expect(chunkCount(100, 64)).toBe(2);
  });
});

describe("storeFileChunks", () => {
  it("writes one contract-shaped chunk document per MiB with the right attachment", async () => {
    const data = bytes(2 * CHUNK_SIZE + 100);
    const { db, fp, result } = await store(data);
    expect(result).toEqual({ written: 3, skipped: 0, bytes: data.length });
    const all = await db.allDocs({ include_docs: true, attachments: true, binary: true });
    expect(all.rows.map((r) => r.id)).toEqual([0, 1, 2].map((i) => chunkDocId("abcdef0123456789", fp.sha256, i)));
    const parts: Uint8Array[] = [];
    for (const [i, row] of all.rows.entries()) {
      const doc = row.doc as unknown as Chunk;
      expect(doc._id).toMatch(/^chunk:abcdef0123456789:[0-9a-f]{64}:0000[0-2]$/);
      expect(Object.keys(doc).sort()).toEqual(
        ["_attachments", "_id", "_rev", "author", "clinic", "file_id", "index", "schema_version", "sha256", "size", "study_id", "type"].sort(),
      );
      expect(doc).toMatchObject({ type: "chunk", schema_version: 1, index: i, file_id: fp.sha256, clinic: "north", author: "amina" });
      const att = doc._attachments!.data!;
      expect(Object.keys(doc._attachments!)).toEqual(["data"]);
      expect(att.content_type).toBe("application/octet-stream");
      const payload = new Uint8Array(att.data as unknown as ArrayBuffer);
      expect(payload.length).toBe(doc.size);
      expect(doc.size).toBe(i < 2 ? CHUNK_SIZE : 100);
      expect(createHash("sha256").update(payload).digest("hex")).toBe(doc.sha256);
      parts.push(payload);
    }
    const hash = createHash("sha256");
    for (const p of parts) hash.update(p);
    expect(hash.digest("hex")).toBe(fp.sha256);
  });

  it("is idempotent: a second run (e.g. after the app was closed) writes nothing new", async () => {
    const data = bytes(CHUNK_SIZE + 1);
    const { db, fp, file } = await store(data);
    const again = await storeFileChunks({
      db, file, studyId: "abcdef0123456789", fileId: fp.sha256, chunkSha256: fp.chunkSha256,
      clinic: "north", author: "amina", attachmentData: nodeAttachment,
    });
    expect(again).toEqual({ written: 0, skipped: 2, bytes: data.length });
    const info = await db.allDocs();
    expect(info.rows).toHaveLength(2);
  });

  it("trusts a set of stored ids handed in (one outbox query per study) and adds what it wrote", async () => {
    const first = bytes(CHUNK_SIZE + 1, 5);
    const { db, fp, file } = await store(first);
    const stored = await storedChunkIds(db, "abcdef0123456789");
    expect(stored.size).toBe(2);
    const other = new Blob([bytes(100, 9)]);
    const otherFp = await fingerprintBlob(other);
    const common = { db, studyId: "abcdef0123456789", clinic: "north", author: "amina", attachmentData: nodeAttachment, stored };
    expect(await storeFileChunks({ ...common, file, fileId: fp.sha256, chunkSha256: fp.chunkSha256 })).toEqual({
      written: 0, skipped: 2, bytes: first.length,
    });
    expect(await storeFileChunks({ ...common, file: other, fileId: otherFp.sha256, chunkSha256: otherFp.chunkSha256 })).toEqual({
      written: 1, skipped: 0, bytes: 100,
    });
    expect(stored).toEqual(await storedChunkIds(db, "abcdef0123456789"));
    expect(stored.size).toBe(3);
  });

  it("stores a one-chunk file from the bytes its fingerprint read, not a second read", async () => {
    const data = bytes(530_000, 13);
    const db = memoryDb("one-chunk");
    dbs.push(db);
    const fp = await fingerprintBlob(new Blob([data]));
    expect(fp.bytes).toEqual(data);
    const result = await storeFileChunks({
      db, file: new Blob([new Uint8Array(data.length)]), // read again, it would be zeros
      studyId: "abcdef0123456789", fileId: fp.sha256, chunkSha256: fp.chunkSha256, bytes: fp.bytes,
      clinic: "north", author: "amina", attachmentData: nodeAttachment,
    });
    expect(result).toEqual({ written: 1, skipped: 0, bytes: data.length });
    const doc = (await db.get(chunkDocId("abcdef0123456789", fp.sha256, 0), { attachments: true, binary: true })) as unknown as Chunk;
    const payload = new Uint8Array(doc._attachments!.data!.data as unknown as ArrayBuffer);
    expect(createHash("sha256").update(payload).digest("hex")).toBe(fp.sha256);
  });

  it("refuses a file that no longer matches its fingerprint", async () => {
    const data = bytes(CHUNK_SIZE + 10);
    const db = memoryDb("changed");
    dbs.push(db);
    const fp = await fingerprintBlob(new Blob([data]));
    const changed = data.slice();
    changed[CHUNK_SIZE + 3] = changed[CHUNK_SIZE + 3]! ^ 0xff;
    await expect(
      storeFileChunks({
        db, file: new Blob([changed]), studyId: "abcdef0123456789", fileId: fp.sha256,
        chunkSha256: fp.chunkSha256, clinic: "north", author: "amina", attachmentData: nodeAttachment,
      }),
    ).rejects.toBeInstanceOf(FileChangedError);
  });

  it("honours a custom chunk size and reports progress", async () => {
    const data = bytes(200_000);
    const db = memoryDb("small");
    dbs.push(db);
    const file = new Blob([data]);
    const fp = await fingerprintBlob(file, { chunkSize: 65536 });
    const progress: number[] = [];
    const result = await storeFileChunks({
      db, file, studyId: "abcdef0123456789", fileId: fp.sha256, chunkSha256: fp.chunkSha256,
      clinic: "north", author: "amina", chunkSize: 65536, batch: 2, attachmentData: nodeAttachment,
      onProgress: (n) => progress.push(n),
    });
    expect(result.written).toBe(4);
    expect(progress.at(-1)).toBe(200_000);
  });
});
