// Reading the files `mird mi-toy` writes (results/mi_toy.*), and tabulating them, for notebook 03;
// the reference curves and smoothing its charts draw (the specs are in src/viz/mi-toy.ts).
import { existsSync, readFileSync } from 'node:fs';
import { clubClosedForm, clubMeanClosedForm, rhoForMI } from './gaussian-toy';
import type { EstimationConfig, EstimationRow, EstimationTrace, MinimisationResult } from './toy-experiment';

export interface ToyResults {
  rows: EstimationRow[];
  traces: EstimationTrace[];
  config: EstimationConfig;
  d64: { config: EstimationConfig; rows: EstimationRow[] } | null;
  minimisation: MinimisationResult | null;
}

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${path}: cannot read ${what} (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Loads `<stem>.json` and its siblings; null when `<stem>.json` does not exist. */
export function loadToyResults(stem: string): ToyResults | null {
  if (!existsSync(`${stem}.json`)) return null;
  const rows = readJson<EstimationRow[]>(`${stem}.json`, 'the estimation rows');
  if (!Array.isArray(rows) || rows.some((r) => typeof r.estimator !== 'string' || typeof r.mean !== 'number')) {
    throw new Error(`${stem}.json: expected an array of {estimator, level, trueMI, clubClosedForm, mean, std, bias, mse}`);
  }
  const t = readJson<{ config: EstimationConfig; traces: EstimationTrace[] }>(`${stem}.traces.json`, 'the traces');
  return {
    rows,
    traces: t.traces,
    config: t.config,
    d64: existsSync(`${stem}.d64.json`) ? readJson(`${stem}.d64.json`, 'the d = 64 check') : null,
    minimisation: existsSync(`${stem}.minimisation.json`) ? readJson(`${stem}.minimisation.json`, 'the minimisation demo') : null,
  };
}

/**
 * One row per estimator, one column per level (mean estimate), plus the reference rows: CLUB*
 * (from the rows), CLUBMean* = dρ² when `d` is given, and the true MI.
 */
export function meansTable(rows: EstimationRow[], digits = 2, d?: number): Array<Record<string, string | number>> {
  const levels = [...new Set(rows.map((r) => r.level))];
  const names = [...new Set(rows.map((r) => r.estimator))];
  const line = (estimator: string, value: (level: number) => number | undefined): Record<string, string | number> => ({
    estimator,
    ...Object.fromEntries(levels.map((l) => [`MI ${l}`, Number((value(l) ?? NaN).toFixed(digits))])),
  });
  const table = names.map((n) => line(n, (l) => rows.find((r) => r.estimator === n && r.level === l)?.mean));
  table.push(line('CLUB* = dρ²/(1−ρ²)', (l) => rows.find((r) => r.level === l)?.clubClosedForm));
  if (d !== undefined) table.push(line('CLUBMean* = dρ²', (l) => clubMeanClosedForm(d, rhoForMI(d, l))));
  table.push(line('true MI', (l) => l));
  return table;
}

/** A table's rows as a GitHub markdown table (columns from the first row). */
export function markdownTable(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => String(r[c] ?? '')).join(' | ')} |`)].join('\n');
}

/** Exponential moving average with pandas' `span` convention (α = 2/(span + 1)), as the reference plots use. */
export function ema(values: number[], span: number): number[] {
  const alpha = 2 / (span + 1);
  const out: number[] = [];
  let acc = values[0] ?? 0;
  for (const v of values) {
    acc = alpha * v + (1 - alpha) * acc;
    out.push(acc);
  }
  return out;
}

/** Rows of the three reference curves (true MI, CLUB*, CLUBMean*) at the given levels. */
export function referenceCurves(d: number, levels: number[]): Array<{ series: string; level: number; value: number }> {
  return levels.flatMap((level) => {
    const rho = rhoForMI(d, level);
    return [
      { series: 'true MI', level, value: level },
      { series: 'CLUB* = dρ²/(1−ρ²)', level, value: clubClosedForm(d, rho) },
      { series: 'CLUBMean* = dρ²', level, value: clubMeanClosedForm(d, rho) },
    ];
  });
}
