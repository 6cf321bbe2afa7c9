import { Calendar } from '../common/calendar';
import { summaryDeltas } from './summary-deltas';

describe('summaryDeltas', () => {
  const calendar = new Calendar('Europe/Vienna');
  const row = { module: 3, action: 1, level: 0, country: 'AT', device: null, actionLabel: 'sofa', actionId: 'conf:1', count: 2 };

  it('counts a row in the local day of its created instant, with its level and values', () => {
    // 23:30 UTC on 19 May is 01:30 on 20 May in Vienna (UTC+2).
    const created = new Date('2026-05-19T23:30:00.000Z');
    expect(summaryDeltas(calendar, [{ ...row, created }])).toEqual([
      { day: new Date('2026-05-19T22:00:00.000Z'), hour: new Date('2026-05-19T23:00:00.000Z'), module: 3, action: 1, level: 0, country: 'AT', device: null, actionLabel: 'sofa', actionId: 'conf:1', count: 2, minCreated: created },
    ]);
  });

  it('removes with sign -1 and keeps the order of the rows', () => {
    const a = new Date('2026-03-29T12:00:00.000Z');
    const b = new Date('2026-03-28T12:00:00.000Z');
    const out = summaryDeltas(calendar, [{ ...row, created: a, level: 1 }, { ...row, created: b }], -1);
    // 29 March 2026 is the 23-hour day (CET to CEST): both days start at 23:00 UTC of the day before.
    expect(out.map((d) => [d.day.toISOString(), d.level, d.count])).toEqual([
      ['2026-03-28T23:00:00.000Z', 1, -2],
      ['2026-03-27T23:00:00.000Z', 0, -2],
    ]);
  });
});
