import { Injectable, Logger, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Calendar } from '../common/calendar';
import { Clock } from '../common/clock';
import { keyHash } from '../common/key-hash';
import { AppConfig } from '../config/app-config';
import { dayVersions } from '../database/data-version';
import { DataVersionRepository } from '../database/data-version.repository';
import { Database } from '../database/database.service';
import { AggregationLevel } from '../database/entities';
import { Metrics } from '../metrics/metrics.service';
import { SummaryService } from '../summary/summary.service';
import { RollupLease } from './rollup-lease';
import { RollupLeaseRepository } from './rollup-lease.repository';
import { RollupAggregate, RollupRepository, RollupSourceRow } from './rollup.repository';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface RollupOptions {
  /** The instant the thresholds are measured from (default: now). */
  asOf?: Date;
  /** Only this tenant. */
  tenant?: number;
  /** Report what would be rolled, change nothing. */
  dryRun?: boolean;
  /** Rows per transaction (default {@link RollupService.defaultChunkRows}). */
  chunkRows?: number;
  /**
   * Called after every chunk, once it has committed; the pass awaits a returned promise before
   * its next chunk (the tests pause a pass there, holding the lease, at a known point).
   */
  onProgress?: (p: RollupProgress) => void | Promise<void>;
  /** Stops the pass between two chunks (shutdown). */
  signal?: AbortSignal;
}

export interface RollupProgress {
  step: 'daily' | 'monthly';
  tenant: number;
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
}

export interface RollupSummary {
  asOf: string;
  dailyCutoff: string;
  monthlyCutoff: string;
  dryRun: boolean;
  /** Set when the pass did not run (another runner holds the lease). */
  skipped?: string;
  /** Distinct (tenant, level, period) aggregates written to. */
  periods: number;
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
  seconds: number;
}

/**
 * Lets pending I/O (HTTP requests of the service) in between two chunks. better-sqlite3 is
 * synchronous, so without this a pass inside the service would run chunk after chunk on promise
 * microtasks alone and keep every request waiting until the whole pass is done.
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Compaction (spec §1): real-time rows of whole days older than ROLLUP_DAILY_AFTER_DAYS become
 * daily rows, daily rows of whole months older than ROLLUP_MONTHLY_AFTER_DAYS become monthly rows.
 *
 * Exactly once: each chunk is one transaction that upserts the merged rows (adding to an
 * aggregate that already exists for the same key and period) and deletes the rows it merged,
 * so a crash at any point leaves every sum intact and the next pass continues. Each chunk first
 * renews the runner's lease in its own transaction, so only the lease holder's chunks commit; on
 * MySQL the chunk's rows are also locked (FOR UPDATE), so even two runners that overlap cannot
 * merge a row twice.
 */
@Injectable()
export class RollupService {
  private readonly logger = new Logger(RollupService.name);

  constructor(
    private readonly db: Database,
    private readonly rollups: RollupRepository,
    private readonly leases: RollupLeaseRepository,
    private readonly versions: DataVersionRepository,
    private readonly config: AppConfig,
    private readonly summary: SummaryService,
    private readonly calendar: Calendar,
    private readonly clock: Clock,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  /**
   * Rows per chunk transaction: 50,000 on MySQL (a day of a large tenant in one chunk or a few;
   * a period in one chunk drops its summary rows in one statement — scenario R went from 0.28 to
   * 0.64–0.70 of the set-based compaction, docs/performance.md), 5,000 on SQLite, whose
   * synchronous driver keeps the service's requests waiting while a chunk runs in its process.
   */
  defaultChunkRows(): number {
    return this.db.dialect === 'sqlite' ? 5000 : 50_000;
  }

  /**
   * Events created before this instant can no longer be stored, as far as this pass can tell:
   * ingestion refuses those older than ROLLUP_DAILY_AFTER_DAYS by the service clock, and an hour
   * of margin covers clock skew between hosts and a batch validated just before that moment and
   * still committing. A pass `--as-of` a later instant than the clock's now simulates the future
   * (tests, the bench): then nothing counts as closed (-Infinity), since the services that ingest
   * meanwhile may keep other clocks.
   */
  private closedBefore(asOf: Date): number {
    const now = this.clock.now().getTime();
    if (asOf.getTime() > now) return Number.NEGATIVE_INFINITY;
    return now - this.config.rollup.dailyAfterDays * DAY_MS - HOUR_MS;
  }

  /** Rows created before these instants are rolled (whole days / months beyond the thresholds). */
  cutoffs(asOf: Date): { daily: Date; monthly: Date } {
    return {
      daily: this.calendar.startOfDay(new Date(asOf.getTime() - this.config.rollup.dailyAfterDays * DAY_MS)),
      monthly: this.calendar.startOfMonth(new Date(asOf.getTime() - this.config.rollup.monthlyAfterDays * DAY_MS)),
    };
  }

  async run(opts: RollupOptions = {}): Promise<RollupSummary> {
    if (opts.dryRun || !this.metrics) return this.pass(opts);
    const metrics = this.metrics;
    try {
      const summary = await this.pass(opts, metrics);
      metrics.rollupPasses.inc({ outcome: summary.skipped ? 'skipped' : 'done' });
      if (!summary.skipped) metrics.rollupLastSuccess.set(Date.now() / 1000);
      return summary;
    } catch (err) {
      metrics.rollupPasses.inc({ outcome: 'failed' });
      throw err;
    }
  }

  private async pass(opts: RollupOptions, metrics?: Metrics): Promise<RollupSummary> {
    const started = Date.now();
    const asOf = opts.asOf ?? new Date();
    const cut = this.cutoffs(asOf);
    const closedBefore = this.closedBefore(asOf);
    const summary: RollupSummary = {
      asOf: asOf.toISOString(),
      dailyCutoff: cut.daily.toISOString(),
      monthlyCutoff: cut.monthly.toISOString(),
      dryRun: !!opts.dryRun,
      periods: 0,
      rowsRead: 0,
      rowsWritten: 0,
      rowsDeleted: 0,
      seconds: 0,
    };
    const lease = new RollupLease(this.leases);
    if (!opts.dryRun && !(await lease.acquire())) {
      const cur = await lease.current();
      summary.skipped = `another rollup runner holds the lease (${cur.holder} until ${cur.expiresAt?.toISOString()})`;
      return summary;
    }
    metrics?.rollupLeaseHeld.set(1);
    try {
      const tenants = opts.tenant !== undefined ? [opts.tenant] : await this.rollups.tenants();
      const periods = new Set<string>();
      const steps = [
        { step: 'daily' as const, from: AggregationLevel.RealTime, to: AggregationLevel.Daily, cutoff: cut.daily },
        { step: 'monthly' as const, from: AggregationLevel.Daily, to: AggregationLevel.Monthly, cutoff: cut.monthly },
      ];
      for (const s of steps) {
        for (const tenant of tenants) {
          const progress: RollupProgress = { step: s.step, tenant, rowsRead: 0, rowsWritten: 0, rowsDeleted: 0 };
          const onChunk = async (read: number, written: number, deleted: number, chunkPeriods: string[]) => {
            progress.rowsRead += read;
            progress.rowsWritten += written;
            progress.rowsDeleted += deleted;
            summary.rowsRead += read;
            summary.rowsWritten += written;
            summary.rowsDeleted += deleted;
            for (const p of chunkPeriods) periods.add(`${tenant}:${s.to}:${p}`);
            await opts.onProgress?.({ ...progress });
          };
          if (opts.dryRun) await this.simulate(tenant, s.from, s.cutoff, opts.chunkRows ?? this.defaultChunkRows(), onChunk);
          else {
            for (;;) {
              if (opts.signal?.aborted) throw new Error('rollup pass stopped (shutdown); the next pass continues');
              const done = await this.db.transaction(async (em) => {
                // Renewing first makes the chunk commit only while this runner holds the lease, and
                // takes SQLite's write lock before the chunk reads (see RollupLease.renewWithin).
                if (!(await lease.renewWithin(em))) throw new Error('rollup lease lost to another runner; stopped before the next chunk');
                return this.compactChunk(em, tenant, s.from, s.to, s.cutoff, opts.chunkRows ?? this.defaultChunkRows(), closedBefore);
              });
              if (done.read === 0) break;
              metrics?.rollupRowsMoved.inc({ step: s.step }, done.read);
              await onChunk(done.read, done.written, done.read, done.periods);
              await yieldToEventLoop();
            }
            if (s.step === 'monthly') await this.recordClosure(tenant, asOf, cut.monthly);
          }
        }
      }
      summary.periods = periods.size;
      summary.seconds = (Date.now() - started) / 1000;
      return summary;
    } finally {
      if (!opts.dryRun) await lease.release().catch((err) => this.logger.warn(`could not release the rollup lease: ${err}`));
      metrics?.rollupLeaseHeld.set(0);
    }
  }

  /**
   * After the tenant's monthly step: every row created before the monthly cutoff is at its final
   * level, and ingestion accepts nothing older than ROLLUP_DAILY_AFTER_DAYS before now — so
   * answers about ranges ending by the earlier of the two only change through the catalog, the
   * snapshots or the user directory (the HTTP layer's max-age, docs/api.md). A pass `--as-of` a
   * later instant than now records no more than what now allows.
   */
  private async recordClosure(tenant: number, asOf: Date, monthlyCutoff: Date): Promise<void> {
    const accepted = Date.now() - this.config.rollup.dailyAfterDays * DAY_MS;
    const before = new Date(Math.min(monthlyCutoff.getTime(), accepted, asOf.getTime()));
    await this.db.transaction((em) => this.versions.recordClosure(em, tenant, before));
  }

  private group(rows: RollupSourceRow[], target: AggregationLevel): Map<string, RollupAggregate> {
    const groups = new Map<string, RollupAggregate>();
    for (const r of rows) {
      const period = target === AggregationLevel.Daily ? this.calendar.startOfDay(r.created) : this.calendar.startOfMonth(r.created);
      const values: RollupAggregate['values'] = [r.module, r.action, r.country, r.device, r.actionLabel, r.actionId, r.actionParameter];
      const key = keyHash(values);
      const id = `${period.getTime()}:${key}`;
      const g = groups.get(id);
      if (g) g.count += r.count;
      else groups.set(id, { period, key, values, count: r.count });
    }
    return groups;
  }

  /** One transaction: merge up to `limit` rows of `from` level into `to` level rows, delete them (`closedBefore`: see {@link closedBefore}). */
  private async compactChunk(
    em: EntityManager,
    tenant: number,
    from: AggregationLevel,
    to: AggregationLevel,
    cutoff: Date,
    limit: number,
    closedBefore: number,
  ): Promise<{ read: number; written: number; periods: string[] }> {
    // A chunk stays inside one target period (local day or month): a period that fits in one
    // chunk has each of its aggregate and summary rows written once.
    const first = await this.rollups.firstCreated(em, tenant, from, cutoff);
    if (first === undefined) return { read: 0, written: 0, periods: [] };
    const periodStart = to === AggregationLevel.Daily ? this.calendar.startOfDay(first) : this.calendar.startOfMonth(first);
    const periodEnd = to === AggregationLevel.Daily ? this.calendar.addDays(periodStart, 1) : this.calendar.addMonths(periodStart, 1);
    const bound = periodEnd < cutoff ? periodEnd : cutoff;
    const rows = await this.rollups.lockChunk(em, tenant, from, bound, limit);
    if (rows.length === 0) return { read: 0, written: 0, periods: [] };
    const groups = [...this.group(rows, to).values()];
    await this.rollups.addAggregates(em, tenant, to, groups);
    // The summary tables move the same counts from the source level (and day) to the target.
    const added = groups.map((g) => ({
      created: g.period,
      module: g.values[0],
      action: g.values[1],
      level: to,
      country: g.values[2],
      device: g.values[3],
      actionLabel: g.values[4],
      actionId: g.values[5],
      count: g.count,
    }));
    if (rows.length < limit && periodEnd <= cutoff && periodEnd.getTime() <= closedBefore) {
      // The chunk holds every `from` row of its period (the oldest row starts the period, the
      // period ends before the cutoff, and ingestion no longer accepts events of that period, so
      // none can commit while this chunk runs under READ COMMITTED): that period's `from`
      // summary rows go as a whole.
      await this.summary.replaceLevel(em, tenant, from, periodStart, periodEnd, added);
    } else {
      const removed = rows.map((r) => ({ created: r.created, module: r.module, action: r.action, level: from, country: r.country, device: r.device, actionLabel: r.actionLabel, actionId: r.actionId, count: r.count }));
      await this.summary.move(em, tenant, from, removed, added);
    }
    // The read API's ETags: the days rows left and the periods they went to.
    await this.versions.bump(em, dayVersions(tenant, [...rows.map((r) => r.created), ...groups.map((g) => g.period)]));
    await this.rollups.deleteRows(em, rows.map((r) => r.id));
    return { read: rows.length, written: groups.length, periods: [...new Set(groups.map((g) => g.period.toISOString()))] };
  }

  /**
   * Dry run: walks the rows a pass would merge (keyset by created, id) and counts, writing nothing.
   * The monthly step of a real pass also reads the daily rows its daily step has just made from
   * real-time rows before the monthly cutoff, so here those real-time rows count as the daily rows
   * they would become (one per key and day, merged with an existing daily row of that key and day).
   */
  private async simulate(
    tenant: number,
    level: AggregationLevel,
    cutoff: Date,
    limit: number,
    onChunk: (read: number, written: number, deleted: number, periods: string[]) => Promise<void>,
  ): Promise<void> {
    const monthly = level === AggregationLevel.Daily;
    const levels = monthly ? [AggregationLevel.RealTime, AggregationLevel.Daily] : [level];
    const seen = new Set<string>();
    const dailyRows = new Set<string>();
    let after: { created: Date; id: unknown } | undefined;
    for (;;) {
      const rows = await this.rollups.page(tenant, levels, cutoff, limit, after);
      if (rows.length === 0) return;
      let read = rows.length;
      if (monthly) {
        const days = [...this.group(rows, AggregationLevel.Daily).keys()].filter((id) => !dailyRows.has(id));
        days.forEach((id) => dailyRows.add(id));
        read = days.length;
      }
      const groups = [...this.group(rows, level + 1).entries()].filter(([id]) => !seen.has(id));
      groups.forEach(([id]) => seen.add(id));
      await onChunk(read, groups.length, read, [...new Set(groups.map(([, g]) => g.period.toISOString()))]);
      await yieldToEventLoop();
      const last = rows[rows.length - 1];
      after = { created: last.created, id: last.id };
    }
  }
}
