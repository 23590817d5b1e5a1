// `mird sweep <spec.json>`: a grid of training configs × seeds (src/train/sweep.ts), each run a
// separate `mird train` process, up to --jobs at a time (default: the number of cores).
// Resumable: finished runs are skipped, interrupted ones resume from their last epoch; a spec that
// adds grid values, cells or seeds to the folder's grows it. Then the
// tables: <out>/runs.csv (per seed and split) and <out>/summary.csv (mean ± sd per cell).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CliError, helpText, integerFlag, outputDir, parseArgs, type FlagSpec } from './args';
import type { SweepSpec } from '../train/sweep';

const FLAGS: Record<string, FlagSpec> = {
  out: { type: 'string', description: 'sweep folder (default runs/sweeps/<spec name>)' },
  jobs: { type: 'number', description: 'runs at once, as separate processes (default: the number of cores)' },
  'dry-run': { type: 'boolean', description: 'check the spec and print the plan; run nothing' },
  json: { type: 'boolean', description: 'print the summary as JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

const SYNOPSIS = '<spec.json> [--out <folder>] [--jobs N] [--dry-run] [--json]';

const SPEC_HELP = `spec (JSON): { "name", "preset", "model"?, "data"?, "unlabeled"?, "textCheckpoint"?, "seeds": [≥ 3 seeds],
  "set": { shared overrides }, "grid": { key: [values] } and/or "cells": [ { "name", "model"?, "set": {...} } ] }
  model: mird (default) or a baseline (ef-lstm, tfn, lmf), for every cell or per named cell
  e.g. { "preset": "quick", "seeds": [0, 1, 2], "set": { "maxEpochs": 2 }, "grid": { "constraint": ["mim", "oc", "nc"] } }`;

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${helpText('sweep', SYNOPSIS, FLAGS)}\n\n${SPEC_HELP}\n`);
    return 0;
  }
  if (positional.length !== 1) throw new CliError(positional.length === 0 ? 'give the sweep spec: mird sweep <spec.json>' : `one spec file, got ${positional.length} arguments`);
  const { extendsSpec, parseSweepSpec, readSweepSpec, sweepRuns, trainArgs, summarizeSweep, SWEEP_METRICS } = await import('../train/sweep');
  let spec: SweepSpec;
  try {
    spec = readSweepSpec(positional[0] as string); // reads and checks only: any error is the spec's
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const out = outputDir(String(flags.out ?? join('runs', 'sweeps', spec.name)), '--out');
  const runs = sweepRuns(spec, out);
  const jobs = integerFlag(flags, 'jobs', Math.min(runs.length, availableParallelism()), 1);
  const specText = readFileSync(positional[0] as string, 'utf8');
  const specFile = join(out, 'spec.json');
  if (existsSync(specFile) && JSON.stringify(JSON.parse(readFileSync(specFile, 'utf8'))) !== JSON.stringify(JSON.parse(specText))) {
    // a spec that only adds grid values, cells or seeds grows the sweep; any other change is another sweep
    const previous = parseSweepSpec(readFileSync(specFile, 'utf8'), specFile);
    if (!extendsSpec(previous, spec)) throw new CliError(`${out} holds another sweep (its spec.json differs from ${positional[0]}, and not only by added grid values, cells or seeds); give another --out`);
    process.stderr.write(`${positional[0]} extends the sweep in ${out}: its finished runs are kept\n`);
  }
  const { RunDir } = await import('../train/records');
  const { finishedResult } = await import('../train/run');
  const finished = (dir: string): boolean => {
    try {
      finishedResult(RunDir.open(dir));
      return true;
    } catch {
      return false;
    }
  };
  const todo = runs.filter((r) => !finished(r.dir));
  const plan = `${spec.cells.length} cell(s) × ${spec.seeds.length} seeds = ${runs.length} runs in ${out}: ${runs.length - todo.length} finished, ${todo.filter((r) => existsSync(join(r.dir, 'config.json'))).length} to resume, ${todo.filter((r) => !existsSync(join(r.dir, 'config.json'))).length} to start (${Math.min(jobs, Math.max(1, todo.length))} at a time)`;
  process.stderr.write(`${plan}\n`);
  if (flags['dry-run'] === true) {
    for (const c of spec.cells) process.stdout.write(`${c.id}: mird train ${trainArgs(spec, c).join(' ')} --seed {${spec.seeds.join(',')}}\n`);
    return 0;
  }

  const { initBackend } = await import('../backend');
  await initBackend();
  if (todo.length > 0) {
    // the data source and text host are checked once here, before any child starts
    const { prepareBaselineRun, prepareRun } = await import('../train/setup');
    const first = todo[0] as (typeof todo)[number];
    const runSpec = { preset: spec.preset, ...(spec.data !== undefined ? { data: spec.data } : {}), ...(spec.unlabeled !== undefined ? { unlabeled: spec.unlabeled } : {}), ...(spec.textCheckpoint !== undefined ? { textCheckpoint: spec.textCheckpoint } : {}), seed: first.seed, set: { ...spec.set, ...first.cell.set } };
    const m = first.cell.model;
    await (m === 'mird' ? prepareRun(runSpec) : prepareBaselineRun({ ...runSpec, model: m }));
  }
  const { writeFileAtomic } = await import('../util/files');
  writeFileAtomic(specFile, specText.endsWith('\n') ? specText : `${specText}\n`);

  const { runTrainProcesses } = await import('./children');
  const processes = todo.map((r) => ({
    args: [...trainArgs(spec, r.cell), '--seed', String(r.seed), '--out', r.dir, ...(existsSync(join(r.dir, 'config.json')) ? ['--resume'] : []), '--json'],
    label: `${r.cell.id} seed ${r.seed}`,
    dir: r.dir,
  }));
  const failures = await runTrainProcesses(processes, jobs, {
    env: { ...process.env, MIRD_QUIET: '1' },
    onDone: (p, code, done) => process.stderr.write(`[${done}/${todo.length}] ${p.label}: ${code === 0 ? 'finished' : `FAILED (exit ${code})`}\n`),
  });

  // the tables, from every finished run (also when some failed)
  const { csvField } = await import('../train/records');
  const rows = runs.filter((r) => finished(r.dir)).flatMap((r) => {
    const res = finishedResult(RunDir.open(r.dir));
    // the named cell travels as a table column beside the grid values
    const grid: Record<string, string> = { ...(r.cell.name === null ? {} : { name: r.cell.name }), ...r.cell.grid };
    return (['valid', 'test'] as const).map((split) => ({ cell: r.cell.id, grid, seed: r.seed, split, metrics: res[split] }));
  });
  const gridKeys = [...(spec.cells.some((c) => c.name !== null) ? ['name'] : []), ...spec.gridKeys];
  const runsCsv = [
    ['cell', ...gridKeys, 'seed', 'split', ...SWEEP_METRICS].join(','),
    ...rows.map((r) => [r.cell, ...gridKeys.map((k) => r.grid[k] ?? ''), String(r.seed), r.split, ...SWEEP_METRICS.map((m) => String(r.metrics[m]))].map(csvField).join(',')),
  ];
  writeFileAtomic(join(out, 'runs.csv'), runsCsv.join('\n') + '\n');
  const summary = await summarizeSweep(rows);
  const summaryCsv = [
    ['cell', ...gridKeys, 'split', 'n', ...SWEEP_METRICS.flatMap((m) => [`${m}_mean`, `${m}_sd`, `${m}_vs_best`])].join(','),
    ...summary.map((l) => [l.cell, ...gridKeys.map((k) => l.grid[k] ?? ''), l.split, String(l.n), ...SWEEP_METRICS.flatMap((m) => [String(l.mean[m]), String(l.sd[m]), l.vsBest[m] ?? ''])].map(csvField).join(',')),
  ];
  writeFileAtomic(join(out, 'summary.csv'), summaryCsv.join('\n') + '\n');
  if (flags.json === true) {
    process.stdout.write(JSON.stringify({ out, runs: rows.length / 2, failures, summary }, null, 2) + '\n');
  } else {
    const { textTable } = await import('../viz/display');
    const { formatCell } = await import('../train/sweep-tables');
    const cell = (l: (typeof summary)[number], m: (typeof SWEEP_METRICS)[number]): string => formatCell(l.mean[m] as number, l.sd[m] as number, m, l.vsBest[m]);
    const table = summary.filter((l) => l.split === 'test').map((l) => ({ cell: l.cell, seeds: l.n, 'test Acc2': cell(l, 'acc2_non0'), 'test F1': cell(l, 'f1_non0'), 'test MAE': cell(l, 'mae'), 'test Corr': cell(l, 'corr') }));
    process.stdout.write(`\nsweep ${spec.name} (${spec.preset}${spec.data !== undefined ? `, ${spec.data}` : ''}): test, mean ± sample sd over seeds ${spec.seeds.join(', ')}\n${textTable(table)}\n`);
    process.stdout.write(`* best cell for the metric; ≈ within one standard deviation of it (|Δ mean| ≤ the larger sd of the two); per-seed rows: ${join(out, 'runs.csv')}, summary: ${join(out, 'summary.csv')}\n`);
    process.stdout.write('Acc2/F1: non-zero labels, class = x > 0; MAE and Corr over all test clips; each run selects its epoch on valid MAE and scores test once.\n');
  }
  if (failures.length > 0) throw new Error(`${failures.length} run(s) failed: ${failures.join(', ')} (rerun the same command to retry them; finished runs are kept)`);
  return 0;
}
