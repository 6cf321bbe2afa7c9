import { Calendar } from '../../common/calendar';
import { mulberry32 } from '../../common/prng';
import type { AnswerPart } from './aggregated.repository';
import { planParts, wholeHours } from './aggregated.service';

const d = (s: string) => new Date(s);
const HOUR = 3_600_000;

/** The parts as [source, from, to] (a day less its rest: the day and the rest). */
const show = (parts: AnswerPart[]) =>
  parts.map((p) => (p.source === 'dayLessRest' ? [p.source, p.day.from.toISOString(), p.day.to.toISOString(), 'less', p.rest.from.toISOString(), p.rest.to.toISOString()] : [p.source, p.span.from.toISOString(), p.span.to.toISOString()]));

/**
 * How many parts count a row created at `t`, as the database matches it: raw spans and edges by
 * `created`; summary days by their `day` key (the local day's start), hours by their `hour` key
 * (the local hour's start); a day less its rest: its day's key, less the rest's rows.
 */
function countedBy(calendar: Calendar, parts: AnswerPart[], t: number): number {
  const inSpan = (s: { from: Date; to: Date }, x: number) => s.from.getTime() <= x && x < s.to.getTime();
  const day = calendar.startOfDay(new Date(t)).getTime();
  const hour = calendar.startOfHour(new Date(t)).getTime();
  let n = 0;
  for (const p of parts) {
    if (p.source === 'raw' || p.source === 'edge') n += inSpan(p.span, t) ? 1 : 0;
    else if (p.source === 'days') n += inSpan(p.span, day) ? 1 : 0;
    else if (p.source === 'hours') n += inSpan(p.span, hour) ? 1 : 0;
    else if (p.source === 'dayLessRest') n += day === p.day.from.getTime() && !inSpan(p.rest, t) ? 1 : 0;
    else throw new Error(`unknown part ${JSON.stringify(p)}`);
  }
  return n;
}

describe('planParts with the hourly summary (no aggregations)', () => {
  const utc = new Calendar('UTC');
  const later = d('2026-04-01T00:00:00Z');

  it('reads the edge days through their whole hours, only the partial hours raw', () => {
    const parts = planParts(utc, d('2026-03-01T10:20:00Z'), d('2026-03-05T06:30:00Z'), { summarised: true, now: later, hourly: true });
    expect(show(parts)).toEqual([
      ['days', '2026-03-02T00:00:00.000Z', '2026-03-05T00:00:00.000Z'],
      ['raw', '2026-03-01T10:20:00.000Z', '2026-03-01T11:00:00.000Z'],
      ['hours', '2026-03-01T11:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      ['hours', '2026-03-05T00:00:00.000Z', '2026-03-05T06:00:00.000Z'],
      ['raw', '2026-03-05T06:00:00.000Z', '2026-03-05T06:30:00.000Z'],
    ]);
  });

  it('keeps the day less its rest when that rest costs fewer raw rows (a range ending after now)', () => {
    const now = d('2026-03-05T06:10:00Z');
    const parts = planParts(utc, d('2026-03-01T10:00:00Z'), d('2026-03-05T07:10:00Z'), { summarised: true, now, hourly: true });
    expect(show(parts)).toEqual([
      ['days', '2026-03-02T00:00:00.000Z', '2026-03-05T00:00:00.000Z'],
      // A whole-hour start: no raw part at all.
      ['hours', '2026-03-01T10:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      // The rest after 07:10 lies after now: nothing raw to read.
      ['dayLessRest', '2026-03-05T00:00:00.000Z', '2026-03-06T00:00:00.000Z', 'less', '2026-03-05T07:10:00.000Z', '2026-03-06T00:00:00.000Z'],
    ]);
  });

  it('without hourly (aggregations) plans as before: a day less its rest, or an edge', () => {
    const parts = planParts(utc, d('2026-03-01T10:20:00Z'), d('2026-03-05T06:30:00Z'), { summarised: true, now: later });
    expect(show(parts)).toEqual([
      ['days', '2026-03-02T00:00:00.000Z', '2026-03-05T00:00:00.000Z'],
      ['dayLessRest', '2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', 'less', '2026-03-01T00:00:00.000Z', '2026-03-01T10:20:00.000Z'],
      ['raw', '2026-03-05T00:00:00.000Z', '2026-03-05T06:30:00.000Z'].map((x, i) => (i === 0 ? 'edge' : x)),
    ]);
  });

  it('finds the local hours of a zone whose offset is not whole hours (Asia/Kolkata: hours start at :30 UTC)', () => {
    const kolkata = new Calendar('Asia/Kolkata');
    expect(wholeHours(kolkata, { from: d('2026-03-01T10:20:00Z'), to: d('2026-03-01T13:45:00Z') })).toEqual({
      head: { from: d('2026-03-01T10:20:00Z'), to: d('2026-03-01T10:30:00Z') },
      hours: { from: d('2026-03-01T10:30:00Z'), to: d('2026-03-01T13:30:00Z') },
      tail: { from: d('2026-03-01T13:30:00Z'), to: d('2026-03-01T13:45:00Z') },
    });
    expect(wholeHours(kolkata, { from: d('2026-03-01T10:35:00Z'), to: d('2026-03-01T11:20:00Z') })).toBeUndefined();
  });

  it.each(['UTC', 'Europe/Vienna', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'])('covers every instant of [from, to) exactly once, by day and not, in %s (random ranges, DST days included)', (zone) => {
    const calendar = new Calendar(zone);
    const rnd = mulberry32(zone.length * 7919);
    // Around both 2026 daylight-saving changes of the northern and southern zones.
    const anchors = [d('2026-03-08T00:00:00Z'), d('2026-03-29T00:00:00Z'), d('2026-04-05T00:00:00Z'), d('2026-10-04T00:00:00Z'), d('2026-10-25T00:00:00Z'), d('2026-11-01T00:00:00Z')];
    for (let i = 0; i < 200; i++) {
      const anchor = anchors[i % anchors.length].getTime();
      // Minute-aligned and odd instants alike; spans from minutes to five days.
      const from = anchor + Math.floor((rnd() - 0.5) * 3 * 24 * HOUR / 1000) * 1000;
      const to = from + Math.floor(rnd() * 5 * 24 * HOUR / 1000) * 1000;
      const now = new Date(from + Math.floor(rnd() * 7 * 24 * HOUR));
      for (const byDay of [false, true]) {
        const parts = planParts(calendar, new Date(from), new Date(to), { summarised: true, now, byDay, hourly: true });
        // Every row of [from, to) counted once, none outside: the ends, every hour boundary near them, random instants.
        const probes = [from - 1, from, from + 1, to - 1, to, to + 1];
        for (let k = 0; k < 60; k++) probes.push(from - HOUR + Math.floor(rnd() * (to - from + 2 * HOUR)));
        for (const t of probes) expect([t, countedBy(calendar, parts, t), from, to, byDay, show(parts)]).toEqual([t, t >= from && t < to ? 1 : 0, from, to, byDay, show(parts)]);
        for (const p of parts) {
          if (p.source !== 'hours') continue;
          // Whole local hours: both ends start an hour of the calendar.
          expect(calendar.startOfHour(p.span.from).getTime()).toBe(p.span.from.getTime());
          expect(calendar.startOfHour(p.span.to).getTime()).toBe(p.span.to.getTime());
          // By day, every part but the summary days lies within its local day.
          if (byDay) expect(p.day && p.span.from >= p.day.from && p.span.to <= p.day.to).toBe(true);
        }
      }
    }
  });
});
