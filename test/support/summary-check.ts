import { Calendar } from '../../src/common/calendar';
import { Database } from '../../src/database/database.service';
import { toInstant, toInt } from '../../src/database/values';
import { TestApp } from './test-app';

const NONE = '∅';

/**
 * Recomputes the summary tables (stat_day, stat_day_cd, stat_day_label, stat_day_lc, stat_day_lcd,
 * stat_day_item through its item dictionary stat_item, stat_hour)
 * from `user_action` (in JS, with the configured zone) and compares them with the tables PLUS the
 * pending deltas not folded yet (`summary_pending`): counts must be identical key by key (issue
 * 24: summaries + pending = user_action, at every moment); the earliest `created` per (tenant,
 * local month, module, action) must be identical too (what the useractions route reports as
 * `date`). No summary row and no pending row may be zero or negative; every item number but 0 (no
 * actionId) names a dictionary row of the same tenant. `{ folded: true }`
 * also requires that nothing is pending.
 */
export async function expectSummariesConsistent(t: TestApp, opts: { folded?: boolean } = {}): Promise<void> {
  // Every table is read in one snapshot: a fold committing between two reads would move rows from
  // summary_pending into a summary table already read (missed) or not yet read (counted twice).
  // MySQL: one REPEATABLE READ transaction; SQLite: one read transaction as one unit of work on the
  // app's serialised connection (its folder cannot interleave).
  // (The cluster suites pass a data source of one node without an app: MySQL, so no app needed.)
  if (t.config.database.type === 'sqlite') {
    const db = t.app.get(Database);
    // A read transaction too: the service under test may be another process writing the same file (WAL: one snapshot from the first read).
    return db.read(async (em) => {
      await em.query('BEGIN');
      try {
        await check(t, (sql) => em.query(sql), opts);
      } finally {
        await em.query('COMMIT');
      }
    });
  }
  return t.dataSource.transaction('REPEATABLE READ', (em) => check(t, (sql) => em.query(sql), opts));
}

async function check(t: TestApp, query: (sql: string) => Promise<Array<Record<string, unknown>>>, opts: { folded?: boolean }): Promise<void> {
  const cal = new Calendar(t.config.timeZone);
  const want = { day: new Map<string, number>(), cd: new Map<string, number>(), label: new Map<string, number>(), lc: new Map<string, number>(), lcd: new Map<string, number>(), item: new Map<string, number>(), hour: new Map<string, number>() };
  const got = { day: new Map<string, number>(), cd: new Map<string, number>(), label: new Map<string, number>(), lc: new Map<string, number>(), lcd: new Map<string, number>(), item: new Map<string, number>(), hour: new Map<string, number>() };
  const wantMonthMin = new Map<string, number>();
  const gotMonthMin = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  const min = (m: Map<string, number>, k: string, v: number) => m.set(k, Math.min(m.get(k) ?? Infinity, v));
  /** One row's keys in every table, from its tenant, local day and hour, and columns. */
  const keys = (r: Record<string, unknown>, day: Date, hour: Date) => {
    const base = `${toInt(r.tenant)}|${day.toISOString()}|${toInt(r.module)}|${toInt(r.action)}|${toInt(r.level)}`;
    const lk = `${base}|${r.label ?? NONE}`;
    return {
      day: base,
      cd: `${base}|${r.country ?? NONE}|${r.device ?? NONE}`,
      label: lk,
      lc: `${lk}|${r.country ?? NONE}`,
      lcd: `${lk}|${r.country ?? NONE}|${r.device ?? NONE}`,
      item: `${base}|${r.item ?? NONE}`,
      hour: `${toInt(r.tenant)}|${hour.toISOString()}|${toInt(r.module)}|${toInt(r.action)}|${toInt(r.level)}`,
    };
  };
  const monthKey = (r: Record<string, unknown>, at: Date) => `${toInt(r.tenant)}|${cal.startOfMonth(at).toISOString()}|${toInt(r.module)}|${toInt(r.action)}`;

  const raw: Array<Record<string, unknown>> = await query(
    'SELECT tenant, created, module, action, aggregation_level AS level, country, device, action_label AS label, action_id AS item, count FROM user_action',
  );
  for (const r of raw) {
    const created = toInstant(r.created);
    const k = keys(r, cal.startOfDay(created), cal.startOfHour(created));
    for (const table of Object.keys(want) as Array<keyof typeof want>) add(want[table], k[table], toInt(r.count));
    min(wantMonthMin, monthKey(r, created), created.getTime());
  }

  const nonPositive: string[] = [];
  const pending: Array<Record<string, unknown>> = await query(
    'SELECT tenant, day, hour, module, action, aggregation_level AS level, country, device, action_label AS label, action_id AS item, count, min_created AS minCreated FROM summary_pending',
  );
  for (const r of pending) {
    if (toInt(r.count) <= 0) nonPositive.push(`summary_pending ${JSON.stringify(r)}`);
    const k = keys(r, toInstant(r.day), toInstant(r.hour));
    for (const table of Object.keys(got) as Array<keyof typeof got>) add(got[table], k[table], toInt(r.count));
    min(gotMonthMin, monthKey(r, toInstant(r.day)), toInstant(r.minCreated).getTime());
  }
  const tables: Array<[keyof typeof got, string]> = [
    ['day', 'SELECT tenant, day, day AS hour, module, action, aggregation_level AS level, count, min_created AS minCreated FROM stat_day'],
    ['cd', 'SELECT tenant, day, day AS hour, module, action, aggregation_level AS level, country, device, count FROM stat_day_cd'],
    ['label', 'SELECT tenant, day, day AS hour, module, action, aggregation_level AS level, action_label AS label, count FROM stat_day_label'],
    ['lc', 'SELECT tenant, day, day AS hour, module, action, aggregation_level AS level, action_label AS label, country, count FROM stat_day_lc'],
    ['lcd', 'SELECT tenant, day, day AS hour, module, action, aggregation_level AS level, action_label AS label, country, device, count FROM stat_day_lcd'],
    [
      'item',
      'SELECT d.tenant, d.day, d.day AS hour, d.module, d.action, d.aggregation_level AS level, i.action_id AS item, d.count FROM stat_day_item d LEFT JOIN stat_item i ON i.id = d.item',
    ],
    ['hour', 'SELECT tenant, hour AS day, hour, module, action, aggregation_level AS level, count FROM stat_hour'],
  ];
  const unnamed = await query('SELECT d.tenant, d.item, i.tenant AS owner FROM stat_day_item d LEFT JOIN stat_item i ON i.id = d.item WHERE d.item <> 0 AND (i.id IS NULL OR i.tenant <> d.tenant)');
  expect(unnamed).toEqual([]);
  for (const [table, sql] of tables) {
    const rows: Array<Record<string, unknown>> = await query(sql);
    for (const r of rows) {
      if (toInt(r.count) <= 0) nonPositive.push(`${table} ${JSON.stringify(r)}`);
      add(got[table], keys(r, toInstant(r.day), toInstant(r.hour))[table], toInt(r.count));
      if (table === 'day') min(gotMonthMin, monthKey(r, toInstant(r.day)), toInstant(r.minCreated).getTime());
    }
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  expect(nonPositive).toEqual([]);
  for (const table of Object.keys(want) as Array<keyof typeof want>) expect({ table, rows: sorted(got[table]) }).toEqual({ table, rows: sorted(want[table]) });
  expect(sorted(gotMonthMin)).toEqual(sorted(wantMonthMin));
  if (opts.folded) expect(pending.length).toBe(0);
}
