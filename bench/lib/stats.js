/** Percentiles and medians over plain sorted arrays: enough for a few thousand samples. */

export function percentile(sorted, p) {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function sortedCopy(values) {
  return [...values].sort((a, b) => a - b);
}

export function median(values) {
  return percentile(sortedCopy(values), 50);
}

/** Median with the min–max spread of several rounds. */
export function summarize(values) {
  const s = sortedCopy(values);
  return { median: percentile(s, 50), min: s[0], max: s[s.length - 1], rounds: s.length };
}

export function round(n, digits = 2) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
