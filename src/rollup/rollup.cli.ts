// npm run rollup -- --dry-run
// usage: npm run rollup -- [--as-of <ISO 8601 instant>] [--tenant <id>] [--dry-run] [--chunk-rows <n>]
// One rollup pass now (or as if it were --as-of), with a progress line and a summary.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { parseInstant } from '../common/field.decorators';
import { createCliContext } from '../cli/cli.module';
import { ConfigError, loadConfig } from '../config/app-config';
import { SummaryService } from '../summary/summary.service';
import { RollupService } from './rollup.service';

const USAGE =
  'usage: npm run rollup -- [--as-of <ISO 8601 instant>] [--tenant <id>] [--dry-run] [--chunk-rows <n>]\n' +
  '  --as-of <instant>  roll up as if it were then (e.g. 2026-06-01T00:00:00Z; default now)\n' +
  '  --tenant <id>      only this tenant\n' +
  '  --dry-run          count what would change, change nothing\n' +
  '  --chunk-rows <n>   rows per transaction (default 50000 on MySQL, 5000 on SQLite)\n' +
  'example: npm run rollup -- --dry-run';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function parseArgs(argv: string[]) {
  const opts: { asOf?: Date; tenant?: number; dryRun: boolean; chunkRows?: number } = { dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? fail(`${arg} needs a value\n${USAGE}`);
    if (arg === '--as-of') opts.asOf = parseInstant(value()) ?? fail(`--as-of must be an ISO 8601 instant with zone\n${USAGE}`);
    else if (arg === '--tenant') {
      const v = value();
      if (!/^[1-9]\d*$/.test(v)) fail(`--tenant must be a positive integer\n${USAGE}`);
      opts.tenant = Number(v);
    } else if (arg === '--chunk-rows') {
      const v = value();
      if (!/^[1-9]\d*$/.test(v)) fail(`--chunk-rows must be a positive integer\n${USAGE}`);
      opts.chunkRows = Number(v);
    } else if (arg === '--dry-run') opts.dryRun = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('[')) fail(`unknown argument ${arg} (brackets in the usage mark optional parts: leave them out)\n${USAGE}`);
    else fail(`unknown argument ${arg}\n${USAGE}`);
  }
  return opts;
}

async function main(): Promise<void> {
  // stdout carries the summary; framework logs only for warnings and errors.
  Logger.overrideLogger(['error', 'warn']);
  const opts = parseArgs(process.argv.slice(2));
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 1);
    throw err;
  }
  const app = await createCliContext(config);
  try {
    await app.get(SummaryService).ensureZone(config.timeZone);
  } catch (err) {
    await app.close();
    throw err;
  }
  const rollup = app.get(RollupService);
  let lastPrint = 0;
  let lastStep = '';
  // The step's first line: its rows and time, so later lines give the step's own rate.
  let first = { at: 0, rows: 0 };
  const tty = process.stderr.isTTY;
  try {
    const summary = await rollup.run({
      ...opts,
      // A line at the first chunk of each tenant's step (so the log shows where the pass is), then
      // at most one a second.
      onProgress: (p) => {
        const now = Date.now();
        const step = `${p.step} ${p.tenant}`;
        if (step === lastStep && now - lastPrint < 1000) return;
        if (step !== lastStep) first = { at: now, rows: p.rowsRead };
        lastStep = step;
        lastPrint = now;
        const secs = (now - first.at) / 1000;
        const rate = secs > 0 ? ` (${Math.round((p.rowsRead - first.rows) / secs)} rows/s this tenant)` : '';
        const line = `rollup ${p.step} tenant ${p.tenant}: ${p.rowsRead} rows read, ${p.rowsWritten} written, ${p.rowsDeleted} deleted${rate}`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      },
    });
    if (tty && lastPrint) process.stderr.write('\n');
    if (summary.skipped) console.log(`rollup skipped: ${summary.skipped}`);
    console.log(
      `${summary.dryRun ? 'DRY RUN (nothing changed): ' : ''}rollup as of ${summary.asOf} ` +
        `(daily before ${summary.dailyCutoff}, monthly before ${summary.monthlyCutoff}): ` +
        `${summary.periods} periods, ${summary.rowsRead} rows read, ${summary.rowsWritten} rows written, ` +
        `${summary.rowsDeleted} rows deleted, ${summary.seconds.toFixed(2)} s`,
    );
    console.log(JSON.stringify(summary));
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  console.error(`rollup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
