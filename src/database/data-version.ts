const DAY_MS = 86_400_000;

/** The row that counts changes of everything not bound to a day (tenant 0: the whole service). */
export const GLOBAL_TENANT = 0;

/**
 * Buckets of `data_version` below 0: changes that are not bound to the day of an event.
 * Day buckets (≥ 0) are UTC day numbers since 1970-01-01 of the rows' `created`.
 */
export const Bucket = {
  /** Per tenant: its configuration snapshots (thumbnail, part list, plan ids of any row). */
  Snapshots: -1,
  /** Per tenant: its summary tables were rebuilt (`npm run summaries:rebuild`). */
  Summaries: -2,
  /** Global: the user directory (e-mail, consent, erasure). */
  Users: -1,
  /** Global: the action catalog (names, configuration flags). */
  Catalog: -2,
} as const;

/** The day bucket of an instant; instants before 1970 share bucket 0 (the mapping stays monotone). */
export function dayBucket(d: Date): number {
  return Math.max(0, Math.floor(d.getTime() / DAY_MS));
}

/** The day buckets of a set of instants, for one tenant. */
export function dayVersions(tenant: number, instants: Date[]): Array<{ tenant: number; bucket: number }> {
  return [...new Set(instants.map(dayBucket))].map((bucket) => ({ tenant, bucket }));
}

export interface Fingerprint {
  /** Sum of the tenant's day counters in the range: any change in one of those days raises it. */
  days: number;
  /** The tenant's and the service's counters of the special buckets, as `tenant:bucket=version`. */
  specials: string[];
  /** Until when the tenant's rows are final (`rollup_closure`); undefined before any rollup pass. */
  closedBefore?: Date;
}

/** Counters only grow: the sum over [from, to)'s day buckets changes with every change in one of those days. */
export function dayBucketRange(from: Date | undefined, to: Date | undefined): { first: number; last: number } {
  // [from, to): the last day is the one of the last millisecond before `to`.
  return { first: from ? dayBucket(from) : 0, last: to ? dayBucket(new Date(to.getTime() - 1)) : 2_147_483_647 };
}
