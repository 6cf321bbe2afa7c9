import { csvText, getCsv, getJson, ingest } from '../support/fixtures';
import { scrape } from '../support/metrics';
import { TestApp } from '../support/test-app';

/**
 * The answer cache (docs/api.md, "Answer cache"): a repeated question about unchanged data is
 * answered from the process, keyed by the answer's strong ETag; any write into the range makes
 * the next request compute afresh; `meta.serverTime` is always now.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const Q = 'from=2026-03-01T00:00:00.000Z&to=2026-03-21T00:00:00.000Z&aggregations[]=actionLabel';
const event = (created: string, actionLabel = 'sofa') => ({ module: 3, action: 1, created, actionLabel });

async function outcomes(t: TestApp, route: string): Promise<Record<string, number>> {
  const e = await scrape(t);
  return Object.fromEntries(['hit', 'miss', 'bypass'].map((o) => [o, e.value('statistics_answer_cache_requests_total', { route, outcome: o })]));
}

const diff = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));

describe('answer cache', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await ingest(t, 1, [event('2026-03-05T10:00:00.000Z'), event('2026-03-06T10:00:00.000Z', 'chair'), event('2026-03-19T23:00:00.000Z')]);
  });
  afterAll(() => t?.close());

  it('answers a repeated question from the cache, with the current serverTime', async () => {
    const before = await outcomes(t, 'userActionsAggregated');
    const first = (await getJson(t, 1, 'userActionsAggregated', Q).expect(200)).body;
    t.clock.set(new Date(NOW.getTime() + 1000));
    const second = (await getJson(t, 1, 'userActionsAggregated', Q).expect(200)).body;
    expect(diff(before, await outcomes(t, 'userActionsAggregated'))).toEqual({ hit: 1, miss: 1, bypass: 0 });
    expect(second.userActions).toEqual(first.userActions);
    expect([first.meta.serverTime, second.meta.serverTime]).toEqual([NOW.toISOString(), new Date(NOW.getTime() + 1000).toISOString()]);
    t.clock.set(NOW);
  });

  it('computes afresh after a write into the range, and the new answer counts it', async () => {
    const counts = async () => (await getJson(t, 1, 'userActionsAggregated', Q).expect(200)).body.userActions.map((e: { actionLabel: string; count: number }) => [e.actionLabel, e.count]);
    expect(await counts()).toEqual([['chair', 1], ['sofa', 2]]);
    await ingest(t, 1, [event('2026-03-10T10:00:00.000Z')]);
    const before = await outcomes(t, 'userActionsAggregated');
    expect(await counts()).toEqual([['chair', 1], ['sofa', 3]]);
    expect(diff(before, await outcomes(t, 'userActionsAggregated'))).toEqual({ hit: 0, miss: 1, bypass: 0 });
  });

  it('keeps another tenant, another query and another format apart', async () => {
    await ingest(t, 2, [event('2026-03-05T10:00:00.000Z', 'lamp')]);
    const one = (await getJson(t, 1, 'userActionsAggregated', Q).expect(200)).body.userActions;
    const two = (await getJson(t, 2, 'userActionsAggregated', Q).expect(200)).body.userActions;
    expect(two.map((e: { actionLabel: string }) => e.actionLabel)).toEqual(['lamp']);
    expect(one.map((e: { actionLabel: string }) => e.actionLabel)).toEqual(['chair', 'sofa']);
    const paged = (await getJson(t, 1, 'userActionsAggregated', `${Q}&limit=1&orderBy=count`).expect(200)).body;
    expect(paged.userActions.map((e: { actionLabel: string }) => e.actionLabel)).toEqual(['sofa']);
    const csv = await getCsv(t, 1, 'userActionsAggregated', Q).expect(200);
    expect(csvText(csv).split('\n')[0]).toBe('"module","action","tenant","count","aggregationLevel","actionLabel"');
  });

  it('shares one computation between concurrent identical questions', async () => {
    await ingest(t, 1, [event('2026-03-11T10:00:00.000Z')]);
    const before = await outcomes(t, 'useractions');
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => getJson(t, 1, 'useractions', 'from=2026-03-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z').expect(200)));
    expect(diff(before, await outcomes(t, 'useractions'))).toEqual({ hit: 4, miss: 1, bypass: 0 });
    expect(new Set(answers.map((a) => JSON.stringify(a.body.userActions))).size).toBe(1);
    expect(answers[0].body.userActions.reduce((s: number, r: { count: number }) => s + r.count, 0)).toBe(5);
  });

  it('gives every question asked after a write has been acknowledged the written count, also while others are being answered', async () => {
    const Q2 = 'from=2026-03-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z';
    const total = (b: { userActions: Array<{ count: number }> }) => b.userActions.reduce((s, r) => s + r.count, 0);
    // Questions in flight while the write commits (their fingerprint reads share statements)…
    const during = [1, 2, 3, 4].map(() => getJson(t, 1, 'useractions', Q2).expect(200));
    await ingest(t, 1, [event('2026-03-12T10:00:00.000Z')]);
    // …and questions asked once the write was acknowledged: these must all count it.
    const after = await Promise.all([1, 2, 3, 4, 5, 6].map(() => getJson(t, 1, 'useractions', Q2).expect(200)));
    expect(after.map((a) => total(a.body))).toEqual([6, 6, 6, 6, 6, 6]);
    // The earlier ones saw the data before or after the write, never anything else.
    for (const a of await Promise.all(during)) expect([5, 6]).toContain(total(a.body));
  });
});

describe('answer cache switched off (ANSWER_CACHE_ENTRIES=0)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false', ANSWER_CACHE_ENTRIES: '0' } });
    await t.reset();
    await ingest(t, 1, [event('2026-03-05T10:00:00.000Z')]);
  });
  afterAll(() => t?.close());

  it('computes every answer', async () => {
    const before = await outcomes(t, 'userActionsAggregated');
    for (let i = 0; i < 3; i++) expect((await getJson(t, 1, 'userActionsAggregated', Q).expect(200)).body.meta.total).toBe(1);
    expect(diff(before, await outcomes(t, 'userActionsAggregated'))).toEqual({ hit: 0, miss: 0, bypass: 3 });
  });
});

describe('answer cache bound (ANSWER_CACHE_ENTRIES=8)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false', ANSWER_CACHE_ENTRIES: '8' } });
    await t.reset();
    await ingest(t, 1, ['sofa', 'chair', 'lamp'].map((l, i) => event(`2026-03-0${i + 5}T10:00:00.000Z`, l)));
  });
  afterAll(() => t?.close());

  it('does not keep an answer larger than a quarter of the bound, and keeps a small one', async () => {
    const before = await outcomes(t, 'userActionsAggregated');
    // 3 entries > 8 / 4: never kept.
    for (let i = 0; i < 2; i++) await getJson(t, 1, 'userActionsAggregated', Q).expect(200);
    // 1 entry: kept.
    for (let i = 0; i < 2; i++) await getJson(t, 1, 'userActionsAggregated', 'from=2026-03-01T00:00:00.000Z&to=2026-03-21T00:00:00.000Z').expect(200);
    expect(diff(before, await outcomes(t, 'userActionsAggregated'))).toEqual({ hit: 1, miss: 3, bypass: 0 });
  });
});
