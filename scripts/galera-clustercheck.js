#!/usr/bin/env node
// A wsrep-aware health check for haproxy in front of a MariaDB Galera cluster (the role of
// Percona's `clustercheck`): one small HTTP server per node, answering
//   200 "synced"        when the node has wsrep_ready=ON, wsrep_cluster_status=Primary and
//                       wsrep_local_state=4 (Synced),
//   503 <what is wrong> otherwise, or when the node does not answer within 1 s.
// haproxy polls it with `option httpchk GET /` and `check port <check port>`; a node that is up
// but not in the primary component (error 1047 to every statement) or still joining is then
// taken out, which a plain TCP or mysql-check would not do.
//
// Usage: node scripts/galera-clustercheck.js [--user root] [--password ''] [--tag <text>] <check port>=<host>:<mysql port> …
//   e.g. node scripts/galera-clustercheck.js 9201=127.0.0.1:3306 9202=10.0.0.2:3306
// (--tag is ignored; the test harness puts its cluster folder there to recognise its processes.)
'use strict';
const http = require('node:http');
const mysql = require('mysql2/promise');

const args = process.argv.slice(2);
const opts = { user: 'root', password: '' };
const pairs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--user') opts.user = args[++i];
  else if (args[i] === '--password') opts.password = args[++i];
  else if (args[i] === '--tag') i++;
  else {
    const m = /^(\d+)=([^:]+):(\d+)$/.exec(args[i]);
    if (!m) {
      console.error(`bad argument ${args[i]}: expected <check port>=<host>:<mysql port>`);
      process.exit(2);
    }
    pairs.push({ checkPort: Number(m[1]), host: m[2], port: Number(m[3]) });
  }
}
if (pairs.length === 0) {
  console.error('usage: galera-clustercheck.js [--user u] [--password p] <check port>=<host>:<mysql port> …');
  process.exit(2);
}

const STATUS_SQL =
  "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state', 'wsrep_local_state_comment')";

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

for (const p of pairs) {
  let conn; // one connection per node, kept open between checks; replaced when it fails
  const check = async () => {
    try {
      if (!conn) conn = await withTimeout(mysql.createConnection({ host: p.host, port: p.port, user: opts.user, password: opts.password, connectTimeout: 1000 }), 1500);
      const [rows] = await withTimeout(conn.query(STATUS_SQL), 1000);
      const v = Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
      const ok = v.wsrep_ready === 'ON' && v.wsrep_cluster_status === 'Primary' && Number(v.wsrep_local_state) === 4;
      return { ok, text: ok ? 'synced' : `ready=${v.wsrep_ready} status=${v.wsrep_cluster_status} state=${v.wsrep_local_state_comment}` };
    } catch (err) {
      const c = conn;
      conn = undefined;
      if (c) c.destroy();
      return { ok: false, text: `no answer: ${err.message}` };
    }
  };
  let running; // concurrent probes share one query
  http
    .createServer((req, res) => {
      running = running ?? check().finally(() => (running = undefined));
      running.then(({ ok, text }) => {
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end(`${text}\n`);
      });
    })
    .listen(p.checkPort, '127.0.0.1');
}
