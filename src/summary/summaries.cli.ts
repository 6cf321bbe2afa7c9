// npm run summaries:rebuild — rebuilds the summary tables from user_action in the configured
// STATISTICS_TIME_ZONE and records that zone. Run it with the service (and its ingestion) stopped.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createCliContext } from '../cli/cli.module';
import { loadConfigOrExit } from '../config/app-config';
import { SummaryService } from './summary.service';

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const config = loadConfigOrExit(process.env);
  const app = await createCliContext(config);
  try {
    const started = Date.now();
    const rows = await app.get(SummaryService).rebuildAll(config.timeZone);
    console.log(`summaries rebuilt in ${config.timeZone} from ${rows} user-action rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  console.error(`summaries:rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
