import { DateTime } from 'luxon';
import { Calendar } from './calendar';

/** Luxon's answer, computed afresh (what the calendar's remembered periods must reproduce). */
const fresh = (zone: string, t: number, unit: 'day' | 'month') => DateTime.fromMillis(t, { zone }).startOf(unit).toMillis();

describe('Calendar', () => {
  // Zones with DST on the hour, at :30 (Lord Howe), offsets at :30/:45, DST at midnight
  // (Sao Paulo 2018, Havana), and a skipped day (Apia, 30 December 2011).
  const zones = ['UTC', 'Europe/Vienna', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'America/Havana', 'Pacific/Apia'];
  const spans = [
    ['2011-12-25T00:00:00Z', '2012-01-05T00:00:00Z'],
    ['2018-10-28T00:00:00Z', '2018-11-10T00:00:00Z'],
    ['2026-03-20T00:00:00Z', '2026-04-10T00:00:00Z'],
    ['2026-10-20T00:00:00Z', '2026-11-10T00:00:00Z'],
  ].map(([a, b]) => [Date.parse(a), Date.parse(b)]);

  it.each(zones)('startOfDay and startOfMonth in %s are what Luxon computes, instant by instant (every 13 minutes, forwards and backwards)', (zone) => {
    const calendar = new Calendar(zone);
    const wrong: string[] = [];
    for (const [a, b] of spans) {
      const instants: number[] = [];
      for (let t = a; t < b; t += 13 * 60_000) instants.push(t);
      // Both directions: a remembered period must never answer for an instant outside it.
      for (const t of [...instants, ...[...instants].reverse()]) {
        const day = calendar.startOfDay(new Date(t)).getTime();
        const month = calendar.startOfMonth(new Date(t)).getTime();
        if (day !== fresh(zone, t, 'day') || month !== fresh(zone, t, 'month')) wrong.push(new Date(t).toISOString());
      }
    }
    expect(wrong).toEqual([]);
  });

  it.each(zones)('addDays in %s is the day Luxon counts to (the next day from a remembered day, others computed), from day starts and from any instant', (zone) => {
    const calendar = new Calendar(zone);
    const luxon = (t: number, n: number) => DateTime.fromMillis(t, { zone }).plus({ days: n }).startOf('day').toMillis();
    const wrong: string[] = [];
    for (const [a, b] of spans) {
      for (let t = a; t < b; t += 97 * 60_000) {
        const dayStart = calendar.startOfDay(new Date(t)).getTime();
        for (const n of [0, 1, -1, 2, -2, 7, -7, 30, -30, 62, -62, 63, -63, 400, -400]) {
          for (const from of [dayStart, t]) {
            const got = calendar.addDays(new Date(from), n).getTime();
            if (got !== luxon(from, n)) wrong.push(`${new Date(from).toISOString()} ${n}: ${new Date(got).toISOString()}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('is exact at the edges of a day: the last millisecond before local midnight and midnight itself', () => {
    const vienna = new Calendar('Europe/Vienna');
    const midnight = Date.parse('2026-03-29T22:00:00.000Z'); // 30 March 00:00 CEST, after the 23-hour day
    expect(vienna.startOfDay(new Date(midnight - 1)).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(vienna.startOfDay(new Date(midnight)).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(vienna.startOfDay(new Date(midnight - 1)).toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  it('answers with new Date objects (callers may keep or change them)', () => {
    const utc = new Calendar('UTC');
    const a = utc.startOfDay(new Date('2026-05-20T08:00:00Z'));
    a.setTime(0);
    expect(utc.startOfDay(new Date('2026-05-20T09:00:00Z')).toISOString()).toBe('2026-05-20T00:00:00.000Z');
  });
});
