import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { Metrics } from '../metrics/metrics.service';
import { RollupLease } from '../rollup/rollup-lease';
import { RollupLeaseRepository } from '../rollup/rollup-lease.repository';
import { PendingRepository } from './pending.repository';
import { SummaryService } from './summary.service';

/** The fold lease is renewed by every fold transaction; a folder that died gives way after this. */
export const FOLD_LEASE_TTL_MS = 15_000;

/** The points inside a fold transaction, in order (FOLD_TEST_PAUSE_AT stops a test process at one). */
export const FOLD_STEPS = ['claimed', 'summed', 'applied', 'deleted'] as const;
export type FoldStep = (typeof FOLD_STEPS)[number];

/** What one fold transaction did. */
export interface FoldResult {
  /** Pending rows claimed, added to the summary tables and deleted. */
  rows: number;
  /** The distinct (tenant, key) sums they made. */
  sums: number;
}

/**
 * The summaries' fold (issue 24): moves pending deltas (`summary_pending`, committed by
 * ingestion with its rows) into the summary tables. One fold is one transaction:
 *
 * 1. renew the fold lease (the first statement: only the lease holder's folds commit, and on
 *    SQLite it takes the write lock before anything is read);
 * 2. claim up to FOLD_BATCH_ROWS pending rows by id, oldest first, locking them and passing over
 *    rows another transaction holds (`FOR UPDATE SKIP LOCKED`) — a claimed set of primary keys,
 *    never a range a later commit could fall into, and no id watermark (AUTO_INCREMENT ids are
 *    not commit-ordered: a row committed late with a lower id is claimed by a later fold);
 * 3. sum the claimed rows per tenant and key (`WHERE id IN (…)`) and add the sums to every
 *    summary table (multi-row upserts in a stable order);
 * 4. delete the claimed ids and roll everything back unless exactly the claimed rows were
 *    deleted.
 *
 * A read sees a pending row either in `summary_pending` or in the summary tables, never both and
 * never neither (one statement or one REPEATABLE READ snapshot against one atomic commit). A
 * crash anywhere inside rolls the transaction back: nothing moved, the rows are folded again.
 */
@Injectable()
export class FoldService {
  private readonly logger = new Logger(FoldService.name);
  readonly lease: RollupLease;

  constructor(
    private readonly db: Database,
    private readonly pending: PendingRepository,
    private readonly summary: SummaryService,
    leases: RollupLeaseRepository,
    private readonly config: AppConfig,
    @Optional() private readonly metrics?: Metrics,
  ) {
    this.lease = new RollupLease(leases, FOLD_LEASE_TTL_MS, 'fold');
  }

  /**
   * Folds until nothing is pending, the lease is held elsewhere, or `signal` stops it. Returns
   * the rows folded (0 when another replica holds the lease).
   */
  async drain(signal?: AbortSignal): Promise<number> {
    if (!(await this.lease.acquireUnlessHeld())) return 0;
    this.metrics?.foldLeaseHeld.set(1);
    let rows = 0;
    try {
      let asked = false;
      while (!signal?.aborted) {
        const done = await this.foldOnce();
        if (!done) {
          // The lease was not ours after all (taken over after a stall, or freed by hand): ask once.
          if (asked) break;
          asked = true;
          if (await this.lease.acquire()) continue;
          break;
        }
        rows += done.rows;
        if (done.rows < this.config.fold.batchRows) break;
      }
    } finally {
      this.metrics?.foldLeaseHeld.set(0);
    }
    return rows;
  }

  /**
   * One fold transaction (see the class comment). Undefined when this process does not hold the
   * fold lease (a fold only commits while it does).
   */
  async foldOnce(limit = this.config.fold.batchRows): Promise<FoldResult | undefined> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await this.db.transaction(async (em) => {
        if (!(await this.lease.renewWithin(em))) return undefined;
        const ids = await this.pending.claim(em, limit);
        if (ids.length === 0) return { rows: 0, sums: 0 };
        await this.step('claimed');
        const sums = await this.pending.sums(em, ids);
        await this.step('summed');
        await this.summary.applyPending(em, sums);
        await this.step('applied');
        await this.summary.deletePending(em, ids);
        await this.step('deleted');
        return { rows: ids.length, sums: sums.length };
      });
      if (result) {
        this.metrics?.foldDuration.observe({ outcome: result.rows > 0 ? 'done' : 'empty' }, seconds());
        this.metrics?.foldRows.inc(result.rows);
      }
      return result;
    } catch (err) {
      this.metrics?.foldDuration.observe({ outcome: 'failed' }, seconds());
      throw err;
    }
  }

  /**
   * A test process (FOLD_TEST_PAUSE_AT, never in production) stops inside the fold transaction
   * at the named step, says so on stderr and waits there for its SIGKILL (the fold crash tests).
   */
  private async step(step: FoldStep): Promise<void> {
    if (this.config.fold.testPauseAt !== step) return;
    process.stderr.write(`fold paused at ${step}\n`);
    this.logger.warn(`fold paused at ${step} (FOLD_TEST_PAUSE_AT)`);
    await new Promise<never>(() => undefined);
  }
}
