import { Database } from '../../src/database/database.service';
import { RollupService } from '../../src/rollup/rollup.service';
import { mulberry32 } from '../../src/common/prng';
import { EventSpec, getJson, ingest } from '../support/fixtures';
import { TestApp } from '../support/test-app';

/**
 * `configurations`' meta.total is counted without reading the range's rows: whole local days from
 * the summaries (real-time rows), the rolled-up rows of those days on their index, a partial edge
 * day raw — or as its whole day less the rest of it when that rest is shorter. Whatever the range,
 * the filters and the levels, it must equal a plain COUNT(*) over user_action.
 */

const ZONE = 'Europe/Vienna';
const NOW = new Date('2026-04-20T12:00:00.000Z');
const DAY_MS = 86_400_000;
const CONFIGURATION_ACTIONS = [1, 2, 4, 302];
const LABELS = ['sofa', 'chair', null];

describe('configurations: meta.total equals COUNT(*) over user_action', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false', STATISTICS_TIME_ZONE: ZONE, ROLLUP_MONTHLY_AFTER_DAYS: '40' } });
    await t.reset();
    // 75 days of events (over the DST change of 29 March), including 0:xx and 23:xx local times;
    // ingested with the clock of their time (ingestion takes nothing older than 30 days), then
    // rolled as of NOW: days older than 30 days become daily rows, March's and older months
    // monthly ones — so ranges hold real-time, daily and monthly rows.
    const next = mulberry32(11);
    const rng = { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
    const events: EventSpec[] = [];
    for (let i = 0; i < 900; i++) {
      const created = new Date(NOW.getTime() - 75 * DAY_MS + Math.floor(rng.next() * 75 * DAY_MS));
      events.push({
        module: 3,
        action: [...CONFIGURATION_ACTIONS, 3][rng.int(0, CONFIGURATION_ACTIONS.length)],
        created: created.toISOString(),
        actionLabel: LABELS[rng.int(0, LABELS.length - 1)] ?? undefined,
        actionId: `conf-${rng.int(0, 40)}`,
        country: rng.next() < 0.5 ? 'AT' : 'DE',
      });
    }
    events.sort((a, b) => a.created.localeCompare(b.created));
    for (let start = NOW.getTime() - 75 * DAY_MS; start < NOW.getTime(); start += 20 * DAY_MS) {
      t.clock.set(new Date(Math.min(NOW.getTime(), start + 20 * DAY_MS)));
      const batch = events.filter((e) => Date.parse(e.created) >= start && Date.parse(e.created) < start + 20 * DAY_MS);
      if (batch.length) await ingest(t, 1, batch);
    }
    // Tenant 2 has rows everywhere: they must not change tenant 1's totals.
    await ingest(t, 2, events.slice(-50));
    t.clock.set(NOW);
    await t.app.get(RollupService).run({ asOf: NOW });
  });
  afterAll(() => t?.close());

  /** The plain count: rows of the catalog's configuration actions in [from, to). */
  async function naive(from: string, to: string, configuratorId?: string, actions?: number[]): Promise<number> {
    const db = t.app.get(Database);
    const params: unknown[] = [db.sql.instant(new Date(from)), db.sql.instant(new Date(to))];
    let sql = `SELECT COUNT(*) AS n FROM user_action ua JOIN catalog_action ca ON ca.module = ua.module AND ca.action = ua.action AND ca.configuration_action = 1
      WHERE ua.tenant = 1 AND ua.created >= ? AND ua.created < ?`;
    if (configuratorId !== undefined) {
      sql += ' AND ua.action_label = ?';
      params.push(configuratorId);
    }
    if (actions) {
      sql += ` AND ua.action IN (${actions.map(() => '?').join(', ')})`;
      params.push(...actions);
    }
    const [{ n }] = await t.dataSource.query(sql, params);
    return Number(n);
  }

  it('holds rows of every level, so each part of the count is exercised', async () => {
    const levels: Array<{ level: number; n: number }> = await t.dataSource.query(
      'SELECT aggregation_level AS level, COUNT(*) AS n FROM user_action WHERE tenant = 1 GROUP BY aggregation_level ORDER BY aggregation_level',
    );
    expect(levels.map((l) => Number(l.level))).toEqual([0, 1, 2]);
  });

  const ranges: Array<[string, string, string]> = [
    ['the default range', '', ''],
    ['local midnight to local midnight', '2026-03-09T23:00:00.000Z', '2026-04-14T22:00:00.000Z'],
    ['a short leading edge, a long trailing one (rest of its day shorter: day less rest)', '2026-03-05T20:00:00.000Z', '2026-04-12T19:00:00.000Z'],
    ['a long leading edge, a short trailing one', '2026-03-05T01:00:00.000Z', '2026-04-12T03:00:00.000Z'],
    ['over the 23-hour day', '2026-03-28T10:30:00.000Z', '2026-03-30T08:15:00.000Z'],
    ['within one local day', '2026-04-02T05:00:00.000Z', '2026-04-02T17:00:00.000Z'],
    ['across one midnight, under a day', '2026-04-03T18:00:00.000Z', '2026-04-04T06:00:00.000Z'],
    ['monthly rows only', '2026-01-31T23:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['daily and monthly rows, ending in the real-time days', '2026-02-10T07:07:07.007Z', '2026-04-19T23:59:59.999Z'],
    ['a day starting exactly at its local midnight, ending mid-day', '2026-04-10T22:00:00.000Z', '2026-04-11T09:00:00.000Z'],
    ['the last hour of a day (rest of the day longer)', '2026-04-15T21:00:00.000Z', '2026-04-15T22:00:00.000Z'],
  ];

  it.each(ranges)('%s', async (_what, from, to) => {
    const at = from ? `from=${from}&to=${to}` : '';
    const range = from ? [from, to] : [new Date(NOW.getTime() - 30 * DAY_MS).toISOString(), NOW.toISOString()];
    const cases: Array<[string, string | undefined, number[] | undefined]> = [
      ['', undefined, undefined],
      ['configuratorId=sofa', 'sofa', undefined],
      ['actions[]=2&actions[]=302', undefined, [2, 302]],
      ['configuratorId=chair&actions[]=1', 'chair', [1]],
    ];
    const got: number[] = [];
    const want: number[] = [];
    for (const [q, configuratorId, actions] of cases) {
      const qs = [at, q, 'limit=3'].filter(Boolean).join('&');
      const res = await getJson(t, 1, 'configurations', qs).expect(200);
      got.push(res.body.meta.total);
      want.push(await naive(range[0], range[1], configuratorId, actions));
    }
    expect(got).toEqual(want);
    // Some of them hold rows (so the comparison is not 0 = 0 everywhere).
    if (!/within one|last hour|across one/.test(_what)) expect(want[0]).toBeGreaterThan(0);
  });
});
