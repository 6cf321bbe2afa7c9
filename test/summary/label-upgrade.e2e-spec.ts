import { FoldService } from '../../src/summary/fold.service';
import { SummaryService } from '../../src/summary/summary.service';
import { EventSpec, getJson, ingest } from '../support/fixtures';
import { expectSummariesConsistent } from '../support/summary-check';
import { TestApp } from '../support/test-app';

/**
 * Upgrade onto existing data (migration 1764700000000-LabelSummaries): the migration creates the
 * configurator summaries empty and forgets the zone, so the next start (SummaryService.ensureZone)
 * rebuilds every summary table from `user_action`, the new ones included.
 */

const ZONE = 'Europe/Vienna';
const NOW = new Date('2026-03-20T12:00:00.000Z');
const EVENTS: EventSpec[] = [
  { module: 3, action: 1, created: '2026-03-01T22:30:00.000Z', country: 'AT', device: 'desktop', actionLabel: 'sofa' },
  { module: 3, action: 1, created: '2026-03-05T10:00:00.000Z', country: 'AT', device: 'mobile', actionLabel: 'sofa' },
  { module: 3, action: 1, created: '2026-03-06T10:00:00.000Z', country: 'DE', device: 'desktop', actionLabel: 'kitchen' },
  { module: 3, action: 2, created: '2026-03-07T10:00:00.000Z' },
  { module: 4, action: 1, created: '2026-03-10T23:15:00.000Z', country: 'DE', actionLabel: 'kitchen' },
];
const RANGE = 'from=2026-03-01T23:00:00.000Z&to=2026-03-19T23:00:00.000Z&aggregations[]=actionLabel&aggregations[]=country';

describe('configurator summaries on upgrade', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No folder in the background: on an upgrade the migration runs before the service folds, and
    // a fold landing between this spec's migration and its checks would fill the new tables.
    t = await TestApp.create({ now: NOW, env: { STATISTICS_TIME_ZONE: ZONE, ROLLUP_ENABLED: 'false', FOLD_ENABLED: 'false' } });
    await t.reset();
    await ingest(t, 1, EVENTS);
    // The pending rows folded, as the old version's service left them when it stopped.
    expect(await t.app.get(FoldService).drain()).toBeGreaterThan(0);
  });
  afterAll(() => t?.close());

  it('the migration leaves them empty and the zone unrecorded; the next start builds them from user_action', async () => {
    const before = (await getJson(t, 1, 'userActionsAggregated', RANGE).expect(200)).body.userActions;
    expect(before.reduce((s: number, e: { count: number }) => s + e.count, 0)).toBe(4);
    // The database as it was before the migration: without the configurator tables.
    // Its own down and up, run directly: the later LabelIndex migration stays in place (undoing it
    // would ALTER user_action, which this spec's ingestion and reads have just used).
    const migration = t.dataSource.migrations.find((m) => m.name === 'LabelSummaries1764700000000');
    expect(migration).toBeDefined();
    const runner = t.dataSource.createQueryRunner();
    try {
      await migration!.down(runner);
      await migration!.up(runner);
    } finally {
      await runner.release();
    }
    expect(await t.dataSource.query('SELECT * FROM stat_day_label')).toEqual([]);
    expect(await t.dataSource.query('SELECT * FROM stat_day_lcd')).toEqual([]);
    expect(await t.dataSource.query("SELECT value FROM summary_meta WHERE name = 'time_zone'")).toEqual([]);

    expect(await t.app.get(SummaryService).ensureZone(ZONE)).toBe('built');
    await expectSummariesConsistent(t);
    expect(Number((await t.dataSource.query('SELECT SUM(count) AS n FROM stat_day_label'))[0].n)).toBe(EVENTS.length);
    expect((await getJson(t, 1, 'userActionsAggregated', RANGE).expect(200)).body.userActions).toEqual(before);
    expect(await t.app.get(SummaryService).ensureZone(ZONE)).toBe('ok');
  });
});
