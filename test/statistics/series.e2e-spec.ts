import { readPath } from '../support/client-core';
import { csvText, EventSpec, expectError, getCsv, getJson, ingest, parseCsv } from '../support/fixtures';
import { TestApp } from '../support/test-app';

/**
 * GET tenants/:id/userActionsSeries — counts per local bucket of STATISTICS_TIME_ZONE (here
 * Europe/Vienna: CET, +1 h, until 29 March 2026), spec §4.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
/** The start of a local day of March 2026 in Vienna (CET). */
const day = (d: number) => new Date(Date.UTC(2026, 2, d) - 3_600_000).toISOString();

const FIXTURE: EventSpec[] = [
  { module: 3, action: 1, created: '2026-02-24T10:00:00.000Z', country: 'AT', actionLabel: 'sofa', actionId: 'conf:1' }, // A: Tue 24 Feb
  { module: 3, action: 1, created: '2026-03-02T08:00:00.000Z', country: 'AT', actionLabel: 'sofa', actionId: 'conf:1' }, // B: Mon 2 Mar
  { module: 3, action: 1, created: '2026-03-02T22:30:00.000Z', country: 'AT', actionLabel: 'sofa', actionId: 'conf:2' }, // C: 2 Mar 23:30 local
  { module: 3, action: 1, created: '2026-03-02T23:30:00.000Z', country: 'DE', actionLabel: 'shelf', actionId: 'conf:1' }, // D: 3 Mar 00:30 local
  { module: 3, action: 2, created: '2026-03-04T10:00:00.000Z', country: 'AT', actionLabel: 'sofa', actionId: 'conf:1' }, // E: Wed 4 Mar
  { module: 3, action: 1, created: '2026-03-09T10:00:00.000Z' }, // F: Mon 9 Mar, nothing known
  { module: 4, action: 1, created: '2026-03-10T10:00:00.000Z', country: 'DE' }, // G: Tue 10 Mar
  { module: 3, action: 1, created: '2026-03-19T09:30:00.000Z', country: 'AT', actionLabel: 'sofa' }, // H: 19 Mar 10:30 local
  { module: 3, action: 1, created: '2026-03-19T10:59:59.999Z', country: 'AT', actionLabel: 'sofa' }, // I: 11:59 local
  { module: 3, action: 1, created: '2026-03-19T11:00:00.000Z', country: 'DE', actionLabel: 'shelf' }, // J: 12:00 local
];

const bucket = (start: string, label: string, partial = false) => ({ start, label, partial });
const s = (module: number, action: number, counts: number[], extra: Record<string, unknown> = {}) => ({
  module,
  action,
  tenant: 1,
  ...extra,
  total: counts.reduce((a, b) => a + b, 0),
  counts,
});

describe('GET tenants/:id/userActionsSeries', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false', STATISTICS_TIME_ZONE: 'Europe/Vienna' } });
    await t.reset();
    await ingest(t, 1, FIXTURE);
    await ingest(t, 2, [{ module: 3, action: 1, created: '2026-03-02T08:00:00.000Z' }]);
  });
  afterAll(() => t?.close());

  const series = async (query: string) => (await getJson(t, 1, 'userActionsSeries', query).expect(200)).body;

  describe('buckets', () => {
    it('days: every local day of the range, zero-filled, with start, label and partial', async () => {
      const body = await series(`from=${day(2)}&to=${day(6)}`);
      expect(body).toEqual({
        series: [s(3, 1, [2, 1, 0, 0]), s(3, 2, [0, 0, 1, 0])],
        meta: {
          interval: 'day',
          timeZone: 'Europe/Vienna',
          weekStart: 'monday',
          from: day(2),
          to: day(6),
          buckets: [bucket(day(2), '2026-03-02'), bucket(day(3), '2026-03-03'), bucket(day(4), '2026-03-04'), bucket(day(5), '2026-03-05')],
          total: 2,
          serverTime: NOW.toISOString(),
        },
      });
    });

    it('ISO weeks (Monday), labelled 2026-W10', async () => {
      const body = await series(`from=${day(2)}&to=${day(16)}&interval=week`);
      expect(body.series).toEqual([s(3, 1, [3, 1]), s(3, 2, [1, 0]), s(4, 1, [0, 1])]);
      expect(body.meta.buckets).toEqual([bucket(day(2), '2026-W10'), bucket(day(9), '2026-W11')]);
    });

    it('weekStart=sunday: weeks from Sunday, labelled with the Sunday', async () => {
      const body = await series(`from=${day(1)}&to=${day(15)}&interval=week&weekStart=sunday`);
      expect(body.series).toEqual([s(3, 1, [3, 1]), s(3, 2, [1, 0]), s(4, 1, [0, 1])]);
      expect(body.meta).toMatchObject({ weekStart: 'sunday', buckets: [bucket(day(1), '2026-03-01'), bucket(day(8), '2026-03-08')] });
    });

    it('months: local months; the running one is partial', async () => {
      const body = await series(`from=2026-01-31T23:00:00.000Z&to=2026-03-31T22:00:00.000Z&interval=month`);
      expect(body.series).toEqual([s(3, 1, [1, 7]), s(3, 2, [0, 1]), s(4, 1, [0, 1])]);
      expect(body.meta.buckets).toEqual([bucket('2026-01-31T23:00:00.000Z', '2026-02'), bucket(day(1), '2026-03', true)]);
    });

    it('hours: local hours, an event at the last millisecond of one and the first of the next', async () => {
      const body = await series('from=2026-03-19T09:00:00.000Z&to=2026-03-19T12:00:00.000Z&interval=hour&aggregations[]=country');
      expect(body.series).toEqual([s(3, 1, [1, 1, 0], { country: 'AT' }), s(3, 1, [0, 0, 1], { country: 'DE' })]);
      expect(body.meta.buckets).toEqual([
        bucket('2026-03-19T09:00:00.000Z', '2026-03-19T10'),
        bucket('2026-03-19T10:00:00.000Z', '2026-03-19T11'),
        bucket('2026-03-19T11:00:00.000Z', '2026-03-19T12'),
      ]);
    });

    it('hour buckets still to come are partial and zero', async () => {
      const body = await series('from=2026-03-20T11:00:00.000Z&to=2026-03-20T14:00:00.000Z&interval=hour');
      expect(body.series).toEqual([]);
      expect(body.meta.buckets.map((b: { partial: boolean }) => b.partial)).toEqual([false, true, true]);
    });

    it('a range cutting its first and last day: both partial, counting only their part inside the range', async () => {
      const body = await series('from=2026-03-02T12:00:00.000Z&to=2026-03-03T12:00:00.000Z');
      expect(body.series).toEqual([s(3, 1, [1, 1])]);
      expect(body.meta.buckets).toEqual([bucket(day(2), '2026-03-02', true), bucket(day(3), '2026-03-03', true)]);
    });

    it('an empty range has no bucket and no series', async () => {
      const body = await series(`from=${day(2)}&to=${day(2)}`);
      expect(body.series).toEqual([]);
      expect(body.meta.buckets).toEqual([]);
    });

    it('without from/to: the current calendar month, by day', async () => {
      const body = await series('');
      expect(body.meta).toMatchObject({ interval: 'day', from: day(1), to: '2026-03-31T22:00:00.000Z' });
      expect(body.meta.buckets).toHaveLength(31);
      expect(body.meta.buckets[29]).toEqual(bucket('2026-03-29T22:00:00.000Z', '2026-03-30', true)); // after the change to CEST
      expect(body.series).toEqual([
        s(3, 1, [0, 2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, ...new Array(12).fill(0)]),
        s(3, 2, [0, 0, 0, 1, ...new Array(27).fill(0)]),
        s(4, 1, [...new Array(9).fill(0), 1, ...new Array(21).fill(0)]),
      ]);
    });
  });

  describe('filters and aggregations', () => {
    it('aggregations[] add group columns, in request order', async () => {
      const body = await series(`from=${day(2)}&to=${day(6)}&aggregations[]=country&aggregations[]=actionLabel`);
      expect(body.series).toEqual([
        s(3, 1, [2, 0, 0, 0], { country: 'AT', actionLabel: 'sofa' }),
        s(3, 1, [0, 1, 0, 0], { country: 'DE', actionLabel: 'shelf' }),
        s(3, 2, [0, 0, 1, 0], { country: 'AT', actionLabel: 'sofa' }),
      ]);
    });

    it('aggregations[]=device: null when unknown', async () => {
      const body = await series(`from=${day(9)}&to=${day(11)}&aggregations[]=device`);
      expect(body.series).toEqual([s(3, 1, [1, 0], { device: null }), s(4, 1, [0, 1], { device: null })]);
    });

    it('aggregations[]=actionId (the item), by day and by week', async () => {
      const body = await series(`from=${day(2)}&to=${day(6)}&aggregations[]=actionId`);
      expect(body.series).toEqual([s(3, 1, [1, 1, 0, 0], { actionId: 'conf:1' }), s(3, 1, [1, 0, 0, 0], { actionId: 'conf:2' }), s(3, 2, [0, 0, 1, 0], { actionId: 'conf:1' })]);
      const weeks = await series(`from=${day(2)}&to=${day(16)}&interval=week&aggregations[]=actionId`);
      expect(weeks.series).toEqual([
        s(3, 1, [0, 1], { actionId: null }),
        s(3, 1, [2, 0], { actionId: 'conf:1' }),
        s(3, 1, [1, 0], { actionId: 'conf:2' }),
        s(3, 2, [1, 0], { actionId: 'conf:1' }),
        s(4, 1, [0, 1], { actionId: null }),
      ]);
    });

    it('module and actions[] narrow the series', async () => {
      expect((await series(`from=${day(2)}&to=${day(6)}&module=3&actions[]=2`)).series).toEqual([s(3, 2, [0, 0, 1, 0])]);
      expect((await series(`from=${day(2)}&to=${day(16)}&interval=week&module=4`)).series).toEqual([s(4, 1, [0, 1])]);
    });

    it('keeps tenants apart', async () => {
      const res = await t.http.get(readPath(2, 'userActionsSeries', `from=${day(2)}&to=${day(3)}`)).set(t.auth([2])).expect(200);
      expect(res.body.series).toEqual([{ ...s(3, 1, [1]), tenant: 2 }]);
    });
  });

  describe('top N', () => {
    const MARCH_WEEKS = `from=${day(1)}&to=2026-03-31T22:00:00.000Z&interval=week&aggregations[]=country`;

    it('limit with orderBy=count: the series with the largest totals over the range, other=true sums the rest per bucket', async () => {
      const body = await series(`${MARCH_WEEKS}&orderBy=count&limit=1&other=true`);
      expect(body.series).toEqual([s(3, 1, [0, 2, 0, 2, 0, 0], { country: 'AT' })]);
      expect(body.meta.total).toBe(5);
      expect(body.meta.other).toEqual({ groups: 4, total: 5, counts: [0, 2, 2, 1, 0, 0] });
      expect(body.meta.buckets.map((b: { label: string }) => b.label)).toEqual(['2026-W09', '2026-W10', '2026-W11', '2026-W12', '2026-W13', '2026-W14']);
    });

    it('offset pages through the ranked series; other covers the series before and after the page', async () => {
      const body = await series(`${MARCH_WEEKS}&orderBy=count&limit=2&offset=1&other=true`);
      expect(body.series).toEqual([s(3, 1, [0, 1, 0, 1, 0, 0], { country: 'DE' }), s(3, 1, [0, 0, 1, 0, 0, 0], { country: null })]);
      expect(body.meta.other).toEqual({ groups: 3, total: 6, counts: [0, 3, 1, 2, 0, 0] });
    });

    it('limit without orderBy: the first series in key order', async () => {
      const body = await series(`${MARCH_WEEKS}&limit=2`);
      expect(body.series.map((x: { country: string | null }) => x.country)).toEqual([null, 'AT']);
      expect(body.meta.other).toBeUndefined();
    });
  });

  describe('compare', () => {
    it('previousPeriod: the same number of days before from, with counts, totals and change per series', async () => {
      const body = await series(`from=${day(2)}&to=${day(9)}&compare=previousPeriod`);
      expect(body.series).toEqual([
        { ...s(3, 1, [2, 1, 0, 0, 0, 0, 0]), comparison: { total: 1, counts: [0, 1, 0, 0, 0, 0, 0] }, change: { delta: 2, pct: 200 } },
        { ...s(3, 2, [0, 0, 1, 0, 0, 0, 0]), comparison: { total: 0, counts: [0, 0, 0, 0, 0, 0, 0] }, change: { delta: 1, pct: null } },
      ]);
      expect(body.meta.comparison).toEqual({
        mode: 'previousPeriod',
        from: '2026-02-22T23:00:00.000Z',
        to: day(2),
        buckets: [23, 24, 25, 26, 27, 28].map((d) => bucket(new Date(Date.UTC(2026, 1, d) - 3_600_000).toISOString(), `2026-02-${d}`)).concat([bucket(day(1), '2026-03-01')]),
      });
    });

    it('previousPeriod of a whole month compares with the whole month before; by day the longer side keeps unpartnered buckets', async () => {
      const months = await series(`from=${day(1)}&to=2026-03-31T22:00:00.000Z&interval=month&compare=previousPeriod`);
      expect(months.meta.comparison).toMatchObject({ from: '2026-01-31T23:00:00.000Z', to: day(1), buckets: [bucket('2026-01-31T23:00:00.000Z', '2026-02')] });
      expect(months.series).toEqual([
        { ...s(3, 1, [7]), comparison: { total: 1, counts: [1] }, change: { delta: 6, pct: 600 } },
        { ...s(3, 2, [1]), comparison: { total: 0, counts: [0] }, change: { delta: 1, pct: null } },
        { ...s(4, 1, [1]), comparison: { total: 0, counts: [0] }, change: { delta: 1, pct: null } },
      ]);
      const days = await series(`from=${day(1)}&to=2026-03-31T22:00:00.000Z&compare=previousPeriod`);
      expect(days.meta.buckets).toHaveLength(31);
      expect(days.meta.comparison.buckets).toHaveLength(28);
      expect(days.series[0].comparison.counts).toHaveLength(28);
    });

    it('a group with rows only in the comparison is a series with total 0', async () => {
      const body = await series(`from=${day(2)}&to=${day(3)}&compare=previousPeriod&module=4`);
      expect(body.series).toEqual([]);
      const back = await series(`from=${day(11)}&to=${day(12)}&compare=previousPeriod`);
      expect(back.series).toEqual([{ ...s(4, 1, [0]), comparison: { total: 1, counts: [1] }, change: { delta: -1, pct: -100 } }]);
    });

    it('previousYear: the same local dates a year earlier', async () => {
      const body = await series(`from=${day(1)}&to=2026-03-31T22:00:00.000Z&interval=month&compare=previousYear&module=4`);
      expect(body.meta.comparison).toEqual({ mode: 'previousYear', from: '2025-02-28T23:00:00.000Z', to: '2025-03-31T22:00:00.000Z', buckets: [bucket('2025-02-28T23:00:00.000Z', '2025-03')] });
      expect(body.series).toEqual([{ ...s(4, 1, [1]), comparison: { total: 0, counts: [0] }, change: { delta: 1, pct: null } }]);
    });

    it('with other=true, meta.other carries the comparison of the series left out', async () => {
      const body = await series(`from=${day(2)}&to=${day(9)}&compare=previousPeriod&orderBy=count&limit=1&other=true`);
      expect(body.meta.other).toEqual({ groups: 1, total: 1, counts: [0, 0, 1, 0, 0, 0, 0], comparison: { total: 0, counts: [0, 0, 0, 0, 0, 0, 0] } });
    });
  });

  describe('CSV', () => {
    it('one row per series and bucket, with the comparison bucket beside it', async () => {
      const res = await getCsv(t, 1, 'userActionsSeries', `from=${day(2)}&to=${day(4)}&compare=previousPeriod`).expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="tenant-1-userActionsSeries-day-2026-03-01T230000Z_2026-03-03T230000Z.csv"');
      const { header, records } = parseCsv(csvText(res));
      expect(header).toEqual(['bucketStart', 'bucket', 'module', 'action', 'tenant', 'count', 'comparisonBucketStart', 'comparisonCount']);
      expect(records).toEqual([
        { bucketStart: day(2), bucket: '2026-03-02', module: 3, action: 1, tenant: 1, count: 2, comparisonBucketStart: '2026-02-27T23:00:00.000Z', comparisonCount: 0 },
        { bucketStart: day(3), bucket: '2026-03-03', module: 3, action: 1, tenant: 1, count: 1, comparisonBucketStart: '2026-02-28T23:00:00.000Z', comparisonCount: 0 },
      ]);
    });

    it('aggregations as columns, the series left out as rows with empty module, action and aggregation cells', async () => {
      const res = await getCsv(t, 1, 'userActionsSeries', `from=${day(2)}&to=${day(4)}&aggregations[]=country&orderBy=count&limit=1&other=true`).expect(200);
      const text = csvText(res);
      expect(text.split('\n')[0]).toBe('"bucketStart","bucket","module","action","tenant","country","count"');
      expect(parseCsv(text).records).toEqual([
        { bucketStart: day(2), bucket: '2026-03-02', module: 3, action: 1, tenant: 1, country: 'AT', count: 2 },
        { bucketStart: day(3), bucket: '2026-03-03', module: 3, action: 1, tenant: 1, country: 'AT', count: 0 },
        { bucketStart: day(2), bucket: '2026-03-02', module: '', action: '', tenant: 1, country: '', count: 0 },
        { bucketStart: day(3), bucket: '2026-03-03', module: '', action: '', tenant: 1, country: '', count: 1 },
      ]);
    });

    it('months of unequal length: the longer side’s last rows have empty cells for the other', async () => {
      const res = await getCsv(t, 1, 'userActionsSeries', `from=${day(1)}&to=2026-03-31T22:00:00.000Z&compare=previousPeriod&module=4&format=csv`).expect(200);
      const { records } = parseCsv(csvText(res));
      expect(records).toHaveLength(31);
      expect(records[9]).toMatchObject({ bucket: '2026-03-10', count: 1, comparisonBucketStart: '2026-02-09T23:00:00.000Z', comparisonCount: 0 });
      expect(records[30]).toMatchObject({ bucket: '2026-03-31', count: 0, comparisonBucketStart: '', comparisonCount: '' });
    });
  });

  describe('resolution and size', () => {
    it('hours reach back ROLLUP_DAILY_AFTER_DAYS: an earlier from is a 400 naming interval and the earliest from', async () => {
      const res = await getJson(t, 1, 'userActionsSeries', 'from=2026-02-17T22:59:59.999Z&to=2026-02-18T23:00:00.000Z&interval=hour').expect(400);
      expectError(res, 400, 'interval', '2026-02-17T23:00:00.000Z');
      const ok = await series('from=2026-02-17T23:00:00.000Z&to=2026-02-18T23:00:00.000Z&interval=hour');
      expect(ok.meta.buckets).toHaveLength(24);
    });

    it('days and weeks reach back ROLLUP_MONTHLY_AFTER_DAYS (whole months), also through the comparison', async () => {
      for (const interval of ['day', 'week']) {
        const res = await getJson(t, 1, 'userActionsSeries', `from=2025-08-31T21:59:59.999Z&to=2025-09-02T00:00:00.000Z&interval=${interval}`).expect(400);
        expectError(res, 400, 'interval', '2025-08-31T22:00:00.000Z');
      }
      await getJson(t, 1, 'userActionsSeries', 'from=2025-08-31T22:00:00.000Z&to=2025-09-02T00:00:00.000Z').expect(200);
      const res = await getJson(t, 1, 'userActionsSeries', `from=${day(1)}&to=${day(8)}&compare=previousYear`).expect(400);
      expectError(res, 400, 'interval', '2025-08-31T22:00:00.000Z', 'compare');
      await getJson(t, 1, 'userActionsSeries', `from=${day(1)}&to=${day(8)}&compare=previousYear&interval=month`).expect(200);
    });

    it('months reach back as far as asked', async () => {
      const body = await series('from=2016-01-01T00:00:00.000Z&to=2026-01-01T00:00:00.000Z&interval=month');
      expect(body.meta.buckets).toHaveLength(121);
    });

    it('more than 1000 buckets: 400 naming interval and a coarser one that fits', async () => {
      const hours = await getJson(t, 1, 'userActionsSeries', 'from=2026-03-19T00:00:00.000Z&to=2026-05-01T00:00:00.000Z&interval=hour').expect(400);
      expectError(hours, 400, 'interval', '1000', 'interval=day');
      const months = await getJson(t, 1, 'userActionsSeries', 'from=1900-01-01T00:00:00.000Z&to=2100-01-01T00:00:00.000Z&interval=month').expect(400);
      expectError(months, 400, 'interval', 'range');
      await getJson(t, 1, 'userActionsSeries', 'from=2026-03-19T00:00:00.000Z&to=2026-04-29T16:00:00.000Z&interval=hour').expect(200);
    });
  });

  describe('bad parameters (400 naming them)', () => {
    it.each([
      ['interval=minute', 'interval'],
      ['interval=', 'interval'],
      ['weekStart=tuesday', 'weekStart'],
      ['compare=lastWeek', 'compare'],
      ['from=2026-03-01', 'from'],
      ['to=2026-03-40T00:00:00Z', 'to'],
      [`from=${day(5)}&to=${day(2)}`, 'from'],
      ['actions[]=1', 'actions'],
      ['module=x', 'module'],
      ['aggregations[]=city', 'aggregations'],
      ['aggregations[]=country&aggregations[]=country', 'aggregations'],
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['offset=2', 'offset'],
      ['other=true', 'other'],
      ['orderBy=total', 'orderBy'],
      ['format=xml', 'format'],
      ['bucket=day', 'bucket'],
    ])('%s', async (query, name) => {
      expectError(await getJson(t, 1, 'userActionsSeries', query), 400, name);
    });
  });

  describe('rights', () => {
    it('401 without a token, 403 for another tenant', async () => {
      expectError(await t.http.get(readPath(1, 'userActionsSeries')), 401);
      expectError(await t.http.get(readPath(1, 'userActionsSeries')).set(t.auth([2])), 403);
    });
  });

  describe('caching', () => {
    it('ETag and 304; a write into the range changes the answer', async () => {
      const q = `from=${day(20)}&to=${day(21)}&interval=hour&compare=previousPeriod&module=5`;
      const first = await getJson(t, 1, 'userActionsSeries', q).expect(200);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[^"]+"$/);
      await getJson(t, 1, 'userActionsSeries', q).set('If-None-Match', etag).expect(304);
      // Another interval is another answer.
      const other = await getJson(t, 1, 'userActionsSeries', `from=${day(20)}&to=${day(21)}&compare=previousPeriod`).expect(200);
      expect(other.headers.etag).not.toBe(etag);
      // A write into the comparison range (19 March) changes the tag and the answer.
      await ingest(t, 1, [{ module: 5, action: 1, created: '2026-03-19T05:00:00.000Z' }]);
      const after = await getJson(t, 1, 'userActionsSeries', q).set('If-None-Match', etag).expect(200);
      expect(after.body.series).toEqual([{ ...s(5, 1, new Array(24).fill(0)), comparison: { total: 1, counts: [...new Array(6).fill(0), 1, ...new Array(17).fill(0)] }, change: { delta: -1, pct: -100 } }]);
    });
  });
});
