import { createHash, randomBytes, type BinaryLike } from "node:crypto";
import { describe, expect, it } from "vitest";
import { binaryMd5, md5Base64, stringMd5 } from "../src/lib/pouchdb-md5";

const md5 = (data: BinaryLike, encoding: "base64" | "hex" = "base64") =>
  createHash("md5").update(data).digest(encoding);

describe("pouchdb-md5, reading each attachment once", () => {
  const chunk = new Uint8Array(randomBytes(1024 * 1024 + 7));

  it("digests a Blob, bytes and an ArrayBuffer as PouchDB's digest (base64 of the raw MD5)", async () => {
    for (const engine of ["wasm", "js"] as const) {
      expect(await md5Base64(new Blob([chunk]), engine)).toBe(md5(chunk));
      expect(await md5Base64(chunk.subarray(5, 1000), engine)).toBe(md5(chunk.subarray(5, 1000)));
      expect(await md5Base64(chunk.buffer, engine)).toBe(md5(chunk));
      expect(await md5Base64(new Blob([]), engine)).toBe(md5(new Uint8Array()));
    }
  });

  it("digests a binary string one byte per character", async () => {
    const bytes = chunk.subarray(0, 70_000);
    const binary = Array.from(bytes, (b) => String.fromCharCode(b)).join("");
    expect(await md5Base64(binary)).toBe(md5(bytes));
  });

  it("answers through the callback, concurrent calls each with their own digest", async () => {
    const parts = [chunk.subarray(0, 1000), chunk.subarray(1000, 500_000), chunk.subarray(500_000)];
    const digests = await Promise.all(parts.map((p) => new Promise<string>((done) => binaryMd5(new Blob([p]), done))));
    expect(digests).toEqual(parts.map((p) => md5(p)));
  });

  it("hashes strings as UTF-8 hex, as the stock module", () => {
    expect(stringMd5("Amina Ñandú 📷")).toBe(md5(new TextEncoder().encode("Amina Ñandú 📷"), "hex"));
  });
});
