#!/usr/bin/env node
// npm run client:check: the committed client types (test/support/openapi-types.ts) are what
// openapi-typescript generates from openapi.json, and the client compiles with --strict.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const TYPES = 'test/support/openapi-types.ts';
const bin = (name) => join(__dirname, '..', 'node_modules', '.bin', name);
const dir = mkdtempSync(join(tmpdir(), 'openapi-types-'));
try {
  const out = join(dir, 'openapi-types.ts');
  const gen = spawnSync(bin('openapi-typescript'), ['openapi.json', '-o', out], { encoding: 'utf8' });
  if (gen.status !== 0) {
    console.error(`openapi-typescript failed:\n${gen.stderr}`);
    process.exit(1);
  }
  if (readFileSync(out, 'utf8') !== readFileSync(TYPES, 'utf8')) {
    console.error(`${TYPES} is stale: run \`npm run client:generate\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${TYPES} is up to date`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.client.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('the typed client does not compile with --strict (tsconfig.client.json)');
  process.exit(1);
}
console.log('the typed client compiles with --strict');
