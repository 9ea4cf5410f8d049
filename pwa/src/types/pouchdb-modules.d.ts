declare module "pouchdb-adapter-memory";
declare module "pouchdb-adapter-indexeddb";
declare module "pouchdb-browser" {
  const PouchDB: PouchDB.Static;
  export default PouchDB;
}
