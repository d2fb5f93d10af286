/**
 * Reading a Prometheus exposition as a scraper does, with `parse-prometheus-text-format`
 * (a parser that is not Gust's own), and looking up one sample by its labels. That parser
 * folds every labelled series of a histogram into one sample, labels lost; so a histogram's
 * HELP and TYPE lines are left out before parsing, and its `_bucket`, `_sum` and `_count`
 * series read as untyped families of their own (`total(m, 'x_count', labels)`).
 */
import { createRequire } from 'node:module';

export interface Sample {
  labels?: Record<string, string>;
  value?: string;
}

export interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

// The package ships CommonJS without types.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

export function parseMetrics(text: string): Map<string, Family> {
  const histograms = new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((m) => m[1]!));
  const kept = text.split('\n').filter((line) => !/^# (HELP|TYPE) /.test(line) || !histograms.has(line.split(' ')[2]!));
  // Untyped, a histogram's series alternate between `_bucket`, `_sum` and `_count` families: merged again by name.
  const families = new Map<string, Family>();
  for (const f of parse(kept.join('\n'))) {
    const seen = families.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else families.set(f.name, f);
  }
  return families;
}

function matches(sample: Sample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => (sample.labels?.[k] ?? '') === v);
}

/** The sum of the values of family `name`'s samples that carry `labels`; 0 when none. */
export function total(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`no metric family ${name}`);
  return family.metrics.filter((s) => matches(s, labels)).reduce((n, s) => n + Number(s.value ?? 0), 0);
}
