import { join } from 'node:path';

/** Command line, constants of the workload, and the small helpers every part of the soak uses. */

export const USAGE = 'usage: npm run soak -- [--duration 300] [--warmup 30] [--sqlite] [--no-build] [--seed 7] [--port 3990]';
const KNOWN = new Set(['--duration', '--warmup', '--sqlite', '--no-build', '--seed', '--port']);

export const ROOT = join(__dirname, '..', '..');
export const DAY = 86_400_000;
export const TIME_ZONE = 'Europe/Vienna';

// Base dataset: 200,000 events over 10 tenants in the last 25 days (tenant 1 is the large one).
export const TENANTS = Array.from({ length: 10 }, (_, i) => i + 1);
export const SEED_EVENTS: Record<number, number> = Object.fromEntries(TENANTS.map((t) => [t, t === 1 ? 65_000 : 15_000]));
export const SEED_DAYS = 25;
export const SEED_CLIENTS = 4;
// The rollup pass in the middle runs as of now + 10 days: with ROLLUP_DAILY_AFTER_DAYS=30 the
// oldest ~5 days of the seed become daily rows. Traffic events are at most 3 days old, so none of
// them (and none of the re-sent batches) is ever rolled.
export const ROLLUP_AHEAD_DAYS = 10;
export const TRAFFIC_EVENT_AGE_DAYS = 3;
export const BURST = 6;
export const REQUEST_TIMEOUT_MS = 120_000;

export interface SoakOptions {
  /** The arguments as given (for the report's command line). */
  args: string[];
  durationS: number;
  warmupS: number;
  seed: number;
  port: number;
  sqlite: boolean;
  build: boolean;
}

export function fail(msg: string): never {
  console.error(msg);
  process.exit(1);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const log = (msg: string) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}`);

export function parseOptions(args: string[], env: NodeJS.ProcessEnv = process.env): SoakOptions {
  // A pasted usage line (`[--duration 300]`) must not silently run the full 5-minute soak.
  for (const a of args) if ((a.startsWith('-') || a.startsWith('[')) && !KNOWN.has(a)) fail(`unknown option ${a}\n${USAGE}`);
  const flag = (name: string) => args.includes(`--${name}`);
  const num = (name: string, dflt: number, min: number): number => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    if (!Number.isFinite(v) || v < min) fail(`--${name} needs a number ≥ ${min}`);
    return v;
  };
  return {
    args,
    durationS: num('duration', 300, 10),
    warmupS: num('warmup', 30, 0),
    seed: num('seed', 7, 0),
    port: num('port', Number(env.SOAK_PORT ?? 3990), 1),
    sqlite: flag('sqlite'),
    build: !flag('no-build'),
  };
}
