// userActionsSeries scenarios (S1–S6, issue 21): the service's answer beside the naive query — the
// raw GROUP BY of the same buckets over `user_action` — timed in the same run, the totals per bucket
// of both compared. The bench service runs with STATISTICS_TIME_ZONE=UTC, so the naive buckets are
// DATE_FORMAT()s of `created` that spell the service's labels. See bench/README.md.
import { Connection } from 'mysql2/promise';
import { API } from '../../test/support/client-core';
import { DatasetSpec, LARGE_TENANT } from '../dataset';
import { agreement, BenchRow, fetchBody, pct, peakRssMb, resetPeak, ServiceHandle, timeAdaptive, windowBefore } from './common';

const COLUMN: Record<string, string> = { country: 'country', device: 'device', actionLabel: 'action_label', actionId: 'action_id' };
/** The service's bucket label as MySQL spells it in UTC (ISO weeks: %x-W%v). */
const LABEL: Record<string, string> = { hour: "DATE_FORMAT(created, '%Y-%m-%dT%H')", day: "DATE_FORMAT(created, '%Y-%m-%d')", week: "DATE_FORMAT(created, '%x-W%v')", month: "DATE_FORMAT(created, '%Y-%m')" };

interface Shape {
  scenario: string;
  what: string;
  interval: 'hour' | 'day' | 'week' | 'month';
  days: number;
  aggregations: string[];
  /** `limit=N&orderBy=count&other=true`. */
  top?: number;
  compare?: 'previousPeriod';
  p50Under: number;
  /** ≥ this many times faster than the naive query (none: p50 only). */
  speedup?: number;
}

export const SERIES_SCENARIOS = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6'];

const SHAPES: Shape[] = [
  { scenario: 'S1', what: 'daily, last 30 days, module 3', interval: 'day', days: 30, aggregations: [], p50Under: 50, speedup: 20 },
  { scenario: 'S2', what: 'daily, last 30 days, by configurator, top 10 + other', interval: 'day', days: 30, aggregations: ['actionLabel'], top: 10, p50Under: 100, speedup: 20 },
  { scenario: 'S3', what: 'daily, last 30 days, compare=previousPeriod', interval: 'day', days: 30, aggregations: [], compare: 'previousPeriod', p50Under: 100 },
  { scenario: 'S4', what: 'hourly, last 7 days', interval: 'hour', days: 7, aggregations: [], p50Under: 100, speedup: 20 },
  { scenario: 'S5', what: 'weekly, 26 weeks', interval: 'week', days: 26 * 7, aggregations: [], p50Under: 100 },
  { scenario: 'S5', what: 'monthly, 24 months', interval: 'month', days: 730, aggregations: [], p50Under: 100 },
  { scenario: 'S6', what: 'daily, last 30 days, by item (actionId), top 10 + other', interval: 'day', days: 30, aggregations: ['actionId'], top: 10, p50Under: 500, speedup: 20 },
];

interface Answer {
  series: Array<{ counts: number[]; comparison?: { counts: number[] } }>;
  meta: { buckets: Array<{ label: string }>; total: number; other?: { counts: number[]; comparison?: { counts: number[] } }; comparison?: { from: string; to: string; buckets: Array<{ label: string }> } };
}

/** Per bucket, the sum over every series (and `other`): what the naive query's rows add up to per label. */
function bucketSums(answer: Answer, side: 'main' | 'comparison'): number[] {
  const n = side === 'main' ? answer.meta.buckets.length : (answer.meta.comparison?.buckets.length ?? 0);
  const sums = new Array<number>(n).fill(0);
  const add = (counts: number[] | undefined) => counts?.forEach((c, i) => (sums[i] += c));
  for (const s of answer.series) add(side === 'main' ? s.counts : s.comparison?.counts);
  add(side === 'main' ? answer.meta.other?.counts : answer.meta.other?.comparison?.counts);
  return sums;
}

export async function seriesScenarios(svc: () => ServiceHandle, sql: Connection, spec: DatasetSpec, only: string[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const shape of SHAPES) {
    if (!only.includes(shape.scenario)) continue;
    console.error(`scenario ${shape.scenario} (${shape.what})…`);
    const s = svc();
    const win = windowBefore(spec.now, shape.days);
    const params = [
      'module=3',
      `from=${encodeURIComponent(win.from)}`,
      `to=${encodeURIComponent(win.to)}`,
      `interval=${shape.interval}`,
      ...shape.aggregations.map((a) => `aggregations[]=${a}`),
      ...(shape.top ? [`limit=${shape.top}`, 'orderBy=count', 'other=true'] : []),
      ...(shape.compare ? [`compare=${shape.compare}`] : []),
    ];
    const path = `${API}/tenants/${LARGE_TENANT}/userActionsSeries?${params.join('&')}`;
    resetPeak(s.pid);
    const service = await timeAdaptive(() => fetchBody(s.port, path, s.token), 30, 3);
    const peak = peakRssMb(s.pid);
    const answer = JSON.parse(service.last.body.toString()) as Answer;

    // The naive query: the same tenant, range, module, groups and buckets over the raw rows (and the comparison range's).
    const cols = shape.aggregations.map((a) => `, ${COLUMN[a]}`).join('');
    const naive = `SELECT ${LABEL[shape.interval]} AS bucket, module, action${cols}, SUM(count) AS count FROM user_action WHERE tenant = ? AND created >= ? AND created < ? AND module = 3 GROUP BY bucket, module, action${cols}`;
    const ranges = [{ from: new Date(win.from), to: new Date(win.to) }];
    if (answer.meta.comparison) ranges.push({ from: new Date(answer.meta.comparison.from), to: new Date(answer.meta.comparison.to) });
    const base = await timeAdaptive(
      async () => {
        const out: Array<Array<{ bucket: string; count: number | string }>> = [];
        for (const r of ranges) out.push((await sql.query(naive, [LARGE_TENANT, r.from, r.to]))[0] as Array<{ bucket: string; count: number | string }>);
        return out;
      },
      3,
      2,
    );
    // A naive row whose label is no bucket of the answer lands in an extra last cell: the check then fails.
    const perLabel = (labels: Array<{ label: string }>, rowsOf: Array<{ bucket: string; count: number | string }>) => {
      const index = new Map(labels.map((b, i) => [b.label, i]));
      const sums = new Array<number>(labels.length + 1).fill(0);
      for (const r of rowsOf) sums[index.get(r.bucket) ?? labels.length] += Number(r.count);
      return sums[labels.length] === 0 ? sums.slice(0, labels.length) : sums;
    };
    const serviceSums = [...bucketSums(answer, 'main'), ...bucketSums(answer, 'comparison')];
    const naiveSums = [...perLabel(answer.meta.buckets, base.last[0]), ...(answer.meta.comparison ? perLabel(answer.meta.comparison.buckets, base.last[1]) : [])];
    const check = agreement('sum per bucket', [serviceSums.reduce((a, b) => a + b, 0), ...serviceSums], [naiveSums.reduce((a, b) => a + b, 0), ...naiveSums]);
    const p50 = pct(service.ms, 50);
    const ratio = pct(base.ms, 50) / p50;
    rows.push({
      scenario: shape.scenario,
      what: `userActionsSeries, large tenant, ${shape.what}: ${answer.series.length} series × ${answer.meta.buckets.length} buckets, ${(service.last.body.length / 1e3).toFixed(1)} kB`,
      p50ms: p50,
      p99ms: pct(service.ms, 99),
      peakRssMb: peak,
      baseline: `naive GROUP BY bucket, module, action${cols} on user_action (mysql2)${ranges.length > 1 ? ', both ranges' : ''}`,
      baselineValue: pct(base.ms, 50),
      ratio,
      target: `p50 < ${shape.p50Under} ms${shape.speedup ? `, ≥ ${shape.speedup}× faster` : ''}`,
      met: check.ok && p50 < shape.p50Under && (shape.speedup === undefined || ratio >= shape.speedup),
      // The check compares every bucket's sum (the totals agree only if each does), shown as total / first buckets.
      note: `${check.ok ? 'totals agree' : 'TOTALS MISMATCH'}: sum ${serviceSums.reduce((a, b) => a + b, 0)} over ${serviceSums.length} buckets${check.ok ? '' : ` (${check.note})`}; ${service.ms.length} requests, ${base.ms.length} naive runs`,
    });
  }
  return rows;
}
