// npm run token -- --tenant 7 [--tenant 8] [--ingest] [--hours 12]
// Prints a token signed with the development secret (refused for any other key).
import 'reflect-metadata';
import { createCliContext } from '../cli/cli.module';
import { AppConfig, loadConfig } from '../config/app-config';
import { developmentToken } from './development-token';

const args = process.argv.slice(2);
const tenants: number[] = [];
let ingest = false;
let hours = 12;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--tenant') tenants.push(Number(args[++i]));
  else if (args[i] === '--ingest') ingest = true;
  else if (args[i] === '--hours') hours = Number(args[++i]);
  else {
    console.error(`unknown argument ${args[i]}\nusage: npm run token -- --tenant <id> [--tenant <id> …] [--ingest] [--hours <n>]`);
    process.exit(2);
  }
}
if (tenants.length === 0 || tenants.some((t) => !Number.isSafeInteger(t) || t < 1) || !(hours > 0)) {
  console.error('usage: npm run token -- --tenant <id> [--tenant <id> …] [--ingest] [--hours <n>]');
  process.exit(2);
}

async function main(): Promise<void> {
  // The configuration from the container (no database): the same AppConfig the service gets.
  const app = await createCliContext(loadConfig(process.env), { database: false });
  const config = app.get(AppConfig);
  await app.close();
  if (!config.jwt.usesDevelopmentSecret) {
    console.error('npm run token only signs with the development secret; unset JWT_SECRET / JWT_PUBLIC_KEY');
    process.exit(1);
  }
  console.log(developmentToken(config, { tenants, ingest, expiresInSeconds: Math.round(hours * 3600) }));
}

main().catch((err) => {
  console.error(`token failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
