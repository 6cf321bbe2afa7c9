import { Calendar } from '../common/calendar';
import { planRange, shorterRest } from './range-plan';

const d = (s: string) => new Date(s);
const iso = (x?: { from: Date; to: Date }) => (x ? [x.from.toISOString(), x.to.toISOString()] : undefined);

describe('planRange', () => {
  const utc = new Calendar('UTC');
  const vienna = new Calendar('Europe/Vienna');

  it('answers a day-aligned range from the summaries only', () => {
    const p = planRange(utc, d('2026-03-01T00:00:00Z'), d('2026-04-01T00:00:00Z'));
    expect(iso(p.days)).toEqual(['2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
    expect(p.raw).toEqual([]);
  });

  it('splits partial days at both edges off to the raw table', () => {
    const p = planRange(utc, d('2026-03-01T10:00:00Z'), d('2026-03-05T06:30:00Z'));
    expect(iso(p.days)).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-05T00:00:00.000Z']);
    expect(p.raw.map(iso)).toEqual([
      ['2026-03-01T10:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      ['2026-03-05T00:00:00.000Z', '2026-03-05T06:30:00.000Z'],
    ]);
  });

  it('keeps a range inside one day entirely raw, and an empty range empty', () => {
    expect(planRange(utc, d('2026-03-01T10:00:00Z'), d('2026-03-01T12:00:00Z'))).toEqual({
      raw: [{ from: d('2026-03-01T10:00:00Z'), to: d('2026-03-01T12:00:00Z') }],
    });
    expect(planRange(utc, d('2026-03-01T10:00:00Z'), d('2026-03-01T10:00:00Z'))).toEqual({ raw: [] });
  });

  it('uses local days of the configured zone, also across a daylight-saving change', () => {
    // 29 March 2026 is a 23-hour day in Vienna: 00:00 local is 23:00Z before, 22:00Z after the change.
    const p = planRange(vienna, d('2026-03-28T23:00:00Z'), d('2026-03-30T22:00:00Z'));
    expect(iso(p.days)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-30T22:00:00.000Z']);
    expect(p.raw).toEqual([]);
    const q = planRange(vienna, d('2026-03-28T23:00:00Z'), d('2026-03-30T12:00:00Z'));
    expect(iso(q.days)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(q.raw.map(iso)).toEqual([['2026-03-29T22:00:00.000Z', '2026-03-30T12:00:00.000Z']]);
  });

  it('leaves an end open when it is not given: whole days up to the data, a partial day only at the given end', () => {
    const from = planRange(utc, d('2026-03-01T10:00:00Z'), undefined);
    expect(from.days).toEqual({ from: d('2026-03-02T00:00:00Z'), to: undefined });
    expect(from.raw.map(iso)).toEqual([['2026-03-01T10:00:00.000Z', '2026-03-02T00:00:00.000Z']]);
    const to = planRange(vienna, undefined, d('2026-03-30T12:00:00Z'));
    expect(to.days).toEqual({ from: undefined, to: d('2026-03-29T22:00:00Z') });
    expect(to.raw.map(iso)).toEqual([['2026-03-29T22:00:00.000Z', '2026-03-30T12:00:00.000Z']]);
    expect(planRange(utc, d('2026-03-01T00:00:00Z'), undefined)).toEqual({ days: { from: d('2026-03-01T00:00:00Z'), to: undefined }, raw: [] });
    expect(planRange(utc, undefined, undefined)).toEqual({ days: { from: undefined, to: undefined }, raw: [] });
  });
});

describe('shorterRest', () => {
  const day = { from: d('2026-03-05T00:00:00Z'), to: d('2026-03-06T00:00:00Z') };
  // Europe/Vienna's 29 March 2026 has 23 hours: 22:00 UTC on the 28th to 22:00 UTC on the 29th.
  const short = { from: d('2026-03-28T23:00:00Z'), to: d('2026-03-29T22:00:00Z') };

  it.each([
    ['a leading edge after noon: the rest is longer', ['2026-03-05T14:00:00Z', '2026-03-06T00:00:00Z'], day, undefined],
    ['a leading edge before noon: the morning is the rest', ['2026-03-05T02:00:00Z', '2026-03-06T00:00:00Z'], day, ['2026-03-05T00:00:00.000Z', '2026-03-05T02:00:00.000Z']],
    ['a trailing edge after noon: the evening is the rest', ['2026-03-05T00:00:00Z', '2026-03-05T20:00:00Z'], day, ['2026-03-05T20:00:00.000Z', '2026-03-06T00:00:00.000Z']],
    ['a trailing edge before noon', ['2026-03-05T00:00:00Z', '2026-03-05T10:00:00Z'], day, undefined],
    ['exactly half the day: read raw', ['2026-03-05T12:00:00Z', '2026-03-06T00:00:00Z'], day, undefined],
    ['an edge touching neither end (a rest of two pieces)', ['2026-03-05T01:00:00Z', '2026-03-05T23:00:00Z'], day, undefined],
    ['a 23-hour local day: half is 11.5 hours', ['2026-03-29T10:30:00Z', '2026-03-29T22:00:00Z'], short, undefined],
    ['a 23-hour local day, an edge of 11.5 h + 1 ms', ['2026-03-29T10:29:59.999Z', '2026-03-29T22:00:00Z'], short, ['2026-03-28T23:00:00.000Z', '2026-03-29T10:29:59.999Z']],
  ])('%s', (_name, [from, to], of, expected) => {
    expect(iso(shorterRest({ from: d(from), to: d(to) }, of))).toEqual(expected);
  });
});

describe('shorterRest with now: the rest counts up to now', () => {
  const day = { from: d('2026-03-05T00:00:00Z'), to: d('2026-03-06T00:00:00Z') };
  const morning = { from: d('2026-03-05T00:00:00Z'), to: d('2026-03-05T06:00:00Z') };

  it.each([
    ['a range ending now, before noon: the rest is empty', morning, '2026-03-05T06:00:00Z', ['2026-03-05T06:00:00.000Z', '2026-03-06T00:00:00.000Z']],
    ['a range ending in the future', morning, '2026-03-05T03:00:00Z', ['2026-03-05T06:00:00.000Z', '2026-03-06T00:00:00.000Z']],
    ['now 4 hours into the rest (shorter than the 6-hour edge)', morning, '2026-03-05T10:00:00Z', ['2026-03-05T06:00:00.000Z', '2026-03-06T00:00:00.000Z']],
    ['now 6 hours into the rest (as long as the edge): raw', morning, '2026-03-05T12:00:00Z', undefined],
    ['the day is over: the whole rest counts', morning, '2026-03-07T00:00:00Z', undefined],
  ])('%s', (_name, span, now, expected) => {
    expect(iso(shorterRest(span, day, d(now)))).toEqual(expected);
  });

  it('leaves a leading edge (its rest before it, in the past) as without now', () => {
    const evening = { from: d('2026-03-05T14:00:00Z'), to: d('2026-03-06T00:00:00Z') };
    expect(shorterRest(evening, day, d('2026-03-05T15:00:00Z'))).toBeUndefined();
    const late = { from: d('2026-03-05T02:00:00Z'), to: d('2026-03-06T00:00:00Z') };
    expect(iso(shorterRest(late, day, d('2026-03-05T15:00:00Z')))).toEqual(['2026-03-05T00:00:00.000Z', '2026-03-05T02:00:00.000Z']);
  });
});
