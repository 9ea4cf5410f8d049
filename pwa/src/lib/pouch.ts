/**
 * The app's one PouchDB client: local databases in IndexedDB (the `indexeddb` adapter,
 * which counts documents right and purges/destroys attachment data cleanly) and the
 * remote clinic database behind the gateway's replication proxy, with the Bearer token
 * added to every request and one refresh-and-retry on 401.
 */
import PouchDB from "pouchdb-browser";
import indexeddb from "pouchdb-adapter-indexeddb";
import { refreshSession, accessToken } from "./session";
import type { StudyId, Username } from "./contract";

PouchDB.plugin(indexeddb);

type FetchFn = (url: string, opts?: RequestInit) => Promise<Response>;
const pouchFetch = (PouchDB as unknown as { fetch: FetchFn }).fetch;

export const mainDbName = (username: Username, remoteDb: string) => `relaypacs-${username}-${remoteDb}`;
export const outboxDbName = (username: Username, studyId: StudyId) => `relaypacs-${username}-outbox-${studyId}`;

const open = new Map<string, PouchDB.Database>();

export function localDb(name: string): PouchDB.Database {
  let db = open.get(name);
  if (!db) {
    db = new PouchDB(name, { adapter: "indexeddb", auto_compaction: true } as PouchDB.Configuration.DatabaseConfiguration);
    open.set(name, db);
  }
  return db;
}

/** Deletes a local database and everything in it (e.g. a delivered study's chunk data). */
export async function destroyLocalDb(name: string): Promise<void> {
  const db = localDb(name);
  open.delete(name);
  await db.destroy();
}

export function remoteUrl(dbName: string): string {
  return new URL(`/sync/${encodeURIComponent(dbName)}`, globalThis.location.origin).href;
}

const SYNC_ROOT = /^\/sync\/?$/;

async function withBearer(url: string, opts: RequestInit = {}): Promise<Response> {
  // PouchDB asks the server root (`/sync/`) for a uuid to name replications; the gateway
  // proxies databases, not the server, so answer "none" here and PouchDB uses the db URL.
  if (SYNC_ROOT.test(new URL(url, globalThis.location.origin).pathname)) {
    return new Response(JSON.stringify({ error: "not_found", reason: "no server root" }), {
      status: 404,
      headers: { "Content-Type": "application/json" },
    });
  }
  const send = async () => {
    const headers = new Headers(opts.headers);
    const token = await accessToken();
    if (token) headers.set("Authorization", `Bearer ${token}`);
    return pouchFetch(url, { ...opts, headers });
  };
  let res = await send();
  if (res.status === 401 && (await refreshSession()) === "ok") res = await send();
  return res;
}

export function remoteDb(dbName: string): PouchDB.Database {
  return new PouchDB(remoteUrl(dbName), {
    fetch: withBearer,
    skip_setup: true,
  } as PouchDB.Configuration.RemoteDatabaseConfiguration);
}

export { PouchDB };
