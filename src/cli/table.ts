/** Renders rows as an aligned text table (first row is the header); numbers are right-aligned. */
export function formatTable(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const lines = cells.map((r, ri) =>
    r
      .map((c, i) => {
        const raw = rows[ri]?.[i];
        return typeof raw === 'number' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0);
      })
      .join('  ')
      .trimEnd(),
  );
  if (lines.length > 1) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n') + '\n';
}
