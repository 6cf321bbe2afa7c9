#!/usr/bin/env node
// npm run openapi:breaking: classifies the changes of openapi.json against the base commit's
// (api-smart-diff) and fails on a breaking change that openapi-approved-breaks.txt does not list.
// Base: $OPENAPI_BASE_REF if set; else the merge-base with main when HEAD is on another line of
// history; else HEAD~1 (CI on main). A base without openapi.json is skipped with a message.
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { apiCompare } = require('api-smart-diff');

const APPROVED_FILE = 'openapi-approved-breaks.txt';

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
function tryGit(...args) {
  try {
    return git(...args);
  } catch {
    return undefined;
  }
}

function baseRef() {
  if (process.env.OPENAPI_BASE_REF) return process.env.OPENAPI_BASE_REF;
  const head = tryGit('rev-parse', 'HEAD');
  const mergeBase = tryGit('merge-base', 'HEAD', 'main');
  if (mergeBase && mergeBase !== head) return mergeBase;
  return tryGit('rev-parse', '--verify', '--quiet', 'HEAD~1');
}

/** One line of the approved file per change: `<action> <path>`, e.g. `remove paths./v2/statistics/modules.get`. */
const keyOf = (d) => `${d.action} ${d.path.join('.')}`;

function approved() {
  if (!existsSync(APPROVED_FILE)) return new Set();
  return new Set(
    readFileSync(APPROVED_FILE, 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean),
  );
}

const ref = baseRef();
if (!ref) {
  console.log('openapi:breaking: no base commit (first commit?): skipped');
  process.exit(0);
}
const beforeText = tryGit('show', `${ref}:openapi.json`);
if (beforeText === undefined) {
  console.log(`openapi:breaking: ${ref.slice(0, 12)} has no openapi.json: skipped`);
  process.exit(0);
}
const before = JSON.parse(beforeText);
const after = JSON.parse(readFileSync('openapi.json', 'utf8'));
// Changes under components are also reported, classified in context, where operations use them
// (a response field may narrow, a request field may not): only those count.
const diffs = apiCompare(before, after).diffs.filter((d) => d.path[0] !== 'components');
const counts = {};
for (const d of diffs) counts[d.type] = (counts[d.type] ?? 0) + 1;
const ok = approved();
const breaking = diffs.filter((d) => d.type === 'breaking');
const unapproved = breaking.filter((d) => !ok.has(keyOf(d)));
console.log(`openapi:breaking: openapi.json against ${ref.slice(0, 12)}: ${JSON.stringify(counts)}; ${breaking.length} breaking, ${breaking.length - unapproved.length} of them approved`);
for (const d of breaking) console.log(`  ${ok.has(keyOf(d)) ? 'approved' : 'BREAKING'} ${d.description}\n      ${keyOf(d)}`);
if (unapproved.length > 0) {
  console.error(`\n${unapproved.length} breaking change(s) not approved. If intended, add the line(s) under "BREAKING" to ${APPROVED_FILE} (see docs/api.md).`);
  process.exit(1);
}
