import { Calendar, SeriesCalendar } from './calendar';

/** The calendar rules of userActionsSeries (issue 21, item 2): buckets, labels, comparisons, resolution. */

const NOW = new Date('2030-01-01T00:00:00.000Z');
const iso = (d: Date) => d.toISOString();
const cal = (zone: string, weekStart: 'monday' | 'sunday' = 'monday') => new SeriesCalendar(new Calendar(zone), weekStart);

describe('SeriesCalendar: hours are real hours', () => {
  it.each([
    // zone, local day (from, to as UTC instants), hours, the labels around the change
    ['Europe/Vienna', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23, ['2026-03-29T01', '2026-03-29T03']],
    ['Europe/Vienna', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25, ['2026-10-25T02', '2026-10-25T02']],
    ['America/New_York', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 23, ['2026-03-08T01', '2026-03-08T03']],
    ['America/New_York', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 25, ['2026-11-01T01', '2026-11-01T01']],
  ])('%s: the local day from %s has %i hour buckets, an hour apart, none lost or doubled', (zone, from, to, hours, around) => {
    const c = cal(zone);
    const buckets = c.buckets(new Date(from), new Date(to), 'hour', NOW);
    expect(buckets).toHaveLength(hours);
    buckets.forEach((b, i) => {
      expect(b.start.getTime()).toBe(Date.parse(from) + i * 3_600_000);
      expect(b.end.getTime() - b.start.getTime()).toBe(3_600_000);
      expect(b.partial).toBe(false);
    });
    expect(buckets[0].label.endsWith('T00')).toBe(true);
    expect(buckets[hours - 1].label.endsWith('T23')).toBe(true);
    // The hour before and after the change (the repeated hour keeps its label: `start` tells them apart).
    const labels = buckets.map((b) => b.label);
    const i = hours === 23 ? labels.indexOf(around[0]) : labels.indexOf(around[0]);
    expect([labels[i], labels[i + 1]]).toEqual(around);
  });

  it('an hour bucket starts at the local hour in a zone offset by 30 or 45 minutes', () => {
    expect(iso(cal('Asia/Kolkata').startOfHour(new Date('2026-06-01T10:10:00.000Z')))).toBe('2026-06-01T09:30:00.000Z');
    expect(iso(cal('Asia/Kathmandu').startOfHour(new Date('2026-06-01T10:10:00.000Z')))).toBe('2026-06-01T09:15:00.000Z');
    expect(cal('Asia/Kolkata').label(new Date('2026-06-01T09:30:00.000Z'), 'hour')).toBe('2026-06-01T15');
  });
});

  // Australia/Lord_Howe moves by 30 minutes: on 2026-04-05 02:00 (+11:00) becomes 01:30 (+10:30),
  // so local 01:00–02:00 lasts 90 minutes; on 2026-10-04 02:00 (+10:30) becomes 02:30 (+11:00),
  // so local 02:00–03:00 lasts 30 minutes. Each is one bucket: both days have 24 buckets
  // (24.5 and 23.5 hours), and the buckets tile the day.
  it.each([
    ['2026-04-04T13:00:00.000Z', '2026-04-05T13:30:00.000Z', 24, '2026-04-04T14:00:00.000Z', 90, '2026-04-05T01'],
    ['2026-10-03T13:30:00.000Z', '2026-10-04T13:00:00.000Z', 24, '2026-10-03T15:30:00.000Z', 30, '2026-10-04T02'],
  ])('Australia/Lord_Howe: the local day from %s has buckets that tile it; the hour changed by 30 minutes is one bucket', (from, to, hours, changed, minutes, label) => {
    const c = cal('Australia/Lord_Howe');
    const buckets = c.buckets(new Date(from), new Date(to), 'hour', NOW);
    expect(buckets).toHaveLength(hours);
    expect(c.count(new Date(from), new Date(to), 'hour')).toBe(hours);
    expect(iso(buckets[0].start)).toBe(from);
    expect(iso(buckets[hours - 1].end)).toBe(to);
    buckets.forEach((b, i) => {
      if (i > 0) expect(b.start).toEqual(buckets[i - 1].end);
      expect(c.startOfHour(b.start)).toEqual(b.start);
      expect(c.startOfHour(new Date(b.end.getTime() - 1))).toEqual(b.start);
      const length = iso(b.start) === changed ? minutes : 60;
      expect({ start: iso(b.start), minutes: (b.end.getTime() - b.start.getTime()) / 60_000 }).toEqual({ start: iso(b.start), minutes: length });
    });
    expect(buckets.find((b) => iso(b.start) === changed)?.label).toBe(label);
  });

describe('SeriesCalendar: days, weeks and months', () => {
  it('days are local days: 23 and 25 hours long on the changes', () => {
    const b = cal('Europe/Vienna').buckets(new Date('2026-03-27T23:00:00.000Z'), new Date('2026-03-30T22:00:00.000Z'), 'day', NOW);
    expect(b.map((x) => [x.label, (x.end.getTime() - x.start.getTime()) / 3_600_000])).toEqual([
      ['2026-03-28', 24],
      ['2026-03-29', 23],
      ['2026-03-30', 24],
    ]);
  });

  it('ISO weeks across a year boundary: 2026-W53 begins Monday 28 December, 2027-W01 on 4 January', () => {
    const b = cal('UTC').buckets(new Date('2026-12-24T00:00:00.000Z'), new Date('2027-01-12T00:00:00.000Z'), 'week', NOW);
    expect(b.map((x) => [iso(x.start), x.label, x.partial])).toEqual([
      ['2026-12-21T00:00:00.000Z', '2026-W52', true],
      ['2026-12-28T00:00:00.000Z', '2026-W53', false],
      ['2027-01-04T00:00:00.000Z', '2027-W01', false],
      ['2027-01-11T00:00:00.000Z', '2027-W02', true],
    ]);
    // 1 January 2021 (a Friday) still lies in 2020-W53.
    expect(cal('UTC').label(cal('UTC').startOfWeek(new Date('2021-01-01T12:00:00.000Z')), 'week')).toBe('2020-W53');
  });

  it('Sunday weeks across a year boundary, labelled with the date of their Sunday', () => {
    const b = cal('America/New_York', 'sunday').buckets(new Date('2026-12-27T05:00:00.000Z'), new Date('2027-01-10T05:00:00.000Z'), 'week', NOW);
    expect(b.map((x) => [iso(x.start), x.label, x.partial])).toEqual([
      ['2026-12-27T05:00:00.000Z', '2026-12-27', false],
      ['2027-01-03T05:00:00.000Z', '2027-01-03', false],
    ]);
    // The same instants with Monday weeks: three buckets, the first and last cut.
    expect(cal('America/New_York').buckets(new Date('2026-12-27T05:00:00.000Z'), new Date('2027-01-10T05:00:00.000Z'), 'week', NOW).map((x) => x.label)).toEqual([
      '2026-W52',
      '2026-W53',
      '2027-W01',
    ]);
  });

  it('a week holding a daylight-saving change is 7 local days (167 or 169 hours)', () => {
    const [w] = cal('Europe/Vienna').buckets(new Date('2026-10-25T12:00:00.000Z'), new Date('2026-10-25T13:00:00.000Z'), 'week', NOW);
    expect(iso(w.start)).toBe('2026-10-18T22:00:00.000Z');
    expect((w.end.getTime() - w.start.getTime()) / 3_600_000).toBe(169);
  });

  it('months of 28 to 31 days, local', () => {
    const b = cal('Europe/Vienna').buckets(new Date('2025-12-31T23:00:00.000Z'), new Date('2026-04-30T22:00:00.000Z'), 'month', NOW);
    expect(b.map((x) => [x.label, Math.round((x.end.getTime() - x.start.getTime()) / 86_400_000)])).toEqual([
      ['2026-01', 31],
      ['2026-02', 28],
      ['2026-03', 31],
      ['2026-04', 30],
    ]);
    expect(cal('UTC').buckets(new Date('2028-02-01T00:00:00.000Z'), new Date('2028-03-01T00:00:00.000Z'), 'month', NOW)[0].end.toISOString()).toBe('2028-03-01T00:00:00.000Z');
  });
});

describe('SeriesCalendar: partial buckets', () => {
  const c = cal('Europe/Vienna');
  it('the first and last bucket are partial when the range cuts them; the start is the bucket start', () => {
    const b = c.buckets(new Date('2026-06-01T10:00:00.000Z'), new Date('2026-06-03T10:00:00.000Z'), 'day', NOW);
    expect(b.map((x) => [iso(x.start), x.partial])).toEqual([
      ['2026-05-31T22:00:00.000Z', true],
      ['2026-06-01T22:00:00.000Z', false],
      ['2026-06-02T22:00:00.000Z', true],
    ]);
  });

  it('a bucket still running at now is partial, so is one still to come', () => {
    const now = new Date('2026-06-02T08:00:00.000Z');
    const b = c.buckets(new Date('2026-05-31T22:00:00.000Z'), new Date('2026-06-03T22:00:00.000Z'), 'day', now);
    expect(b.map((x) => x.partial)).toEqual([false, true, true]);
  });

  it('an empty range has no bucket', () => {
    expect(c.buckets(new Date('2026-06-01T10:00:00.000Z'), new Date('2026-06-01T10:00:00.000Z'), 'hour', NOW)).toEqual([]);
  });

  it('counts buckets without listing them', () => {
    expect(c.count(new Date('2026-01-01T00:00:00.000Z'), new Date('2026-03-01T00:00:00.000Z'), 'day')).toBe(60);
    expect(c.count(new Date('2026-01-01T00:00:00.000Z'), new Date('2027-01-01T00:00:00.000Z'), 'hour')).toBe(8760); // a 23- and a 25-hour day
  });
});

describe('SeriesCalendar: comparison periods', () => {
  const c = cal('Europe/Vienna');
  const range = (a: string, b: string) => ({ from: new Date(a), to: new Date(b) });
  const isoRange = (r: { from: Date; to: Date }) => [iso(r.from), iso(r.to)];

  it('previousPeriod of whole months: as many whole months before (March 31 days → February 28)', () => {
    const r = range('2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'); // March in Vienna
    expect(isoRange(c.previousPeriod(r.from, r.to))).toEqual(['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z']);
    const q = range('2026-03-31T22:00:00.000Z', '2026-06-30T22:00:00.000Z'); // April–June
    expect(isoRange(c.previousPeriod(q.from, q.to))).toEqual(['2025-12-31T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
  });

  it('previousPeriod of whole local days across a daylight-saving change stays on midnight', () => {
    const r = range('2026-03-29T22:00:00.000Z', '2026-04-05T22:00:00.000Z'); // 30 March – 5 April (after the change)
    expect(isoRange(c.previousPeriod(r.from, r.to))).toEqual(['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
  });

  it('previousPeriod of any other range: the same length in milliseconds directly before', () => {
    const r = range('2026-06-01T10:00:00.000Z', '2026-06-03T16:30:00.000Z');
    expect(isoRange(c.previousPeriod(r.from, r.to))).toEqual(['2026-05-30T03:30:00.000Z', '2026-06-01T10:00:00.000Z']);
  });

  it('previousYear: the same local dates one year earlier; 29 February maps to 28 February', () => {
    const r = range('2028-02-28T23:00:00.000Z', '2028-02-29T23:00:00.000Z'); // 29 February 2028, Vienna
    expect(isoRange(c.previousYear(r.from, r.to))).toEqual(['2027-02-27T23:00:00.000Z', '2027-02-28T23:00:00.000Z']); // 28 February 2027
    const two = range('2028-02-28T23:00:00.000Z', '2028-03-01T23:00:00.000Z'); // 29 February – 1 March 2028
    expect(isoRange(c.previousYear(two.from, two.to))).toEqual(['2027-02-27T23:00:00.000Z', '2027-03-01T23:00:00.000Z']); // 28 February – 1 March 2027
    const summer = range('2026-06-01T10:00:00.000Z', '2026-06-02T10:00:00.000Z');
    expect(isoRange(c.previousYear(summer.from, summer.to))).toEqual(['2025-06-01T10:00:00.000Z', '2025-06-02T10:00:00.000Z']);
  });
});

describe('SeriesCalendar: the earliest from of each interval', () => {
  const c = cal('Europe/Vienna');
  const now = new Date('2026-06-15T10:00:00.000Z');
  it('hours: the local day 30 days back; days and weeks: the local month 180 days back; months: always', () => {
    expect(iso(c.earliestFrom('hour', now, 30, 180)!)).toBe('2026-05-15T22:00:00.000Z');
    expect(iso(c.earliestFrom('day', now, 30, 180)!)).toBe('2025-11-30T23:00:00.000Z');
    expect(iso(c.earliestFrom('week', now, 30, 180)!)).toBe('2025-11-30T23:00:00.000Z');
    expect(c.earliestFrom('month', now, 30, 180)).toBeUndefined();
  });
});
