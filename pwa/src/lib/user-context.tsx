/**
 * Everything bound to the signed-in user: their main local database (named after them
 * and the database it replicates, so two users of one device never share data), the sync
 * engine, and their outboxes. Created once per user; the engine gets a remote only while
 * there are tokens. Clinicians and radiographers replicate their clinic database; a
 * radiologist replicates the desk database (worklist, claims, own reports; never chunks).
 */
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { clinicDatabase, deskDatabase, type StudyId } from "./contract";
import { destroyLocalDb, localDb, mainDbName, outboxDbName, remoteDb } from "./pouch";
import type { SessionUser } from "./session";
import { SyncEngine } from "./sync/engine";
import { clinicProfile, deskProfile } from "./sync/filters";
import type { SyncState } from "./sync/state";

export interface UserData {
  user: SessionUser;
  /** The remote database the main replica follows (a clinic's, or the desk). */
  clinicDb: string;
  isDesk: boolean;
  mainDb: PouchDB.Database;
  engine: SyncEngine;
  openOutbox: (studyId: StudyId) => PouchDB.Database;
}

const Ctx = createContext<UserData | null>(null);

export function UserDataProvider(props: { user: SessionUser; signedIn: boolean; children: ReactNode }) {
  const { user, signedIn } = props;
  const isDesk = user.role === "radiologist";
  const clinicDb =
    (isDesk ? deskDatabase(user.databases) : clinicDatabase(user.databases, user.clinic)) ?? user.databases[0] ?? "unknown";
  const mainDb = useMemo(() => localDb(mainDbName(user.username, clinicDb)), [user.username, clinicDb]);
  const openOutbox = useMemo(() => (id: StudyId) => localDb(outboxDbName(user.username, id)), [user.username]);
  const value = useMemo<UserData>(() => {
    const engine = new SyncEngine({
      username: user.username,
      mainDb,
      remote: signedIn ? remoteDb(clinicDb) : null,
      openOutbox,
      destroyOutbox: (id) => destroyLocalDb(outboxDbName(user.username, id)),
      online: navigator.onLine,
      profile: isDesk ? deskProfile(user.username) : clinicProfile(user.username),
    });
    return { user, clinicDb, isDesk, mainDb, engine, openOutbox };
  }, [user, clinicDb, isDesk, mainDb, signedIn, openOutbox]);

  useEffect(() => {
    const { engine } = value;
    engine.start();
    const online = () => engine.setOnline(true);
    const offline = () => engine.setOnline(false);
    const tick = setInterval(() => engine.kick(), 30000);
    window.addEventListener("online", online);
    window.addEventListener("offline", offline);
    return () => {
      clearInterval(tick);
      window.removeEventListener("online", online);
      window.removeEventListener("offline", offline);
      void engine.stop();
    };
  }, [value]);

  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

export function useUserData(): UserData {
  const v = useContext(Ctx);
  if (!v) throw new Error("useUserData outside UserDataProvider");
  return v;
}

export function useSyncState(): SyncState {
  const { engine } = useUserData();
  return useSyncExternalStore(engine.store.subscribe, engine.store.get, engine.store.get);
}
