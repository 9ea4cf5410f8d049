/** PouchDB in Node for unit tests: the memory adapter (Vitest cannot do attachments in fake IndexedDB). */
import PouchDB from "pouchdb-core";
import memory from "pouchdb-adapter-memory";
import replication from "pouchdb-replication";

PouchDB.plugin(memory).plugin(replication);

let counter = 0;
export function memoryDb(name = "test"): PouchDB.Database {
  counter += 1;
  return new PouchDB(`${name}-${Date.now()}-${counter}`, { adapter: "memory" });
}

export { PouchDB };
