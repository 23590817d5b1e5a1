// Showing results inside a tslab notebook, and doing something sensible outside one (tests,
// CLI): the same notebook helpers then print text instead of failing.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { renderSvg, type VegaLiteSpec } from './render';

interface TslabDisplay {
  html(s: string): void;
  svg(s: string): void;
  markdown(s: string): void;
  png(b: Uint8Array): void;
}

/** True when running inside the tslab kernel. */
export function inNotebook(): boolean {
  return process.argv.some((a) => a.endsWith('tslab') || a.includes('/tslab/')) || process.env.MIRD_FORCE_NOTEBOOK === '1';
}

function tslabDisplay(): TslabDisplay | null {
  if (!inNotebook()) return null;
  try {
    const req = createRequire(join(process.cwd(), 'noop.js'));
    return (req('tslab') as { display: TslabDisplay }).display;
  } catch {
    return null;
  }
}

export async function showChart(spec: VegaLiteSpec): Promise<void> {
  const svg = await renderSvg(spec);
  const d = tslabDisplay();
  if (d !== null) d.svg(svg);
  else process.stdout.write(`[chart: ${String((spec as { title?: unknown }).title ?? 'untitled')}, ${svg.length} bytes of SVG]\n`);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export type Row = Record<string, string | number | boolean | null>;

function formatCell(v: string | number | boolean | null, digits: number): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return String(v);
}

/** Plain-text table with aligned columns. */
export function textTable(rows: Row[], digits = 3): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0] as Row);
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c] ?? null, digits)));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i] as number)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function htmlTable(rows: Row[], digits = 3): string {
  if (rows.length === 0) return '<p>(no rows)</p>';
  const cols = Object.keys(rows[0] as Row);
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(formatCell(r[c] ?? null, digits))}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** An HTML table in a notebook, an aligned text table elsewhere. */
export function showTable(rows: Row[], digits = 3): void {
  const d = tslabDisplay();
  if (d !== null) d.html(htmlTable(rows, digits));
  else process.stdout.write(textTable(rows, digits) + '\n');
}

export function showMarkdown(md: string): void {
  const d = tslabDisplay();
  if (d !== null) d.markdown(md);
  else process.stdout.write(md + '\n');
}
