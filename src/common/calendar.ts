import { DateTime } from 'luxon';

/**
 * The statistics calendar: days and months in STATISTICS_TIME_ZONE, expressed as UTC instants.
 * Luxon does the zone arithmetic, so a 23- or 25-hour day is still one day.
 */
export class Calendar {
  constructor(readonly zone: string) {}

  private local(d: Date): DateTime {
    return DateTime.fromJSDate(d, { zone: this.zone });
  }

  startOfMonth(d: Date): Date {
    return this.local(d).startOf('month').toJSDate();
  }

  addMonths(monthStart: Date, months: number): Date {
    return this.local(monthStart).plus({ months }).startOf('month').toJSDate();
  }

  startOfDay(d: Date): Date {
    return this.local(d).startOf('day').toJSDate();
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
