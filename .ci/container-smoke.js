#!/usr/bin/env node
/* global fetch, AbortSignal */
// The HTTP part of .ci/container-test.sh, run on the host against a started container:
//   node .ci/container-smoke.js <base URL> <dialect> <mode> <eventIdPrefix>
//   mode "ingest": the tenant is empty; POST 3 events (202 {accepted: 3}), re-send (202
//                  {duplicates: 3}), read them back exactly as JSON and as CSV.
//   mode "verify": the 3 events of an earlier "ingest" run (same prefix) are still there.
// JWT_SECRET (env) is the container's secret: tokens are minted here with jsonwebtoken, as another
// team would in its own e2e tests. Any mismatch prints what differs and exits 1.
const { sign } = require('jsonwebtoken');
const { isDeepStrictEqual } = require('node:util');

const [base, dialect, mode, prefix] = process.argv.slice(2);
const secret = process.env.JWT_SECRET;
if (!base || !['sqlite', 'mysql'].includes(dialect) || !['ingest', 'verify'].includes(mode) || !prefix || !secret) {
  process.stderr.write('usage: JWT_SECRET=… node .ci/container-smoke.js <base URL> sqlite|mysql ingest|verify <eventIdPrefix>\n');
  process.exit(2);
}
const API = `${base}/v2/statistics`;
const TENANT = 1;

function say(line) {
  process.stdout.write(`   ${line}\n`);
}
function fail(what, got, want) {
  process.stderr.write(`!! ${what}\n   got:  ${JSON.stringify(got)}\n   want: ${JSON.stringify(want)}\n`);
  process.exit(1);
}
function expectEqual(what, got, want) {
  if (!isDeepStrictEqual(got, want)) fail(what, got, want);
  say(`ok  ${what}`);
}

/** A token as the gateway would sign it: tenant rights, optionally the ingestion scope. */
function token({ ingest }) {
  return sign({ rights: { [TENANT]: ['TENANT_STATISTICS'] }, ...(ingest ? { scope: 'statistics:ingest' } : {}) }, secret, {
    algorithm: 'HS256',
    subject: 'container-test',
    expiresIn: 600,
  });
}

async function call(method, path, { auth, body, accept } = {}) {
  const headers = {};
  if (auth) headers.authorization = `Bearer ${auth}`;
  if (accept) headers.accept = accept;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${API}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15000) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), text, json };
}

async function main() {
  const reader = token({ ingest: false });
  const ingester = token({ ingest: true });
  // The events are created a minute ago; the window around them avoids month boundaries.
  const created = new Date(Date.now() - 60_000);
  const window = `from=${new Date(created.getTime() - 3600_000).toISOString()}&to=${new Date(created.getTime() + 3600_000).toISOString()}`;
  const read = `tenants/${TENANT}/userActionsAggregated?${window}`;
  const expected = [{ module: 3, action: 1, tenant: TENANT, count: 3, aggregationLevel: 0 }];

  const ready = await call('GET', 'health/ready');
  expectEqual(`GET health/ready → 200 on ${dialect}`, [ready.status, ready.json], [200, { status: 'ok', database: dialect }]);
  const anonymous = await call('GET', read);
  expectEqual('GET userActionsAggregated without a token → 401', anonymous.status, 401);

  if (mode === 'ingest') {
    const before = await call('GET', read, { auth: reader });
    expectEqual('GET userActionsAggregated on the empty tenant → 200, no rows', [before.status, before.json?.userActions], [200, []]);
    const events = [0, 1, 2].map((i) => ({ eventId: `${prefix}-${i}`, module: 3, action: 1, created: created.toISOString(), country: 'AT', device: 'desktop' }));
    const refused = await call('POST', `tenants/${TENANT}/useractions`, { auth: reader, body: { userActions: events } });
    expectEqual('POST useractions with a read-only token → 403', refused.status, 403);
    const first = await call('POST', `tenants/${TENANT}/useractions`, { auth: ingester, body: { userActions: events } });
    expectEqual('POST useractions (3 events) → 202 {accepted: 3, duplicates: 0}', [first.status, first.json], [202, { accepted: 3, duplicates: 0 }]);
    const again = await call('POST', `tenants/${TENANT}/useractions`, { auth: ingester, body: { userActions: events } });
    expectEqual('POST the same events again → 202 {accepted: 0, duplicates: 3}', [again.status, again.json], [202, { accepted: 0, duplicates: 3 }]);
  }
  const after = await call('GET', read, { auth: reader });
  expectEqual(`GET userActionsAggregated → exactly the 3 events (${mode === 'verify' ? 'after the restart' : 'read back'})`, [after.status, after.json?.userActions, after.json?.meta?.total], [200, expected, 1]);
  const csv = await call('GET', read, { auth: reader, accept: 'text/csv' });
  expectEqual('GET userActionsAggregated as CSV', [csv.status, csv.type, csv.text], [200, 'text/csv; charset=utf-8', `"module","action","tenant","count","aggregationLevel"\n3,1,${TENANT},3,0`]);
}

main().catch((err) => {
  process.stderr.write(`!! ${err?.stack ?? err}\n`);
  process.exit(1);
});
