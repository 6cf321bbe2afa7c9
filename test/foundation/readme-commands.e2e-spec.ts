import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify } from 'jsonwebtoken';
import { compiledMain } from '../support/service-process';
import { TestApp } from '../support/test-app';

// Issue 11 item 7: the README's `npm run token` and `npm run rollup` commands work when pasted,
// and a usage line (brackets = optional parts) pasted as a command fails with a hint instead of
// running. The commands run against the compiled CLIs (what `npm run …` runs, without ts-node's
// start-up cost), on this worker's database.

const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

/** Every `npm run <cli> -- …` the README shows in code (inline or in a block), as written. */
function readmeCommands(cli: 'token' | 'rollup'): string[] {
  const found = new Set<string>();
  const re = new RegExp('npm run (?:-s )?' + cli + ' -- [^`)\\n|]*', 'g');
  for (const m of README.matchAll(re)) found.add(m[0].trim());
  return [...found];
}

/** A command, not a usage line (brackets, placeholders) and not `--help`. */
const isCommand = (c: string) => !/[[<]/.test(c) && !c.includes('--help');

/** Shell-free argv of a pasted command line (no quotes are used in these commands). */
const argvOf = (command: string) => command.replace(/^npm run (?:-s )?\w+ -- /, '').split(/\s+/).filter(Boolean);

describe('README commands', () => {
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    compiledMain(); // dist/ must be current
    t = await TestApp.create();
    const db = t.config.database;
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'warn', ...(db.type === 'mysql' ? { DATABASE_URL: db.url } : { SQLITE_PATH: db.path }) };
  });
  afterAll(() => t.close());

  const run = (cli: string, args: string[]) =>
    spawnSync(process.execPath, [join('dist', cli), ...args], { env, encoding: 'utf8', timeout: 60_000 });

  it('the README shows token and rollup commands, and usage lines apart from them', () => {
    const token = readmeCommands('token');
    const rollup = readmeCommands('rollup');
    expect(token.filter(isCommand).length).toBeGreaterThanOrEqual(2);
    expect(rollup.filter(isCommand).length).toBeGreaterThanOrEqual(2);
    // Each usage line sits after "Usage" on its line, not in a command block.
    for (const usage of [...token, ...rollup].filter((c) => /[[<]/.test(c))) {
      const line = README.split('\n').find((l) => l.includes(usage))!;
      expect(line).toMatch(/usage/i);
    }
  });

  it('every token command works as written and signs what it says', () => {
    for (const command of readmeCommands('token').filter(isCommand)) {
      const res = run('auth/token.cli.js', argvOf(command));
      expect({ command, status: res.status, stderr: res.stderr }).toEqual({ command, status: 0, stderr: '' });
      const claims = verify(res.stdout.trim(), t.config.jwt.key) as { rights: Record<string, string[]>; scope?: string };
      const tenants = [...command.matchAll(/--tenant (\d+)/g)].map((m) => m[1]).sort();
      expect(Object.keys(claims.rights).sort()).toEqual(tenants);
      expect(claims.scope === 'statistics:ingest').toBe(command.includes('--ingest'));
    }
  });

  it('every rollup command works as written', () => {
    for (const command of readmeCommands('rollup').filter(isCommand)) {
      const res = run('rollup/rollup.cli.js', argvOf(command));
      expect({ command, status: res.status }).toEqual({ command, status: 0 });
      expect(res.stdout).toMatch(/rollup as of \d{4}-/);
    }
  });

  it.each([
    ['token', 'auth/token.cli.js'],
    ['rollup', 'rollup/rollup.cli.js'],
  ] as const)('the %s usage line pasted as a command fails (exit 2) saying brackets are to be left out', (cli, file) => {
    const usages = readmeCommands(cli).filter((c) => c.includes('['));
    expect(usages.length).toBeGreaterThanOrEqual(1);
    for (const usage of usages) {
      const res = run(file, argvOf(usage));
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/^(unknown argument \[--[\w-]+ \(brackets in the usage mark optional parts: leave them out\)|--tenant needs a tenant id)/);
      expect(res.stdout).toBe('');
    }
  });

  it('--help prints the usage and exits 0', () => {
    for (const file of ['auth/token.cli.js', 'rollup/rollup.cli.js']) {
      const res = run(file, ['--help']);
      expect(res.status).toBe(0);
      expect(res.stdout).toMatch(/^usage: npm run (token|rollup) -- /);
    }
  });
});
