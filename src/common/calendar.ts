import { DateTime } from 'luxon';

/** Entries an {@link IntervalCache} holds before it starts afresh (a few kB each thousand). */
const CACHE_ENTRIES = 4096;
const HOUR_MS = 3_600_000;

/**
 * Remembers computed periods [start, end) by the hour an instant falls in. A hit is only taken
 * when the instant lies inside the remembered period, so an answer is always the computed one;
 * an hour that a period boundary cuts (a zone offset of :30 or :45) just misses more often.
 */
class IntervalCache {
  private readonly byHour = new Map<number, { start: number; end: number }>();

  constructor(private readonly compute: (t: number) => { start: number; end: number }) {}

  start(t: number): number {
    const hour = Math.floor(t / HOUR_MS);
    const hit = this.byHour.get(hour);
    if (hit && hit.start <= t && t < hit.end) return hit.start;
    const period = this.compute(t);
    if (this.byHour.size >= CACHE_ENTRIES) this.byHour.clear();
    this.byHour.set(hour, period);
    return period.start;
  }
}

/**
 * The statistics calendar: days and months in STATISTICS_TIME_ZONE, expressed as UTC instants.
 * Luxon does the zone arithmetic, so a 23- or 25-hour day is still one day.
 *
 * `startOfDay` and `startOfMonth` run for every row that ingestion, the rollup and a rebuild
 * count (≈ 3 µs per call in UTC, ≈ 19 µs in Europe/Vienna with Luxon), so the periods found are
 * remembered: a row whose instant lies in a known period costs a map lookup
 * (docs/performance.md, "Rollup").
 */
export class Calendar {
  private readonly days = new IntervalCache((t) => this.period(t, 'day'));
  private readonly months = new IntervalCache((t) => this.period(t, 'month'));

  constructor(readonly zone: string) {}

  /** The local day or month holding `t`: its start and the start of the next one. */
  private period(t: number, unit: 'day' | 'month'): { start: number; end: number } {
    const start = DateTime.fromMillis(t, { zone: this.zone }).startOf(unit);
    const end = start.plus(unit === 'day' ? { days: 1 } : { months: 1 }).startOf(unit);
    return { start: start.toMillis(), end: end.toMillis() };
  }

  private local(d: Date): DateTime {
    return DateTime.fromJSDate(d, { zone: this.zone });
  }

  startOfMonth(d: Date): Date {
    return new Date(this.months.start(d.getTime()));
  }

  addMonths(monthStart: Date, months: number): Date {
    return this.local(monthStart).plus({ months }).startOf('month').toJSDate();
  }

  startOfDay(d: Date): Date {
    return new Date(this.days.start(d.getTime()));
  }

  addDays(dayStart: Date, days: number): Date {
    return this.local(dayStart).plus({ days }).startOf('day').toJSDate();
  }

  /** The calendar month holding `now`: [start, end). */
  currentMonth(now: Date): { from: Date; to: Date } {
    const from = this.startOfMonth(now);
    return { from, to: this.addMonths(from, 1) };
  }

  /** Month starts from the month of `first` up to and including the month after `last`. */
  monthStarts(first: Date, last: Date): Date[] {
    const out: Date[] = [];
    let m = this.startOfMonth(first);
    const end = this.startOfMonth(last);
    while (m.getTime() <= end.getTime()) {
      out.push(m);
      m = this.addMonths(m, 1);
    }
    out.push(m);
    return out;
  }

  /** Local month (1–12) and year of an instant. */
  monthYear(d: Date): { month: number; year: number } {
    const l = this.local(d);
    return { month: l.month, year: l.year };
  }
}
