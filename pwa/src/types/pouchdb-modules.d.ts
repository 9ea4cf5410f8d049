declare module "pouchdb-adapter-memory";
declare module "pouchdb-adapter-indexeddb";
declare module "pouchdb-browser" {
  const PouchDB: PouchDB.Static;
  export default PouchDB;
}
declare module "spark-md5" {
  interface SparkMD5Static {
    hash(text: string, raw?: boolean): string;
    hashBinary(binary: string, raw?: boolean): string;
    ArrayBuffer: { hash(buffer: ArrayBuffer, raw?: boolean): string };
  }
  const SparkMD5: SparkMD5Static;
  export default SparkMD5;
}
