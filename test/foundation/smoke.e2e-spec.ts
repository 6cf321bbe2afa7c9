import { TestApp } from '../support/test-app';

describe('foundation smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: new Date('2026-03-10T12:00:00.000Z') });
  });
  afterAll(() => t.close());

  it('serves the catalog to a valid token and ingests idempotently', async () => {
    const res = await t.http.get('/v2/statistics/modules').set(t.auth([1])).expect(200);
    expect(res.body.modules[0]).toMatchObject({ id: 3, name: 'configurator' });
    const body = { userActions: [{ eventId: 'a', module: 3, action: 1, created: '2026-03-10T11:00:00.000Z' }] };
    await t.http.post('/v2/statistics/tenants/1/useractions').set(t.auth([1], { ingest: true })).send(body).expect(202, { accepted: 1, duplicates: 0 });
    await t.http.post('/v2/statistics/tenants/1/useractions').set(t.auth([1], { ingest: true })).send(body).expect(202, { accepted: 0, duplicates: 1 });
  });
});
