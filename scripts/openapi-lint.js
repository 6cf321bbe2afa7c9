#!/usr/bin/env node
// npm run openapi:lint [-- file.json]: openapi.json must pass @apidevtools/swagger-parser's
// validation and Spectral's spectral:oas ruleset (.spectral.yaml) with 0 errors and 0 warnings.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const file = process.argv[2] ?? 'openapi.json';

async function main() {
  let failed = false;
  try {
    const SwaggerParser = require('@apidevtools/swagger-parser');
    await SwaggerParser.validate(file);
    console.log(`swagger-parser: ${file} is valid OpenAPI`);
  } catch (err) {
    console.error(`swagger-parser: ${file} is not valid OpenAPI: ${err.message}`);
    failed = true;
  }
  const spectral = join(__dirname, '..', 'node_modules', '.bin', 'spectral');
  const res = spawnSync(spectral, ['lint', file, '--ruleset', '.spectral.yaml', '--format', 'json', '--quiet'], { encoding: 'utf8' });
  let results;
  try {
    results = JSON.parse(res.stdout || '[]');
  } catch {
    console.error(`spectral did not run: ${res.stderr || res.stdout}`);
    process.exit(1);
  }
  const count = (severity) => results.filter((r) => r.severity === severity).length;
  for (const r of results) console.error(`  ${['error', 'warning', 'info', 'hint'][r.severity]} ${r.code} ${r.path.join('.')}: ${r.message}`);
  console.log(`spectral (spectral:oas): ${count(0)} errors, ${count(1)} warnings, ${count(2)} infos, ${count(3)} hints`);
  if (count(0) + count(1) > 0) failed = true;
  process.exit(failed ? 1 : 0);
}

void main();
