import { RollupService, RollupSummary } from '../../src/rollup/rollup.service';
import { FixtureEvent, getJson, ingestAll } from '../support/fixtures';
import { cliSummary, killStrayChildren, rawSnapshot, readTable, spawnRollupCli } from '../support/rollup-fixtures';
import { TestApp } from '../support/test-app';

/**
 * The rollup calendar (spec §1 "Calendar", issue 4): periods are local days and months of
 * STATISTICS_TIME_ZONE; a 23- or 25-hour day is one day; `created` of a merged row is its period's
 * start as a UTC instant. The same events, rolled in Europe/Vienna and in UTC, with every period
 * start written out. Also: `--dry-run` changes nothing, and the CLI's summary line.
 */

const TENANT = 51;
const KEY = { module: 3, action: 2, country: 'AT', device: 'desktop', actionLabel: 'shop', actionId: 'conf:dst' };

/** Each instant with its local time in Vienna (CET = +01:00, CEST = +02:00). */
const INSTANTS = [
  '2025-12-31T23:30:00.000Z', // J1  1 Jan 00:30 CET (UTC: 31 Dec)
  '2026-01-31T22:30:00.000Z', // J2 31 Jan 23:30 CET
  '2026-01-31T23:00:00.000Z', // J3  1 Feb 00:00 CET (UTC: 31 Jan)
  '2026-03-27T23:00:00.000Z', // M1 28 Mar 00:00 CET (UTC: 27 Mar)
  '2026-03-28T22:59:59.999Z', // M2 28 Mar 23:59:59.999 CET
  '2026-03-28T23:00:00.000Z', // M3 29 Mar 00:00 CET — 29 March has 23 hours
  '2026-03-29T00:30:00.000Z', // M4 29 Mar 01:30 CET
  '2026-03-29T01:00:00.000Z', // M5 29 Mar 03:00 CEST (02:00–03:00 does not exist)
  '2026-03-29T21:30:00.000Z', // M6 29 Mar 23:30 CEST
  '2026-03-29T21:59:59.999Z', // M7 29 Mar 23:59:59.999 CEST
  '2026-03-29T22:00:00.000Z', // M8 30 Mar 00:00 CEST (UTC: 29 Mar)
  '2026-03-31T21:59:59.999Z', // M9 31 Mar 23:59:59.999 CEST
  '2026-03-31T22:00:00.000Z', // M10 1 Apr 00:00 CEST (UTC: 31 Mar)
  '2026-10-24T21:59:59.999Z', // O1 24 Oct 23:59:59.999 CEST
  '2026-10-24T22:00:00.000Z', // O2 25 Oct 00:00 CEST — 25 October has 25 hours
  '2026-10-25T00:30:00.000Z', // O3 25 Oct 02:30 CEST (first 02:30)
  '2026-10-25T01:30:00.000Z', // O4 25 Oct 02:30 CET (the repeated hour)
  '2026-10-25T22:59:59.999Z', // O5 25 Oct 23:59:59.999 CET
  '2026-10-25T23:00:00.000Z', // O6 26 Oct 00:00 CET (UTC: 25 Oct)
  '2026-10-31T22:59:59.999Z', // O7 31 Oct 23:59:59.999 CET
  '2026-10-31T23:00:00.000Z', // O8  1 Nov 00:00 CET (UTC: 31 Oct)
];
const OCTOBER = INSTANTS.slice(13);
const events: FixtureEvent[] = INSTANTS.map((created, i) => ({ tenant: TENANT, eventId: `dst-${i}`, created, ...KEY }));

/** [level, created, count] */
type Row = [number, string, number];
interface Pass {
  asOf: string;
  cutoffs: { daily: string; monthly: string };
  summary: { periods: number; rowsRead: number; rowsWritten: number };
  rows: Row[];
}
interface ZoneCase {
  /** useractions before any pass: [date, count] per local month (date = earliest created). */
  monthsBefore: Array<[string, number]>;
  /** The same months after the last pass: date = the month's start. */
  monthsAfter: Array<[string, number]>;
  /** A DST day [from, to) and its count. */
  dstDays: Array<{ from: string; to: string; count: number }>;
  passes: [Pass, Pass, Pass];
}

const realTimeOctober: Row[] = OCTOBER.map((c) => [0, c, 1]);

const CASES: Record<string, ZoneCase> = {
  'Europe/Vienna': {
    monthsBefore: [
      ['2025-12-31T23:30:00.000Z', 2],
      ['2026-01-31T23:00:00.000Z', 1],
      ['2026-03-27T23:00:00.000Z', 9],
      ['2026-03-31T22:00:00.000Z', 1],
      ['2026-10-24T21:59:59.999Z', 7],
      ['2026-10-31T23:00:00.000Z', 1],
    ],
    monthsAfter: [
      ['2025-12-31T23:00:00.000Z', 2],
      ['2026-01-31T23:00:00.000Z', 1],
      ['2026-02-28T23:00:00.000Z', 9],
      ['2026-03-31T22:00:00.000Z', 1],
      ['2026-09-30T22:00:00.000Z', 7],
      ['2026-10-31T23:00:00.000Z', 1],
    ],
    dstDays: [
      { from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z', count: 5 },
      { from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z', count: 4 },
    ],
    passes: [
      {
        asOf: '2026-08-15T00:00:00.000Z',
        cutoffs: { daily: '2026-07-15T22:00:00.000Z', monthly: '2026-01-31T23:00:00.000Z' },
        summary: { periods: 9, rowsRead: 15, rowsWritten: 9 },
        rows: [
          ...realTimeOctober,
          [1, '2026-01-31T23:00:00.000Z', 1], // 1 Feb
          [1, '2026-03-27T23:00:00.000Z', 2], // 28 Mar
          [1, '2026-03-28T23:00:00.000Z', 5], // 29 Mar (23 hours): 00:30Z and 21:30Z in one row
          [1, '2026-03-29T22:00:00.000Z', 1], // 30 Mar
          [1, '2026-03-30T22:00:00.000Z', 1], // 31 Mar
          [1, '2026-03-31T22:00:00.000Z', 1], // 1 Apr
          [2, '2025-12-31T23:00:00.000Z', 2], // January 2026
        ],
      },
      {
        asOf: '2026-12-15T00:00:00.000Z',
        cutoffs: { daily: '2026-11-14T23:00:00.000Z', monthly: '2026-05-31T22:00:00.000Z' },
        summary: { periods: 8, rowsRead: 14, rowsWritten: 8 },
        rows: [
          [1, '2026-10-23T22:00:00.000Z', 1], // 24 Oct
          [1, '2026-10-24T22:00:00.000Z', 4], // 25 Oct (25 hours, the repeated 02:30 counted twice)
          [1, '2026-10-25T23:00:00.000Z', 1], // 26 Oct
          [1, '2026-10-30T23:00:00.000Z', 1], // 31 Oct
          [1, '2026-10-31T23:00:00.000Z', 1], // 1 Nov
          [2, '2025-12-31T23:00:00.000Z', 2], // January
          [2, '2026-01-31T23:00:00.000Z', 1], // February
          [2, '2026-02-28T23:00:00.000Z', 9], // March
          [2, '2026-03-31T22:00:00.000Z', 1], // April
        ],
      },
      {
        asOf: '2027-06-01T00:00:00.000Z',
        cutoffs: { daily: '2027-05-01T22:00:00.000Z', monthly: '2026-11-30T23:00:00.000Z' },
        summary: { periods: 2, rowsRead: 5, rowsWritten: 2 },
        rows: [
          [2, '2025-12-31T23:00:00.000Z', 2],
          [2, '2026-01-31T23:00:00.000Z', 1],
          [2, '2026-02-28T23:00:00.000Z', 9],
          [2, '2026-03-31T22:00:00.000Z', 1],
          [2, '2026-09-30T22:00:00.000Z', 7], // October
          [2, '2026-10-31T23:00:00.000Z', 1], // November
        ],
      },
    ],
  },
  UTC: {
    monthsBefore: [
      ['2025-12-31T23:30:00.000Z', 1],
      ['2026-01-31T22:30:00.000Z', 2],
      ['2026-03-27T23:00:00.000Z', 10],
      ['2026-10-24T21:59:59.999Z', 8],
    ],
    monthsAfter: [
      ['2025-12-01T00:00:00.000Z', 1],
      ['2026-01-01T00:00:00.000Z', 2],
      ['2026-03-01T00:00:00.000Z', 10],
      ['2026-10-01T00:00:00.000Z', 8],
    ],
    dstDays: [
      { from: '2026-03-29T00:00:00.000Z', to: '2026-03-30T00:00:00.000Z', count: 5 },
      { from: '2026-10-25T00:00:00.000Z', to: '2026-10-26T00:00:00.000Z', count: 4 },
    ],
    passes: [
      {
        asOf: '2026-08-15T00:00:00.000Z',
        cutoffs: { daily: '2026-07-16T00:00:00.000Z', monthly: '2026-02-01T00:00:00.000Z' },
        summary: { periods: 8, rowsRead: 15, rowsWritten: 8 },
        rows: [
          ...realTimeOctober,
          [1, '2026-03-27T00:00:00.000Z', 1],
          [1, '2026-03-28T00:00:00.000Z', 2],
          [1, '2026-03-29T00:00:00.000Z', 5],
          [1, '2026-03-31T00:00:00.000Z', 2],
          [2, '2025-12-01T00:00:00.000Z', 1],
          [2, '2026-01-01T00:00:00.000Z', 2],
        ],
      },
      {
        asOf: '2026-12-15T00:00:00.000Z',
        cutoffs: { daily: '2026-11-15T00:00:00.000Z', monthly: '2026-06-01T00:00:00.000Z' },
        summary: { periods: 4, rowsRead: 12, rowsWritten: 4 },
        rows: [
          [1, '2026-10-24T00:00:00.000Z', 2],
          [1, '2026-10-25T00:00:00.000Z', 4],
          [1, '2026-10-31T00:00:00.000Z', 2],
          [2, '2025-12-01T00:00:00.000Z', 1],
          [2, '2026-01-01T00:00:00.000Z', 2],
          [2, '2026-03-01T00:00:00.000Z', 10],
        ],
      },
      {
        asOf: '2027-06-01T00:00:00.000Z',
        cutoffs: { daily: '2027-05-02T00:00:00.000Z', monthly: '2026-12-01T00:00:00.000Z' },
        summary: { periods: 1, rowsRead: 3, rowsWritten: 1 },
        rows: [
          [2, '2025-12-01T00:00:00.000Z', 1],
          [2, '2026-01-01T00:00:00.000Z', 2],
          [2, '2026-03-01T00:00:00.000Z', 10],
          [2, '2026-10-01T00:00:00.000Z', 8],
        ],
      },
    ],
  },
};

function describeZone(zone: string, c: ZoneCase): void {
  describe(`calendar in ${zone}`, () => {
    let t: TestApp;
    let rollup: RollupService;

    beforeAll(async () => {
      t = await TestApp.create({ now: new Date('2026-11-01T12:00:00.000Z'), env: { STATISTICS_TIME_ZONE: zone } });
      rollup = t.app.get(RollupService);
      await ingestAll(t, events);
    });
    afterAll(async () => {
      killStrayChildren();
      await t?.close();
    });

    async function rows(): Promise<Row[]> {
      const table = await readTable(t);
      for (const r of table) expect({ ...r, level: 0, created: '', count: 0 }).toEqual({ tenant: TENANT, ...KEY, actionParameter: null, level: 0, created: '', count: 0, userId: null, eventId: r.level === 0 ? r.eventId : null });
      return table.map((r) => [r.level, r.created, r.count]);
    }

    async function months(): Promise<Array<[string, number]>> {
      const res = await getJson(t, TENANT, 'useractions').expect(200);
      return res.body.userActions.map((e: { date: string; count: number }) => [e.date, e.count]);
    }

    /** userActionsAggregated over the two DST days: [count, aggregationLevel] each ([0, null] when empty). */
    async function dstDays(): Promise<Array<[number, number | null]>> {
      const out: Array<[number, number | null]> = [];
      for (const d of c.dstDays) {
        const res = await getJson(t, TENANT, 'userActionsAggregated', `from=${d.from}&to=${d.to}`).expect(200);
        out.push([res.body.userActions[0]?.count ?? 0, res.body.userActions[0]?.aggregationLevel ?? null]);
      }
      return out;
    }
    const [march, october] = c.dstDays.map((d) => d.count);

    function expectSummary(s: RollupSummary | Record<string, unknown>, p: Pass, dryRun = false): void {
      expect({ ...s, seconds: 0 }).toEqual({
        asOf: p.asOf,
        dailyCutoff: p.cutoffs.daily,
        monthlyCutoff: p.cutoffs.monthly,
        dryRun,
        ...p.summary,
        rowsDeleted: p.summary.rowsRead,
        seconds: 0,
      });
    }

    it('stores the events as real-time rows; useractions groups them by local month', async () => {
      expect(await rows()).toEqual(INSTANTS.map((i) => [0, i, 1]));
      expect(await months()).toEqual(c.monthsBefore);
      expect(await dstDays()).toEqual([
        [march, 0],
        [october, 0],
      ]);
    });

    it('first pass: exact daily period starts across the March change, and the January monthly row', async () => {
      const p = c.passes[0];
      expect(rollup.cutoffs(new Date(p.asOf))).toEqual({ daily: new Date(p.cutoffs.daily), monthly: new Date(p.cutoffs.monthly) });
      // A dry run reports what the pass will do (including the daily rows its monthly step will
      // read: those the daily step is about to make), and changes nothing.
      const before = await rawSnapshot(t);
      const dry = await rollup.run({ asOf: new Date(p.asOf), dryRun: true });
      expectSummary(dry, p, true);
      expect(await rawSnapshot(t)).toEqual(before);

      expectSummary(await rollup.run({ asOf: new Date(p.asOf) }), p);
      expect(await rows()).toEqual(p.rows);
      // The 23-hour day as one daily row: nothing lost, nothing counted twice.
      expect(await dstDays()).toEqual([
        [march, 1],
        [october, 0],
      ]);
    });

    it('second pass through the CLI (dry run first): the October change as one 25-hour day; the summary line', async () => {
      const p = c.passes[1];
      const before = await rawSnapshot(t);
      const dry = spawnRollupCli(t, ['--as-of', p.asOf, '--dry-run']);
      expect(await dry.exit).toEqual({ code: 0, signal: null });
      expect(await rawSnapshot(t)).toEqual(before);
      const dryLine = dry.stdout().split('\n')[0];
      expect(dryLine).toMatch(
        new RegExp(
          `^DRY RUN \\(nothing changed\\): rollup as of ${p.asOf} \\(daily before ${p.cutoffs.daily}, monthly before ${p.cutoffs.monthly}\\): ` +
            `${p.summary.periods} periods, ${p.summary.rowsRead} rows read, ${p.summary.rowsWritten} rows written, ${p.summary.rowsRead} rows deleted, \\d+\\.\\d\\d s$`,
        ),
      );
      expectSummary(cliSummary(dry), p, true);

      const run = spawnRollupCli(t, ['--as-of', p.asOf]);
      expect(await run.exit).toEqual({ code: 0, signal: null });
      const lines = run.stdout().trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        new RegExp(
          `^rollup as of ${p.asOf} \\(daily before ${p.cutoffs.daily}, monthly before ${p.cutoffs.monthly}\\): ` +
            `${p.summary.periods} periods, ${p.summary.rowsRead} rows read, ${p.summary.rowsWritten} rows written, ${p.summary.rowsRead} rows deleted, \\d+\\.\\d\\d s$`,
        ),
      );
      expectSummary(cliSummary(run), p);
      expect(await rows()).toEqual(p.rows);
      // The 25-hour day as one daily row; March now sits in its monthly row (created = 1 March).
      expect(await dstDays()).toEqual([
        [0, null],
        [october, 1],
      ]);
    }, 120_000);

    it('third pass: monthly rows start at the local month start; useractions dates are those starts', async () => {
      const p = c.passes[2];
      expectSummary(await rollup.run({ asOf: new Date(p.asOf) }), p);
      expect(await rows()).toEqual(p.rows);
      expect(await months()).toEqual(c.monthsAfter);
      const again = await rollup.run({ asOf: new Date(p.asOf), dryRun: true });
      expect({ read: again.rowsRead, written: again.rowsWritten, periods: again.periods }).toEqual({ read: 0, written: 0, periods: 0 });
    });
  });
}

for (const [zone, c] of Object.entries(CASES)) describeZone(zone, c);
