// Small text-formatting helpers shared by the status and list views. Pure and deterministic.

export type Align = 'left' | 'right';

/**
 * Lays out rows as columns separated by two spaces, trailing blanks trimmed. The first row is the header;
 * `align` gives each column's alignment (left by default).
 */
export function renderTable(rows: readonly (readonly string[])[], align: readonly Align[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return align[i] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}

/** 1234567 → "1,234,567"; fixed grouping so output does not depend on the machine's locale. */
export function formatCount(n: number): string {
  const [whole, fraction] = String(n).split('.');
  const grouped = (whole ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A duration for humans: "0.4 s", "12 s", "3 min 5 s", "2 h 7 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 10) return `${Number(s.toFixed(1))} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const total = Math.round(s);
  if (total < 3600) return joinUnits(Math.floor(total / 60), 'min', total % 60, 's');
  if (total < 86_400) return joinUnits(Math.floor(total / 3600), 'h', Math.floor((total % 3600) / 60), 'min');
  return joinUnits(Math.floor(total / 86_400), 'd', Math.floor((total % 86_400) / 3600), 'h');
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/** "2026-03-01T10:00:00.000Z (5 s ago)"; just the time when it cannot be parsed or lies in the future. */
export function formatTimeAgo(iso: string, now: Date): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const ageSeconds = (now.getTime() - at) / 1000;
  return ageSeconds < 0 ? iso : `${iso} (${formatDuration(ageSeconds)} ago)`;
}

/** Placeholder for a value that is not known (yet). */
export const NONE = '-';
