import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why an ingestion batch was refused with a 4xx: a fixed set, never a message. */
export type IngestRefusal = 'invalid' | 'unauthenticated' | 'forbidden' | 'too_large' | 'other';

/** Which export limit refused a CSV export (EXPORT_MAX_CONCURRENT_PER_TENANT or EXPORT_MAX_CONCURRENT). */
export type ExportLimit = 'tenant' | 'server';

/** Route label of requests that matched no route (404s of unknown paths or methods). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Every Prometheus metric of one application instance, on its own registry (tests start many
 * apps in one process; prom-client's global default registry would collide). Labels only ever
 * carry bounded values — route templates, methods, status codes, fixed reasons — never a tenant
 * id, user id, event id or raw path. The metric list is documented in docs/operations.md.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'statistics_http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status: time from arrival until the response closed',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly httpInFlight = new Gauge({
    name: 'statistics_http_requests_in_flight',
    help: 'HTTP requests received and not yet closed (including this scrape)',
    registers: [this.registry],
  });

  readonly exportsActive = new Gauge({
    name: 'statistics_csv_exports_active',
    help: 'CSV exports streaming now on this process (slots held in the export limiter)',
    registers: [this.registry],
  });
  readonly exportRows = new Counter({
    name: 'statistics_csv_export_rows_total',
    help: 'Data rows written into CSV exports (header lines not counted)',
    registers: [this.registry],
  });
  readonly exportBytes = new Counter({
    name: 'statistics_csv_export_bytes_total',
    help: 'Bytes of CSV produced by exports, before any HTTP compression',
    registers: [this.registry],
  });
  readonly exportsRefused = new Counter({
    name: 'statistics_csv_exports_refused_total',
    help: 'CSV exports refused with 429 by the export limiter, by the limit that was reached',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly answerCache = new Counter({
    name: 'statistics_answer_cache_requests_total',
    help: 'Read answers by whether the answer cache had them (hit), computed them (miss) or was not used (bypass: no ETag, or switched off)',
    labelNames: ['route', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly eventsAccepted = new Counter({
    name: 'statistics_ingest_events_accepted_total',
    help: 'Ingested events stored (new eventIds)',
    registers: [this.registry],
  });
  readonly eventsDuplicate = new Counter({
    name: 'statistics_ingest_events_duplicate_total',
    help: 'Ingested events not stored again: their eventId was already stored or repeated in the batch',
    registers: [this.registry],
  });
  readonly batchesRefused = new Counter({
    name: 'statistics_ingest_batches_refused_total',
    help: 'Ingestion requests answered 4xx, by reason (invalid 400, unauthenticated 401, forbidden 403, too_large 413, other)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly rollupLastSuccess = new Gauge({
    name: 'statistics_rollup_last_success_timestamp_seconds',
    help: 'Unix time at which the last complete rollup pass of this process ended (0: none yet)',
    registers: [this.registry],
  });
  readonly rollupRowsMoved = new Counter({
    name: 'statistics_rollup_rows_moved_total',
    help: 'Rows merged into coarser aggregates and deleted by rollup passes of this process, by step',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });
  readonly rollupPasses = new Counter({
    name: 'statistics_rollup_passes_total',
    help: 'Rollup passes of this process by outcome (done, skipped: another runner held the lease, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly rollupLeaseHeld = new Gauge({
    name: 'statistics_rollup_lease_held',
    help: '1 while this process holds the rollup lease (runs a pass), else 0',
    registers: [this.registry],
  });
  readonly rollupLag = new Gauge({
    name: 'statistics_rollup_lag_seconds',
    help: 'How long the oldest real-time row has been due for rollup (0: none overdue; NaN: the database did not answer); computed at scrape time',
    registers: [this.registry],
  });

  readonly foldPendingRows = new Gauge({
    name: 'statistics_fold_pending_rows',
    help: 'Summary deltas committed by ingestion and not folded into the summary tables yet (all tenants; NaN: the database did not answer); computed at scrape time',
    registers: [this.registry],
  });
  readonly foldOldestPendingAge = new Gauge({
    name: 'statistics_fold_oldest_pending_age_seconds',
    help: 'Seconds since the oldest pending summary delta was committed (0: none pending; NaN: the database did not answer); computed at scrape time',
    registers: [this.registry],
  });
  readonly foldDuration = new Histogram({
    name: 'statistics_fold_duration_seconds',
    help: 'Fold transactions of this process (claim, add to the summary tables, delete), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly foldRows = new Counter({
    name: 'statistics_fold_rows_total',
    help: 'Pending summary deltas folded into the summary tables by this process',
    registers: [this.registry],
  });
  readonly foldLeaseHeld = new Gauge({
    name: 'statistics_fold_lease_held',
    help: '1 while this process holds the fold lease (it is the replica that folds), else 0',
    registers: [this.registry],
  });

  readonly dbConnectionsInUse = new Gauge({
    name: 'statistics_db_pool_connections_in_use',
    help: 'Pooled database connections lent out now, by pool (SQLite: 1 while a unit of work runs on its single connection)',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });
  readonly dbWaiting = new Gauge({
    name: 'statistics_db_pool_waiting',
    help: 'Requests for a database connection waiting for one, by pool (SQLite: units of work queued for its single connection)',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });
  readonly replicaFallbacks = new Counter({
    name: 'statistics_db_replica_fallbacks_total',
    help: 'Reads (read) and CSV exports (export) that no read replica answered and that ran on the primary instead',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const limit of ['tenant', 'server'] as const) this.exportsRefused.inc({ limit }, 0);
    for (const reason of ['invalid', 'unauthenticated', 'forbidden', 'too_large', 'other'] as const) this.batchesRefused.inc({ reason }, 0);
    for (const step of ['daily', 'monthly'] as const) this.rollupRowsMoved.inc({ step }, 0);
    for (const outcome of ['done', 'skipped', 'failed'] as const) this.rollupPasses.inc({ outcome }, 0);
    for (const kind of ['read', 'export'] as const) this.replicaFallbacks.inc({ kind }, 0);
    this.rollupLastSuccess.set(0);
    this.rollupLeaseHeld.set(0);
    this.foldRows.inc(0);
    this.foldLeaseHeld.set(0);
  }

  /** One finished HTTP request; an ingestion request answered 4xx also counts as a refused batch. */
  observeRequest(route: string, method: string, status: number, seconds: number, ingestRoute: string): void {
    this.httpDuration.observe({ route, method, status: String(status) }, seconds);
    if (route === ingestRoute && method === 'POST' && status >= 400 && status < 500) {
      this.batchesRefused.inc({ reason: refusalReason(status) });
    }
  }
}

function refusalReason(status: number): IngestRefusal {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 413:
      return 'too_large';
    default:
      return 'other';
  }
}
