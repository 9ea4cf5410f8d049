// A real PouchDB 9 client (memory adapter) replicating with a remote CouchDB endpoint: the
// gateway (Bearer token) or the CouchDB-protocol server itself (basic auth in the URL).
// Prints one JSON object per line; the last line is the result.
//
//   node replicate.mjs push  --remote URL [--token T] --docs FILE.json [--batch-size 10]
//   node replicate.mjs push  --remote URL [--token T] --chunks N --chunk-bytes B
//                             --clinic C --author A [--study S]
//   node replicate.mjs pull  --remote URL [--token T] [--batch-size 10]
//   node replicate.mjs live  --remote URL [--token T] --wait-for ID [--timeout-ms 20000]
//
// push/pull: {ok, docs_written, doc_write_failures, denied, errors, ms, bytes, docs: [...]}
// live: {"ready": true} once listening, then {found, ms} when the doc arrived (or timed out).

import {createHash, randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import PouchDB from 'pouchdb-core';
import HttpAdapter from 'pouchdb-adapter-http';
import MemoryAdapter from 'pouchdb-adapter-memory';
import Replication from 'pouchdb-replication';

PouchDB.plugin(HttpAdapter).plugin(MemoryAdapter).plugin(Replication);

const [command, ...rest] = process.argv.slice(2);
const opts = {};
for (let i = 0; i < rest.length; i += 2) {
  opts[rest[i].replace(/^--/, '')] = rest[i + 1];
}
const batchSize = parseInt(opts['batch-size'] || '10', 10);

let flushed = Promise.resolve();
function print(obj) {
  // resolve once written: a pipe is asynchronous and exit() would cut a long line short
  flushed = new Promise((resolve) => process.stdout.write(JSON.stringify(obj) + '\n', resolve));
}

function remoteDb() {
  const options = {skip_setup: true};
  if (opts.token) {
    options.fetch = (url, init) => {
      init.headers.set('Authorization', 'Bearer ' + opts.token);
      return PouchDB.fetch(url, init);
    };
  }
  return new PouchDB(opts.remote, options);
}

function chunkDocs() {
  const count = parseInt(opts.chunks, 10);
  const size = parseInt(opts['chunk-bytes'] || String(1024 * 1024), 10);
  const study = opts.study || 'bench' + randomBytes(6).toString('hex');
  const fileId = createHash('sha256').update(study).digest('hex');
  const docs = [];
  for (let i = 0; i < count; i++) {
    const data = randomBytes(size);
    docs.push({
      _id: `chunk:${study}:${fileId}:${String(i).padStart(5, '0')}`,
      type: 'chunk',
      schema_version: 1,
      study_id: study,
      file_id: fileId,
      index: i,
      sha256: createHash('sha256').update(data).digest('hex'),
      size: size,
      clinic: opts.clinic,
      author: opts.author,
      _attachments: {data: {content_type: 'application/octet-stream', data: data.toString('base64')}},
    });
  }
  return docs;
}

function summary(result, started, extra) {
  return Object.assign({
    ok: result.ok !== false && result.status !== 'aborting',
    status: result.status,
    docs_read: result.docs_read,
    docs_written: result.docs_written,
    doc_write_failures: result.doc_write_failures,
    errors: (result.errors || []).map((e) => ({id: e.id, error: e.error || e.name, reason: e.reason || e.message})),
    ms: Date.now() - started,
  }, extra);
}

async function push() {
  const local = new PouchDB('local-' + randomBytes(4).toString('hex'), {adapter: 'memory'});
  const docs = opts.docs ? JSON.parse(readFileSync(opts.docs, 'utf8')) : chunkDocs();
  let bytes = 0;
  for (const d of docs) {
    for (const att of Object.values(d._attachments || {})) {
      bytes += Buffer.from(att.data, 'base64').length;
    }
  }
  // load in batches to keep memory modest
  for (let i = 0; i < docs.length; i += 20) {
    await local.bulkDocs(docs.slice(i, i + 20));
  }
  const denied = [];
  const started = Date.now();
  const replication = local.replicate.to(remoteDb(), {batch_size: batchSize, batches_limit: 2});
  replication.on('denied', (err) => denied.push({id: err.id, reason: err.reason}));
  try {
    const result = await replication;
    print(summary(result, started, {bytes, denied, ids: opts.summary ? docs.length : docs.map((d) => d._id)}));
  } catch (err) {
    print({ok: false, error: err.name || err.error, status: err.status, reason: err.reason || err.message,
           ms: Date.now() - started, denied});
  }
}

async function pull() {
  const local = new PouchDB('local-' + randomBytes(4).toString('hex'), {adapter: 'memory'});
  const started = Date.now();
  try {
    const result = await local.replicate.from(remoteDb(), {batch_size: batchSize, batches_limit: 2});
    const all = await local.allDocs({include_docs: true, attachments: true, binary: true});
    let bytes = 0;
    const docs = all.rows.map((row) => {
      const doc = row.doc;
      const out = {_id: doc._id, _rev: doc._rev, type: doc.type, author: doc.author};
      if (doc._attachments && doc._attachments.data && doc._attachments.data.data) {
        const data = doc._attachments.data.data;
        bytes += data.length;
        out.data_sha256 = createHash('sha256').update(data).digest('hex');
        out.sha256 = doc.sha256;
      }
      return out;
    });
    print(summary(result, started, {bytes, docs: opts.summary ? docs.length : docs}));
  } catch (err) {
    print({ok: false, error: err.name || err.error, status: err.status, reason: err.reason || err.message,
           ms: Date.now() - started});
  }
}

async function live() {
  const local = new PouchDB('local-' + randomBytes(4).toString('hex'), {adapter: 'memory'});
  const timeout = parseInt(opts['timeout-ms'] || '20000', 10);
  const wanted = opts['wait-for'];
  const replication = local.replicate.from(remoteDb(), {live: true, retry: true, batch_size: batchSize});
  let started = null;
  const result = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({found: false}), timeout);
    replication.on('paused', () => {
      if (started === null) {
        started = Date.now();
        print({ready: true});
      }
    });
    replication.on('change', (info) => {
      if (info.docs.some((d) => d._id === wanted)) {
        clearTimeout(timer);
        resolve({found: true, ms: started === null ? 0 : Date.now() - started});
      }
    });
    replication.on('error', (err) => {
      clearTimeout(timer);
      resolve({found: false, error: err.name, reason: err.reason || err.message});
    });
  });
  replication.cancel();
  print(result);
}

const commands = {push, pull, live};
if (!commands[command]) {
  console.error('usage: node replicate.mjs push|pull|live --remote URL [--token T] ...');
  process.exit(2);
}
await commands[command]();
await flushed;
process.exit(0);
