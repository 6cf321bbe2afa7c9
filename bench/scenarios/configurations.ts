// configurations scenarios: N, the JSON first page (limit 100) plain, with configuratorId and with
// actions[]; O, the CSV export filtered by configuratorId against `mariadb --batch` printing the
// same rows. Each with its baseline in the same run and the totals compared. See bench/README.md.
import { API } from '../../test/support/client-core';
import { execFileSync, spawnSync } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Connection } from 'mysql2/promise';
import { CONFIGURATORS, DatasetSpec, LARGE_TENANT, popularityShare } from '../dataset';
import { agreement, BenchRow, fetchBody, fetchCounted, pct, peakRssMb, resetPeak, ServiceHandle, sqlInstant, timeAdaptive, windowBefore } from './common';

export const CONFIGURATION_SCENARIOS = ['N', 'O'];

/** The configurator the filtered scenarios ask for: the 5th most popular (≈ 5–6 % of the events in both datasets). */
const CONFIGURATOR_RANK = 4;
const CONFIGURATOR = `configurator-${CONFIGURATOR_RANK}`;

const JOINS = `JOIN catalog_action ca ON ca.module = ua.module AND ca.action = ua.action AND ca.configuration_action = 1
    LEFT JOIN configuration_snapshot cs ON cs.tenant = ua.tenant AND cs.configuration_id = ua.action_id
    LEFT JOIN directory_user du ON du.user_id = ua.user_id AND ua.aggregation_level = 0 AND du.statistics_consent = 1`;
const COLUMNS = `ua.action_id, ua.action_label, DATE_FORMAT(ua.created, '%Y-%m-%dT%H:%i:%s.%fZ'), ca.name, ua.action_parameter, ua.count, ua.aggregation_level, cs.thumbnail, cs.part_list, cs.plan_combined_ids, du.email`;
const ORDER = 'ORDER BY ca.name ASC, ua.created DESC, ua.id DESC';

interface Filter {
  configuratorId?: string;
  actions?: number[];
}

function whereOf(from: string, to: string, f: Filter): { sql: string; params: unknown[] } {
  let sql = 'ua.tenant = ? AND ua.created >= ? AND ua.created < ?';
  const params: unknown[] = [LARGE_TENANT, new Date(from), new Date(to)];
  if (f.configuratorId !== undefined) {
    sql += ' AND ua.action_label = ?';
    params.push(f.configuratorId);
  }
  if (f.actions?.length) {
    sql += ` AND ua.action IN (${f.actions.map(() => '?').join(', ')})`;
    params.push(...f.actions);
  }
  return { sql, params };
}

function queryOf(from: string, to: string, f: Filter): string {
  const q = [`from=${encodeURIComponent(from)}`, `to=${encodeURIComponent(to)}`];
  if (f.configuratorId !== undefined) q.push(`configuratorId=${encodeURIComponent(f.configuratorId)}`);
  for (const a of f.actions ?? []) q.push(`actions[]=${a}`);
  return q.join('&');
}

export async function configurationScenarios(
  svc: () => ServiceHandle,
  sql: Connection,
  url: URL,
  spec: DatasetSpec,
  only: string[],
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { from, to } = windowBefore(spec.now, 30);
  const share = `${CONFIGURATOR} gets ${(popularityShare(spec.dataset ?? 'uniform', CONFIGURATORS, CONFIGURATOR_RANK) * 100).toFixed(1)} % of the events`;
  if (only.includes('N')) {
    const LIMIT = 100;
    for (const [what, filter] of [
      ['', {}],
      [`, configuratorId=${CONFIGURATOR} (${share})`, { configuratorId: CONFIGURATOR }],
      [', actions[]=2', { actions: [2] }],
    ] as Array<[string, Filter]>) {
      console.error(`scenario N${what}…`);
      const s = svc();
      const path = `${API}/tenants/${LARGE_TENANT}/configurations?${queryOf(from, to, filter)}&limit=${LIMIT}`;
      resetPeak(s.pid);
      const service = await timeAdaptive(() => fetchBody(s.port, path, s.token), 20, 3);
      const peak = peakRssMb(s.pid);
      const answer = JSON.parse(service.last.body.toString()) as { tenantConfigurationStatistics: Array<{ count: number }>; meta: { total: number } };
      // The naive answer: the total and the page, ordered by name over the joined rows.
      const where = whereOf(from, to, filter);
      const base = await timeAdaptive(async () => {
        const [[{ n }]] = (await sql.query(`SELECT COUNT(*) AS n FROM user_action ua ${JOINS} WHERE ${where.sql}`, where.params)) as unknown as [[{ n: number }]];
        const [page] = (await sql.query(`SELECT ua.count AS count, ${COLUMNS} FROM user_action ua ${JOINS} WHERE ${where.sql} ${ORDER} LIMIT ${LIMIT}`, where.params)) as unknown as [
          Array<{ count: number }>,
        ];
        return { n: Number(n), page };
      }, 3, 2);
      const sum = (xs: Array<{ count: number }>) => xs.reduce((n, r) => n + Number(r.count), 0);
      const check = agreement(
        'total / page rows / page count sum',
        [answer.meta.total, answer.tenantConfigurationStatistics.length, sum(answer.tenantConfigurationStatistics)],
        [base.last.n, base.last.page.length, sum(base.last.page)],
      );
      const p50 = pct(service.ms, 50);
      rows.push({
        scenario: 'N',
        what: `configurations JSON first page (limit ${LIMIT}), last 30 days${what}; total ${answer.meta.total}`,
        p50ms: p50,
        p99ms: pct(service.ms, 99),
        peakRssMb: peak,
        baseline: 'naive COUNT(*) + ORDER BY name, created LIMIT on the joined rows (mysql2)',
        baselineValue: pct(base.ms, 50),
        ratio: pct(base.ms, 50) / p50,
        target: 'p50 < 50 ms',
        met: check.ok && p50 < 50,
        note: `${check.note}; ${service.ms.length} requests`,
      });
    }
  }
  if (only.includes('O')) {
    console.error(`scenario O (CSV export, configuratorId=${CONFIGURATOR})…`);
    const s = svc();
    const path = `${API}/tenants/${LARGE_TENANT}/configurations?${queryOf(from, to, { configuratorId: CONFIGURATOR })}`;
    // Alternated twice, best of each side (the filtered export is short at small scales).
    const svcRuns: Array<{ secs: number; rows: number; bytes: number; peak: number }> = [];
    const cliRuns: Array<{ secs: number; rows: number }> = [];
    for (let round = 0; round < 2; round++) {
      resetPeak(s.pid);
      const t = performance.now();
      const res = await fetchCounted(s.port, path, s.token, 'text/csv');
      svcRuns.push({ secs: (performance.now() - t) / 1000, rows: res.lines, bytes: res.bytes, peak: peakRssMb(s.pid) }); // header + rows, no trailing newline
      cliRuns.push(filteredExportBaseline(url, from, to, CONFIGURATOR));
    }
    const best = <T extends { secs: number }>(xs: T[]) => xs.reduce((a, b) => (b.secs < a.secs ? b : a));
    const sb = best(svcRuns);
    const cb = best(cliRuns);
    const check = agreement('rows', [sb.rows], [cb.rows]);
    const ratio = sb.rows / sb.secs / (cb.rows / cb.secs);
    rows.push({
      scenario: 'O',
      what: `configurations CSV export, last 30 days, configuratorId=${CONFIGURATOR} (${share}): ${sb.rows} rows (${(sb.bytes / 1e6).toFixed(1)} MB)`,
      p50ms: sb.secs * 1000,
      rowsPerSec: sb.rows / sb.secs,
      peakRssMb: Math.max(...svcRuns.map((r) => r.peak)),
      baseline: 'mariadb --batch, same rows to a file (rows/s)',
      baselineValue: cb.rows / cb.secs,
      ratio,
      target: '≥ 0.8× client rows/s',
      met: check.ok && ratio >= 0.8,
      note: `${check.note}; best of 2 each, alternated`,
    });
  }
  return rows;
}

/** `mariadb --batch` printing the filtered export's rows (same joins, filter and order) to a file; the literals are the bench's own constants. */
function filteredExportBaseline(url: URL, from: string, to: string, configurator: string): { secs: number; rows: number } {
  if (!/^[a-z0-9-]+$/.test(configurator)) throw new Error(`unexpected configurator ${configurator}`);
  const query = `SELECT ${COLUMNS} FROM user_action ua ${JOINS}
    WHERE ua.tenant = ${LARGE_TENANT} AND ua.created >= '${sqlInstant(from)}' AND ua.created < '${sqlInstant(to)}' AND ua.action_label = '${configurator}'
    ${ORDER}`;
  const out = join('/tmp', `bench-export-filtered-${process.pid}.tsv`);
  const t = performance.now();
  const res = spawnSync(
    'sh',
    ['-c', `mariadb --batch -h ${url.hostname} -P ${url.port || 3306} -u ${decodeURIComponent(url.username)} ${url.password ? `-p${decodeURIComponent(url.password)}` : ''} ${url.pathname.slice(1)} -e "$Q" > ${out}`],
    { env: { ...process.env, Q: query } },
  );
  const secs = (performance.now() - t) / 1000;
  if (res.status !== 0) throw new Error(`mariadb --batch failed: ${res.stderr}`);
  const rows = Number(execFileSync('wc', ['-l', out]).toString().trim().split(' ')[0]) - 1;
  unlinkSync(out);
  return { secs, rows };
}
