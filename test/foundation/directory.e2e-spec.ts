import { toBool, toInstant } from '../../src/database/values';
import { TestApp } from '../support/test-app';
import { API } from '../support/client-core';

const NOW = new Date('2026-03-10T12:00:00.000Z');

const SEED_CATALOG = {
  modules: [
    {
      id: 3,
      name: 'configurator',
      actions: [
        { action: 1, name: 'View', configurationAction: true, carriesPartList: false },
        { action: 2, name: 'Save', configurationAction: true, carriesPartList: true },
        { action: 4, name: '3D export', configurationAction: true, carriesPartList: false },
        { action: 5, name: 'Renderings', configurationAction: true, carriesPartList: false },
        { action: 302, name: 'Save_Draft', configurationAction: true, carriesPartList: true },
        { action: 303, name: 'Save_Plan', configurationAction: true, carriesPartList: true },
      ],
    },
  ],
};

function expectError(res: { status: number; body: Record<string, unknown> }, status: number, error: string): string {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.body).toMatchObject({ statusCode: status, error });
  return res.body.message as string;
}

describe('user directory: PUT / DELETE users/:userId', () => {
  let t: TestApp;
  let writer: { Authorization: string };

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    writer = t.auth([], { ingest: true });
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  const users = async () =>
    (await t.dataSource.query('SELECT user_id AS userId, email, statistics_consent AS consent, updated FROM directory_user ORDER BY user_id')).map(
      (r: Record<string, unknown>) => ({ userId: r.userId, email: r.email, consent: toBool(r.consent), updated: toInstant(r.updated).toISOString() }),
    );

  it('stores a user and echoes it (200)', async () => {
    const res = await t.http.put(`${API}/users/user-7`).set(writer).send({ email: 'email.with@consent.com', statisticsConsent: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: 'user-7', email: 'email.with@consent.com', statisticsConsent: true });
    expect(await users()).toEqual([{ userId: 'user-7', email: 'email.with@consent.com', consent: true, updated: NOW.toISOString() }]);
  });

  it('updates an existing user in place', async () => {
    await t.http.put(`${API}/users/user-7`).set(writer).send({ email: 'old@example.com', statisticsConsent: true }).expect(200);
    t.clock.set(new Date('2026-03-10T13:00:00.000Z'));
    try {
      await t.http
        .put(`${API}/users/user-7`)
        .set(writer)
        .send({ email: 'new@example.com', statisticsConsent: false })
        .expect(200, { userId: 'user-7', email: 'new@example.com', statisticsConsent: false });
    } finally {
      t.clock.set(NOW);
    }
    expect(await users()).toEqual([{ userId: 'user-7', email: 'new@example.com', consent: false, updated: '2026-03-10T13:00:00.000Z' }]);
  });

  it('takes user ids with URL-encoded characters verbatim', async () => {
    await t.http
      .put(`${API}/users/${encodeURIComponent('auth0|abc/def')}`)
      .set(writer)
      .send({ email: 'a@b.at', statisticsConsent: false })
      .expect(200, { userId: 'auth0|abc/def', email: 'a@b.at', statisticsConsent: false });
    expect((await users()).map((u: { userId: string }) => u.userId)).toEqual(['auth0|abc/def']);
  });

  it.each([
    ['a bad e-mail', { email: 'not-an-email', statisticsConsent: true }, 'email must be an e-mail address'],
    ['no e-mail', { statisticsConsent: true }, 'email must be an e-mail address'],
    ['an e-mail as a number', { email: 42, statisticsConsent: true }, 'email must be an e-mail address'],
    ['consent as a string', { email: 'a@b.at', statisticsConsent: 'true' }, 'statisticsConsent must be true or false'],
    ['consent as 1', { email: 'a@b.at', statisticsConsent: 1 }, 'statisticsConsent must be true or false'],
    ['no consent', { email: 'a@b.at' }, 'statisticsConsent must be true or false'],
    ['an unknown field', { email: 'a@b.at', statisticsConsent: true, role: 'admin' }, 'role: property role should not exist'],
  ])('rejects %s (400 naming the field) and stores nothing', async (_what, body, message) => {
    const res = await t.http.put(`${API}/users/user-7`).set(writer).send(body);
    expect(expectError(res, 400, 'Bad Request')).toBe(message);
    expect(await users()).toEqual([]);
  });

  it('rejects a user id longer than 255 characters (400 naming userId)', async () => {
    const res = await t.http.put(`${API}/users/${'u'.repeat(256)}`).set(writer).send({ email: 'a@b.at', statisticsConsent: true });
    expect(expectError(res, 400, 'Bad Request')).toBe('userId must be 1 to 255 characters long');
  });

  it('erases a user (204, empty body) so the e-mail is gone', async () => {
    await t.http.put(`${API}/users/user-7`).set(writer).send({ email: 'gone@example.com', statisticsConsent: true }).expect(200);
    await t.http.put(`${API}/users/user-8`).set(writer).send({ email: 'kept@example.com', statisticsConsent: true }).expect(200);
    const res = await t.http.delete(`${API}/users/user-7`).set(writer);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await users()).map((u: { userId: string; email: string }) => [u.userId, u.email])).toEqual([['user-8', 'kept@example.com']]);
    const [{ n }] = await t.dataSource.query("SELECT COUNT(*) AS n FROM directory_user WHERE email = 'gone@example.com'");
    expect(Number(n)).toBe(0);
  });

  it('erasure is idempotent: erasing again or erasing an unknown user is 204', async () => {
    await t.http.put(`${API}/users/user-7`).set(writer).send({ email: 'gone@example.com', statisticsConsent: true }).expect(200);
    await t.http.delete(`${API}/users/user-7`).set(writer).expect(204);
    await t.http.delete(`${API}/users/user-7`).set(writer).expect(204);
    await t.http.delete(`${API}/users/never-known`).set(writer).expect(204);
    expect(await users()).toEqual([]);
  });

  describe('needs the statistics:ingest scope', () => {
    it('PUT without the scope → 403, and nothing is stored', async () => {
      const res = await t.http.put(`${API}/users/user-7`).set(t.auth([1])).send({ email: 'a@b.at', statisticsConsent: true });
      expect(expectError(res, 403, 'Forbidden')).toContain('statistics:ingest');
      expect(await users()).toEqual([]);
    });

    it('DELETE without the scope → 403, and the user is kept', async () => {
      await t.http.put(`${API}/users/user-7`).set(writer).send({ email: 'a@b.at', statisticsConsent: true }).expect(200);
      expectError(await t.http.delete(`${API}/users/user-7`).set(t.auth([1])), 403, 'Forbidden');
      expect(await users()).toHaveLength(1);
    });

    it('PUT and DELETE without a token → 401', async () => {
      expectError(await t.http.put(`${API}/users/user-7`).send({ email: 'a@b.at', statisticsConsent: true }), 401, 'Unauthorized');
      expectError(await t.http.delete(`${API}/users/user-7`), 401, 'Unauthorized');
      expect(await users()).toEqual([]);
    });
  });
});

describe('action catalog: GET modules, PUT modules/:module/actions/:action', () => {
  let t: TestApp;
  let writer: { Authorization: string };
  let reader: { Authorization: string };

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    writer = t.auth([], { ingest: true });
    reader = t.auth([1]);
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  const catalog = async () => (await t.http.get(`${API}/modules`).set(reader).expect(200)).body;
  const putAction = (module: string | number, action: string | number, body: Record<string, unknown>, auth = writer) =>
    t.http.put(`${API}/modules/${module}/actions/${action}`).set(auth).send(body);

  it('serves exactly the seed catalog', async () => {
    expect(await catalog()).toEqual(SEED_CATALOG);
  });

  it('needs a token (401) but no right or scope', async () => {
    expectError(await t.http.get(`${API}/modules`), 401, 'Unauthorized');
    await t.http.get(`${API}/modules`).set(t.auth([])).expect(200, SEED_CATALOG);
  });

  it('adds an action to an existing module, in id order', async () => {
    const res = await putAction(3, 6, { name: 'Share', configurationAction: false, carriesPartList: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ module: 3, moduleName: 'configurator', action: 6, name: 'Share', configurationAction: false, carriesPartList: false });
    const actions = (await catalog()).modules[0].actions;
    expect(actions.map((a: { action: number }) => a.action)).toEqual([1, 2, 4, 5, 6, 302, 303]);
    expect(actions[4]).toEqual({ action: 6, name: 'Share', configurationAction: false, carriesPartList: false });
  });

  it('renames an action and changes its flags', async () => {
    await putAction(3, 2, { name: 'Saved', configurationAction: true, carriesPartList: false }).expect(200, {
      module: 3,
      moduleName: 'configurator',
      action: 2,
      name: 'Saved',
      configurationAction: true,
      carriesPartList: false,
    });
    const expected = structuredClone(SEED_CATALOG);
    expected.modules[0].actions[1] = { action: 2, name: 'Saved', configurationAction: true, carriesPartList: false };
    expect(await catalog()).toEqual(expected);
  });

  it('creates a new module named "module <id>" when no moduleName is given', async () => {
    await putAction(7, 1, { name: 'Open', configurationAction: false, carriesPartList: false }).expect(200, {
      module: 7,
      moduleName: 'module 7',
      action: 1,
      name: 'Open',
      configurationAction: false,
      carriesPartList: false,
    });
    expect((await catalog()).modules).toEqual([
      SEED_CATALOG.modules[0],
      { id: 7, name: 'module 7', actions: [{ action: 1, name: 'Open', configurationAction: false, carriesPartList: false }] },
    ]);
  });

  it('creates a new module with the given moduleName, and keeps that name for later actions', async () => {
    await putAction(4, 1, { name: 'View', configurationAction: false, carriesPartList: false, moduleName: 'planner' })
      .expect(200)
      .expect((res) => expect(res.body.moduleName).toBe('planner'));
    await putAction(4, 3, { name: 'Request', configurationAction: true, carriesPartList: true })
      .expect(200)
      .expect((res) => expect(res.body.moduleName).toBe('planner'));
    expect((await catalog()).modules[1]).toEqual({
      id: 4,
      name: 'planner',
      actions: [
        { action: 1, name: 'View', configurationAction: false, carriesPartList: false },
        { action: 3, name: 'Request', configurationAction: true, carriesPartList: true },
      ],
    });
  });

  it('renames a module through moduleName', async () => {
    await putAction(3, 1, { name: 'View', configurationAction: true, carriesPartList: false, moduleName: '3D configurator' }).expect(200);
    const modules = (await catalog()).modules;
    expect(modules.map((m: { id: number; name: string }) => [m.id, m.name])).toEqual([[3, '3D configurator']]);
    expect(modules[0].actions).toEqual(SEED_CATALOG.modules[0].actions);
  });

  it.each([
    ['-1', '1', 'module must be a non-negative integer'],
    ['x', '1', 'module must be a non-negative integer'],
    ['1.5', '1', 'module must be a non-negative integer'],
    ['2147483648', '1', 'module must be a non-negative integer'],
    ['3', '-1', 'action must be a non-negative integer'],
    ['3', 'x', 'action must be a non-negative integer'],
    ['3', '2147483648', 'action must be a non-negative integer'],
  ])('rejects module %j / action %j (400 naming it)', async (module, action, message) => {
    const res = await putAction(module, action, { name: 'X', configurationAction: false, carriesPartList: false });
    expect(expectError(res, 400, 'Bad Request')).toBe(message);
    expect(await catalog()).toEqual(SEED_CATALOG);
  });

  it.each([
    ['an empty name', { name: '', configurationAction: false, carriesPartList: false }, 'name must be at least 1 characters long'],
    ['no name', { configurationAction: false, carriesPartList: false }, 'name must be a string'],
    ['a name over 128 characters', { name: 'n'.repeat(129), configurationAction: false, carriesPartList: false }, 'name must be at most 128 characters long'],
    ['configurationAction as text', { name: 'X', configurationAction: 'yes', carriesPartList: false }, 'configurationAction must be true or false'],
    ['no carriesPartList', { name: 'X', configurationAction: false }, 'carriesPartList must be true or false'],
    ['a moduleName over 64 characters', { name: 'X', configurationAction: false, carriesPartList: false, moduleName: 'm'.repeat(65) }, 'moduleName must be at most 64 characters long'],
    ['an unknown field', { name: 'X', configurationAction: false, carriesPartList: false, hidden: true }, 'hidden: property hidden should not exist'],
  ])('rejects a body with %s (400 naming the field)', async (_what, body, message) => {
    expect(expectError(await putAction(3, 9, body), 400, 'Bad Request')).toBe(message);
    expect(await catalog()).toEqual(SEED_CATALOG);
  });

  it('PUT needs the statistics:ingest scope (403) and a token (401)', async () => {
    const body = { name: 'X', configurationAction: false, carriesPartList: false };
    expect(expectError(await putAction(3, 9, body, reader), 403, 'Forbidden')).toContain('statistics:ingest');
    expectError(await t.http.put(`${API}/modules/3/actions/9`).send(body), 401, 'Unauthorized');
    expect(await catalog()).toEqual(SEED_CATALOG);
  });
});
