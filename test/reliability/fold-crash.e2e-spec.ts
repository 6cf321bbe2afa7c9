import { request } from 'node:http';
import { FOLD_STEPS, FoldStep } from '../../src/summary/fold.service';
import { toInt } from '../../src/database/values';
import { bearer } from '../support/client-core';
import { API, DAY_MS, FixtureEvent } from '../support/fixtures';
import { randomFixture } from '../support/rollup-fixtures';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { expectSummariesConsistent } from '../support/summary-check';
import { TEST_DIALECT, TestApp } from '../support/test-app';

/**
 * The fold killed with SIGKILL at each step of its transaction (issue 24, invariant 2): the
 * compiled service runs as a child process with FOLD_TEST_PAUSE_AT=<step>; a batch is ingested
 * (202), the service's folder wakes, claims the pending rows and stops at the step, saying so on
 * stderr — the test waits for that line (no sleeps) and kills the process. Then: every pending
 * row is still pending (the fold's transaction rolled back), summaries + pending = user_action,
 * the answers count each accepted event once; a restarted service folds everything, and the
 * answers are the same.
 */

const ZONE = 'Europe/Vienna';
const TENANT = 61;
const T0 = Date.now();

const batch = (step: string): FixtureEvent[] =>
  randomFixture({ seed: 6100 + step.length, tenants: [{ tenant: TENANT, weight: 1 }], from: new Date(T0 - 20 * DAY_MS), to: new Date(T0 - 60_000), count: 400, idPrefix: `fold-${step}` });

/** One request on the service's own agent (no keep-alive: nothing holds its shutdown up). */
function call(svc: ServiceProcess, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port: svc.port, path: `${API}${path}`, method, agent: svc.agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function post(svc: ServiceProcess, events: FixtureEvent[]) {
  return call(svc, 'POST', `/tenants/${TENANT}/useractions`, bearer(svc.config, [TENANT], { ingest: true }), { userActions: events.map(({ tenant: _t, ...e }) => e) });
}

async function total(svc: ServiceProcess): Promise<number> {
  const res = await call(svc, 'GET', `/tenants/${TENANT}/useractions`, bearer(svc.config, [TENANT]));
  expect(res.status).toBe(200);
  return (res.body.userActions as Array<{ count: number }>).reduce((s, e) => s + e.count, 0);
}

/** Resolves when the service's stderr says it paused at `step`. */
async function pausedAt(svc: ServiceProcess, step: FoldStep): Promise<void> {
  const line = `fold paused at ${step}`;
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (svc.stderr().includes(line)) {
        svc.child.stderr!.off('data', check);
        resolve();
      }
    };
    svc.child.stderr!.on('data', check);
    svc.child.once('close', () => reject(new Error(`the service exited before "${line}": ${svc.stderr().slice(-2000)}`)));
    check();
  });
}

describe(`the fold killed with SIGKILL at each step (compiled service, ${TEST_DIALECT})`, () => {
  let t: TestApp;
  let accepted = 0;

  beforeAll(async () => {
    // The test's own app only reads the tables (its folder is off).
    t = await TestApp.create({ env: { STATISTICS_TIME_ZONE: ZONE, FOLD_ENABLED: 'false' } });
  });
  afterAll(async () => {
    stopAllServices();
    await t?.close();
  });

  const pending = async () => toInt((await t.dataSource.query('SELECT COUNT(*) AS n FROM summary_pending'))[0].n);

  it.each(FOLD_STEPS.map((s) => [s]))('killed at "%s": nothing moved, nothing lost; the next fold moves it all', async (step) => {
    const svc = await ServiceProcess.start({ database: t.config.database, env: { STATISTICS_TIME_ZONE: ZONE, FOLD_TEST_PAUSE_AT: step, FOLD_BATCH_ROWS: '50000' } });
    const events = batch(step);
    const paused = pausedAt(svc, step);
    const res = await post(svc, events);
    expect(res).toEqual({ status: 202, body: { accepted: events.length, duplicates: 0 } });
    accepted += events.length;
    await paused;
    const waiting = await pending();
    expect(waiting).toBeGreaterThan(0);
    svc.kill('SIGKILL');
    expect(await svc.waitExit()).toEqual({ code: null, signal: 'SIGKILL' });

    // The fold's transaction is gone: the same rows still pending, the tables as they were.
    expect(await pending()).toBe(waiting);
    await expectSummariesConsistent(t);

    // A restarted service answers exactly, and folds everything (woken by its timer at start).
    const next = await ServiceProcess.start({ database: t.config.database, env: { STATISTICS_TIME_ZONE: ZONE, FOLD_INTERVAL_MS: '50' } });
    try {
      expect(await total(next)).toBe(accepted);
      // Drained: synchronised on the table, bounded by the test's timeout.
      while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 50));
      expect(await total(next)).toBe(accepted);
    } finally {
      await next.stop();
    }
    await expectSummariesConsistent(t, { folded: true });
  }, 180_000);
});
