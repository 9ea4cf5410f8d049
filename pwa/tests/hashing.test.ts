import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprintBlob, sha256Hex, sha256OfBlob } from "../src/lib/sha256";
import { CHUNK_SIZE } from "../src/lib/contract";

const enc = (s: string) => new TextEncoder().encode(s);

// FIPS 180-2 / NIST example vectors
const KNOWN: [string, string][] = [
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  ],
];

function pseudoRandom(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("sha256Hex (WebCrypto)", () => {
  it.each(KNOWN)("hashes %j to the known value", async (input, expected) => {
    expect(await sha256Hex(enc(input))).toBe(expected);
  });
});

describe.each(["wasm", "js"] as const)("sha256OfBlob (incremental, %s engine)", (engine) => {
  it.each(KNOWN)("hashes %j to the known value", async (input, expected) => {
    expect(await sha256OfBlob(new Blob([enc(input)]), undefined, engine)).toBe(expected);
  });

  it("hashes one million 'a' across slice boundaries", async () => {
    const blob = new Blob([enc("a".repeat(1_000_000))]);
    const expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    expect(await sha256OfBlob(blob, 4096, engine)).toBe(expected);
    expect(await sha256OfBlob(blob, 999_983, engine)).toBe(expected);
  });
});

describe("fingerprintBlob", () => {
  it("gives the whole-file hash and one hash per chunk", async () => {
    const data = pseudoRandom(2 * CHUNK_SIZE + 12345);
    const fp = await fingerprintBlob(new Blob([data]));
    expect(fp.size).toBe(data.length);
    expect(fp.sha256).toBe(createHash("sha256").update(data).digest("hex"));
    expect(fp.chunkSha256).toHaveLength(3);
    fp.chunkSha256.forEach((sha, i) => {
      const part = data.subarray(i * CHUNK_SIZE, Math.min((i + 1) * CHUNK_SIZE, data.length));
      expect(sha).toBe(createHash("sha256").update(part).digest("hex"));
    });
  });

  it("handles a file of exactly one chunk and reports progress", async () => {
    const data = pseudoRandom(CHUNK_SIZE, 7);
    const seen: number[] = [];
    const fp = await fingerprintBlob(new Blob([data]), { onProgress: (n) => seen.push(n) });
    expect(fp.chunkSha256).toHaveLength(1);
    expect(fp.chunkSha256[0]).toBe(fp.sha256);
    expect(seen).toEqual([CHUNK_SIZE]);
  });

  it("hands over a one-chunk file's bytes with its hash (stored without a second read), not a bigger one's", async () => {
    const slice = pseudoRandom(530_000, 11);
    const one = await fingerprintBlob(new Blob([slice]));
    expect(one.sha256).toBe(createHash("sha256").update(slice).digest("hex"));
    expect(one.chunkSha256).toEqual([one.sha256]);
    expect(one.bytes).toEqual(slice);
    expect((await fingerprintBlob(new Blob([pseudoRandom(CHUNK_SIZE + 1)]))).bytes).toBeUndefined();
    const empty = await fingerprintBlob(new Blob([]));
    expect(empty.sha256).toBe(KNOWN[0]![1]);
    expect(empty.chunkSha256).toEqual([]);
  });

  it("supports a smaller chunk size", async () => {
    const data = enc("a".repeat(1_000_000));
    const fp = await fingerprintBlob(new Blob([data]), { chunkSize: 64 * 1024 });
    expect(fp.chunkSha256).toHaveLength(Math.ceil(1_000_000 / 65536));
    expect(fp.sha256).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });
});
