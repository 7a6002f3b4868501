export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Print the value with its sign (`+1.20`), for changes. */
  signed?: boolean;
  /**
   * Our figure divided by the baseline measured in the same run: higher is better for rates; for memory figures
   * lower is better, and their detail says so.
   */
  ratio: number;
  baseline: string;
  detail: string;
  /** The goal this figure is held to (issue #9), and whether this run met it. */
  target?: { goal: string; met: boolean };
}

/** Best-of-N wall time after a warm-up run; the best run is the least disturbed by other load on the box. */
export async function measure(fn: () => unknown, runs = 5): Promise<{ seconds: number; runs: number }> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { seconds: best, runs };
}

/** `goal: met` / `goal: NOT met`, or an empty string without a target. */
export function formatTarget(r: BenchResult): string {
  return r.target === undefined ? '' : `${r.target.goal}: ${r.target.met ? 'met' : 'NOT met'}`;
}

/** The one line every benchmark ends with: `name: value unit (ratio x baseline)`. */
export function formatResult(r: BenchResult): string {
  const digits = Math.abs(r.value) >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2);
  const value = r.signed && !digits.startsWith('-') ? `+${digits}` : digits;
  return `${r.name}: ${value} ${r.unit} (${r.ratio.toFixed(2)} x baseline)`;
}
