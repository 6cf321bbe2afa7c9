import { TestApp } from './test-app';

export type Labels = Record<string, string>;

export interface Sample {
  /** The sample's own name (`…_bucket`, `…_sum`, `…_count` for histograms). */
  name: string;
  labels: Labels;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(raw: string, line: string): number {
  // Prometheus reads these with Go's ParseFloat, case-insensitively (prom-client writes "Nan").
  if (/^\+?inf$/i.test(raw)) return Infinity;
  if (/^-inf$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`not a sample value: ${line}`);
  return Number(raw);
}

function parseLabels(raw: string, line: string): Labels {
  const labels: Labels = {};
  let rest = raw;
  while (rest !== '') {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`malformed labels: ${line}`);
    if (m[1] in labels) throw new Error(`label ${m[1]} repeated: ${line}`);
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

/**
 * A strict parser of the Prometheus text exposition format (0.0.4): every line is a HELP, a TYPE
 * or a sample of the family declared just before it, label values unescaped, no duplicate
 * series; histograms must have cumulative buckets ending in `+Inf` equal to `_count`. Throws on
 * anything else. (parse-prometheus-text-format, the npm parser, merges the series of a labelled
 * histogram into one, so it cannot check these.)
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const seen = new Set<string>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`bad metric name: ${line}`);
      let f = families.get(name);
      if (!f) {
        f = { name, help: '', type: 'untyped', samples: [] };
        families.set(name, f);
      } else if (f !== current) throw new Error(`family ${name} is split: ${line}`);
      current = f;
      if (kind === 'HELP') f.help = rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      else {
        if (!TYPES.has(rest)) throw new Error(`unknown type: ${line}`);
        f.type = rest as Family['type'];
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, rawLabels, rawValue] = m;
    const suffixes = current?.type === 'histogram' ? ['_bucket', '_sum', '_count'] : current?.type === 'summary' ? ['', '_sum', '_count'] : [''];
    if (!current || !suffixes.some((s) => name === current!.name + s)) throw new Error(`sample outside its family: ${line}`);
    const labels = parseLabels(rawLabels ?? '', line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series: ${line}`);
    seen.add(key);
    current.samples.push({ name, labels, value: parseValue(rawValue, line) });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push([parseValue(le, le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
    else entry.sum = s.value;
  }
  for (const [key, { buckets, count, sum }] of series) {
    if (count === undefined || sum === undefined) throw new Error(`${f.name}${key}: _count or _sum missing`);
    if (buckets.length === 0 || buckets[buckets.length - 1][0] !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i][0] <= buckets[i - 1][0] || buckets[i][1] < buckets[i - 1][1]) throw new Error(`${f.name}${key}: buckets not cumulative`);
    }
    if (buckets[buckets.length - 1][1] !== count) throw new Error(`${f.name}${key}: +Inf bucket ≠ _count`);
  }
}

const sameLabels = (a: Labels, b: Labels) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** A parsed `GET /metrics` exposition. */
export class Exposition {
  readonly families: Map<string, Family>;

  constructor(readonly text: string) {
    this.families = parseExposition(text);
  }

  family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`metric ${name} is not in the exposition`);
    return f;
  }

  /** A counter's or gauge's value for exactly these labels (0 when that series does not exist yet). */
  value(name: string, labels: Labels = {}): number {
    return this.family(name).samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value ?? 0;
  }

  /** A histogram's `_count` or `_sum` for exactly these labels (0 when that series does not exist yet). */
  histogram(name: string, labels: Labels): { count: number; sum: number } {
    const samples = this.family(name).samples;
    const find = (suffix: string) => samples.find((s) => s.name === name + suffix && sameLabels(s.labels, labels))?.value ?? 0;
    return { count: find('_count'), sum: find('_sum') };
  }

  /** The label values of `label` across a family's series. */
  labelValues(name: string, label: string): Set<string> {
    return new Set(this.family(name).samples.map((s) => s.labels[label]).filter((v) => v !== undefined));
  }
}

/** `GET /metrics` (no token), asserted 200, parsed. */
export async function scrape(t: TestApp): Promise<Exposition> {
  const res = await t.http.get('/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${res.text}`);
  return new Exposition(res.text);
}
