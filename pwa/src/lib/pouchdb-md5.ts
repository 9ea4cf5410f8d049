/**
 * `pouchdb-md5`, reading each attachment once: the MD5 digest PouchDB takes of every
 * attachment it stores (the `digest` CouchDB replication compares).  The stock module
 * cuts a Blob into 32 KiB slices and reads each with its own FileReader (in Chromium every
 * slice and every read is a round trip to the browser process): for a 1 MiB chunk, 64 of
 * them, and it was most of the time a capture took.  Here a Blob is read once and hashed
 * by hash-wasm's MD5 (WebAssembly), or by spark-md5 (the stock module's hasher) where the
 * page may not compile WebAssembly.  Same answers: base64 of the raw digest for binary
 * data, hex of the UTF-8 bytes for strings.
 *
 * vite.config.ts aliases `pouchdb-md5` to this file for the app's build (the IndexedDB
 * adapter imports it); Node tests use the stock module.
 */
import { createMD5, type IHasher } from "hash-wasm";
import SparkMD5 from "spark-md5";

type Binary = string | Blob | ArrayBuffer | ArrayBufferView;

let wasm: Promise<IHasher | null> | undefined;

function wasmHasher(): Promise<IHasher | null> {
  wasm ??= createMD5().catch(() => null);
  return wasm;
}

async function bytesOf(data: Blob | ArrayBuffer | ArrayBufferView): Promise<Uint8Array> {
  if (data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function base64(raw: Uint8Array): string {
  return btoa(String.fromCharCode(...raw));
}

/** base64 of the MD5 of `data` (a binary string is one byte per character). */
export async function md5Base64(data: Binary, engine?: "wasm" | "js"): Promise<string> {
  if (typeof data === "string") return btoa(SparkMD5.hashBinary(data, true));
  const bytes = await bytesOf(data);
  const hasher = engine === "js" ? null : await wasmHasher();
  if (hasher) {
    hasher.init(); // init → update → digest run without a pause: calls cannot interleave
    hasher.update(bytes);
    return base64(hasher.digest("binary"));
  }
  return btoa(SparkMD5.ArrayBuffer.hash(bytes.slice().buffer, true));
}

/** pouchdb-md5's API: `callback(base64 digest)`.  A Blob that cannot be read throws, out
 *  of band, as the stock module does (PouchDB gives this call no way to fail). */
export function binaryMd5(data: Binary, callback: (digest: string) => void): void {
  md5Base64(data).then(callback, (err: unknown) => {
    setTimeout(() => {
      throw err;
    });
  });
}

/** Hex MD5 of a string's UTF-8 bytes, exactly as the stock module (spark-md5). */
export function stringMd5(text: string): string {
  return SparkMD5.hash(text);
}
