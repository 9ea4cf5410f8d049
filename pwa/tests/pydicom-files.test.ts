/**
 * Optional: parses the real DICOM files bundled in pydicom's wheel when a Python
 * environment with pydicom sits beside the checkout (skipped otherwise).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readDicomHeader } from "../src/features/capture/api/parse-dicom";

const DIR = process.env.PYDICOM_TEST_FILES ?? fileURLToPath(new URL("../../.venv/lib/python3.11/site-packages/pydicom/data/test_files", import.meta.url));

describe.skipIf(!existsSync(DIR))("pydicom's bundled test files", () => {
  it("parses CT_small.dcm", async () => {
    const result = await readDicomHeader(new Blob([new Uint8Array(readFileSync(join(DIR, "CT_small.dcm")))]));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.header.modality).toBe("CT");
      expect(result.header.patient.name).toBeTruthy();
      expect(result.header.image?.pixelDataOffset).toBeGreaterThan(0);
    }
  });

  it("gives every file either a header or a reason, never an exception", async () => {
    const names = readdirSync(DIR).filter((n) => n.endsWith(".dcm"));
    for (const name of names) {
      const result = await readDicomHeader(new Blob([new Uint8Array(readFileSync(join(DIR, name)))]));
      if (process.env.SHOW_PARSE) console.log(name, result.ok ? "ok" : result.reason);
      expect(result.ok || result.reason.length > 0).toBe(true);
    }
  });
});
