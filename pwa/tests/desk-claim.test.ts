import { afterEach, describe, expect, it } from "vitest";
import type { Claim } from "../src/lib/contract";
import { claimStudy, ClaimError, releaseClaim } from "../src/features/desk/api/claim-study";
import { memoryDb } from "./helpers/memory-pouch";
import { worklistEntry } from "./helpers/desk-docs";

const cleanup: PouchDB.Database[] = [];
afterEach(async () => {
  for (const db of cleanup.splice(0)) await db.destroy();
});
const db = (name: string) => {
  const d = memoryDb(name);
  cleanup.push(d);
  return d;
};

describe("claiming a study", () => {
  const entry = worklistEntry({ clinic: "demo", study_id: "abcdef123456" });

  it("the first claimant wins, the second is told who holds it (409 conflict)", async () => {
    const server = db("desk");
    const oseiLocal = db("osei");
    const kofiLocal = db("kofi");
    const first = await claimStudy(server, oseiLocal, entry, "osei", "2026-01-01T10:00:00Z");
    expect(first.kind).toBe("claimed");
    const stored = (await server.get("claim:demo:abcdef123456")) as unknown as Claim;
    expect(stored).toMatchObject({ type: "claim", radiologist: "osei", clinic: "demo", study_id: "abcdef123456", schema_version: 1 });

    const second = await claimStudy(server, kofiLocal, entry, "kofi");
    expect(second).toMatchObject({ kind: "taken", by: "osei" });
    // the server still says osei, and kofi's replica now holds osei's claim (same revision)
    expect(((await server.get(stored._id)) as unknown as Claim).radiologist).toBe("osei");
    const mirrored = (await kofiLocal.get(stored._id)) as unknown as Claim;
    expect(mirrored.radiologist).toBe("osei");
    expect(mirrored._rev).toBe(stored._rev);
  });

  it("mirrors the winner's claim into the local replica with the server's revision", async () => {
    const server = db("desk");
    const local = db("osei");
    const res = await claimStudy(server, local, entry, "osei");
    expect(res.kind).toBe("claimed");
    const here = await local.get("claim:demo:abcdef123456");
    const there = await server.get("claim:demo:abcdef123456");
    expect(here._rev).toBe(there._rev);
    // replicating afterwards writes nothing: both sides already agree
    const rep = await local.replicate.to(server);
    expect(rep.docs_written).toBe(0);
  });

  it("claiming again what is already mine is not a conflict for me", async () => {
    const server = db("desk");
    await claimStudy(server, null, entry, "osei");
    const again = await claimStudy(server, null, entry, "osei");
    expect(again.kind).toBe("claimed");
  });

  it("a released claim is taken over by the next claimant; until then it is taken", async () => {
    const server = db("desk");
    const oseiLocal = db("osei");
    const first = await claimStudy(server, oseiLocal, entry, "osei", "2026-01-01T10:00:00Z");
    if (first.kind !== "claimed") throw new Error("osei should hold it");
    const released = await releaseClaim(server, oseiLocal, first.claim, "2026-01-01T10:05:00Z");
    expect(released.kind).toBe("released");
    expect(((await oseiLocal.get(first.claim._id)) as unknown as Claim).released_at).toBe("2026-01-01T10:05:00Z");
    const kofi = await claimStudy(server, null, entry, "kofi", "2026-01-01T10:06:00Z");
    expect(kofi.kind).toBe("claimed");
    const stored = (await server.get(first.claim._id)) as unknown as Claim;
    expect(stored).toMatchObject({ radiologist: "kofi", claimed_at: "2026-01-01T10:06:00Z" });
    expect(stored.released_at).toBeUndefined();
    expect(await claimStudy(server, null, entry, "ama")).toMatchObject({ kind: "taken", by: "kofi" });
    // osei's stale copy cannot release kofi's claim
    expect(await releaseClaim(server, null, first.claim)).toMatchObject({ kind: "taken", by: "kofi" });
  });

  it("two take over a released claim at the same moment: exactly one wins", async () => {
    const server = db("desk");
    const first = await claimStudy(server, null, entry, "osei");
    if (first.kind !== "claimed") throw new Error("osei should hold it");
    await releaseClaim(server, null, first.claim);
    const results = await Promise.all(["kofi", "ama"].map((who) => claimStudy(server, null, entry, who)));
    expect(results.filter((r) => r.kind === "claimed")).toHaveLength(1);
  });

  it("two claimants at the same moment: exactly one wins", async () => {
    const server = db("desk");
    const results = await Promise.all(["osei", "kofi", "ama"].map((who) => claimStudy(server, null, entry, who)));
    expect(results.filter((r) => r.kind === "claimed")).toHaveLength(1);
    const winner = ((await server.get("claim:demo:abcdef123456")) as unknown as Claim).radiologist;
    for (const r of results) if (r.kind === "taken") expect(r.by).toBe(winner);
  });

  it("a server that cannot be reached or refuses is an error, not a claim", async () => {
    const unreachable = {
      put: async () => {
        throw Object.assign(new TypeError("Failed to fetch"), { status: undefined });
      },
    } as unknown as PouchDB.Database;
    await expect(claimStudy(unreachable, null, entry, "osei")).rejects.toBeInstanceOf(ClaimError);
    const forbidden = {
      put: async () => {
        throw { status: 403, name: "forbidden", reason: "radiologist osei may not write to x" };
      },
    } as unknown as PouchDB.Database;
    await expect(claimStudy(forbidden, null, entry, "osei")).rejects.toMatchObject({ status: 403 });
  });

  it("a conflict whose claim cannot be read still says it is taken", async () => {
    const odd = {
      put: async () => {
        throw { status: 409, name: "conflict" };
      },
      get: async () => {
        throw { status: 404 };
      },
    } as unknown as PouchDB.Database;
    await expect(claimStudy(odd, null, entry, "osei")).resolves.toMatchObject({ kind: "taken", by: "another radiologist" });
  });
});
