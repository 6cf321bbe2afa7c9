import { Calendar } from '../common/calendar';

export interface Span {
  from: Date;
  to: Date;
}

/** A span whose ends may be open (no lower / upper bound). */
export interface OpenSpan {
  from?: Date;
  to?: Date;
}

/**
 * Splits [from, to) into whole local days (answered from the summary tables) and the partial
 * days at either edge (answered from `user_action`). Every instant of [from, to) is in exactly
 * one part, so nothing is counted twice or lost. An end left out is open: the whole days reach
 * as far as the data (`days.from` / `days.to` undefined) and there is no partial day on that side.
 */
export function planRange(calendar: Calendar, from: Date, to: Date): { days?: Span; raw: Span[] };
export function planRange(calendar: Calendar, from: Date | undefined, to: Date | undefined): { days?: OpenSpan; raw: Span[] };
export function planRange(calendar: Calendar, from: Date | undefined, to: Date | undefined): { days?: OpenSpan; raw: Span[] } {
  let firstDay = from && calendar.startOfDay(from);
  if (from && firstDay!.getTime() < from.getTime()) firstDay = calendar.addDays(firstDay!, 1);
  const lastDay = to && calendar.startOfDay(to);
  if (from && to && firstDay!.getTime() >= lastDay!.getTime()) return { raw: from.getTime() < to.getTime() ? [{ from, to }] : [] };
  const raw: Span[] = [];
  if (from && from.getTime() < firstDay!.getTime()) raw.push({ from, to: firstDay! });
  if (to && lastDay!.getTime() < to.getTime()) raw.push({ from: lastDay!, to });
  return { days: { from: firstDay, to: lastDay }, raw };
}
