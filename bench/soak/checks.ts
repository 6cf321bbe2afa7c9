import type { ServiceStop } from '../../test/support/service-process';
import type { DbCounts } from './database';
import { fmt } from './format';
import { BURST, ROLLUP_AHEAD_DAYS, TENANTS } from './options';
import type { Recorder } from './recorder';
import type { RollupRun } from './rollup';
import type { BurstResult } from './traffic';
import type { IngestLedger } from './workload';

/** The pass/fail checks of the soak: no errors, exactly-once storage, the read API's totals, rollup, export guard, shutdown, log. */

export interface Check {
  check: string;
  value: string;
  expected: string;
  ok: boolean;
}

export interface Outcome {
  rec: Recorder;
  ledger: IngestLedger;
  /** user_action per tenant, read from the database after the traffic. */
  counts: DbCounts[];
  /** Totals per tenant through the read API (NaN for a failed call). */
  api: { userActions: Record<number, number>; aggregated: Record<number, number> };
  rollup?: RollupRun;
  burst?: BurstResult;
  aliveAtEnd: boolean;
  stop: ServiceStop;
  errLines: { count: number; sample: string[] };
}

export const sumOverTenants = (o: Record<number, number>) => TENANTS.reduce((a, t) => a + (o[t] ?? 0), 0);

export function soakChecks({ rec, ledger, counts, api, rollup, burst, aliveAtEnd, stop, errLines }: Outcome): Check[] {
  const checks: Check[] = [];
  const accepted = ledger.accepted;
  const ingestTally = ledger.tally;
  const acceptedTotal = sumOverTenants(accepted);
  const dbByTenant = Object.fromEntries(counts.map((c) => [c.tenant, c]));
  const dbEvents = counts.reduce((a, c) => a + c.events, 0);
  const dbRows = counts.reduce((a, c) => a + c.rows, 0);
  const dbRealtime = counts.reduce((a, c) => a + c.realtime, 0);
  const dbDistinct = counts.reduce((a, c) => a + c.distinctEventIds, 0);
  const perTenantMismatch = TENANTS.filter((t) => (dbByTenant[t]?.events ?? 0) !== accepted[t]);
  const rolledAway = rollup?.summary?.rowsDeleted ?? 0;
  checks.push({ check: '5xx answers', value: fmt(rec.fiveXX), expected: '0', ok: rec.fiveXX === 0 });
  checks.push({ check: 'network errors, timeouts, aborted responses', value: fmt(rec.networkErrors), expected: '0', ok: rec.networkErrors === 0 });
  checks.push({ check: 'unexpected statuses or bodies (incl. ingestion answers)', value: fmt(rec.unexpected), expected: '0', ok: rec.unexpected === 0 });
  checks.push({
    check: 'ingestion during traffic: new batches accepted in full, re-sent batches all duplicates',
    value: `${fmt(ingestTally.newBatches)} new batches (${fmt(ingestTally.newEvents)} events), ${fmt(ingestTally.resentBatches)} re-sent (${fmt(ingestTally.resentEvents)} duplicates)`,
    expected: 're-sent ≈ 10 %',
    ok: ingestTally.resentBatches > 0 && ingestTally.newBatches > 0,
  });
  checks.push({
    check: 'exactly once: SUM(count) in user_action = events accepted (every tenant)',
    value: `${fmt(dbEvents)} stored / ${fmt(acceptedTotal)} accepted${perTenantMismatch.length ? `; tenants differing: ${perTenantMismatch.join(', ')}` : ''}`,
    expected: 'equal',
    ok: dbEvents === acceptedTotal && perTenantMismatch.length === 0,
  });
  checks.push({
    check: 'exactly once: real-time rows (COUNT(*), distinct eventIds) = accepted − rows the rollup merged',
    value: `${fmt(dbRealtime)} rows, ${fmt(dbDistinct)} eventIds / ${fmt(acceptedTotal - rolledAway)} (${fmt(dbRows)} rows in all)`,
    expected: 'equal',
    ok: dbRealtime === acceptedTotal - rolledAway && dbDistinct === dbRealtime,
  });
  const apiUaTotal = sumOverTenants(api.userActions);
  const apiAggTotal = sumOverTenants(api.aggregated);
  checks.push({
    check: 'read API: useractions (all time) total = accepted (every tenant)',
    value: `${fmt(apiUaTotal)} / ${fmt(acceptedTotal)}`,
    expected: 'equal',
    ok: aliveAtEnd && TENANTS.every((t) => api.userActions[t] === accepted[t]),
  });
  checks.push({
    check: 'read API: userActionsAggregated (last 60 days) total = accepted (every tenant)',
    value: `${fmt(apiAggTotal)} / ${fmt(acceptedTotal)}`,
    expected: 'equal',
    ok: aliveAtEnd && TENANTS.every((t) => api.aggregated[t] === accepted[t]),
  });
  checks.push({
    check: `rollup pass in the middle (CLI, --as-of now + ${ROLLUP_AHEAD_DAYS} days)`,
    value: rollup
      ? rollup.summary
        ? `exit ${rollup.code}, ${rollup.seconds.toFixed(1)} s: ${fmt(rollup.summary.rowsRead)} rows read → ${fmt(rollup.summary.rowsWritten)} written, ${fmt(rollup.summary.periods)} periods${rollup.summary.skipped ? `, SKIPPED: ${rollup.summary.skipped}` : ''}`
        : `exit ${rollup.code}: ${rollup.output.replace(/\s+/g, ' ').slice(0, 200)}`
      : 'did not run',
    expected: 'exit 0, rows read > 0',
    ok: !!rollup && rollup.code === 0 && (rollup.summary?.rowsRead ?? 0) > 0 && !rollup.summary?.skipped,
  });
  const burst429 = burst?.statuses['429'] ?? 0;
  checks.push({
    check: `export guard: ${BURST} concurrent CSV exports of tenant 1`,
    value: burst
      ? `${Object.entries(burst.statuses)
          .map(([k, v]) => `${v} × ${k}`)
          .join(', ')}${burst.retryAfter.length ? ` (Retry-After ${[...new Set(burst.retryAfter)].join('/')} s)` : ''}`
      : 'did not run',
    expected: '≥ 1 × 429 with Retry-After',
    ok: burst429 >= 1,
  });
  checks.push({
    check: 'service alive to the end, then stops on SIGTERM',
    value: !aliveAtEnd ? `died during the soak (code ${stop.code}, signal ${stop.signal})` : stop.killed ? 'still running after 15 s: SIGKILL' : `exit ${stop.signal ?? `code ${stop.code}`} after ${stop.seconds.toFixed(1)} s`,
    expected: 'exit 0 or SIGTERM within 15 s',
    ok: aliveAtEnd && !stop.killed && (stop.code === 0 || stop.signal === 'SIGTERM'),
  });
  checks.push({ check: 'error-level lines in the service log', value: fmt(errLines.count), expected: '0', ok: errLines.count === 0 });
  return checks;
}
