import { EventSpec, getJson, ingest } from '../support/fixtures';
import { TestApp } from '../support/test-app';

/**
 * userActionsAggregated reads a partial edge day from the summaries only when the tenant has no
 * row in the rest of that day (then both give the same rows); otherwise from user_action.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const EVENTS: EventSpec[] = [
  { module: 3, action: 1, created: '2026-03-05T10:00:00.000Z', country: 'AT', actionLabel: 'sofa' },
  { module: 3, action: 1, created: '2026-03-05T23:30:00.000Z', country: 'AT', actionLabel: 'sofa' },
  { module: 3, action: 1, created: '2026-03-06T00:30:00.000Z', country: 'DE', actionLabel: 'kitchen' },
  { module: 3, action: 2, created: '2026-03-07T12:00:00.000Z', actionLabel: 'sofa' },
];

describe('userActionsAggregated: partial edge days', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await ingest(t, 1, EVENTS);
    // Tenant 2 has rows all day: they must not change tenant 1's answers.
    await ingest(t, 2, [{ module: 3, action: 1, created: '2026-03-05T01:00:00.000Z', actionLabel: 'sofa' }]);
  });
  afterAll(() => t?.close());

  const counts = async (from: string, to: string, aggs: string[]) => {
    const qs = [`from=${from}`, `to=${to}`, ...aggs.map((a) => `aggregations[]=${a}`)].join('&');
    const res = await getJson(t, 1, 'userActionsAggregated', qs).expect(200);
    return res.body.userActions.map((e: Record<string, unknown>) => [e.action, ...aggs.map((a) => e[a]), e.count]);
  };

  it.each([
    // [from, to, expected by (action, actionLabel)]
    ['2026-03-05T05:00:00.000Z', '2026-03-08T00:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 2], [2, 'sofa', 1]]], // rest of 5 March empty: summary
    ['2026-03-05T10:00:00.001Z', '2026-03-08T00:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 1], [2, 'sofa', 1]]], // 10:00 in the rest: raw
    ['2026-03-05T00:00:00.000Z', '2026-03-07T13:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 2], [2, 'sofa', 1]]], // rest of 7 March empty: summary
    ['2026-03-05T00:00:00.000Z', '2026-03-07T12:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 2]]], // 12:00 is the rest (excluded): raw
    ['2026-03-05T23:00:00.000Z', '2026-03-06T01:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 1]]], // across midnight, under a day: raw
    ['2026-03-04T23:00:00.000Z', '2026-03-05T11:00:00.000Z', [[1, 'sofa', 1]]], // across midnight, 4 March empty: raw (not 4 March's summary)
    ['2026-03-05T12:00:00.000Z', '2026-03-05T23:45:00.000Z', [[1, 'sofa', 1]]], // within one day, 10:00 in the rest: raw
    ['2026-03-06T00:15:00.000Z', '2026-03-06T00:45:00.000Z', [[1, 'kitchen', 1]]], // within one day, rest empty: summary
  ])('from %s to %s', async (from, to, expected) => {
    expect(await counts(from, to, ['actionLabel'])).toEqual(expected);
    // The same totals with country and without aggregations (stat_day_lcd, stat_day).
    const byCountry: Array<[number, string, string | null, number]> = await counts(from, to, ['actionLabel', 'country']);
    expect(byCountry.reduce((s, r) => s + r[3], 0)).toBe((expected as Array<[number, string, number]>).reduce((s, r) => s + r[2], 0));
    const plain: Array<[number, number]> = await counts(from, to, []);
    expect(plain.reduce((s, r) => s + r[1], 0)).toBe((expected as Array<[number, string, number]>).reduce((s, r) => s + r[2], 0));
  });
});
