/**
 * Measures candidate designs of a per-item summary (issue 24: shapes K and J; issue 21: S6) on
 * the bench's scale-1 dataset before one is built into the service. Not a bench scenario: the
 * tables it measures are prototypes in their own database (`statistics_bench_proto`), built
 * from the dataset's `user_action` with INSERT … SELECT; nothing of the service runs.
 *
 *   npm run bench -- --only K          # makes the dataset if there is none (about 15 minutes)
 *   npx ts-node -T bench/per-item-prototype.ts [--runs 5]
 *
 * Designs (the large tenant, module 3, the last 30 days as 31 whole UTC days; the partial edge
 * days the service adds from raw rows are left out of every design alike):
 * - `day_item`: a numeric item dictionary and one row per (day, module, action, level, item);
 *   the top 100 and the number of groups by GROUP BY over the range's rows;
 * - `day_top`: besides it, the 200 largest items of each day; the top 100 taken from the union
 *   of the days' lists and summed exactly from `day_item`, exact when the 100th sum exceeds the
 *   sum of the days' 200th counts (no item outside the lists can have more);
 * and the number of groups (`meta.total` of a top N), which only a scan of the range's rows gives.
 */
import { createConnection } from 'mysql2/promise';
import { MariaDbServer } from '../test/support/mariadb-server';
import { LARGE_TENANT } from './dataset';
import { BENCH_SERVER_DIR, BENCH_SERVER_SETTINGS } from './server';

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5) || 5;
const TOP = 100;
const PER_DAY = 200;

async function main(): Promise<void> {
  const server = process.env.BENCH_DATABASE_URL ? undefined : await MariaDbServer.create({ name: 'bench', dir: BENCH_SERVER_DIR, settings: BENCH_SERVER_SETTINGS });
  const url = new URL(process.env.BENCH_DATABASE_URL ?? server!.url('statistics_bench'));
  const db = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username || 'root'), password: decodeURIComponent(url.password), multipleStatements: false, timezone: 'Z' });
  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query(sql, params))[0] as T[];
  const timed = async (label: string, sql: string, params: unknown[] = []) => {
    const t0 = process.hrtime.bigint();
    const rows = await q(sql, params);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`${label}: ${ms.toFixed(0)} ms`);
    return rows;
  };
  const median = async (label: string, sql: string, params: unknown[]) => {
    const times: number[] = [];
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      rows = await q(sql, params);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${label} | ${times[Math.floor(times.length / 2)].toFixed(1)} | ${times[0].toFixed(1)} | ${times[times.length - 1].toFixed(1)} | ${rows.length} |`);
    return rows;
  };
  let fromDay = '';
  let toDay = '';
  try {
    const [{ last }] = await q<{ last: Date }>('SELECT MAX(created) AS last FROM statistics_bench.user_action WHERE tenant = ?', [LARGE_TENANT]);
    const now = new Date(last.getTime() + 60_000);
    fromDay = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
    toDay = now.toISOString().slice(0, 10);
    console.log(`dataset: tenant ${LARGE_TENANT}, now ${now.toISOString()}, days ${fromDay} … ${toDay} (31 UTC days), ${RUNS} runs per query`);
    await q('CREATE DATABASE IF NOT EXISTS statistics_bench_proto');
    await q('USE statistics_bench_proto');
    const built = (await q("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'statistics_bench_proto' AND TABLE_NAME = 'day_top'")).length > 0;
    if (built && process.argv.includes('--keep')) console.log('the prototype tables of an earlier run are kept (--keep)');
    else await build();
    await measure();
  } finally {
    await db.end();
    await server?.release();
  }

  async function build(): Promise<void> {
    for (const t of ['day_top', 'day_item', 'item']) await q(`DROP TABLE IF EXISTS ${t}`);
    // The dictionary's text compares like user_action's (its collation).
    const [{ collation }] = await q<{ collation: string }>(
      "SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'statistics_bench' AND TABLE_NAME = 'user_action' AND COLUMN_NAME = 'action_id'",
    );
    if (!/^[a-z0-9_]+$/.test(collation)) throw new Error(`unexpected collation ${collation}`);
    await q(`CREATE TABLE item (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, tenant INT NOT NULL, action_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL, UNIQUE KEY item_key (tenant, action_id))`);
    await q(
      'CREATE TABLE day_item (tenant INT NOT NULL, module INT NOT NULL, day DATE NOT NULL, action INT NOT NULL, level TINYINT NOT NULL, item INT NOT NULL, count INT NOT NULL, ' +
        'PRIMARY KEY (tenant, module, day, action, level, item), KEY by_item (tenant, module, action, item, day, count))',
    );
    await q('CREATE TABLE day_top (tenant INT NOT NULL, module INT NOT NULL, day DATE NOT NULL, rnk INT NOT NULL, action INT NOT NULL, item INT NOT NULL, count INT NOT NULL, PRIMARY KEY (tenant, module, day, rnk))');
    await timed('build item dictionary (every tenant)', 'INSERT INTO item (tenant, action_id) SELECT DISTINCT tenant, action_id FROM statistics_bench.user_action WHERE action_id IS NOT NULL');
    await timed(
      'build day_item (every tenant, all time)',
      'INSERT INTO day_item SELECT u.tenant, u.module, DATE(u.created), u.action, u.aggregation_level, i.id, SUM(u.count) FROM statistics_bench.user_action u JOIN item i ON i.tenant = u.tenant AND i.action_id = u.action_id GROUP BY 1, 2, 3, 4, 5, 6',
    );
    await timed(
      `build day_top (the ${PER_DAY} largest (action, item) of each day)`,
      `INSERT INTO day_top SELECT tenant, module, day, rnk, action, item, c FROM (SELECT tenant, module, day, action, item, SUM(count) AS c, ROW_NUMBER() OVER (PARTITION BY tenant, module, day ORDER BY SUM(count) DESC, action, item) AS rnk FROM day_item GROUP BY tenant, module, day, action, item) r WHERE rnk <= ${PER_DAY}`,
    );
  }

  async function measure(): Promise<void> {
    const range = [LARGE_TENANT, fromDay, toDay];
    const where = 'tenant = ? AND module = 3 AND day BETWEEN ? AND ?';
    const [{ n, events }] = await q<{ n: number; events: number }>(`SELECT COUNT(*) AS n, SUM(count) AS events FROM day_item WHERE ${where}`, range);
    const [{ raw }] = await q<{ raw: number }>('SELECT COUNT(*) AS raw FROM statistics_bench.user_action WHERE tenant = ? AND module = 3 AND created >= ? AND created < ?', [LARGE_TENANT, fromDay, new Date(Date.parse(toDay) + 86_400_000)]);
    console.log(`range: ${raw} rows of user_action, ${n} rows of day_item (${(raw / n).toFixed(2)}× fewer), ${events} events`);
    console.log('\n| query | p50 ms | min | max | rows |\n|---|---:|---:|---:|---:|');
    const top = await median(`day_item: top ${TOP} by GROUP BY action, item`, `SELECT action, item, SUM(count) AS c FROM day_item WHERE ${where} GROUP BY action, item ORDER BY c DESC, action, item LIMIT ${TOP}`, range);
    const [total] = await median('day_item: number of groups (meta.total)', `SELECT COUNT(*) AS groups FROM (SELECT 1 FROM day_item WHERE ${where} GROUP BY action, item) g`, range);
    await median(
      'day_item: number of groups by a loose index scan (MIN(day) per group on by_item)',
      `SELECT COUNT(*) AS groups FROM (SELECT action, item, MIN(day) FROM day_item FORCE INDEX (by_item) WHERE ${where} GROUP BY action, item) g`,
      range,
    );
    const [plan] = await q(`EXPLAIN SELECT action, item, MIN(day) FROM day_item FORCE INDEX (by_item) WHERE ${where} GROUP BY action, item`, range);
    console.log(`(its plan: ${JSON.stringify(plan)})`);
    await median(`day_item: top ${TOP} with the number of groups, one statement`, `SELECT action, item, c, COUNT(*) OVER () AS groups FROM (SELECT action, item, SUM(count) AS c FROM day_item WHERE ${where} GROUP BY action, item) g ORDER BY c DESC, action, item LIMIT ${TOP}`, range);
    await median('day_item: every group (J), to the client', `SELECT action, item, SUM(count) AS c FROM day_item WHERE ${where} GROUP BY action, item`, range);
    // Threshold: the days' lists, their floors, exact sums of the candidates.
    const floors = await median(`day_top: each day's ${PER_DAY}th count`, `SELECT day, MIN(count) AS floor FROM day_top WHERE ${where} GROUP BY day`, range);
    const bound = floors.reduce((s, r) => s + Number(r.floor), 0);
    const candidates = await median('day_top: candidates (union of the lists)', `SELECT DISTINCT action, item FROM day_top WHERE ${where}`, range);
    const exactSql = `SELECT d.action, d.item, SUM(d.count) AS c FROM (SELECT DISTINCT action, item FROM day_top WHERE ${where}) k JOIN day_item d FORCE INDEX (by_item) ON d.tenant = ? AND d.module = 3 AND d.action = k.action AND d.item = k.item AND d.day BETWEEN ? AND ? GROUP BY d.action, d.item ORDER BY c DESC, d.action, d.item LIMIT ${TOP}`;
    const exact = await median(`day_top: top ${TOP} of the candidates, summed exactly from day_item`, exactSql, [...range, ...range]);
    const hundredth = Number(exact[exact.length - 1]?.c ?? 0);
    const same = JSON.stringify(exact.map((r) => [r.action, r.item, Number(r.c)])) === JSON.stringify(top.map((r) => [r.action, r.item, Number(r.c)]));
    console.log(
      `\nthreshold: ${candidates.length} candidates; the ${TOP}th sum ${hundredth} vs the bound ${bound} for any other item: ${hundredth > bound ? 'exact' : 'NOT provably exact'}; equal to the GROUP BY answer: ${same}; groups in the range ${Number(total.groups)}`,
    );
    const [size] = await q<{ mb: number }>("SELECT ROUND(SUM(data_length + index_length) / 1048576, 1) AS mb FROM information_schema.TABLES WHERE table_schema = 'statistics_bench_proto'");
    console.log(`prototype tables: ${size.mb} MB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
