import { Injectable } from '@nestjs/common';
import { Calendar } from '../common/calendar';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { RollupRepository } from '../rollup/rollup.repository';
import { PendingRepository } from '../summary/pending.repository';
import { Metrics } from './metrics.service';

const DAY_MS = 86_400_000;
/** The rollup-lag and fold-backlog queries get this long each; a scrape must answer even when the database does not. */
const LAG_QUERY_BUDGET_MS = 2000;

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
    private readonly rollups: RollupRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly calendar: Calendar,
    private readonly pending: PendingRepository,
  ) {}

  /** The exposition (Prometheus text format) and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    this.readPools();
    this.metrics.rollupLag.set(await this.rollupLagSeconds().catch(() => NaN));
    await this.readFoldBacklog();
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

  /** The fold's backlog: pending rows and the age of the oldest (NaN both when the database does not answer in time). */
  private async readFoldBacklog(): Promise<void> {
    const backlog = await withBudget(this.pending.backlog(), 'fold backlog query over budget').catch(() => undefined);
    this.metrics.foldPendingRows.set(backlog ? backlog.rows : NaN);
    this.metrics.foldOldestPendingAge.set(
      backlog ? (backlog.oldestQueued ? Math.max(0, this.clock.now().getTime() - backlog.oldestQueued.getTime()) / 1000 : 0) : NaN,
    );
  }

  /**
   * Seconds since the oldest real-time row became due for the daily rollup, 0 when none is due.
   * A row is rolled once its whole day lies more than ROLLUP_DAILY_AFTER_DAYS in the past, i.e.
   * from the start of the next day (STATISTICS_TIME_ZONE) plus that many days.
   */
  async rollupLagSeconds(): Promise<number> {
    // One index seek per tenant (RollupRepository.oldestRealTime), not a scan of user_action.
    const oldest = await withBudget(this.rollups.oldestRealTime(), 'rollup lag query over budget');
    if (oldest === undefined) return 0;
    const dueAt = this.calendar.addDays(this.calendar.startOfDay(oldest), 1).getTime() + this.config.rollup.dailyAfterDays * DAY_MS;
    return Math.max(0, this.clock.now().getTime() - dueAt) / 1000;
  }
}

/** `work`, or a rejection once LAG_QUERY_BUDGET_MS have passed: a scrape must answer even when the database does not. */
async function withBudget<T>(work: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), LAG_QUERY_BUDGET_MS);
    timer.unref();
  });
  try {
    return await Promise.race([work, budget]);
  } finally {
    clearTimeout(timer);
  }
}
