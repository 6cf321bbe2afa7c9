import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { toInstant, toInt, toStringOrNull } from '../../src/database/values';
import type { FixtureEvent } from './client-core';
import { expectSummariesConsistent } from './summary-check';
import { TestApp } from './test-app';

/**
 * Helpers of the rollup suites (test/rollup): a seeded random fixture (it goes in through the
 * support client's `ingestAll`, ./fixtures.ts), a model of what a rollup pass must leave behind, read-back of the table
 * (SELECTs only), the invariant checks, and a runner for the rollup CLI as a child process.
 */

export const CONSENTING_USER = 'u-consent';
export const CONSENTING_EMAIL = 'consent@example.com';

export { mulberry32 } from '../../src/common/prng';
import { mulberry32 } from '../../src/common/prng';

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }
  /** The first value with probability `head`, otherwise any value: real traffic is skewed, so rollup compresses. */
  skewed<T>(values: readonly T[], head = 0.6): T {
    return this.next() < head ? values[0] : this.pick(values);
  }
}

/** Module 3 is the seed catalog's `configurator` (its actions 1, 2, 302 are configuration actions); 7 is not in the catalog. */
export const MODULE_ACTIONS: Record<number, number[]> = { 3: [1, 2, 302], 7: [1, 5, 9] };
const COUNTRIES = ['AT', 'DE', 'CH', 'US', undefined] as const;
const DEVICES = ['desktop', 'mobile', 'tablet', 'Desktop', undefined] as const;
const LABELS = ['shop-configurator', 'kiosk', 'Ümlaut-Konfigurator', undefined] as const;
const ACTION_IDS = ['conf:a1', 'conf:a2', 'conf:b1', 'catalog:item:chair', 'catalog:item:table', undefined] as const;
const PARAMETERS = [undefined, 'color=red', 'size="XL"', 'ünïcödé, 1,2'] as const;
const USERS = [undefined, CONSENTING_USER, 'u-no-consent'] as const;

export interface RandomFixtureOptions {
  seed: number;
  /** Tenants and their share of the events. */
  tenants: Array<{ tenant: number; weight: number }>;
  /** [from, to): where the random instants fall. */
  from: Date;
  to: Date;
  count: number;
  idPrefix: string;
  /** Adds events exactly on and 1 ms before every local month start, and around the DST changes. */
  boundariesIn?: string;
  /** How concentrated the key columns are: the probability of each one's most common value (default 0.6). */
  head?: number;
}

/** A deterministic random fixture: several tenants, 2 modules, several actions, nullable keys. */
export function randomFixture(opts: RandomFixtureOptions): FixtureEvent[] {
  const rng = new Rng(opts.seed);
  const totalWeight = opts.tenants.reduce((s, t) => s + t.weight, 0);
  const pickTenant = () => {
    let r = rng.float() * totalWeight;
    for (const t of opts.tenants) if ((r -= t.weight) < 0) return t.tenant;
    return opts.tenants[opts.tenants.length - 1].tenant;
  };
  const span = opts.to.getTime() - opts.from.getTime();
  const instants: number[] = [];
  for (let i = 0; i < opts.count; i++) instants.push(opts.from.getTime() + Math.floor(rng.float() * span));
  if (opts.boundariesIn) {
    let m = DateTime.fromJSDate(opts.from, { zone: opts.boundariesIn }).startOf('month').plus({ months: 1 });
    while (m.toMillis() < opts.to.getTime()) {
      instants.push(m.toMillis(), m.toMillis() - 1);
      m = m.plus({ months: 1 });
    }
    // Europe/Vienna's DST changes: the repeated hour (two instants with the same local time) and the skipped one.
    for (const iso of ['2025-10-26T00:30:00.000Z', '2025-10-26T01:30:00.000Z', '2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00.000Z']) {
      const ms = Date.parse(iso);
      if (ms >= opts.from.getTime() && ms < opts.to.getTime()) instants.push(ms);
    }
  }
  return instants.map((ms, i) => {
    const module = rng.pick([3, 3, 7]);
    const e: FixtureEvent = {
      tenant: pickTenant(),
      eventId: `${opts.idPrefix}-${i}`,
      module,
      action: rng.skewed(MODULE_ACTIONS[module], 0.5),
      created: new Date(ms).toISOString(),
    };
    const head = opts.head ?? 0.6;
    const country = rng.skewed(COUNTRIES, head);
    const device = rng.skewed(DEVICES, head);
    const actionLabel = rng.skewed(LABELS, head);
    const actionId = rng.skewed(ACTION_IDS, head);
    const actionParameter = rng.skewed(PARAMETERS, Math.max(head, 0.75));
    const userId = rng.skewed(USERS, 0.5);
    if (country) e.country = country;
    if (device) e.device = device;
    if (actionLabel) e.actionLabel = actionLabel;
    if (actionId) e.actionId = actionId;
    if (actionParameter) e.actionParameter = actionParameter;
    if (userId) e.userId = userId;
    return e;
  });
}

// ---------------------------------------------------------------------------------------------
// The model: what the table must hold.

export type KeyField = 'country' | 'device' | 'actionLabel' | 'actionId' | 'actionParameter';
/** The key columns a merged row keeps (besides tenant, module, action). */
export const KEPT: KeyField[] = ['country', 'device', 'actionLabel', 'actionId', 'actionParameter'];

/** A row of user_action, normalised (the same shape from the database and from the model). */
export interface TableRow {
  tenant: number;
  module: number;
  action: number;
  created: string;
  level: number;
  count: number;
  country: string | null;
  device: string | null;
  actionLabel: string | null;
  actionId: string | null;
  actionParameter: string | null;
  userId: string | null;
  eventId: string | null;
}

export function eventRow(e: FixtureEvent): TableRow {
  return {
    tenant: e.tenant,
    module: e.module,
    action: e.action,
    created: new Date(e.created).toISOString(),
    level: 0,
    count: 1,
    country: e.country ?? null,
    device: e.device ?? null,
    actionLabel: e.actionLabel ?? null,
    actionId: e.actionId ?? null,
    actionParameter: e.actionParameter ?? null,
    userId: e.userId ?? null,
    eventId: e.eventId,
  };
}

const periodCache = new Map<string, string>();

/** The start of the local day or month holding `instant`, as a UTC ISO instant (memoised: the checks call it a lot). */
export function periodStart(instant: string | Date, zone: string, unit: 'day' | 'month'): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  const key = `${ms}|${zone}|${unit}`;
  let start = periodCache.get(key);
  if (start === undefined) {
    start = DateTime.fromMillis(ms, { zone }).startOf(unit).toUTC().toISO()!;
    periodCache.set(key, start);
  }
  return start;
}

export interface Cutoffs {
  daily: Date;
  monthly: Date;
}

/** The level a real-time row of `created` has after a pass with these cutoffs. */
export function levelAfter(created: string, cut: Cutoffs): number {
  const ms = Date.parse(created);
  return ms < cut.monthly.getTime() ? 2 : ms < cut.daily.getTime() ? 1 : 0;
}

/**
 * The exact table a pass with `cut` must leave behind: real-time rows from the daily cutoff on,
 * one daily row per (tenant, module, action, kept keys, local day) before it, one monthly row per
 * (…, local month) before the monthly cutoff; userId and eventId gone from merged rows.
 */
export function modelAfter(events: FixtureEvent[], zone: string, cut: Cutoffs): TableRow[] {
  const out: TableRow[] = [];
  const merged = new Map<string, TableRow>();
  for (const e of events) {
    const row = eventRow(e);
    const level = levelAfter(row.created, cut);
    if (level === 0) {
      out.push(row);
      continue;
    }
    const created = periodStart(row.created, zone, level === 1 ? 'day' : 'month');
    const key = JSON.stringify([row.tenant, row.module, row.action, level, created, ...KEPT.map((k) => row[k])]);
    const m = merged.get(key);
    if (m) m.count += 1;
    else merged.set(key, { ...row, created, level, count: 1, userId: null, eventId: null });
  }
  return sortRows([...out, ...merged.values()]);
}

/**
 * How many rows a pass with `cut` reads (and deletes) from the table `before`: its real-time rows
 * before the daily cutoff, then the daily rows before the monthly cutoff as the daily step leaves
 * them (one per key and local day).
 */
export function rowsToRoll(before: TableRow[], zone: string, cut: Cutoffs): number {
  const realTime = before.filter((r) => r.level === 0 && Date.parse(r.created) < cut.daily.getTime()).length;
  const days = new Set(
    before
      .filter((r) => r.level < 2 && Date.parse(r.created) < cut.monthly.getTime())
      .map((r) => JSON.stringify([r.tenant, r.module, r.action, periodStart(r.created, zone, 'day'), ...KEPT.map((k) => r[k])])),
  );
  return realTime + days.size;
}

export function sortRows(rows: TableRow[]): TableRow[] {
  const k = (r: TableRow) => JSON.stringify([r.tenant, r.level, r.created, r.module, r.action, ...KEPT.map((f) => r[f] ?? ''), r.eventId ?? '']);
  return rows
    .map((r) => [k(r), r] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, r]) => r);
}

/**
 * Sum of count per (tenant, module, action, local period[, the given key columns]) — as a plain
 * object with sorted keys, so a difference shows up readably in expect().toEqual().
 */
export function sumsBy(rows: TableRow[], zone: string, unit: 'day' | 'month', fields: KeyField[], since?: Date): Record<string, number> {
  const sums = new Map<string, number>();
  for (const r of rows) {
    if (since && Date.parse(r.created) < since.getTime()) continue;
    const key = JSON.stringify([r.tenant, r.module, r.action, periodStart(r.created, zone, unit), ...fields.map((f) => r[f])]);
    sums.set(key, (sums.get(key) ?? 0) + r.count);
  }
  return Object.fromEntries([...sums.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

// ---------------------------------------------------------------------------------------------
// Reading the table back (SELECTs only).

export async function readTable(t: TestApp): Promise<TableRow[]> {
  const raw: Array<Record<string, unknown>> = await t.dataSource.query(
    `SELECT tenant, module, action, created, aggregation_level AS level, count AS n, country, device,
            action_label AS actionLabel, action_id AS actionId, action_parameter AS actionParameter,
            user_id AS userId, event_id AS eventId
       FROM user_action`,
  );
  return sortRows(
    raw.map((r) => ({
      tenant: toInt(r.tenant),
      module: toInt(r.module),
      action: toInt(r.action),
      created: toInstant(r.created).toISOString(),
      level: toInt(r.level),
      count: toInt(r.n),
      country: toStringOrNull(r.country),
      device: toStringOrNull(r.device),
      actionLabel: toStringOrNull(r.actionLabel),
      actionId: toStringOrNull(r.actionId),
      actionParameter: toStringOrNull(r.actionParameter),
      userId: toStringOrNull(r.userId),
      eventId: toStringOrNull(r.eventId),
    })),
  );
}

/** Every row with its id and rollup key, in id order: "nothing changed" means this is identical. */
export async function rawSnapshot(t: TestApp): Promise<string[]> {
  const raw: Array<Record<string, unknown>> = await t.dataSource.query(
    `SELECT id, tenant, module, action, created, aggregation_level AS level, count AS n, country, device,
            action_label AS actionLabel, action_id AS actionId, action_parameter AS actionParameter,
            user_id AS userId, event_id AS eventId, rollup_key AS rollupKey
       FROM user_action ORDER BY id`,
  );
  return raw.map((r) => JSON.stringify({ ...r, id: String(r.id), created: toInstant(r.created).toISOString() }));
}

export async function rowCount(t: TestApp, where = '1 = 1'): Promise<number> {
  const [r] = await t.dataSource.query(`SELECT COUNT(*) AS n FROM user_action WHERE ${where}`);
  return toInt(r.n);
}

/** Aggregated rows that share (tenant, level, period, key): must be none. */
export async function duplicateAggregates(t: TestApp): Promise<unknown[]> {
  const byHash = await t.dataSource.query(
    `SELECT tenant, aggregation_level, created, rollup_key, COUNT(*) AS n FROM user_action
      WHERE aggregation_level > 0
      GROUP BY tenant, aggregation_level, created, rollup_key HAVING COUNT(*) > 1`,
  );
  const byColumns = await t.dataSource.query(
    `SELECT tenant, aggregation_level, created, module, action, country, device, action_label, action_id, action_parameter, COUNT(*) AS n
       FROM user_action
      WHERE aggregation_level > 0
      GROUP BY tenant, aggregation_level, created, module, action, country, device, action_label, action_id, action_parameter
     HAVING COUNT(*) > 1`,
  );
  return [...byHash, ...byColumns];
}

/** Aggregated rows that still carry per-event data or lack their key: must be none. */
export async function malformedAggregates(t: TestApp): Promise<number> {
  return rowCount(t, 'aggregation_level > 0 AND (rollup_key IS NULL OR user_id IS NOT NULL OR event_id IS NOT NULL)');
}

/**
 * The invariant of spec §1, checked against the fixture itself: the sum of count per (tenant,
 * module, action, local month) — alone, per each aggregation key, and per all kept keys together —
 * equals what was ingested; per local day too for rows not yet monthly (`daysSince`); no key has
 * two aggregated rows of one level and period; merged rows carry no per-event data and sit on
 * their period's start; the summary tables (stat_day, stat_day_cd) agree with user_action.
 */
export async function expectInvariant(t: TestApp, events: FixtureEvent[], zone: string, daysSince?: Date): Promise<TableRow[]> {
  const table = await readTable(t);
  const ingested = events.map(eventRow);
  expect(table.reduce((s, r) => s + r.count, 0)).toBe(events.length);
  expect(sumsBy(table, zone, 'month', [])).toEqual(sumsBy(ingested, zone, 'month', []));
  for (const f of KEPT) expect(sumsBy(table, zone, 'month', [f])).toEqual(sumsBy(ingested, zone, 'month', [f]));
  expect(sumsBy(table, zone, 'month', KEPT)).toEqual(sumsBy(ingested, zone, 'month', KEPT));
  if (daysSince) expect(sumsBy(table, zone, 'day', KEPT, daysSince)).toEqual(sumsBy(ingested, zone, 'day', KEPT, daysSince));
  expect(await duplicateAggregates(t)).toEqual([]);
  expect(await malformedAggregates(t)).toBe(0);
  const offPeriod = table.filter((r) => r.level > 0 && r.created !== periodStart(r.created, zone, r.level === 1 ? 'day' : 'month'));
  expect(offPeriod).toEqual([]);
  // The per-day summary tables the read routes use move in the same transactions: still in step.
  await expectSummariesConsistent(t);
  return table;
}

/** Simulates the expiry of a lease left behind by a killed runner (LEASE_TTL_MS is 60 s). */
export async function expireLease(t: TestApp): Promise<void> {
  await t.dataSource.query(`UPDATE rollup_lease SET holder = NULL, expires_at = NULL WHERE name = 'rollup'`);
}

export async function leaseHolder(t: TestApp): Promise<string | null> {
  const [r] = await t.dataSource.query(`SELECT holder FROM rollup_lease WHERE name = 'rollup'`);
  return toStringOrNull(r?.holder);
}

// ---------------------------------------------------------------------------------------------
// The CLI as a child process.

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Progress lines printed to stderr so far. */
  progressLines(): number;
  /**
   * Resolves at the first progress line — the first matching {@link CliOptions.pauseAtFirstProgress}
   * when that is a pattern — or when the process ends without one.
   */
  firstProgress: Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): boolean;
  /** Stops the process (SIGSTOP) wherever it is — also inside a transaction: only reads may follow. */
  pause(): void;
  /** Continues a paused process (SIGCONT). */
  resume(): void;
}

export interface CliOptions {
  /**
   * SIGSTOP the CLI the moment its first progress line arrives (in the stderr handler itself,
   * before any other test code runs): it then holds the lease with the rest of its pass to do,
   * until {@link CliRun.resume}. `firstProgress` resolves once it is stopped. A pattern: the first
   * progress line that matches it (the CLI prints one as each tenant's step starts), and the child
   * stops itself right after writing it (test/support/stop-at-line.cjs), so it is stopped exactly
   * there however late the test reads the line.
   */
  pauseAtFirstProgress?: boolean | RegExp;
}

const running = new Set<ChildProcess>();

/** Kills (by pid) the CLI children this test file started that are still running: for afterAll after a failure. */
export function killStrayChildren(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

export const PROGRESS_LINE = /^rollup (daily|monthly) tenant \d+: \d+ rows read, \d+ written, \d+ deleted/;

/**
 * `ts-node -T src/rollup/rollup.cli.ts <args>` against the test app's database and zone. The
 * environment is built from scratch (no inherited DATABASE_URL can redirect it), keeping only
 * PATH/HOME and the host TZ (to prove the host zone changes nothing).
 */
export function spawnRollupCli(t: TestApp, args: string[], options: CliOptions = {}): CliRun {
  const cwd = process.cwd();
  const bin = join(cwd, 'node_modules/.bin/ts-node');
  if (!existsSync(bin) || !existsSync(join(cwd, 'src/rollup/rollup.cli.ts'))) throw new Error(`run the tests from the project root (cwd is ${cwd})`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    STATISTICS_TIME_ZONE: t.config.timeZone,
    ROLLUP_DAILY_AFTER_DAYS: String(t.config.rollup.dailyAfterDays),
    ROLLUP_MONTHLY_AFTER_DAYS: String(t.config.rollup.monthlyAfterDays),
    LOG_LEVEL: 'silent',
  };
  if (process.env.HOME) env.HOME = process.env.HOME;
  if (process.env.TZ) env.TZ = process.env.TZ;
  if (t.config.database.type === 'mysql') env.DATABASE_URL = t.config.database.url;
  else env.SQLITE_PATH = t.config.database.path;
  if (options.pauseAtFirstProgress instanceof RegExp) {
    // The child stops itself at the line (stop-at-line.cjs): it cannot run on before the test reacts.
    env.NODE_OPTIONS = `--require ${join(cwd, 'test/support/stop-at-line.cjs')}`;
    env.STOP_AT_LINE = options.pauseAtFirstProgress.source;
  }
  const child = spawn(bin, ['-T', 'src/rollup/rollup.cli.ts', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  let progress = 0;
  let done = false;
  let onProgress: () => void = () => undefined;
  const firstProgress = new Promise<void>((resolve) => (onProgress = resolve));
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  let paused = false;
  let reachedBefore = false;
  const pause = () => {
    if (!done && !paused) child.kill('SIGSTOP');
    paused = true;
  };
  const resume = () => {
    if (!done && paused) child.kill('SIGCONT');
    paused = false;
  };
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    const lines = err.split('\n').filter((l) => PROGRESS_LINE.test(l));
    progress = lines.length;
    const wanted = options.pauseAtFirstProgress;
    const reached = wanted instanceof RegExp ? lines.some((l) => wanted.test(l)) : progress > 0;
    if (reached && wanted && !reachedBefore) pause();
    reachedBefore ||= reached;
    if (reached) onProgress();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      // A failed CLI says why in the test's output (its stderr is otherwise only read for progress lines).
      if (code !== 0 && signal === null) console.error(`rollup CLI exited with ${code}:\n${err.slice(-3000)}`);
      done = true;
      running.delete(child);
      onProgress();
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, progressLines: () => progress, firstProgress, exit, exited: () => done, pause, resume };
}

/** Whether the lease is held by this CLI child (its holder id is `<host>:<pid>:<random>`). */
export async function cliHoldsLease(t: TestApp, run: CliRun): Promise<boolean> {
  const holder = await leaseHolder(t);
  const parts = holder?.split(':') ?? [];
  return parts.length >= 3 && parts[parts.length - 2] === String(run.child.pid);
}

/** The lease's expiry as stored: it moves at every chunk the holder starts (renewal is a chunk's first statement). */
export async function leaseExpiry(t: TestApp): Promise<string | null> {
  const [r] = await t.dataSource.query(`SELECT expires_at AS e FROM rollup_lease WHERE name = 'rollup'`);
  return r?.e == null ? null : toInstant(r.e).toISOString();
}

/** The JSON summary the CLI prints as its last stdout line. */
export function cliSummary(run: CliRun): Record<string, unknown> {
  const lines = run.stdout().trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
