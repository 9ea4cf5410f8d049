/** Read-modify-write of one study manifest, retried on conflict (capture and notes both write it). */
import { studyDocId, type Study, type StudyId } from "../../../lib/contract";
import { studyProblem } from "./build-manifest";

export async function getStudy(db: PouchDB.Database, studyId: StudyId): Promise<Study | null> {
  try {
    return (await db.get(studyDocId(studyId))) as unknown as Study;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}

export async function updateStudy(db: PouchDB.Database, studyId: StudyId, change: (s: Study) => Study): Promise<Study> {
  for (let attempt = 0; ; attempt++) {
    const current = await getStudy(db, studyId);
    if (!current) throw new Error(`study ${studyId} is not on this device`);
    const next = change(current);
    if (next === current) return current;
    const problem = studyProblem(next);
    if (problem) throw new Error(problem);
    try {
      const res = await db.put(next as unknown as PouchDB.Core.PutDocument<object>);
      return { ...next, _rev: res.rev };
    } catch (err) {
      if ((err as { status?: number }).status !== 409 || attempt > 5) throw err;
    }
  }
}

export async function myStudies(db: PouchDB.Database, username: string): Promise<Study[]> {
  const res = await db.allDocs({ startkey: "study:", endkey: "study:\ufff0", include_docs: true });
  return res.rows.map((r) => r.doc as unknown as Study).filter((s) => s && s.author === username);
}
