import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Locator, Page, Response } from 'playwright-core';
import { loadConfig } from '../../src/config/app-config';
import { DEMO_TENANT } from '../../src/demo/demo-data.service';
import { API } from '../support/client-core';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { readWithExcelJs } from '../support/xlsx';

/**
 * Issue 11 item 6: Swagger UI works on the first click. The compiled service runs as `npm start`
 * runs it (`node dist/main.js --demo` on a fresh SQLite file); headless Chromium (Debian's
 * `chromium`, driven by playwright-core) opens /docs, clicks Authorize, pastes the token the start
 * banner printed, and for every operation of the document: expands it, "Try it out", Execute with
 * the pre-filled values — then the status shown in the UI's live response and the answer are
 * asserted. The read routes also run once with the "text/csv" media type, and useractions once with
 * the XLSX type (the download read back with exceljs's reader). Afterwards the database
 * is checked: the demo catalog and demo users are unchanged, nothing stored looks like a Swagger
 * placeholder. Results (results.json) and a screenshot of every operation after its Execute go to
 * a temp dir (printed at the end).
 *
 * Run with `npm run test:browser` (builds first).
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** How long one UI step (a click's effect, a response) may take on a loaded 2-core machine. */
const STEP_TIMEOUT_MS = 30_000;

interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The body's bytes (an XLSX download). */
  bytes: Buffer;
  url: string;
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below /v2/statistics, as the document has it. */
  path: string;
  /** The response media type to pick in the UI (the "Media type" select that controls Accept). */
  mediaType?: 'text/csv' | typeof XLSX;
  status: number;
  /** What makes the answer meaningful; returns the problem, or undefined when it is fine. */
  check: (a: Answer) => string | undefined | Promise<string | undefined>;
}

const json = (a: Answer): any => JSON.parse(a.text);

/** Rows of a JSON list that all belong to the demo tenant; the problem otherwise. */
function demoRows(rows: unknown, what: string): string | undefined {
  if (!Array.isArray(rows)) return `${what} is not a list`;
  if (rows.length === 0) return `${what} is empty (the demo tenant has data)`;
  const foreign = rows.filter((r: { tenant?: unknown }) => 'tenant' in r && r.tenant !== DEMO_TENANT);
  return foreign.length ? `${foreign.length} rows of ${what} are not tenant ${DEMO_TENANT}` : undefined;
}

function csvRows(a: Answer, header: RegExp): string | undefined {
  if (!/^text\/csv/.test(a.contentType)) return `content-type is ${a.contentType}, not text/csv`;
  const lines = a.text.split('\n');
  if (!header.test(lines[0])) return `first line ${JSON.stringify(lines[0])} is not the CSV header`;
  return lines.length < 2 ? 'no data row (the demo tenant has data)' : undefined;
}

/** An XLSX download read back (exceljs's reader): its header row and at least one row of the demo tenant. */
async function xlsxRows(a: Answer, header: string[]): Promise<string | undefined> {
  if (a.contentType !== XLSX) return `content-type is ${a.contentType}, not XLSX`;
  const { rows } = await readWithExcelJs(a.bytes);
  if (JSON.stringify(rows[0]?.slice(0, header.length)) !== JSON.stringify(header)) return `header row ${JSON.stringify(rows[0])} is not ${JSON.stringify(header)}`;
  if (rows.length < 2) return 'no data row (the demo tenant has data)';
  const foreign = rows.slice(1).filter((r) => r[2] !== DEMO_TENANT);
  return foreign.length ? `${foreign.length} rows are not tenant ${DEMO_TENANT}` : undefined;
}

const OPERATIONS: Operation[] = [
  { method: 'GET', path: '/health/live', status: 200, check: (a) => (json(a).status === 'ok' ? undefined : a.text) },
  {
    method: 'GET',
    path: '/health/ready',
    status: 200,
    check: (a) => (json(a).status === 'ok' && json(a).database === 'sqlite' ? undefined : a.text),
  },
  {
    method: 'POST',
    path: '/tenants/{id}/useractions',
    status: 202,
    check: (a) => {
      const b = json(a);
      return Number.isInteger(b.accepted) && b.accepted >= 1 && Number.isInteger(b.duplicates) ? undefined : `accepted < 1: ${a.text}`;
    },
  },
  { method: 'GET', path: '/tenants/{id}/useractions', status: 200, check: (a) => demoRows(json(a).userActions, 'userActions') },
  { method: 'GET', path: '/tenants/{id}/useractions', mediaType: 'text/csv', status: 200, check: (a) => csvRows(a, /^"module","action","tenant","count"/) },
  { method: 'GET', path: '/tenants/{id}/useractions', mediaType: XLSX, status: 200, check: (a) => xlsxRows(a, ['module', 'action', 'tenant', 'count', 'month', 'year']) },
  {
    method: 'GET',
    path: '/tenants/{id}/userActionsAggregated',
    status: 200,
    check: (a) => demoRows(json(a).userActions, 'userActions'),
  },
  {
    method: 'GET',
    path: '/tenants/{id}/userActionsAggregated',
    mediaType: 'text/csv',
    status: 200,
    check: (a) => csvRows(a, /^"module","action","tenant","count"/),
  },
  {
    method: 'GET',
    path: '/tenants/{id}/userActionsSeries',
    status: 200,
    check: (a) => {
      // Pre-filled: the current month by day, compared with the month before (compare's example).
      const b = json(a);
      const problem = demoRows(b.series, 'series');
      if (problem) return problem;
      if (!b.meta?.comparison || b.meta.buckets?.length < 28) return `no comparison or too few buckets: ${a.text.slice(0, 300)}`;
      const counted = b.series.reduce((n: number, s: { total: number; comparison: { total: number } }) => n + s.total + s.comparison.total, 0);
      return counted > 0 ? undefined : 'every bucket is empty (the demo tenant has data)';
    },
  },
  {
    method: 'GET',
    path: '/tenants/{id}/userActionsSeries',
    mediaType: 'text/csv',
    status: 200,
    check: (a) => csvRows(a, /^"bucketStart","bucket","module","action","tenant","count","comparisonBucketStart","comparisonCount"$/),
  },
  {
    method: 'GET',
    path: '/tenants/{id}/configurations',
    status: 200,
    check: (a) => {
      const b = json(a);
      return demoRows(b.tenantConfigurationStatistics, 'tenantConfigurationStatistics') ?? (b.meta?.total >= 1 ? undefined : `meta.total ${b.meta?.total}`);
    },
  },
  {
    method: 'GET',
    path: '/tenants/{id}/configurations',
    mediaType: 'text/csv',
    status: 200,
    check: (a) => csvRows(a, /^"link","thumbnail","created","action"/),
  },
  { method: 'PUT', path: '/users/{userId}', status: 200, check: () => undefined },
  { method: 'DELETE', path: '/users/{userId}', status: 204, check: (a) => (a.text === '' ? undefined : `a body: ${a.text}`) },
  {
    method: 'GET',
    path: '/modules',
    status: 200,
    check: (a) => {
      const m = (json(a).modules as Array<{ id: number; name: string; actions: unknown[] }>).find((x) => x.id === 3);
      return m && m.name === 'configurator' && m.actions.length >= 6 ? undefined : `module 3 missing or changed: ${a.text.slice(0, 300)}`;
    },
  },
  { method: 'PUT', path: '/modules/{module}/actions/{action}', status: 200, check: () => undefined },
];

const label = (op: Operation) => `${op.method} ${op.path}${op.mediaType ? ` (${op.mediaType})` : ''}`;

/** The path of a response URL matches the document's template (`{id}` = one segment). */
function pathMatcher(template: string): RegExp {
  const escaped = `${API}${template}`.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

interface Result {
  operation: string;
  uiStatus: string;
  status: number | null;
  url: string;
  ok: boolean;
  detail: string;
}

/** Every text cell of every table, for the placeholder check. */
function textCells(file: string): Array<{ table: string; column: string; value: string }> {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
    const cells: Array<{ table: string; column: string; value: string }> = [];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
        for (const [column, value] of Object.entries(row)) if (typeof value === 'string') cells.push({ table: name, column, value });
      }
    }
    return cells;
  } finally {
    db.close();
  }
}

function demoSnapshot(file: string): { catalog: unknown[]; users: unknown[] } {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return {
      catalog: db
        .prepare(
          'SELECT m.id AS module, m.name AS moduleName, a.action, a.name, a.configuration_action, a.carries_part_list ' +
            'FROM catalog_module m LEFT JOIN catalog_action a ON a.module = m.id ORDER BY m.id, a.action',
        )
        .all(),
      users: db.prepare('SELECT user_id, email, statistics_consent FROM directory_user ORDER BY user_id').all(),
    };
  } finally {
    db.close();
  }
}

describe('Swagger UI on the demo data: Execute with the pre-filled values of every operation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swagger-ui-test-'));
  const sqlitePath = join(dir, 'statistics.sqlite');
  const results: Result[] = [];
  let svc: ServiceProcess;
  let browser: Browser;
  let page: Page;
  let documentOps: string[] = [];
  let before: ReturnType<typeof demoSnapshot>;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    svc = await ServiceProcess.start({ database: loadConfig({ SQLITE_PATH: sqlitePath }).database, args: ['--demo'] });
    before = demoSnapshot(sqlitePath);
    const doc = (await (await fetch(`${svc.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    documentOps = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path.slice(API.length)}`),
    );

    // The token exactly as `npm start` prints it: the line after "Development token …".
    const lines = svc.stdout().split('\n');
    const at = lines.findIndex((l) => l.startsWith('Development token'));
    const token = lines[at + 1];
    if (at < 0 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new Error(`no development token in the start banner:\n${svc.output()}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(`${svc.baseUrl}/docs`);
    await page.locator('.opblock').first().waitFor();
    await page.locator('button.authorize').first().click();
    const modal = page.locator('.modal-ux');
    await modal.locator('input#auth-bearer-value').fill(token);
    await modal.locator('button.authorize').click();
    await modal.getByText('Authorized').waitFor();
    await modal.locator('button.btn-done').click();
    await modal.waitFor({ state: 'detached' });
  }, 120_000);

  afterAll(async () => {
    const table = results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.operation.padEnd(52)} ${r.uiStatus.padEnd(5)} ${r.detail}`).join('\n');
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
    console.log(`Swagger UI operations executed (${results.filter((r) => r.ok).length}/${results.length} as expected):\n${table}\nscreenshots and results.json: ${dir}`);
    await browser?.close();
    stopAllServices();
    rmSync(sqlitePath, { force: true });
    for (const suffix of ['-wal', '-shm']) rmSync(sqlitePath + suffix, { force: true });
  }, 60_000);

  it('the test covers exactly the operations of the served document', () => {
    const covered = [...new Set(OPERATIONS.map((o) => `${o.method} ${o.path}`))].sort();
    expect(documentOps.sort()).toEqual(covered);
  });

  /** Expands the operation, switches to "Try it out", picks the media type, Executes; the answer. */
  async function execute(op: Operation, block: Locator, n: number): Promise<Result> {
    const result: Result = { operation: label(op), uiStatus: '-', status: null, url: '', ok: false, detail: '' };
    if ((await block.locator('.opblock-body').count()) === 0) await block.locator('.opblock-summary-control').click();
    const tryOut = block.locator('button.try-out__btn');
    if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
    await block.locator('button.try-out__btn.cancel').waitFor();
    if (op.mediaType) await block.locator('.responses-wrapper select.content-type').first().selectOption(op.mediaType);
    // A live response of an earlier Execute of the same operation goes first.
    const clear = block.locator('button.btn-clear');
    if (await clear.count()) {
      await clear.click();
      await block.locator('.live-responses-table').waitFor({ state: 'detached' });
    }
    const matcher = pathMatcher(op.path);
    const answered = page.waitForResponse((r) => r.request().method() === op.method && matcher.test(new URL(r.url()).pathname));
    // Swagger UI refuses to send when a required value is missing or malformed.
    const refused = block.locator('.validation-errors, input.invalid, textarea.invalid, select.invalid').first().waitFor();
    answered.catch(() => undefined);
    refused.catch(() => undefined);
    await block.locator('button.execute').click();
    const outcome = await Promise.race([answered, refused.then(() => 'refused' as const)]);
    if (outcome === 'refused') {
      const errors = (await block.locator('.validation-errors').allInnerTexts()).join(' ').replace(/\s+/g, ' ').trim();
      const invalid: string[] = [];
      for (const row of await block.locator('tr[data-param-name]:has(.invalid)').all()) invalid.push((await row.getAttribute('data-param-name')) ?? '?');
      if (await block.locator('.body-param .invalid, .body-param__text.invalid').count()) invalid.push('request body');
      result.detail = `not sent: Swagger UI's validation refused the pre-filled values (${errors || 'invalid'}; fields: ${invalid.join(', ')})`;
      await block.screenshot({ path: join(dir, `${String(n).padStart(2, '0')}-refused.png`) }).catch(() => undefined);
      return result;
    }
    const response = outcome as Response;
    const answer: Answer = {
      status: response.status(),
      contentType: response.headers()['content-type'] ?? '',
      text: '',
      bytes: await response.body(),
      url: response.url(),
    };
    if (answer.contentType === XLSX) {
      // The file as a user gets it: the "Download file" link Swagger UI shows under the response.
      const link = block.locator('.live-responses-table a[download]').first();
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      answer.bytes = readFileSync(await download.path());
      answer.text = `(${answer.bytes.length} bytes of XLSX, downloaded as ${download.suggestedFilename()})`;
    } else answer.text = answer.bytes.toString('utf8');
    result.status = answer.status;
    result.url = answer.url.slice(svc.baseUrl.length);
    // The status as the UI shows it in its live response.
    const shown = block.locator('.live-responses-table tr.response .response-col_status').first();
    await shown.waitFor();
    result.uiStatus = (await shown.innerText()).trim();
    await block.screenshot({ path: join(dir, `${String(n).padStart(2, '0')}-${op.method}-${op.path.replace(/\W+/g, '_')}.png`) }).catch(() => undefined);
    let problem: string | undefined;
    if (result.uiStatus !== String(op.status)) problem = `UI shows ${result.uiStatus}, expected ${op.status}: ${answer.text.slice(0, 300)}`;
    else if (answer.status !== op.status) problem = `answered ${answer.status}, expected ${op.status}`;
    else {
      try {
        problem = await op.check(answer);
      } catch (err) {
        problem = `unreadable answer (${(err as Error).message}): ${answer.text.slice(0, 200)}`;
      }
    }
    result.ok = problem === undefined;
    result.detail = problem ?? `${answer.contentType.split(';')[0] || 'no body'}, ${answer.text.length} bytes — ${result.url}`;
    return result;
  }

  it.each(OPERATIONS.map((op, i) => [label(op), op, i + 1] as const))('%s', async (_name, op, n) => {
    const block = page.locator(`.opblock.opblock-${op.method.toLowerCase()}`, {
      has: page.locator(`.opblock-summary-path[data-path="${API}${op.path}"]`),
    });
    expect(await block.count()).toBe(1);
    const result = await execute(op, block, n);
    results.push(result);
    // The detail says what went wrong (the UI's status, the answer, or why Swagger UI sent nothing).
    const { operation, ok, uiStatus, status } = result;
    expect({ operation, ok, uiStatus, status, detail: ok ? 'as expected' : result.detail }).toEqual({
      operation,
      ok: true,
      uiStatus: String(op.status),
      status: op.status,
      detail: 'as expected',
    });
  }, 90_000);

  it('afterwards the demo catalog and demo users are unchanged and nothing stored looks like a Swagger placeholder', () => {
    const after = demoSnapshot(sqlitePath);
    // Entries the examples may add are allowed; those the demo had must be exactly as they were.
    for (const entry of before.catalog) expect(after.catalog).toContainEqual(entry);
    for (const user of before.users) expect(after.users).toContainEqual(user);
    const placeholders = textCells(sqlitePath).filter(
      ({ value }) => /^string$/i.test(value.trim()) || /additionalProp\d/.test(value) || value === 'user@example.com' || /"string"/.test(value),
    );
    expect(placeholders).toEqual([]);
  });
});
