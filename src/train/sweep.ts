// Sweeps: a grid of training configs × seeds, run by `mird sweep <spec.json>` as separate
// `mird train` processes (one per core), resumable, then aggregated into tidy tables.
//
// A spec (JSON):
//   {
//     "name": "alpha",                      folder-safe; default: the spec file's name
//     "preset": "quick",                    a run preset (main, paper, small, quick)
//     "data": "synthetic:small",            optional, as mird train --data (also unlabeled, textCheckpoint)
//     "seeds": [0, 1, 2],                   at least 3 distinct seeds per cell
//     "set": { "maxEpochs": 4 },            overrides shared by every cell (as --set)
//     "grid": { "alpha": [0.01, 0.1, 1] },  cells: the cartesian product of these overrides, and/or
//     "cells": [ { "name": "full", "set": {} }, { "name": "no-mim", "set": { "alpha": 0 } } ]
//     "model": "mird",                      optional: the system every cell trains (mird, or a Table 1
//   }                                       baseline: ef-lstm, tfn, lmf …); a named cell may give its own
//                                           "model" (e.g. one cell per system for Table 1)
// With both "cells" and "grid", every named cell is crossed with every grid point. Every cell's
// config is resolved (unknown keys, bad values) before anything runs; errors name the field.
// A folder holds one sweep; a spec that only adds grid values, named cells or seeds to the one in
// the folder extends it (its finished runs are kept), any other change needs another --out.
//
// Layout: <out>/spec.json, <out>/<cell>/seed-<s>/ (a run folder as mird train writes it),
// <out>/runs.csv (one row per run and split), <out>/summary.csv (mean ± sample sd per cell and
// split, and on test whether the cell is the best, within one sd of it, or worse).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RUN_PRESET_NAMES, runPreset, type RunPresetName } from './presets';
import { resolveTrainConfig } from './config';
import { parseBaselineOverrides, parseOverrides } from './setup';
import { BASELINE_KINDS, type BaselineKind } from '../model/baselines/kinds';
import { baselineConfigFor } from '../model/baselines/index';
import { resolveModelConfig } from '../model/config';
import type { MetricRecord } from './records';
import { parseJson } from '../util/files';

export const SWEEP_KEYS = ['name', 'preset', 'model', 'data', 'unlabeled', 'textCheckpoint', 'seeds', 'set', 'grid', 'cells'] as const;
export const MIN_SEEDS = 3;
/** Metrics the summary aggregates (the paper's four, and the has-zero variants). */
export const SWEEP_METRICS = ['acc2_non0', 'f1_non0', 'mae', 'corr', 'acc2_has0', 'f1_has0'] as const;
/** Metrics where smaller is better (the rest: larger). */
const LOWER_IS_BETTER = new Set<string>(['mae']);

export interface SweepCell {
  /** folder name, unique in the sweep */
  id: string;
  /** the cell's own overrides (named cell + grid point), as --set strings */
  set: Record<string, string>;
  /** grid values of this cell, for the tables */
  grid: Record<string, string>;
  /** named cell it comes from, or null */
  name: string | null;
  /** the system it trains: 'mird' or a baseline kind (mird train --model) */
  model: 'mird' | BaselineKind;
}

export interface SweepSpec {
  name: string;
  preset: RunPresetName;
  data?: string;
  unlabeled?: string;
  textCheckpoint?: string;
  seeds: number[];
  /** overrides shared by every cell */
  set: Record<string, string>;
  cells: SweepCell[];
  /** grid keys in order (columns of the tables) */
  gridKeys: string[];
}

/** A bad sweep spec: the message names the file and field. */
class SpecError extends Error {}

const fail = (file: string, field: string, msg: string): never => {
  throw new SpecError(`${file}, field ${field}: ${msg}`);
};

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';

/** --set strings from a JSON object of scalars (lists, for miPairs, as a comma list). */
function setStrings(file: string, field: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(file, field, 'expected an object of key: value overrides');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(v) && v.every(isScalar)) out[k] = v.join(',');
    else if (isScalar(v)) out[k] = String(v);
    else fail(file, `${field}.${k}`, `expected a number, string, boolean or list of them, got ${JSON.stringify(v)}`);
  }
  return out;
}

function folderSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._=+-]+/g, '_').slice(0, 80);
}

/** Parses and fully checks a spec (every cell's config resolved); nothing is run or written. */
export function parseSweepSpec(text: string, file = '<spec>'): SweepSpec {
  const raw = parseJson(text, file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SpecError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(SWEEP_KEYS as readonly string[]).includes(k)) fail(file, k, `unknown key (known: ${SWEEP_KEYS.join(', ')})`);
  const name = o.name === undefined ? (file === '<spec>' ? 'sweep' : basename(file).replace(/\.json$/i, '')) : o.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) fail(file, 'name', `expected letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  const preset = o.preset ?? 'main';
  if (typeof preset !== 'string' || !(RUN_PRESET_NAMES as readonly string[]).includes(preset)) fail(file, 'preset', `expected one of ${RUN_PRESET_NAMES.join(', ')}, got ${JSON.stringify(preset)}`);
  for (const k of ['data', 'unlabeled', 'textCheckpoint'] as const) if (o[k] !== undefined && (typeof o[k] !== 'string' || (o[k] as string).trim() === '')) fail(file, k, 'expected a non-empty string');
  const seeds = o.seeds;
  if (!Array.isArray(seeds) || seeds.some((s) => !Number.isInteger(s) || (s as number) < 0 || (s as number) >= 2 ** 32)) fail(file, 'seeds', 'expected a list of non-negative integer seeds');
  const seedList = seeds as number[];
  if (new Set(seedList).size !== seedList.length) fail(file, 'seeds', `repeated seed in ${JSON.stringify(seedList)}`);
  if (seedList.length < MIN_SEEDS) fail(file, 'seeds', `at least ${MIN_SEEDS} seeds per cell (mean ± sd needs them), got ${seedList.length}`);
  const shared = setStrings(file, 'set', o.set);

  // named cells
  const knownModels: ReadonlyArray<'mird' | BaselineKind> = ['mird', ...BASELINE_KINDS];
  const modelOf = (v: unknown, field: string): 'mird' | BaselineKind => (knownModels.includes(v as 'mird') ? (v as 'mird' | BaselineKind) : fail(file, field, `expected one of ${knownModels.join(', ')}, got ${JSON.stringify(v)}`));
  const specModel = o.model === undefined ? 'mird' : modelOf(o.model, 'model');
  let named: Array<{ name: string | null; set: Record<string, string>; model: 'mird' | BaselineKind }> = [{ name: null, set: {}, model: specModel }];
  if (o.cells !== undefined) {
    if (!Array.isArray(o.cells) || o.cells.length === 0) fail(file, 'cells', 'expected a non-empty list of { "name": ..., "set": {...} }');
    const seen = new Set<string>();
    named = (o.cells as unknown[]).map((c, i) => {
      if (c === null || typeof c !== 'object' || Array.isArray(c)) return fail(file, `cells[${i}]`, 'expected { "name": ..., "set": {...} }');
      const cc = c as Record<string, unknown>;
      for (const k of Object.keys(cc)) if (k !== 'name' && k !== 'set' && k !== 'model') fail(file, `cells[${i}].${k}`, 'unknown key (known: name, set, model)');
      if (typeof cc.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(cc.name)) fail(file, `cells[${i}].name`, `expected a folder-safe name, got ${JSON.stringify(cc.name)}`);
      if (seen.has(cc.name as string)) fail(file, `cells[${i}].name`, `"${cc.name}" is used twice`);
      seen.add(cc.name as string);
      return { name: cc.name as string, set: setStrings(file, `cells[${i}].set`, cc.set), model: cc.model === undefined ? specModel : modelOf(cc.model, `cells[${i}].model`) };
    });
  }
  // grid
  let points: Array<Record<string, string>> = [{}];
  const gridKeys: string[] = [];
  if (o.grid !== undefined) {
    if (o.grid === null || typeof o.grid !== 'object' || Array.isArray(o.grid) || Object.keys(o.grid).length === 0) fail(file, 'grid', 'expected a non-empty object of key: [values]');
    for (const [k, vs] of Object.entries(o.grid as Record<string, unknown>)) {
      if (!Array.isArray(vs) || vs.length === 0) fail(file, `grid.${k}`, 'expected a non-empty list of values');
      const values = (vs as unknown[]).map((v, j) => (isScalar(v) ? String(v) : fail(file, `grid.${k}[${j}]`, `expected a number, string or boolean, got ${JSON.stringify(v)}`)));
      if (new Set(values).size !== values.length) fail(file, `grid.${k}`, 'repeated value');
      if (k in shared) fail(file, `grid.${k}`, 'also in "set": give each key in one place');
      gridKeys.push(k);
      points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
    }
  }
  if (o.grid === undefined && o.cells === undefined) fail(file, 'grid', 'a sweep needs "grid" or "cells" (an empty sweep runs nothing)');

  const presetSpec = runPreset(preset as string);
  const presetModel = resolveModelConfig(presetSpec.model, presetSpec.modelOverrides);
  const cells: SweepCell[] = [];
  const ids = new Set<string>();
  for (const n of named) {
    for (const p of points) {
      for (const k of Object.keys(p)) if (k in n.set) fail(file, `grid.${k}`, `also set by cell "${n.name}"`);
      const set = { ...n.set, ...p };
      const gridPart = Object.entries(p).map(([k, v]) => `${k}=${v}`).join(',');
      const id = folderSafe([n.name, gridPart].filter((x) => x !== null && x !== '').join('_') || 'default');
      if (ids.has(id)) fail(file, 'grid', `two cells map to the folder "${id}"`);
      ids.add(id);
      const where = n.name === null ? (gridPart === '' ? 'set' : `grid (${gridPart})`) : `cells "${n.name}"${gridPart === '' ? '' : ` with grid (${gridPart})`}`;
      try {
        if (n.model === 'mird') {
          const over = parseOverrides({ ...shared, ...set }, presetModel, presetSpec.train);
          resolveTrainConfig(over.train, presetSpec.train);
          resolveModelConfig(presetModel, over.model);
        } else {
          const kind = n.model;
          if (o.unlabeled !== undefined) throw new Error(`--unlabeled does not apply to --model ${kind}: the baselines train on labeled clips only`);
          const over = parseBaselineOverrides(kind, { ...shared, ...set }, presetModel);
          resolveTrainConfig(over.train, presetSpec.train);
          baselineConfigFor(kind, preset as string, over.model);
        }
      } catch (err) {
        fail(file, where, err instanceof Error ? err.message.replace(/^--set /, '') : String(err));
      }
      cells.push({ id, set, grid: p, name: n.name, model: n.model });
    }
  }
  return {
    name: name as string,
    preset: preset as RunPresetName,
    ...(o.data !== undefined ? { data: o.data as string } : {}),
    ...(o.unlabeled !== undefined ? { unlabeled: o.unlabeled as string } : {}),
    ...(o.textCheckpoint !== undefined ? { textCheckpoint: o.textCheckpoint as string } : {}),
    seeds: seedList,
    set: shared,
    cells,
    gridKeys,
  };
}

export function readSweepSpec(path: string): SweepSpec {
  if (!existsSync(path)) throw new SpecError(`${path}: no such file`);
  return parseSweepSpec(readFileSync(path, 'utf8'), path);
}

/** The `mird train` arguments of one run (without --out and --seed). */
export function trainArgs(spec: SweepSpec, cell: SweepCell): string[] {
  const args = [...(cell.model === 'mird' ? [] : ['--model', cell.model]), '--preset', spec.preset];
  if (spec.data !== undefined) args.push('--data', spec.data);
  if (spec.unlabeled !== undefined) args.push('--unlabeled', spec.unlabeled);
  if (spec.textCheckpoint !== undefined) args.push('--text-checkpoint', spec.textCheckpoint);
  for (const [k, v] of Object.entries({ ...spec.set, ...cell.set })) args.push('--set', `${k}=${v}`);
  return args;
}

/**
 * Whether `next` extends `previous`: every run of the earlier spec is a run of the new one, in the
 * same cell folder, with the same `mird train` arguments (the new spec adds grid values, named
 * cells or seeds). Then the sweep folder can grow: finished runs are kept, the new ones run.
 */
export function extendsSpec(previous: SweepSpec, next: SweepSpec): boolean {
  const key = (spec: SweepSpec, cell: SweepCell): string => `${cell.id}\t${JSON.stringify(trainArgs(spec, cell))}`;
  const nextCells = new Set(next.cells.map((c) => key(next, c)));
  return previous.cells.every((c) => nextCells.has(key(previous, c))) && previous.seeds.every((s) => next.seeds.includes(s));
}

export interface SweepRun {
  cell: SweepCell;
  seed: number;
  dir: string;
}

export function sweepRuns(spec: SweepSpec, out: string): SweepRun[] {
  return spec.cells.flatMap((cell) => spec.seeds.map((seed) => ({ cell, seed, dir: join(out, cell.id, `seed-${seed}`) })));
}

const CONSTRAINT_LABELS: Record<string, string> = { nc: 'NC', oc: 'OC', mim: 'MIM' };

/** A cell's label in tables and figures: NC / OC / MIM for the constraint=… cells, else the cell's folder name. */
export function cellLabel(cell: string): string {
  return cell.startsWith('constraint=') ? CONSTRAINT_LABELS[cell.slice('constraint='.length)] ?? cell : cell;
}

/** The finished runs (a metrics.json) of a sweep folder, cells in label order (NC, OC, MIM first), then seeds. */
export function finishedSweepRuns(sweep: string): Array<{ cell: string; label: string; seed: number; dir: string }> {
  if (!existsSync(sweep)) throw new Error(`${sweep}: no such sweep folder (run mird sweep first)`);
  const order = Object.values(CONSTRAINT_LABELS);
  const rank = (l: string): number => (order.includes(l) ? order.indexOf(l) : order.length);
  const cells = readdirSync(sweep).filter((d) => statSync(join(sweep, d)).isDirectory())
    .sort((a, b) => rank(cellLabel(a)) - rank(cellLabel(b)) || cellLabel(a).localeCompare(cellLabel(b), 'en', { numeric: true }));
  return cells.flatMap((cell) => readdirSync(join(sweep, cell)).filter((d) => /^seed-\d+$/.test(d))
    .map((d) => ({ cell, label: cellLabel(cell), seed: Number(d.slice(5)), dir: join(sweep, cell, d) }))
    .filter((r) => existsSync(join(r.dir, 'metrics.json')))
    .sort((a, b) => a.seed - b.seed));
}

export interface RunMetrics {
  cell: string;
  grid: Record<string, string>;
  seed: number;
  split: 'valid' | 'test';
  metrics: MetricRecord;
}

export interface SummaryLine {
  cell: string;
  grid: Record<string, string>;
  split: 'valid' | 'test';
  n: number;
  mean: Record<string, number>;
  sd: Record<string, number>;
  /** test only: per metric, 'best', 'within 1 sd' (|Δ mean| ≤ the larger sd of the two cells) or 'worse' */
  vsBest: Record<string, string>;
}

/**
 * Mean and sample sd per cell and split, aggregated with danfojs (groupby → mean / std /
 * count), and on test each cell's standing against the best cell per metric.
 */
export async function summarizeSweep(rows: readonly RunMetrics[]): Promise<SummaryLine[]> {
  if (rows.length === 0) return [];
  const dfd = await import('danfojs-node');
  const flat = rows.map((r) => ({ cell: r.cell, split: r.split, ...Object.fromEntries(SWEEP_METRICS.map((m) => [m, r.metrics[m]])) }));
  const agg = Object.fromEntries(SWEEP_METRICS.map((m) => [m, ['mean', 'std', 'count']]));
  const grouped = new dfd.DataFrame(flat).groupby(['cell', 'split']).agg(agg);
  const records = dfd.toJSON(grouped) as Array<Record<string, number | string>>;
  const gridOf = new Map(rows.map((r) => [r.cell, r.grid]));
  const order = [...new Set(rows.map((r) => r.cell))];
  const lines: SummaryLine[] = records.map((rec) => ({
    cell: String(rec.cell),
    grid: gridOf.get(String(rec.cell)) ?? {},
    split: rec.split as 'valid' | 'test',
    n: Number(rec[`${SWEEP_METRICS[0]}_count`]),
    mean: Object.fromEntries(SWEEP_METRICS.map((m) => [m, Number(rec[`${m}_mean`])])),
    // one finished run (the others failed) has no spread: NaN, not danfojs' 0
    sd: Object.fromEntries(SWEEP_METRICS.map((m) => [m, Number(rec[`${SWEEP_METRICS[0]}_count`]) < 2 ? NaN : Number(rec[`${m}_std`])])),
    vsBest: {},
  }));
  const test = lines.filter((l) => l.split === 'test');
  for (const m of SWEEP_METRICS) {
    const better = (a: SummaryLine, b: SummaryLine): boolean => (LOWER_IS_BETTER.has(m) ? (a.mean[m] as number) < (b.mean[m] as number) : (a.mean[m] as number) > (b.mean[m] as number));
    const best = test.reduce((a, b) => (better(b, a) ? b : a), test[0] as SummaryLine);
    for (const l of test) {
      const gap = Math.abs((l.mean[m] as number) - (best.mean[m] as number));
      l.vsBest[m] = l === best ? 'best' : gap <= Math.max(l.sd[m] as number, best.sd[m] as number) ? 'within 1 sd' : 'worse';
    }
  }
  const rank = (l: SummaryLine): number => order.indexOf(l.cell) * 2 + (l.split === 'valid' ? 0 : 1);
  return lines.sort((a, b) => rank(a) - rank(b));
}

