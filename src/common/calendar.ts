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
    return this.period(t).start;
  }

  /** The start of the next period (the end of the one holding `t`). */
  end(t: number): number {
    return this.period(t).end;
  }

  private period(t: number): { start: number; end: number } {
    const hour = Math.floor(t / HOUR_MS);
    const hit = this.byHour.get(hour);
    if (hit && hit.start <= t && t < hit.end) return hit;
    const period = this.compute(t);
    if (this.byHour.size >= CACHE_ENTRIES) this.byHour.clear();
    this.byHour.set(hour, period);
    return period;
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
  private readonly hours = new IntervalCache((t) => this.period(t, 'hour'));

  constructor(readonly zone: string) {}

  /** The local day or month holding `t`: its start and the start of the next one. */
  private period(t: number, unit: 'hour' | 'day' | 'month'): { start: number; end: number } {
    const start = DateTime.fromMillis(t, { zone: this.zone }).startOf(unit);
    if (unit === 'hour') {
      // An hour is a real hour (a 25-hour day has 25 of them): the next one usually starts 60
      // minutes later — the start of the hour holding start + 1 h. Where a 30-minute change
      // repeats half an hour (Australia/Lord_Howe, 02:00 → 01:30), start + 1 h still lies in this
      // hour, which lasts 90 minutes: the next starts with the hour holding start + 2 h.
      const next = (hours: number) => DateTime.fromMillis(start.toMillis() + hours * HOUR_MS, { zone: this.zone }).startOf('hour').toMillis();
      const end = next(1) > start.toMillis() ? next(1) : next(2);
      return { start: start.toMillis(), end };
    }
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

  /** The start of the local hour holding `d` (a real hour: on a daylight-saving day 23 or 25 of them). */
  startOfHour(d: Date): Date {
    return new Date(this.hours.start(d.getTime()));
  }

  /** The start of the local hour after the one holding `d` (60 minutes later, but for 30-minute offset changes). */
  endOfHour(d: Date): Date {
    return new Date(this.hours.end(d.getTime()));
  }

  startOfDay(d: Date): Date {
    return new Date(this.days.start(d.getTime()));
  }

  /**
   * The start of the local day `days` after the one holding `dayStart` (Luxon's date arithmetic:
   * calendar dates, so 7 days after 24 December 2011 in Apia, which skipped the 30th, is the 31st).
   * The next day after a day start is the remembered day's end (a request's planner steps through
   * every day of its range: Luxon here was 2.4 % of the service's CPU under bench D); the same day
   * (calendar.spec.ts compares them).
   */
  addDays(dayStart: Date, days: number): Date {
    const t = dayStart.getTime();
    if (days === 1 && this.days.start(t) === t) return new Date(this.days.end(t));
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

/** The bucket sizes of a time series (userActionsSeries). */
export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const WEEK_STARTS = ['monday', 'sunday'] as const;
export type WeekStart = (typeof WEEK_STARTS)[number];

/**
 * One bucket of a series: the local hour, day, week or month starting at `start` (UTC instant)
 * and ending at `end` (the next one's start). `partial`: the range cuts it (`from` after its
 * start, `to` before its end), or it has not ended at `now` (running, or still to come).
 */
export interface Bucket {
  start: Date;
  end: Date;
  label: string;
  partial: boolean;
}

/**
 * The calendar rules of time series, pure functions of a {@link Calendar} (its zone) and the
 * arguments: bucket starts, labels, the buckets of a range, the comparison ranges and the
 * earliest `from` an interval can serve. Unit-tested in calendar.spec.ts.
 */
export class SeriesCalendar {
  constructor(
    readonly calendar: Calendar,
    readonly weekStart: WeekStart = 'monday',
  ) {}

  private local(d: Date | number): DateTime {
    return DateTime.fromMillis(typeof d === 'number' ? d : d.getTime(), { zone: this.calendar.zone });
  }

  /**
   * The start of the local hour holding `d` (Calendar.startOfHour, the hours of `stat_hour`). An
   * hour is a real hour: on a 25-hour day the repeated local hour is two
   * buckets (two starts an hour apart), on a 23-hour day the skipped one is none.
   */
  startOfHour(d: Date): Date {
    // The calendar's own (the hours of `stat_hour`): one rule for the summary and the buckets.
    return this.calendar.startOfHour(d);
  }

  /** The start of the local week holding `d` (Monday 00:00, or Sunday 00:00 with weekStart=sunday). */
  startOfWeek(d: Date): Date {
    const day = this.calendar.startOfDay(d);
    const weekday = this.local(day).weekday; // 1 Monday … 7 Sunday
    const back = this.weekStart === 'monday' ? weekday - 1 : weekday % 7;
    return back === 0 ? day : this.calendar.addDays(day, -back);
  }

  startOf(d: Date, interval: Interval): Date {
    switch (interval) {
      case 'hour':
        return this.startOfHour(d);
      case 'day':
        return this.calendar.startOfDay(d);
      case 'week':
        return this.startOfWeek(d);
      case 'month':
        return this.calendar.startOfMonth(d);
    }
  }

  /** The start of the bucket after the one starting at `start`. */
  next(start: Date, interval: Interval): Date {
    switch (interval) {
      case 'hour':
        // Usually start + 1 h; an offset change off the hour (Lord Howe's 30 minutes) shortens or lengthens one.
        return this.calendar.endOfHour(start);
      case 'day':
        return this.calendar.addDays(start, 1);
      case 'week':
        return this.calendar.addDays(start, 7);
      case 'month':
        return this.calendar.addMonths(start, 1);
    }
  }

  /**
   * The bucket's local start as a sortable, parseable key: `2026-06-01T14` (hour), `2026-06-01`
   * (day), `2026-W23` (ISO week-year and week), with weekStart=sunday the date of its Sunday,
   * `2026-06` (month). The repeated hour of a 25-hour day has the same label twice: `start`
   * tells them apart.
   */
  label(start: Date, interval: Interval): string {
    const l = this.local(start);
    switch (interval) {
      case 'hour':
        return l.toFormat("yyyy-LL-dd'T'HH");
      case 'day':
        return l.toFormat('yyyy-LL-dd');
      case 'week':
        return this.weekStart === 'monday' ? l.toFormat("kkkk-'W'WW") : l.toFormat('yyyy-LL-dd');
      case 'month':
        return l.toFormat('yyyy-LL');
    }
  }

  /** Number of buckets of `interval` that [from, to) touches (stops counting past `max`). */
  count(from: Date, to: Date, interval: Interval, max = Infinity): number {
    if (from.getTime() >= to.getTime()) return 0;
    if (interval === 'hour') {
      // Hours are real hours (a few zones shift by 30 minutes: count those one by one).
      const rough = Math.ceil((to.getTime() - this.startOfHour(from).getTime()) / HOUR_MS);
      if (rough > max + 2) return rough;
    }
    let n = 0;
    for (let s = this.startOf(from, interval); s.getTime() < to.getTime() && n <= max; s = this.next(s, interval)) n++;
    return n;
  }

  /** The buckets [from, to) touches, in order; the first and last may be cut by the range ({@link Bucket}). */
  buckets(from: Date, to: Date, interval: Interval, now: Date): Bucket[] {
    const out: Bucket[] = [];
    if (from.getTime() >= to.getTime()) return out;
    for (let start = this.startOf(from, interval); start.getTime() < to.getTime(); ) {
      const end = this.next(start, interval);
      const partial = start.getTime() < from.getTime() || end.getTime() > to.getTime() || end.getTime() > now.getTime();
      out.push({ start, end, label: this.label(start, interval), partial });
      start = end;
    }
    return out;
  }

  /** True when `d` is the start of its local month. */
  private isMonthStart(d: Date): boolean {
    return this.calendar.startOfMonth(d).getTime() === d.getTime();
  }

  private isDayStart(d: Date): boolean {
    return this.calendar.startOfDay(d).getTime() === d.getTime();
  }

  /**
   * The period directly before [from, to): a range of whole local months compares with as many
   * whole months before it (March → February, whatever their lengths); a range of whole local
   * days with as many local days before it (a daylight-saving change does not shift it off
   * midnight); any other range with the same length in milliseconds.
   */
  previousPeriod(from: Date, to: Date): { from: Date; to: Date } {
    if (from.getTime() < to.getTime() && this.isMonthStart(from) && this.isMonthStart(to)) {
      const a = this.local(from);
      const b = this.local(to);
      const months = (b.year - a.year) * 12 + (b.month - a.month);
      return { from: this.calendar.addMonths(from, -months), to: from };
    }
    if (this.isDayStart(from) && this.isDayStart(to)) {
      const days = Math.round(this.local(to).startOf('day').diff(this.local(from).startOf('day'), 'days').days);
      return { from: this.calendar.addDays(from, -days), to: from };
    }
    return { from: new Date(2 * from.getTime() - to.getTime()), to: from };
  }

  /** The same local dates and times one year earlier; 29 February maps to 28 February. */
  previousYear(from: Date, to: Date): { from: Date; to: Date } {
    const back = (d: Date) => {
      const l = this.local(d);
      // Luxon keeps the wall-clock time and clamps 29 February to the 28th.
      return l.minus({ years: 1 }).toJSDate();
    };
    return { from: back(from), to: back(to) };
  }

  /**
   * The earliest `from` an interval can serve at `now`: rows are real time from the start of the
   * day of `now` less ROLLUP_DAILY_AFTER_DAYS on (hours), daily from the start of the month of
   * `now` less ROLLUP_MONTHLY_AFTER_DAYS on (days, weeks) — the rollup's own cutoffs; months
   * always (undefined).
   */
  earliestFrom(interval: Interval, now: Date, dailyAfterDays: number, monthlyAfterDays: number): Date | undefined {
    const DAY_MS = 86_400_000;
    if (interval === 'hour') return this.calendar.startOfDay(new Date(now.getTime() - dailyAfterDays * DAY_MS));
    if (interval === 'day' || interval === 'week') return this.calendar.startOfMonth(new Date(now.getTime() - monthlyAfterDays * DAY_MS));
    return undefined;
  }
}
