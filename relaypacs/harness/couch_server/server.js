'use strict';
// A CouchDB-protocol server for single machines and tests: PouchDB Server's engine
// (express-pouchdb) on LevelDB, or in memory.  Production runs Apache CouchDB 3.
//
//   node server.js --port 5984 [--host 127.0.0.1] [--data-dir DIR | --memory]
//                  [--admin-user admin --admin-password secret]
//
// Differences from stock pouchdb-server: no gzip (it holds back feed=continuous), no
// Fauxton, a POST body `selector` on /db/_changes becomes filter=_selector (what PouchDB
// sends), and a crashing request does not take the whole server down.

const fs = require('fs');
const path = require('path');
const express = require('express');

function arg(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg('port', '5984'), 10);
const host = arg('host', '127.0.0.1');
const memory = process.argv.includes('--memory');
const dataDir = path.resolve(arg('data-dir', './couch-data'));
const adminUser = arg('admin-user', process.env.COUCH_ADMIN_USER || 'admin');
const adminPassword = arg('admin-password', process.env.COUCH_ADMIN_PASSWORD || '');

fs.mkdirSync(dataDir, {recursive: true});

let PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-mapreduce'))
  .plugin(require('pouchdb-replication'));
PouchDB = memory
  ? PouchDB.plugin(require('pouchdb-adapter-memory')).defaults({adapter: 'memory'})
  : PouchDB.plugin(require('pouchdb-adapter-leveldb')).defaults({prefix: dataDir + path.sep});

const configPath = path.join(dataDir, 'config.json');
const config = fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, 'utf8')) : {};
config.admins = config.admins || {};
if (adminPassword && !config.admins[adminUser]) {
  config.admins[adminUser] = adminPassword; // express-pouchdb hashes it on load
}
config.log = Object.assign({}, config.log, {file: path.join(dataDir, 'log.txt'), level: 'error'});
config.couch_httpd_auth = Object.assign({}, config.couch_httpd_auth, {require_valid_user: true});
fs.writeFileSync(configPath, JSON.stringify(config, null, 2));

// pouchdb-validation hands validate_doc_update the stored document's `_revisions` in place of
// the incoming one's and leaves it there, so a replicated update (new_edits=false) of an
// existing document is silently dropped.  Load it with the incoming history restored after
// validation, before express-pouchdb requires it.
(function patchValidation() {
  const Module = require('module');
  const file = require.resolve('pouchdb-validation');
  const original = fs.readFileSync(file, 'utf8');
  const from = 'newDoc._revisions = (oldDoc || {})._revisions;';
  const done = '//passed all validation functions (no errors thrown) -> success';
  if (!original.includes(from) || !original.includes(done)) {
    throw new Error('pouchdb-validation changed: review the _revisions patch');
  }
  const patched = original
    .replace(from, 'var incomingRevisions = newDoc._revisions;\n  ' + from)
    .replace(done, 'if (incomingRevisions === undefined) { delete newDoc._revisions; }' +
      ' else { newDoc._revisions = incomingRevisions; }\n  ' + done);
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod._compile(patched, file);
  mod.loaded = true;
  require.cache[file] = mod;
})();

const app = express();
app.disable('x-powered-by');

// PouchDB sends selector-filtered changes as POST with a JSON body.
app.post('/:db/_changes', (req, res, next) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = {};
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch (e) {
      res.status(400).json({error: 'bad_request', reason: 'invalid JSON body'});
      return;
    }
    req.body = body;
    req._body = true;
    if (body.selector) {
      req.query.filter = '_selector';
      req.query.selector = body.selector;
    }
    next();
  });
});

app.use(require('express-pouchdb')(PouchDB, {
  configPath: configPath,
  logPath: path.join(dataDir, 'log.txt'),
  mode: 'fullCouchDB',
  overrideMode: {exclude: ['compression', 'routes/fauxton']},
}));

process.on('unhandledRejection', (err) => {
  console.error('unhandledRejection', err && err.message);
});
process.on('uncaughtException', (err) => {
  console.error('uncaughtException', err && err.message);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}

const server = app.listen(port, host, () => {
  console.log(JSON.stringify({listening: `http://${host}:${server.address().port}`}));
});
server.on('error', (err) => {
  console.error('listen failed', err.message);
  process.exit(3);
});
