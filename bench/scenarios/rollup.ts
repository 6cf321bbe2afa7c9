// Scenario R: the rollup pass (RollupService, the code the service's scheduler and `npm run rollup`
// run) against one set-based `INSERT … SELECT … GROUP BY` + `DELETE` doing the same daily compaction
// of an identical copy of the rows, same run. See bench/README.md.
import { performance } from 'node:perf_hooks';
import { createConnection } from 'mysql2/promise';
import { createCliContext } from '../../src/cli/cli.module';
import { FixedClock } from '../../src/common/clock';
import { loadConfig } from '../../src/config/app-config';
import { UserActionEventDto } from '../../src/ingestion/dto/ingest-user-actions.dto';
import { IngestionService } from '../../src/ingestion/ingestion.service';
import { RollupService } from '../../src/rollup/rollup.service';
import { SummaryService } from '../../src/summary/summary.service';
import { DatasetSpec, EventFactory } from '../dataset';
import { agreement, BenchRow } from './common';

export const ROLLUP_SCENARIOS = ['R'];

/** The rollup pass's tenant and the baseline's (its copy); emptied before and after the scenario. */
const PASS_TENANT = 910;
const BASE_TENANT = 911;
const DAY = 86_400_000;

/** Deletes every row of the two scenario tenants from every table that has a `tenant` column. */
async function clear(url: URL): Promise<void> {
  const c = await createConnection({ uri: url.toString() });
  try {
    const [tables] = (await c.query("SELECT table_name AS t FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name = 'tenant'")) as unknown as [
      Array<{ t: string }>,
    ];
    for (const { t } of tables) await c.query(`DELETE FROM \`${t}\` WHERE tenant IN (?, ?)`, [PASS_TENANT, BASE_TENANT]);
  } finally {
    await c.end();
  }
}

export async function rollupScenario(url: URL, spec: DatasetSpec): Promise<BenchRow> {
  console.error('scenario R (rollup pass vs set-based compaction)…');
  const events = Math.max(2000, Math.round(200_000 * spec.scale));
  await clear(url);
  const now = new Date();
  const clock = new FixedClock(now);
  const app = await createCliContext(loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' }), { clock });
  const sql = await createConnection({ uri: url.toString(), timezone: 'Z', decimalNumbers: true });
  try {
    await app.get(SummaryService).ensureZone('UTC');
    // Real-time rows of the last 10 days through the real ingestion path (summaries, snapshots).
    const factory = new EventFactory(spec.seed + 2, spec.dataset ?? 'uniform');
    const ingestion = app.get(IngestionService);
    const start = now.getTime() - 10 * DAY;
    for (let i = 0; i < events; i += 1000) {
      const batch: UserActionEventDto[] = [];
      for (let k = i; k < Math.min(events, i + 1000); k++) batch.push(factory.event(PASS_TENANT, k, new Date(Math.floor(start + ((k + 0.5) / events) * (10 * DAY - 3600_000)))));
      await ingestion.ingest(PASS_TENANT, { userActions: batch });
    }
    // The baseline's tenant gets a copy of the same raw rows.
    await sql.query(
      `INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, country, device, action_label, action_id, action_parameter, user_id, event_id)
       SELECT ?, module, action, created, aggregation_level, count, country, device, action_label, action_id, action_parameter, user_id, event_id FROM user_action WHERE tenant = ?`,
      [BASE_TENANT, PASS_TENANT],
    );
    // As of 40 days on, every one of those days is past ROLLUP_DAILY_AFTER_DAYS (30) and none past the monthly threshold.
    const asOf = new Date(now.getTime() + 40 * DAY);
    const rollup = app.get(RollupService);
    const cutoff = rollup.cutoffs(asOf).daily;
    // The pass runs as it would 40 days on: the service's clock then (ingestion no longer accepts
    // events of the rolled days, so whole days are compacted as closed periods; docs/rollup.md).
    clock.set(asOf);
    const t0 = performance.now();
    const pass = await rollup.run({ asOf, tenant: PASS_TENANT });
    const passSecs = (performance.now() - t0) / 1000;

    // The same compaction, set-based, in one transaction: daily rows (UTC days, as the pass with the default time zone) and the raw rows gone.
    const t1 = performance.now();
    await sql.beginTransaction();
    await sql.query(
      `INSERT INTO user_action (tenant, module, action, country, device, action_label, action_id, action_parameter, created, aggregation_level, count, rollup_key)
       SELECT tenant, module, action, country, device, action_label, action_id, action_parameter, DATE(created), 1, SUM(count),
              LEFT(SHA2(JSON_ARRAY(module, action, country, device, action_label, action_id, action_parameter), 256), 32)
         FROM user_action WHERE tenant = ? AND aggregation_level = 0 AND created < ?
        GROUP BY tenant, module, action, DATE(created), country, device, action_label, action_id, action_parameter
       ON DUPLICATE KEY UPDATE count = user_action.count + VALUES(count)`,
      [BASE_TENANT, cutoff],
    );
    const [del] = (await sql.query('DELETE FROM user_action WHERE tenant = ? AND aggregation_level = 0 AND created < ?', [BASE_TENANT, cutoff])) as unknown as [
      { affectedRows: number },
    ];
    await sql.commit();
    const baseSecs = (performance.now() - t1) / 1000;

    const [sums] = (await sql.query('SELECT tenant, SUM(count) AS n, COUNT(*) AS r FROM user_action WHERE tenant IN (?, ?) GROUP BY tenant ORDER BY tenant', [PASS_TENANT, BASE_TENANT])) as unknown as [
      Array<{ tenant: number; n: number; r: number }>,
    ];
    const of = (t: number) => sums.find((s) => s.tenant === t) ?? { n: 0, r: 0 };
    // The final states are compared (rows read, SUM(count) and rows after). The pass's "rows
    // written" counts its upserts — a group that spans two chunks is written twice and merged —
    // while the baseline writes each group once, so that figure is reported, not compared.
    const check = agreement(
      'rows read / SUM(count) after / rows after',
      [pass.rowsRead, Number(of(PASS_TENANT).n), Number(of(PASS_TENANT).r)],
      [del.affectedRows, Number(of(BASE_TENANT).n), Number(of(BASE_TENANT).r)],
    );
    const sumOk = Number(of(PASS_TENANT).n) === events;
    const passRate = pass.rowsRead / passSecs;
    const baseRate = del.affectedRows / baseSecs;
    const ratio = passRate / baseRate;
    return {
      scenario: 'R',
      what: `rollup pass (daily), ${pass.rowsRead} real-time rows → ${Number(of(PASS_TENANT).r)} daily rows (${pass.rowsWritten} upserts), one tenant`,
      p50ms: passSecs * 1000,
      rowsPerSec: passRate,
      baseline: 'set-based INSERT … SELECT … GROUP BY + DELETE, same rows (rows/s)',
      baselineValue: baseRate,
      ratio,
      target: '≥ 0.5× set-based rows/s',
      met: check.ok && sumOk && ratio >= 0.5,
      note: `${check.note}${sumOk ? '' : `; SUM(count) ${of(PASS_TENANT).n} ≠ ${events} events ingested`}; the baseline moves no summary rows, the pass does`,
    };
  } finally {
    await sql.end();
    await app.close();
    await clear(url);
  }
}
