export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Our figure divided by the baseline measured in the same run (higher is better). */
  ratio: number;
  baseline: string;
  detail: string;
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

/** The one line every benchmark ends with: `name: value unit (ratio x baseline)`. */
export function formatResult(r: BenchResult): string {
  const value = r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2);
  return `${r.name}: ${value} ${r.unit} (${r.ratio.toFixed(2)} x baseline)`;
}
