import { Injectable } from '@nestjs/common';
import { Calendar } from '../common/calendar';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { AggregationLevel } from '../database/entities';
import { toInstant } from '../database/values';
import { Metrics } from './metrics.service';

const DAY_MS = 86_400_000;
/** The rollup-lag query gets this long; a scrape must answer even when the database does not. */
const LAG_QUERY_BUDGET_MS = 2000;

/**
 * The oldest real-time row of any tenant, one index seek per tenant on (tenant, aggregation_level,
 * created): MySQL/MariaDB do it for the GROUP BY ("Using index for group-by"); SQLite would scan
 * the whole index (≈ 0.7 s per million rows, holding its one connection), so there the tenants are
 * walked by a recursive CTE (≈ 0.4 ms for 50 tenants and a million rows).
 */
const OLDEST_REALTIME_MYSQL =
  'SELECT MIN(created) AS oldest FROM (SELECT MIN(created) AS created FROM user_action WHERE aggregation_level = ? GROUP BY tenant) per_tenant';
const OLDEST_REALTIME_SQLITE = `WITH RECURSIVE t(tenant) AS (
    SELECT MIN(tenant) FROM user_action
    UNION ALL SELECT (SELECT MIN(tenant) FROM user_action WHERE tenant > t.tenant) FROM t WHERE t.tenant IS NOT NULL
  )
  SELECT MIN((SELECT MIN(created) FROM user_action WHERE tenant = t.tenant AND aggregation_level = ?)) AS oldest FROM t`;

/**
 * What is read at scrape time: the database pools and the rollup lag. The lag is measured in the
 * database (the oldest real-time row of any tenant), so it is right whichever replica or CLI ran
 * the last pass; the pools are read first, so the scrape's own query does not show in them.
 */
@Injectable()
export class MetricsCollector {

  constructor(
    private readonly metrics: Metrics,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly calendar: Calendar,
  ) {}

  /** The exposition (Prometheus text format) and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    this.readPools();
    this.metrics.rollupLag.set(await this.rollupLagSeconds().catch(() => NaN));
    return { contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
  }

  private readPools(): void {
    this.metrics.dbConnectionsInUse.reset();
    this.metrics.dbWaiting.reset();
    for (const { pool, inUse, waiting } of this.db.poolStats()) {
      this.metrics.dbConnectionsInUse.set({ pool }, inUse);
      this.metrics.dbWaiting.set({ pool }, waiting);
    }
  }

  /**
   * Seconds since the oldest real-time row became due for the daily rollup, 0 when none is due.
   * A row is rolled once its whole day lies more than ROLLUP_DAILY_AFTER_DAYS in the past, i.e.
   * from the start of the next day (STATISTICS_TIME_ZONE) plus that many days.
   */
  async rollupLagSeconds(): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('rollup lag query over budget')), LAG_QUERY_BUDGET_MS);
      timer.unref();
    });
    try {
      const rows: Array<{ oldest: unknown }> = await Promise.race([
        this.db.read((em) => em.query(this.db.dialect === 'mysql' ? OLDEST_REALTIME_MYSQL : OLDEST_REALTIME_SQLITE, [AggregationLevel.RealTime])),
        budget,
      ]);
      const oldest = rows[0]?.oldest;
      if (oldest === null || oldest === undefined) return 0;
      const dueAt = this.calendar.addDays(this.calendar.startOfDay(toInstant(oldest)), 1).getTime() + this.config.rollup.dailyAfterDays * DAY_MS;
      return Math.max(0, this.clock.now().getTime() - dueAt) / 1000;
    } finally {
      clearTimeout(timer);
    }
  }
}
