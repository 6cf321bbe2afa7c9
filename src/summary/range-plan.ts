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

/**
 * The rest of a partial edge day — the part of its local `day` outside the range — when the edge
 * `span` reaches one end of that day and the rest is the shorter part; else undefined. Such an
 * edge costs fewer raw rows read as its whole summary day less the rest. With `now`, only the
 * rest's part before now counts as its length (rows are created up to now — ingestion takes a few
 * minutes ahead at most): a range ending now, or later, has a rest that is all but empty. The
 * choice only weighs the cost; either way of reading an edge gives the same rows.
 */
export function shorterRest(span: Span, day: Span, now?: Date): Span | undefined {
  const rest =
    span.to.getTime() === day.to.getTime() ? { from: day.from, to: span.from } : span.from.getTime() === day.from.getTime() ? { from: span.to, to: day.to } : undefined;
  if (!rest) return undefined;
  const restEnd = now ? Math.min(rest.to.getTime(), Math.max(rest.from.getTime(), now.getTime())) : rest.to.getTime();
  return restEnd - rest.from.getTime() < span.to.getTime() - span.from.getTime() ? rest : undefined;
}
