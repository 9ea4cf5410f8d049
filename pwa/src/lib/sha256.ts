/**
 * SHA-256 for chunks (WebCrypto, one ~1 MiB buffer at a time) and for whole files
 * (an incremental hasher: WebCrypto has no streaming digest, and a 2 GB file must never
 * sit in memory, so the file is read slice by slice). The incremental hasher is
 * hash-wasm's (fast) when the page may compile WebAssembly, else @noble/hashes (pure JS:
 * a Content-Security-Policy without 'wasm-unsafe-eval' forbids WebAssembly).
 */
import { createSHA256 } from "hash-wasm";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { CHUNK_SIZE } from "./contract";

export interface IncrementalHasher {
  update(bytes: Uint8Array): void;
  digestHex(): string;
}

let wasmUsable: boolean | undefined;

/** An incremental SHA-256; `engine` forces one implementation (tests). */
export async function createHasher(engine?: "wasm" | "js"): Promise<IncrementalHasher> {
  if (engine !== "js" && wasmUsable !== false) {
    try {
      const h = await createSHA256();
      h.init();
      wasmUsable = true;
      return { update: (b) => void h.update(b), digestHex: () => h.digest("hex") };
    } catch (err) {
      if (engine === "wasm") throw err;
      wasmUsable = false;
    }
  }
  const h = nobleSha256.create();
  return {
    update: (b) => void h.update(b),
    digestHex: () => toHex(h.digest()),
  };
}

export type Bytes = ArrayBuffer | Uint8Array;

export function toHex(buffer: ArrayBuffer | Uint8Array): string {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
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
  /** The file's bytes when it is one chunk (a CT slice is): storing them needs no second
   *  read, and nothing can change between the hash and the store. */
  bytes?: Uint8Array<ArrayBuffer>;
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
  if (blob.size > 0 && blob.size <= chunkSize) {
    // one chunk: the file's sha256 is the chunk's
    options.signal?.throwIfAborted();
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const sha256 = await sha256Hex(bytes);
    options.onProgress?.(blob.size);
    return { sha256, chunkSha256: [sha256], size: blob.size, bytes };
  }
  const hasher = await createHasher();
  const chunkSha256: string[] = [];
  for (let start = 0; start < blob.size; start += chunkSize) {
    options.signal?.throwIfAborted();
    const buffer = new Uint8Array(await blob.slice(start, Math.min(start + chunkSize, blob.size)).arrayBuffer());
    hasher.update(buffer);
    chunkSha256.push(await sha256Hex(buffer));
    options.onProgress?.(Math.min(start + chunkSize, blob.size));
  }
  return { sha256: hasher.digestHex(), chunkSha256, size: blob.size };
}

/** Whole-file sha256 only, incrementally. */
export async function sha256OfBlob(blob: Blob, sliceSize: number = 4 * CHUNK_SIZE, engine?: "wasm" | "js"): Promise<string> {
  const hasher = await createHasher(engine);
  for (let start = 0; start < blob.size; start += sliceSize) {
    hasher.update(new Uint8Array(await blob.slice(start, start + sliceSize).arrayBuffer()));
  }
  return hasher.digestHex();
}
