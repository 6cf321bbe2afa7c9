import { Calendar } from '../common/calendar';

export interface Span {
  from: Date;
  to: Date;
}

/**
 * Splits [from, to) into whole local days (answered from the summary tables) and the partial
 * days at either edge (answered from `user_action`). Every instant of [from, to) is in exactly
 * one part, so nothing is counted twice or lost.
 */
export function planRange(calendar: Calendar, from: Date, to: Date): { days?: Span; raw: Span[] } {
  let firstDay = calendar.startOfDay(from);
  if (firstDay.getTime() < from.getTime()) firstDay = calendar.addDays(firstDay, 1);
  const lastDay = calendar.startOfDay(to);
  if (firstDay.getTime() >= lastDay.getTime()) return { raw: from.getTime() < to.getTime() ? [{ from, to }] : [] };
  const raw: Span[] = [];
  if (from.getTime() < firstDay.getTime()) raw.push({ from, to: firstDay });
  if (lastDay.getTime() < to.getTime()) raw.push({ from: lastDay, to });
  return { days: { from: firstDay, to: lastDay }, raw };
}
