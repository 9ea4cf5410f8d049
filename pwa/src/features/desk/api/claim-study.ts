/**
 * Claiming a study: one direct `PUT /sync/<desk>/claim:<clinic>:<study_id>` through the
 * gateway, online, never through local replication, so CouchDB's MVCC decides: the first
 * PUT creates the document, a second claimant's PUT (no `_rev`) gets 409 `conflict`. The
 * loser then reads the existing claim to name who holds it.
 *
 * The answer is mirrored into the local replica with the server's revision
 * (`new_edits: false`), so the screen updates at once and replication has nothing to merge.
 *
 * Releasing sets `released_at` on one's own claim (an update, with its `_rev`); a released
 * claim is taken over by the next claimant's update of that same document, so two people
 * taking it over at once still meet CouchDB's 409 and only one wins.
 */
import { claimDocId, nowIso, SCHEMA_VERSION, type Claim, type Username, type WorklistEntry } from "../../../lib/contract";

export type ClaimOutcome =
  | { kind: "claimed"; claim: Claim }
  | { kind: "taken"; by: Username; claim?: Claim }
  | { kind: "released"; claim: Claim };

export class ClaimError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ClaimError";
  }
}

interface PouchErr {
  status?: number;
  name?: string;
  reason?: string;
  message?: string;
}

export function newClaim(entry: Pick<WorklistEntry, "clinic" | "study_id">, me: Username, now = nowIso()): Claim {
  return {
    _id: claimDocId(entry.clinic, entry.study_id),
    schema_version: SCHEMA_VERSION,
    type: "claim",
    study_id: entry.study_id,
    clinic: entry.clinic,
    radiologist: me,
    claimed_at: now,
  };
}

async function mirror(local: PouchDB.Database | null, doc: Claim): Promise<void> {
  if (!local || !doc._rev) return;
  try {
    await local.bulkDocs([doc as unknown as PouchDB.Core.PutDocument<object>], { new_edits: false });
  } catch {
    // the pull brings it anyway
  }
}

/**
 * Claim `entry` for `me` on `remote` (the desk database behind the gateway). Resolves
 * `claimed` (new, or already ours) or `taken` (by whom); rejects with ClaimError when the
 * server cannot be reached or refuses for another reason.
 */
export async function claimStudy(
  remote: PouchDB.Database,
  local: PouchDB.Database | null,
  entry: Pick<WorklistEntry, "clinic" | "study_id">,
  me: Username,
  now = nowIso(),
): Promise<ClaimOutcome> {
  const doc = newClaim(entry, me, now);
  const created = await putClaim(remote, local, doc);
  if (created) return { kind: "claimed", claim: created };
  const existing = await current(remote, doc._id);
  if (existing?.released_at) {
    // given back: take it over by updating that very revision (a rival's update wins or loses)
    const taken = await putClaim(remote, local, { ...doc, _rev: existing._rev });
    if (taken) return { kind: "claimed", claim: taken };
    return claimStudy(remote, local, entry, me, now);
  }
  if (existing) await mirror(local, existing);
  if (existing?.radiologist === me) return { kind: "claimed", claim: existing };
  return { kind: "taken", by: existing?.radiologist ?? "another radiologist", claim: existing };
}

/** Give a study back: mark my claim released, so another radiologist can take it. */
export async function releaseClaim(
  remote: PouchDB.Database,
  local: PouchDB.Database | null,
  claim: Claim,
  now = nowIso(),
): Promise<ClaimOutcome> {
  const latest = (await current(remote, claim._id)) ?? claim;
  if (latest.radiologist !== claim.radiologist) return { kind: "taken", by: latest.radiologist, claim: latest };
  const released = await putClaim(remote, local, { ...latest, released_at: now });
  if (!released) throw new ClaimError("The claim changed meanwhile: look again and retry.", 409);
  return { kind: "released", claim: released };
}

/** PUT a claim; the stored claim, or undefined on a 409 conflict (anything else throws). */
async function putClaim(remote: PouchDB.Database, local: PouchDB.Database | null, doc: Claim): Promise<Claim | undefined> {
  try {
    const res = await remote.put(doc as unknown as PouchDB.Core.PutDocument<object>);
    const claim = { ...doc, _rev: res.rev };
    await mirror(local, claim);
    return claim;
  } catch (err) {
    const e = err as PouchErr;
    if (e.status !== 409) throw describeFailure(e);
    return undefined;
  }
}

async function current(remote: PouchDB.Database, id: string): Promise<Claim | undefined> {
  try {
    return (await remote.get(id)) as unknown as Claim;
  } catch {
    return undefined;
  }
}

function describeFailure(e: PouchErr): ClaimError {
  if (e.status === 401) return new ClaimError("Your session has ended: sign in again to claim.", 401);
  if (e.status === 403) return new ClaimError(e.reason || "You may not claim this study.", 403);
  if (!e.status || e.status >= 500 || e.name === "TypeError")
    return new ClaimError("Claiming needs a connection to the server: try again when online.", e.status);
  return new ClaimError(e.reason || e.message || "The claim was refused.", e.status);
}
