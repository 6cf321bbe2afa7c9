#!/usr/bin/env node
// `npm test`: the jest suites on SQLite (always), on MySQL/MariaDB when TEST_DATABASE_URL is set
// (REQUIRE_MYSQL=1 turns a missing or unreachable MySQL into a failure, never a skip), and the
// e2e suites once more with a non-UTC host zone (TZ=America/New_York) to prove it changes nothing.
// The service is compiled first: the crash tests SIGKILL the real `node dist/main.js`.
// The outage and replica tests (test/reliability/{outage,replica}) start their own MariaDB servers
// with the local mariadbd; they run in the MySQL run, and REQUIRE_MYSQL=1 also requires them.
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const OWN_SERVER_TESTS = 'test/reliability/(outage|replica)';
const hasMariadbd = ['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db'].every((f) => existsSync(f));

const extra = process.argv.slice(2);
const runs = [{ name: 'sqlite', env: { TEST_DB: 'sqlite' }, args: ['--testPathIgnorePatterns', OWN_SERVER_TESTS] }];
const mysqlUrl = process.env.TEST_DATABASE_URL;
if (mysqlUrl) {
  if (hasMariadbd) runs.push({ name: 'mysql', env: { TEST_DB: 'mysql' }, args: [] });
  else if (process.env.REQUIRE_MYSQL === '1') {
    console.error('REQUIRE_MYSQL=1 but /usr/sbin/mariadbd or /usr/bin/mariadb-install-db is missing: the outage and replica tests cannot run.');
    process.exit(1);
  } else {
    console.log(`(no local mariadbd: ${OWN_SERVER_TESTS} are left out of the MySQL run)`);
    runs.push({ name: 'mysql', env: { TEST_DB: 'mysql' }, args: ['--testPathIgnorePatterns', OWN_SERVER_TESTS] });
  }
} else if (process.env.REQUIRE_MYSQL === '1') {
  console.error('REQUIRE_MYSQL=1 but TEST_DATABASE_URL is not set: the MySQL suites cannot run.');
  process.exit(1);
}
runs.push({
  name: 'sqlite, TZ=America/New_York',
  env: { TEST_DB: 'sqlite', TZ: 'America/New_York' },
  args: ['--testPathPatterns', 'test/(foundation|statistics|rollup|summary)/'],
});

console.log('=== compiling the service (dist/) for the crash tests ===');
const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('the build failed');
  process.exit(1);
}

function checkMysql() {
  const probe = spawnSync(process.execPath, ['-e', `
    require('mysql2/promise').createConnection(process.env.TEST_DATABASE_URL.replace(/\\/[^/]*$/, '/'))
      .then(c => c.end()).catch(e => { console.error(e.message); process.exit(1); });`], { stdio: 'inherit', env: process.env });
  return probe.status === 0;
}

if (mysqlUrl && !checkMysql()) {
  console.error(`MySQL at TEST_DATABASE_URL is unreachable${process.env.REQUIRE_MYSQL === '1' ? ' and REQUIRE_MYSQL=1: failing' : ''}.`);
  process.exit(1);
}

const summary = [];
let failedRuns = 0;
for (const run of runs) {
  const out = join(tmpdir(), `jest-${process.pid}-${summary.length}.json`);
  console.log(`\n=== jest on ${run.name} ===`);
  const res = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--json', `--outputFile=${out}`, ...run.args, ...extra], {
    stdio: 'inherit',
    env: { ...process.env, ...run.env },
  });
  let passed = 0, failed = 0, skipped = 0;
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed = r.numPassedTests; failed = r.numFailedTests; skipped = r.numPendingTests + r.numTodoTests;
    rmSync(out, { force: true });
  } catch {
    failed += 1;
  }
  if (res.status !== 0 || failed > 0 || passed === 0) failedRuns++;
  summary.push({ run: run.name, passed, failed, skipped, exit: res.status });
}
console.log('\n=== summary ===');
for (const s of summary) console.log(`${s.run}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (jest exit ${s.exit})`);
const total = summary.reduce((a, s) => ({ p: a.p + s.passed, f: a.f + s.failed }), { p: 0, f: 0 });
console.log(`${total.p} passed, ${total.f} failed`);
process.exit(failedRuns > 0 ? 1 : 0);
