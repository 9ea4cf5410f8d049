/**
 * SHA-256 for chunks (WebCrypto, one ~1 MiB buffer at a time) and for whole files
 * (hash-wasm's incremental hasher: WebCrypto has no streaming digest, and a 2 GB file must
 * never sit in memory, so the file is read slice by slice).
 */
import { createSHA256 } from "hash-wasm";
import { CHUNK_SIZE } from "./contract";

export type Bytes = ArrayBuffer | Uint8Array;

export function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** sha256 hex of one buffer, by WebCrypto (crypto.subtle exists in browsers and Node 20). */
export async function sha256Hex(data: Bytes): Promise<string> {
  const view = data instanceof Uint8Array ? data : new Uint8Array(data);
  return toHex(await crypto.subtle.digest("SHA-256", view as Uint8Array<ArrayBuffer>));
}

export interface Fingerprint {
  /** sha256 of the whole file: the `file_id` and `sha256` of the manifest entry. */
  sha256: string;
  /** sha256 of each chunk, in order (one per `chunkSize` slice). */
  chunkSha256: string[];
  size: number;
}

export interface FingerprintOptions {
  chunkSize?: number;
  onProgress?: (bytesRead: number) => void;
  signal?: AbortSignal;
}

/**
 * One pass over a Blob/File: the whole-file sha256 (incremental) and each chunk's sha256,
 * reading one chunk-sized slice at a time so memory stays flat whatever the file size.
 */
export async function fingerprintBlob(blob: Blob, options: FingerprintOptions = {}): Promise<Fingerprint> {
  const chunkSize = options.chunkSize ?? CHUNK_SIZE;
  const hasher = await createSHA256();
  hasher.init();
  const chunkSha256: string[] = [];
  for (let start = 0; start < blob.size; start += chunkSize) {
    options.signal?.throwIfAborted();
    const buffer = new Uint8Array(await blob.slice(start, Math.min(start + chunkSize, blob.size)).arrayBuffer());
    hasher.update(buffer);
    chunkSha256.push(await sha256Hex(buffer));
    options.onProgress?.(Math.min(start + chunkSize, blob.size));
  }
  return { sha256: hasher.digest("hex"), chunkSha256, size: blob.size };
}

/** Whole-file sha256 only, incrementally. */
export async function sha256OfBlob(blob: Blob, sliceSize: number = 4 * CHUNK_SIZE): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  for (let start = 0; start < blob.size; start += sliceSize) {
    hasher.update(new Uint8Array(await blob.slice(start, start + sliceSize).arrayBuffer()));
  }
  return hasher.digest("hex");
}
