import { Calendar } from '../../src/common/calendar';
import { toInstant, toInt } from '../../src/database/values';
import { TestApp } from './test-app';

/**
 * Recomputes the summary tables (stat_day, stat_day_cd, stat_day_label, stat_day_lcd) from `user_action` (in JS, with the configured zone) and
 * compares: counts must be identical; the earliest `created` per (tenant, local month, module,
 * action) must be identical too (what the useractions route reports as `date`).
 */
export async function expectSummariesConsistent(t: TestApp): Promise<void> {
  const cal = new Calendar(t.config.timeZone);
  const raw: Array<Record<string, unknown>> = await t.dataSource.query(
    'SELECT tenant, created, module, action, aggregation_level AS level, country, device, action_label AS label, count FROM user_action',
  );
  const day = new Map<string, number>();
  const cd = new Map<string, number>();
  const label = new Map<string, number>();
  const lcd = new Map<string, number>();
  const monthMin = new Map<string, number>();
  for (const r of raw) {
    const created = toInstant(r.created);
    const d = cal.startOfDay(created).toISOString();
    const base = `${toInt(r.tenant)}|${d}|${toInt(r.module)}|${toInt(r.action)}|${toInt(r.level)}`;
    day.set(base, (day.get(base) ?? 0) + toInt(r.count));
    const ck = `${base}|${r.country ?? '∅'}|${r.device ?? '∅'}`;
    cd.set(ck, (cd.get(ck) ?? 0) + toInt(r.count));
    const lk = `${base}|${r.label ?? '∅'}`;
    label.set(lk, (label.get(lk) ?? 0) + toInt(r.count));
    const lcdk = `${lk}|${r.country ?? '∅'}|${r.device ?? '∅'}`;
    lcd.set(lcdk, (lcd.get(lcdk) ?? 0) + toInt(r.count));
    const mk = `${toInt(r.tenant)}|${cal.startOfMonth(created).toISOString()}|${toInt(r.module)}|${toInt(r.action)}`;
    monthMin.set(mk, Math.min(monthMin.get(mk) ?? Infinity, created.getTime()));
  }
  const sDay: Array<Record<string, unknown>> = await t.dataSource.query(
    'SELECT tenant, day, module, action, aggregation_level AS level, count, min_created AS minCreated FROM stat_day',
  );
  const sCd: Array<Record<string, unknown>> = await t.dataSource.query(
    'SELECT tenant, day, module, action, aggregation_level AS level, country, device, count FROM stat_day_cd',
  );
  const gotDay = new Map<string, number>();
  const gotMonthMin = new Map<string, number>();
  for (const r of sDay) {
    const dayStart = toInstant(r.day);
    gotDay.set(`${toInt(r.tenant)}|${dayStart.toISOString()}|${toInt(r.module)}|${toInt(r.action)}|${toInt(r.level)}`, toInt(r.count));
    const mk = `${toInt(r.tenant)}|${cal.startOfMonth(dayStart).toISOString()}|${toInt(r.module)}|${toInt(r.action)}`;
    gotMonthMin.set(mk, Math.min(gotMonthMin.get(mk) ?? Infinity, toInstant(r.minCreated).getTime()));
  }
  const gotCd = new Map<string, number>();
  for (const r of sCd) {
    gotCd.set(
      `${toInt(r.tenant)}|${toInstant(r.day).toISOString()}|${toInt(r.module)}|${toInt(r.action)}|${toInt(r.level)}|${r.country ?? '∅'}|${r.device ?? '∅'}`,
      toInt(r.count),
    );
  }
  const gotLabel = new Map<string, number>();
  const sLabel: Array<Record<string, unknown>> = await t.dataSource.query(
    'SELECT tenant, day, module, action, aggregation_level AS level, action_label AS label, count FROM stat_day_label',
  );
  for (const r of sLabel) {
    gotLabel.set(`${toInt(r.tenant)}|${toInstant(r.day).toISOString()}|${toInt(r.module)}|${toInt(r.action)}|${toInt(r.level)}|${r.label ?? '∅'}`, toInt(r.count));
  }
  const gotLcd = new Map<string, number>();
  const sLcd: Array<Record<string, unknown>> = await t.dataSource.query(
    'SELECT tenant, day, module, action, aggregation_level AS level, action_label AS label, country, device, count FROM stat_day_lcd',
  );
  for (const r of sLcd) {
    gotLcd.set(
      `${toInt(r.tenant)}|${toInstant(r.day).toISOString()}|${toInt(r.module)}|${toInt(r.action)}|${toInt(r.level)}|${r.label ?? '∅'}|${r.country ?? '∅'}|${r.device ?? '∅'}`,
      toInt(r.count),
    );
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  expect(sorted(gotDay)).toEqual(sorted(day));
  expect(sorted(gotCd)).toEqual(sorted(cd));
  expect(sorted(gotLabel)).toEqual(sorted(label));
  expect(sorted(gotLcd)).toEqual(sorted(lcd));
  expect(sorted(gotMonthMin)).toEqual(sorted(monthMin));
}
