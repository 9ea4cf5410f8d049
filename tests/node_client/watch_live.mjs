// Live pull into a local PouchDB 9 (memory adapter), the way the clinician PWA pulls: live,
// retrying, batch_size 25, `selector {type: {$in: [...]}}` (POST _changes?filter=_selector).
// Reports the moment each matching document revision lands in the LOCAL database (from the
// local database's own changes feed), on the wall clock, so a writer on the same machine
// can measure the latency from its write.
//
//   node watch_live.mjs --remote URL [--token T] [--prefix status:]
//                       [--types study,status,report,notification] [--batch-size 25]
//
// stdout, one JSON object a line:
//   {"ready": true, "t_ms": ...}                 the first pull has caught up (paused)
//   {"id": "...", "rev": "...", "t_ms": ...}    a doc whose _id starts with --prefix arrived
//   {"error": "...", "reason": "..."}            the replication gave up (it retries otherwise)
// Stops when stdin closes (or on SIGTERM) and prints {"stopped": true, "seen": N}.

import {randomBytes} from 'node:crypto';
import PouchDB from 'pouchdb-core';
import HttpAdapter from 'pouchdb-adapter-http';
import MemoryAdapter from 'pouchdb-adapter-memory';
import Replication from 'pouchdb-replication';

PouchDB.plugin(HttpAdapter).plugin(MemoryAdapter).plugin(Replication);

const args = process.argv.slice(2);
const opts = {};
for (let i = 0; i < args.length; i += 2) {
  opts[args[i].replace(/^--/, '')] = args[i + 1];
}
if (!opts.remote) {
  console.error('usage: node watch_live.mjs --remote URL [--token T] [--prefix status:]');
  process.exit(2);
}
const prefix = opts.prefix ?? 'status:';
const types = (opts.types || 'study,status,report,notification').split(',');
const batchSize = parseInt(opts['batch-size'] || '25', 10);

const now = () => performance.timeOrigin + performance.now();
const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

const remoteOptions = {skip_setup: true};
if (opts.token) {
  remoteOptions.fetch = (url, init) => {
    init.headers.set('Authorization', 'Bearer ' + opts.token);
    return PouchDB.fetch(url, init);
  };
}
const remote = new PouchDB(opts.remote, remoteOptions);
const local = new PouchDB('watch-' + randomBytes(4).toString('hex'), {adapter: 'memory'});

let seen = 0;
const feed = local.changes({live: true, since: 'now'});
feed.on('change', (change) => {
  const t = now();
  if (!change.id.startsWith(prefix)) return;
  seen += 1;
  print({id: change.id, rev: change.changes[0].rev, t_ms: t});
});

let ready = false;
const replication = local.replicate.from(remote, {
  live: true,
  retry: true,
  batch_size: batchSize,
  selector: {type: {$in: types}},
});
replication.on('paused', (err) => {
  if (!ready && !err) {
    ready = true;
    print({ready: true, t_ms: now()});
  }
});
replication.on('error', (err) => print({error: err.name || err.error, reason: err.reason || err.message}));

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  replication.cancel();
  feed.cancel();
  process.stdout.write(JSON.stringify({stopped: true, seen}) + '\n', () => process.exit(0));
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
