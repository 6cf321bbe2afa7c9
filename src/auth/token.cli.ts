// npm run token -- --tenant 7 --ingest
// usage: npm run token -- --tenant <id> [--tenant <id> …] [--ingest] [--hours <n>]
// Prints a token signed with the development secret (refused for any other key).
import 'reflect-metadata';
import { createCliContext } from '../cli/cli.module';
import { AppConfig, loadConfig } from '../config/app-config';
import { developmentToken } from './development-token';

const USAGE =
  'usage: npm run token -- --tenant <id> [--tenant <id> …] [--ingest] [--hours <n>]\n' +
  '  --tenant <id>  TENANT_STATISTICS on this tenant (repeatable)\n' +
  '  --ingest       add the scope statistics:ingest\n' +
  '  --hours <n>    lifetime in hours (default 12)\n' +
  'example: npm run token -- --tenant 7 --ingest';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const tenants: number[] = [];
let ingest = false;
let hours = 12;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--help' || arg === '-h') {
    console.log(USAGE);
    process.exit(0);
  } else if (arg === '--tenant') {
    const v = args[++i];
    if (v === undefined || !/^[1-9]\d{0,9}$/.test(v) || Number(v) > 2 ** 31 - 1) fail(`--tenant needs a tenant id (a positive integer), got ${v ?? 'nothing'}`);
    tenants.push(Number(v));
  } else if (arg === '--ingest') ingest = true;
  else if (arg === '--hours') {
    const v = args[++i];
    if (v === undefined || !/^\d+(\.\d+)?$/.test(v) || !(Number(v) > 0)) fail(`--hours needs a positive number, got ${v ?? 'nothing'}`);
    hours = Number(v);
  } else if (arg.startsWith('[')) fail(`unknown argument ${arg} (brackets in the usage mark optional parts: leave them out)`);
  else fail(`unknown argument ${arg}`);
}
if (tenants.length === 0) fail('--tenant is required');

async function main(): Promise<void> {
  // The configuration from the container (no database): the same AppConfig the service gets.
  const app = await createCliContext(loadConfig(process.env), { database: false });
  const config = app.get(AppConfig);
  await app.close();
  if (!config.jwt.usesDevelopmentSecret) {
    console.error('npm run token only signs with the development secret; unset JWT_SECRET / JWT_PUBLIC_KEY / JWT_JWKS_URL');
    process.exit(1);
  }
  console.log(developmentToken(config, { tenants, ingest, expiresInSeconds: Math.round(hours * 3600) }));
}

main().catch((err) => {
  console.error(`token failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
