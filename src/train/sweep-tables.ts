// Reading the results tables that scripts/collect-sweeps.ts writes (results/table4.csv, table5.csv,
// table6.csv, …) and a sweep's summary.csv back into rows, and formatting a cell the way every
// table of the workspace shows it: "85.7 ± 0.5 *" (accuracies in %, * best of its group, ≈ within
// one sd of it). Notebooks 05 and 06 and `mird sweep` print through these.
import { readCsv } from '../data/csv';
import { SWEEP_METRICS } from './sweep';

export type SweepMetric = (typeof SWEEP_METRICS)[number];

export interface ResultsRow {
  /** the group (dataset) a row belongs to; '' in a sweep's own summary */
  data: string;
  /** the row label (--rows tables), else the cell */
  row: string;
  /** the sweep cell the row comes from */
  cell: string;
  /** seeds behind the row */
  n: number;
  mean: Record<SweepMetric, number>;
  sd: Record<SweepMetric, number>;
  /** 'best' | 'within 1 sd' | 'worse' per metric (test rows) */
  vsBest: Record<SweepMetric, string>;
}

/** The test rows of a collected table or a sweep summary; a missing column is an error naming it. */
export function readResultsTable(path: string): ResultsRow[] {
  const t = readCsv(path);
  const col = (name: string, required = true): number => {
    const i = t.header.indexOf(name);
    if (i < 0 && required) throw new Error(`${path}: no column "${name}" (columns: ${t.header.join(', ')})`);
    return i;
  };
  const [di, ri, ci, si, ni] = [col('data', false), col('row', false), col('cell'), col('split'), col('n')];
  const metric = (r: string[], suffix: string): Record<SweepMetric, number> =>
    Object.fromEntries(SWEEP_METRICS.map((m) => [m, Number(r[col(`${m}_${suffix}`)])])) as Record<SweepMetric, number>;
  return t.rows.filter((r) => r[si] === 'test').map((r) => ({
    data: di >= 0 ? (r[di] as string) : '',
    row: ri >= 0 ? (r[ri] as string) : (r[ci] as string),
    cell: r[ci] as string,
    n: Number(r[ni]),
    mean: metric(r, 'mean'),
    sd: metric(r, 'sd'),
    vsBest: Object.fromEntries(SWEEP_METRICS.map((m) => [m, r[col(`${m}_vs_best`)] ?? ''])) as Record<SweepMetric, string>,
  }));
}

/** Accuracies and F1 as percentages with one decimal; MAE and Corr with three. */
export function formatMetric(m: SweepMetric, x: number): string {
  if (!Number.isFinite(x)) return '—';
  return m.startsWith('acc') || m.startsWith('f1') ? (100 * x).toFixed(1) : x.toFixed(3);
}

/** "mean ± sd" with the standing mark: * best, ≈ within one sd of the best. */
export function formatCell(mean: number, sd: number, m: SweepMetric, vsBest = ''): string {
  const mark = vsBest === 'best' ? ' *' : vsBest === 'within 1 sd' ? ' ≈' : '';
  return `${formatMetric(m, mean)} ± ${formatMetric(m, sd)}${mark}`;
}

/** Display rows (one per results row) with the chosen metrics formatted; labels rename rows. */
export function displayRows(rows: readonly ResultsRow[], metrics: readonly SweepMetric[] = ['acc2_non0', 'f1_non0', 'mae', 'corr'], labels: Readonly<Record<string, string>> = {}): Array<Record<string, string | number>> {
  const titles: Record<string, string> = { acc2_non0: 'Acc2 (%)', f1_non0: 'F1 (%)', mae: 'MAE', corr: 'Corr', acc2_has0: 'Acc2 has-0 (%)', f1_has0: 'F1 has-0 (%)' };
  return rows.map((r) => ({
    ...(r.data === '' ? {} : { data: r.data }),
    row: labels[r.row] ?? r.row,
    seeds: r.n,
    ...Object.fromEntries(metrics.map((m) => [titles[m] ?? m, formatCell(r.mean[m], r.sd[m], m, r.vsBest[m])])),
  }));
}
