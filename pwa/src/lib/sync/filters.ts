/**
 * What crosses the wire, in each direction (CouchDB replication protocol, filtered).
 *
 * Pull: the clinic's manifests, statuses, reports and notifications, named by type, so
 * no chunk (the gateway never sends other users' chunk data; this keeps even our own
 * from coming back) and no design document (PouchDB's `$ne` would match docs without a
 * `type`, CouchDB's would not: `$in` means the same on both).
 * Push (main database): only our sealed manifests and our notifications' read flags.
 * Drafts never leave the phone, and neither do local deletions (a tombstone has no
 * `type`, so it never passes).
 * Push (outboxes): chunk documents only, never a deletion.
 *
 * The desk (radiologists): pull the worklist (the bridge's, read only), every claim (no
 * patient data; it says who reads what), our own reports and our notifications; push only
 * our own claims, reports and notifications' read flags. Never a chunk, in either direction.
 */
import type { Username } from "../contract";

export const PULL_TYPES = ["study", "status", "report", "notification"] as const;
export const PULL_SELECTOR = { type: { $in: [...PULL_TYPES] } };

interface AnyDoc {
  _id: string;
  _deleted?: boolean;
  type?: string;
  state?: string;
  author?: string;
  user?: string;
}

export function mainPushFilter(username: Username): (doc: AnyDoc) => boolean {
  return (doc) => {
    if (doc._deleted) return false;
    if (doc.type === "study") return doc.state === "sealed" && doc.author === username;
    if (doc.type === "notification") return doc.user === username;
    return false;
  };
}

export function outboxPushFilter(doc: AnyDoc): boolean {
  return !doc._deleted && doc.type === "chunk";
}

export const DESK_PULL_TYPES = ["worklist", "claim", "notification"] as const;

/** Mango `$or` (CouchDB 3 and PouchDB Server agree on it): shared types, plus our own reports. */
export function deskPullSelector(username: Username): object {
  return { $or: [{ type: { $in: [...DESK_PULL_TYPES] } }, { type: "report", author: username }] };
}

export function deskPushFilter(username: Username): (doc: AnyDoc & { radiologist?: string }) => boolean {
  return (doc) => {
    if (doc._deleted) return false;
    if (doc.type === "claim") return doc.radiologist === username;
    if (doc.type === "report") return doc.author === username;
    if (doc.type === "notification") return doc.user === username;
    return false;
  };
}

/** What one replica pulls and pushes: the clinic profile (default) or the desk's. */
export interface ReplicationProfile {
  pullSelector: object;
  pushFilter: (doc: never) => boolean;
}

export function clinicProfile(username: Username): ReplicationProfile {
  return { pullSelector: PULL_SELECTOR, pushFilter: mainPushFilter(username) };
}

export function deskProfile(username: Username): ReplicationProfile {
  return { pullSelector: deskPullSelector(username), pushFilter: deskPushFilter(username) };
}
