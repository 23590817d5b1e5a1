// mird sweep: the spec is refused before anything runs when it is wrong (naming the field), the
// cells are the cartesian product (crossed with named cells), the summary's mean ± sample sd
// comes from danfojs and agrees with a hand computation, and an end-to-end quick sweep runs,
// resumes (finished runs are skipped, a missing one is rerun) and refuses another spec's folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extendsSpec, parseSweepSpec, summarizeSweep, sweepRuns, trainArgs, type RunMetrics } from '../src/train/sweep';
import type { MetricRecord } from '../src/train/records';
import { BASELINE_KINDS } from '../src/model/baselines/kinds';

const root = process.cwd();
const spec = (o: object): string => JSON.stringify(o);

test('sweep spec: the grid is a cartesian product, crossed with named cells, each cell a folder and a mird train command', () => {
  const s = parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], set: { maxEpochs: 2 }, grid: { alpha: [0.1, 1], constraint: ['mim', 'oc'] }, cells: [{ name: 'full', set: {} }, { name: 'mirl1', set: { splitRate: 0 } }] }), 'ab.json');
  assert.equal(s.name, 'ab');
  assert.equal(s.cells.length, 2 * 2 * 2);
  assert.deepEqual(s.gridKeys, ['alpha', 'constraint']);
  assert.deepEqual(s.cells.map((c) => c.id).slice(0, 4), ['full_alpha=0.1_constraint=mim', 'full_alpha=0.1_constraint=oc', 'full_alpha=1_constraint=mim', 'full_alpha=1_constraint=oc']);
  const c = s.cells[5]!;
  assert.equal(c.name, 'mirl1');
  assert.deepEqual(trainArgs(s, c), ['--preset', 'quick', '--set', 'maxEpochs=2', '--set', 'splitRate=0', '--set', 'alpha=0.1', '--set', 'constraint=oc']);
  const runs = sweepRuns(s, 'out');
  assert.equal(runs.length, 8 * 3);
  assert.equal(runs[4]!.dir, join('out', 'full_alpha=0.1_constraint=oc', 'seed-1'));
  const lists = parseSweepSpec(spec({ preset: 'quick', seeds: [3, 4, 5], cells: [{ name: 'latent-only', set: { miPairs: ['text-audio', 'shared-text'] } }] }));
  assert.equal(lists.cells[0]!.set.miPairs, 'text-audio,shared-text');
});

test('sweep spec with baselines: a cell (or the spec) names its system; its keys are checked against that system', () => {
  const s = parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], set: { maxEpochs: 1 }, cells: [{ name: 'mird', set: {} }, { name: 'tfn', model: 'tfn', set: { postFusionDim: 8 } }] }));
  assert.deepEqual(s.cells.map((c) => [c.id, c.model]), [['mird', 'mird'], ['tfn', 'tfn']]);
  assert.deepEqual(trainArgs(s, s.cells[1]!), ['--model', 'tfn', '--preset', 'quick', '--set', 'maxEpochs=1', '--set', 'postFusionDim=8']);
  assert.deepEqual(trainArgs(s, s.cells[0]!), ['--preset', 'quick', '--set', 'maxEpochs=1']);
  const all = parseSweepSpec(spec({ preset: 'quick', model: 'lmf', seeds: [0, 1, 2], grid: { rank: [2, 4] } }));
  assert.deepEqual(all.cells.map((c) => c.model), ['lmf', 'lmf']);
  assert.throws(() => parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], cells: [{ name: 'x', model: 'tfn', set: { alpha: 1 } }] })), /field cells "x": alpha: a MIRD training key .* does not apply to --model tfn/);
  assert.throws(() => parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], cells: [{ name: 'x', model: 'tfn', set: { postFusionDim: 0 } }] })), /field cells "x": .*postFusionDim must be a positive integer/);
  assert.throws(() => parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], model: 'tfm', grid: { lr: [0.001] } })), new RegExp(`field model: expected one of ${['mird', ...BASELINE_KINDS].join(', ')}, got "tfm"`));
});

test('sweep spec extension: added grid values, cells or seeds extend a sweep; a changed setting does not', () => {
  const base = parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], set: { maxEpochs: 2 }, grid: { alpha: [0.1, 1] } }));
  assert.ok(extendsSpec(base, parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2, 3], set: { maxEpochs: 2 }, grid: { alpha: [0.1, 1, 10] } }))));
  assert.ok(!extendsSpec(base, parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], set: { maxEpochs: 3 }, grid: { alpha: [0.1, 1, 10] } }))), 'a shared setting changed');
  assert.ok(!extendsSpec(base, parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 3], set: { maxEpochs: 2 }, grid: { alpha: [0.1, 1] } }))), 'a seed dropped');
  assert.ok(!extendsSpec(base, parseSweepSpec(spec({ preset: 'quick', seeds: [0, 1, 2], set: { maxEpochs: 2 }, grid: { alpha: [1, 10] } }))), 'a cell dropped');
});

test('sweep spec: every mistake is refused before anything runs, naming the field', () => {
  const bad: Array<[object | string, RegExp]> = [
    ['{ not json', /not valid JSON/],
    [{ preset: 'quick', seeds: [0, 1, 2], grid: { alpha: [1] }, extra: 1 }, /field extra: unknown key \(known: name, preset/],
    [{ preset: 'quick', seeds: [0, 1, 2], grid: {} }, /field grid: expected a non-empty object/],
    [{ preset: 'quick', seeds: [0, 1, 2], grid: { alpha: [] } }, /field grid\.alpha: expected a non-empty list/],
    [{ preset: 'quick', seeds: [0, 1, 2] }, /needs "grid" or "cells"/],
    [{ preset: 'quick', seeds: [0, 1], grid: { alpha: [1] } }, /field seeds: at least 3 seeds/],
    [{ preset: 'quick', seeds: [0, 1, 1], grid: { alpha: [1] } }, /field seeds: repeated seed/],
    [{ preset: 'quick', seeds: [0, -1, 2], grid: { alpha: [1] } }, /field seeds: expected a list of non-negative integer seeds/],
    [{ preset: 'fast', seeds: [0, 1, 2], grid: { alpha: [1] } }, /field preset: expected one of main, paper, small, quick/],
    [{ preset: 'quick', seeds: [0, 1, 2], grid: { alhpa: [1] } }, /field grid \(alhpa=1\): alhpa: unknown key/],
    [{ preset: 'quick', seeds: [0, 1, 2], grid: { constraint: ['mim', 'orthogonal'] } }, /field grid \(constraint=orthogonal\): .*constraint/],
    [{ preset: 'quick', seeds: [0, 1, 2], grid: { lr: ['fast'] } }, /field grid \(lr=fast\): .*lr must be a number/],
    [{ preset: 'quick', seeds: [0, 1, 2], set: { alpha: 1 }, grid: { alpha: [1, 2] } }, /field grid\.alpha: also in "set"/],
    [{ preset: 'quick', seeds: [0, 1, 2], cells: [{ name: 'a', set: {} }, { name: 'a', set: {} }] }, /field cells\[1\]\.name: "a" is used twice/],
    [{ preset: 'quick', seeds: [0, 1, 2], cells: [{ name: 'a', set: { alpha: { x: 1 } } }] }, /field cells\[0\]\.set\.alpha: expected a number/],
    [{ preset: 'quick', seeds: [0, 1, 2], cells: [{ name: 'a', set: { alpha: 2 } }], grid: { alpha: [1] } }, /field grid\.alpha: also set by cell "a"/],
  ];
  for (const [s, re] of bad) assert.throws(() => parseSweepSpec(typeof s === 'string' ? s : spec(s), 'x.json'), re, JSON.stringify(s));
});

const metrics = (acc: number, mae: number): MetricRecord => ({ acc2_non0: acc, f1_non0: acc, acc2_has0: acc, f1_has0: acc, mae, corr: 0.5, mae_non0: mae, corr_non0: 0.5, acc5: 0, acc7: 0 });

test('sweep summary: danfojs mean and sample sd per cell equal the hand computation; best / within 1 sd / worse per metric (MAE: lower is better)', async () => {
  const rows: RunMetrics[] = [];
  const add = (cell: string, accs: number[], maes: number[]): void => accs.forEach((a, i) => {
    for (const split of ['valid', 'test'] as const) rows.push({ cell, grid: { k: cell }, seed: i, split, metrics: metrics(a, maes[i] as number) });
  });
  add('a', [0.70, 0.74, 0.72], [1.00, 0.96, 0.98]); // mean 0.72 sd 0.02; MAE mean 0.98 sd 0.02
  add('b', [0.71, 0.73, 0.75], [0.90, 0.94, 0.92]); // mean 0.73 sd 0.02; MAE mean 0.92 (best)
  add('c', [0.60, 0.61, 0.62], [1.20, 1.21, 1.22]); // far below
  const s = await summarizeSweep(rows);
  assert.deepEqual(s.map((l) => `${l.cell}/${l.split}`), ['a/valid', 'a/test', 'b/valid', 'b/test', 'c/valid', 'c/test']);
  const t = (cell: string) => s.find((l) => l.cell === cell && l.split === 'test')!;
  assert.equal(t('a').n, 3);
  assert.ok(Math.abs(t('a').mean.acc2_non0! - 0.72) < 1e-12);
  assert.ok(Math.abs(t('a').sd.acc2_non0! - 0.02) < 1e-12, `sample sd ${t('a').sd.acc2_non0}`);
  assert.equal(t('b').vsBest.acc2_non0, 'best');
  assert.equal(t('a').vsBest.acc2_non0, 'within 1 sd');
  assert.equal(t('c').vsBest.acc2_non0, 'worse');
  assert.equal(t('b').vsBest.mae, 'best');
  assert.equal(t('a').vsBest.mae, 'worse'); // 0.06 apart, sds 0.02
  assert.deepEqual(t('c').grid, { k: 'c' });
});

test('mird sweep end to end (quick preset, 2 cells × 3 seeds): tables, then a rerun skips finished runs and reruns a missing one; another spec in the same folder is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-sweep-'));
  try {
    const file = join(dir, 'c.json');
    writeFileSync(file, spec({ preset: 'quick', seeds: [0, 1, 2], set: { maxEpochs: 1 }, grid: { constraint: ['mim', 'nc'] } }));
    const out = join(dir, 'out');
    const env = { ...process.env, MIRD_QUIET: '1' };
    const sweep = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'mird.js'), 'sweep', ...args], { cwd: root, encoding: 'utf8', env });
    const r = sweep(file, '--out', out, '--jobs', '2');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /2 cell\(s\) × 3 seeds = 6 runs .*0 finished, 0 to resume, 6 to start/);
    assert.match(r.stdout, /constraint=mim\s+3\s+\d+\.\d ± \d+\.\d/);
    const runsCsv = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    assert.equal(runsCsv[0], 'cell,constraint,seed,split,acc2_non0,f1_non0,mae,corr,acc2_has0,f1_has0');
    assert.equal(runsCsv.length, 1 + 6 * 2);
    const summary = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
    assert.equal(summary.length, 1 + 2 * 2);
    assert.match(summary[0]!, /^cell,constraint,split,n,acc2_non0_mean,acc2_non0_sd,acc2_non0_vs_best,/);
    // the summary's test MAE of cell mim is the mean of its three runs' test MAE
    const mae = runsCsv.slice(1).map((l) => l.split(',')).filter((f) => f[0] === 'constraint=mim' && f[3] === 'test').map((f) => Number(f[6]));
    const line = summary.slice(1).map((l) => l.split(',')).find((f) => f[0] === 'constraint=mim' && f[2] === 'test')!;
    assert.ok(Math.abs(Number(line[10]) - mae.reduce((a, b) => a + b, 0) / 3) < 1e-9);
    rmSync(join(out, 'constraint=nc', 'seed-1'), { recursive: true });
    const again = sweep(file, '--out', out);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /5 finished, 0 to resume, 1 to start/);
    assert.ok(existsSync(join(out, 'constraint=nc', 'seed-1', 'metrics.json')));
    // the results scripts on this sweep: a table of chosen rows (Tables 4, 6), Figs. 5, 4 and 8
    const script = (name: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', name), ...args], { cwd: root, encoding: 'utf8', env });
    const table = join(dir, 't.csv');
    const t = script('collect-sweeps.ts', '--rows', '--out', table, `syn=${out}@constraint=nc:no-mim,constraint=mim:full`);
    assert.equal(t.status, 0, t.stderr);
    const rows = readFileSync(table, 'utf8').trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(rows.map((r) => r.slice(0, 6).join(',')), ['data,row,sweep,cell,split,n', 'syn,no-mim,out,constraint=nc,test,3', 'syn,full,out,constraint=mim,test,3']);
    assert.equal(rows[0]![12], 'mae_mean');
    assert.ok(Math.abs(Number(rows[2]![12]) - Number(line[10])) < 1e-12, 'the row mean equals the sweep summary mean');
    assert.ok(existsSync(join(dir, 't.out.runs.csv')) && existsSync(join(dir, 't.out.spec.json')));
    const { readResultsTable, displayRows } = await import('../src/train/sweep-tables');
    const read = readResultsTable(table);
    assert.deepEqual(read.map((r) => [r.data, r.row, r.cell, r.n]), [['syn', 'no-mim', 'constraint=nc', 3], ['syn', 'full', 'constraint=mim', 3]]);
    const shown = displayRows(read, ['mae'], { full: 'MIRD (full)' });
    assert.equal(shown[1]!.row, 'MIRD (full)');
    assert.match(String(shown[1]!.MAE), new RegExp(`^${Number(line[10]).toFixed(3)} ± \\d\\.\\d{3}( \\*| ≈)?$`));
    assert.match(script('collect-sweeps.ts', '--rows', '--out', table, `syn=${out}@constraint=oc:x`).stderr, /no cell "constraint=oc" \(cells: constraint=mim, constraint=nc\)/);
    const f5 = script('mi-per-epoch.ts', '--sweep', out, '--cells', 'constraint=mim:with MIM', '--out', join(dir, 'f5'));
    assert.equal(f5.status, 0, f5.stderr);
    assert.match(readFileSync(join(dir, 'f5.csv'), 'utf8'), /^series,epoch,n,mean,sd\nwith MIM,1,3,-?\d+\.\d{5},\d+\.\d{5}\n$/);
    assert.match(script('mi-per-epoch.ts', '--sweep', out, '--cells', 'constraint=nc:x', '--out', join(dir, 'f5')).stderr, /epoch 1 has no MI estimate/);
    const f4 = script('umap-latents.ts', '--sweep', out, '--seed', '0', '--out', join(dir, 'f4'));
    assert.equal(f4.status, 0, f4.stderr);
    const umapRows = readFileSync(join(dir, 'f4.csv'), 'utf8').trim().split('\n');
    assert.equal(umapRows.length, 1 + 2 * 4 * 128); // NC and MIM × 4 latents × 128 test clips
    assert.ok(existsSync(join(dir, 'f4.png')) && readFileSync(join(dir, 'f4.svg'), 'utf8').includes('z^S (shared)'));
    const f8 = script('cases.ts', '--sweep', out, '--seed', '0', '--out', join(dir, 'f8'));
    assert.equal(f8.status, 0, f8.stderr);
    const cases = readFileSync(join(dir, 'f8.csv'), 'utf8').trim().split('\n');
    assert.equal(cases.length, 1 + 3 * 3); // 3 clips × (truth, MIM, NC)
    assert.match(cases[1]!, /^MIM wins most,/);
    const other = join(dir, 'other.json');
    writeFileSync(other, spec({ preset: 'quick', seeds: [0, 1, 2], grid: { alpha: [1, 2] } }));
    const refused = sweep(other, '--out', out);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /holds another sweep/);
    // a spec that only adds a grid value grows the same folder: the finished runs are kept
    const grown = join(dir, 'grown.json');
    writeFileSync(grown, spec({ preset: 'quick', seeds: [0, 1, 2], set: { maxEpochs: 1 }, grid: { constraint: ['mim', 'nc', 'oc'] } }));
    const plan = sweep(grown, '--out', out, '--dry-run');
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stderr, /extends the sweep in .*: its finished runs are kept/);
    assert.match(plan.stderr, /3 cell\(s\) × 3 seeds = 9 runs .*6 finished, 0 to resume, 3 to start/);
    const badSpec = join(dir, 'bad.json');
    writeFileSync(badSpec, spec({ preset: 'quick', seeds: [0, 1, 2], grid: { alpha: [] } }));
    const bad = sweep(badSpec, '--out', join(dir, 'never'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bad\.json, field grid\.alpha: expected a non-empty list/);
    assert.ok(!existsSync(join(dir, 'never')), 'a refused spec writes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('results tables read back: a whole-sweep table (results/table5.csv) and formatted cells', async () => {
  const { readResultsTable, formatCell, displayRows } = await import('../src/train/sweep-tables');
  const rows = readResultsTable(join(root, 'results', 'table5.csv'));
  assert.deepEqual(rows.map((r) => `${r.data}/${r.row}`), ['synthetic/constraint=nc', 'synthetic/constraint=oc', 'synthetic/constraint=mim', 'mosi/constraint=nc', 'mosi/constraint=oc', 'mosi/constraint=mim']);
  assert.equal(formatCell(0.8567, 0.0046, 'acc2_non0', 'best'), '85.7 ± 0.5 *');
  assert.equal(formatCell(0.8971, 0.0151, 'mae', 'within 1 sd'), '0.897 ± 0.015 ≈');
  assert.equal(formatCell(0.5, NaN, 'corr'), '0.500 ± —');
  assert.deepEqual(Object.keys(displayRows(rows)[0]!), ['data', 'row', 'seeds', 'Acc2 (%)', 'F1 (%)', 'MAE', 'Corr']);
  const bad = join(mkdtempSync(join(tmpdir(), 'mird-tab-')), 'x.csv');
  writeFileSync(bad, 'cell,split,n\na,test,3\n');
  assert.throws(() => readResultsTable(bad), /x\.csv: no column "acc2_non0_mean"/);
});

test('Figure 8 cases are chosen by rule: the largest win and loss of the focus method, the median clip', async () => {
  const { chooseCases } = await import('../src/train/sweep-figures');
  const labels = new Map([['a', 1], ['b', -1], ['c', 2], ['d', 0.5], ['e', -2]]);
  const preds = new Map([
    ['MIM', new Map([['a', 1], ['b', 1], ['c', 2], ['d', 0.5], ['e', -1]])], // errors 0, 2, 0, 0, 1
    ['NC', new Map([['a', -1], ['b', -1], ['c', 1.5], ['d', 0.5], ['e', -2]])], // errors 2, 0, .5, 0, 0
  ]);
  // margins (NC error − MIM error): a 2, b −2, c .5, d 0, e −1; mean errors: a 1, b 1, c .25, d 0, e .5
  assert.deepEqual(chooseCases(preds, labels, 'MIM'), [['MIM wins most', 'a'], ['MIM loses most', 'b'], ['median clip (mean error of all methods)', 'e']]);
  assert.throws(() => chooseCases(preds, labels, 'OC'), /no predictions of OC \(methods: MIM, NC\)/);
  assert.throws(() => chooseCases(new Map([['MIM', preds.get('MIM')!]]), labels, 'MIM'), /at least one other method/);
});

test('sweep figure spec: mean ± sd per swept value, one line per series, renders with its axis titles', async () => {
  const { sweepLineSpec } = await import('../src/viz/sweep');
  const { renderSvg } = await import('../src/viz/render');
  const spec = sweepLineSpec([{ series: 'all-pairs', x: 0.01, mean: 0.6, sd: 0.05 }, { series: 'all-pairs', x: 1, mean: 0.7, sd: 0.02 }, { series: 'latent-pairs', x: 0.01, mean: 0.8, sd: 0.01 }], { xTitle: 'alpha', yTitle: 'test acc2', title: 'Acc2 against alpha', logX: true }) as { data: { values: Array<{ lo: number; hi: number }> } };
  assert.deepEqual(spec.data.values.map((v) => [Number(v.lo.toFixed(6)), Number(v.hi.toFixed(6))]), [[0.55, 0.65], [0.68, 0.72], [0.79, 0.81]]);
  const svg = await renderSvg(spec as never);
  for (const s of ['alpha', 'test acc2', 'all-pairs', 'latent-pairs']) assert.ok(svg.includes(s), s);
});
