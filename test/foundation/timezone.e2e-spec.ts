import { toInstant } from '../../src/database/values';
import { TestApp } from '../support/test-app';

/**
 * Stored instants are the same whatever the host's zone. `npm test` runs this suite once more
 * with TZ=America/New_York; the expectations below are constants, so any dependence on the
 * host zone (a local-time conversion in the driver, the ORM or the service) fails here.
 */
describe('stored instants do not depend on the host time zone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: new Date('2026-11-01T12:00:00.000Z') });
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  const cases = [
    // [sent, the UTC instant, how the database holds it]
    ['2026-11-01T11:00:00.123+01:00', '2026-11-01T10:00:00.123Z', '2026-11-01 10:00:00.123'],
    // 01:30 in New York happens twice on 1 November 2026: once in EDT, once in EST.
    ['2026-11-01T01:30:00.000-04:00', '2026-11-01T05:30:00.000Z', '2026-11-01 05:30:00.000'],
    ['2026-11-01T01:30:00.000-05:00', '2026-11-01T06:30:00.000Z', '2026-11-01 06:30:00.000'],
    // 02:30 on 8 March 2026 never happened in New York (clocks jumped from 02:00 to 03:00).
    ['2026-03-08T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-08 07:30:00.000'],
    // Midnight UTC: a host in a negative zone would see the previous day.
    ['2026-10-15T00:00:00.000Z', '2026-10-15T00:00:00.000Z', '2026-10-15 00:00:00.000'],
    ['2026-10-31T23:59:59.999Z', '2026-10-31T23:59:59.999Z', '2026-10-31 23:59:59.999'],
  ] as const;

  it('stores each instant as UTC text in the database and reads it back unchanged', async () => {
    t.clock.set(new Date('2026-11-01T12:00:00.000Z'));
    // Everything but the March case lies within the 30 days before now.
    const inWindow = cases.filter(([, utc]) => !utc.startsWith('2026-03'));
    expect(inWindow).toHaveLength(5);
    const res = await t.http
      .post('/v2/statistics/tenants/1/useractions')
      .set(t.auth([1], { ingest: true }))
      .send({ userActions: inWindow.map(([created], i) => ({ eventId: `tz-${i}`, module: 3, action: 1, created })) });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: inWindow.length, duplicates: 0 });

    const rows = await t.dataSource.query(
      'SELECT event_id AS e, created, CAST(created AS CHAR) AS text FROM user_action ORDER BY created',
    );
    const expected = inWindow
      .map(([, utc, text], i) => ({ e: `tz-${i}`, utc, text }))
      .sort((a, b) => a.utc.localeCompare(b.utc));
    expect(rows.map((r: { e: string; created: unknown; text: string }) => ({ e: r.e, utc: toInstant(r.created).toISOString(), text: r.text }))).toEqual(
      expected,
    );
  });

  it('stores the instant of the night New York skipped', async () => {
    t.clock.set(new Date('2026-03-10T12:00:00.000Z'));
    const [sent, utc, text] = cases[3];
    await t.http
      .post('/v2/statistics/tenants/1/useractions')
      .set(t.auth([1], { ingest: true }))
      .send({ userAction: { eventId: 'spring', module: 3, action: 1, created: sent } })
      .expect(202, { accepted: 1, duplicates: 0 });
    const [row] = await t.dataSource.query('SELECT created, CAST(created AS CHAR) AS text FROM user_action');
    expect(toInstant(row.created).toISOString()).toBe(utc);
    expect(row.text).toBe(text);
  });

  it('compares stored instants as instants: the two 01:30s are an hour apart and ordered', async () => {
    t.clock.set(new Date('2026-11-01T12:00:00.000Z'));
    await t.http
      .post('/v2/statistics/tenants/1/useractions')
      .set(t.auth([1], { ingest: true }))
      .send({
        userActions: [
          { eventId: 'est', module: 3, action: 1, created: '2026-11-01T01:30:00.000-05:00' },
          { eventId: 'edt', module: 3, action: 1, created: '2026-11-01T01:30:00.000-04:00' },
        ],
      })
      .expect(202, { accepted: 2, duplicates: 0 });
    const rows = await t.dataSource.query('SELECT event_id AS e, created FROM user_action ORDER BY created');
    expect(rows.map((r: { e: string }) => r.e)).toEqual(['edt', 'est']);
    expect(toInstant(rows[1].created).getTime() - toInstant(rows[0].created).getTime()).toBe(3_600_000);
  });
});
