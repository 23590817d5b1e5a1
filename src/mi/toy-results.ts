// Reading the files `mird mi-toy` writes (results/mi_toy.*), and tabulating them, for notebook 03.
import { existsSync, readFileSync } from 'node:fs';
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

/** One row per estimator, one column per level (mean estimate), plus the closed-form rows. */
export function meansTable(rows: EstimationRow[], digits = 2): Array<Record<string, string | number>> {
  const levels = [...new Set(rows.map((r) => r.level))];
  const names = [...new Set(rows.map((r) => r.estimator))];
  const col = (l: number): string => `MI ${l}`;
  const table: Array<Record<string, string | number>> = names.map((n) => ({
    estimator: n,
    ...Object.fromEntries(levels.map((l) => [col(l), Number((rows.find((r) => r.estimator === n && r.level === l)?.mean ?? NaN).toFixed(digits))])),
  }));
  table.push({
    estimator: 'CLUB* = dρ²/(1−ρ²)',
    ...Object.fromEntries(levels.map((l) => [col(l), Number((rows.find((r) => r.level === l)?.clubClosedForm ?? NaN).toFixed(digits))])),
  });
  table.push({ estimator: 'true MI', ...Object.fromEntries(levels.map((l) => [col(l), l])) });
  return table;
}
