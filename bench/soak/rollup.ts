import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type SoakDatabase, serviceEnv } from './database';
import { DAY, ROLLUP_AHEAD_DAYS, ROOT, SoakOptions } from './options';

/** The rollup pass in the middle of the soak: the rollup CLI (compiled when built) as of now + {@link ROLLUP_AHEAD_DAYS} days. */

export interface RollupRun {
  asOf: string;
  code: number | null;
  seconds: number;
  summary?: { rowsRead: number; rowsWritten: number; rowsDeleted: number; periods: number; skipped?: string; seconds: number; dailyCutoff: string };
  output: string;
}

export function rollupPass(opts: SoakOptions, db: SoakDatabase): Promise<RollupRun> {
  const asOf = new Date(Date.now() + ROLLUP_AHEAD_DAYS * DAY).toISOString();
  const compiled = join(ROOT, 'dist/rollup/rollup.cli.js');
  const argv = existsSync(compiled) ? [compiled] : ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/rollup/rollup.cli.ts')];
  const t = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...argv, '--as-of', asOf], { cwd: ROOT, env: serviceEnv(opts, db), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('exit', (code) => {
      let summary: RollupRun['summary'];
      for (const line of output.split('\n').reverse()) {
        if (line.startsWith('{')) {
          try {
            summary = JSON.parse(line);
            break;
          } catch {
            /* not the summary */
          }
        }
      }
      resolve({ asOf, code, seconds: (performance.now() - t) / 1000, summary, output: output.slice(-2000) });
    });
  });
}
