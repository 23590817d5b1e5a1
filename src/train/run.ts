// One training run end to end, as `mird train` and the notebooks run it: prepare (every check
// first), then create the run folder, record the resolved run, train (or resume), and return the
// metrics. Several seeds are several runs; `summarizeSeeds` aggregates them.
import { existsSync } from 'node:fs';
import { backendInfo } from '../backend';
import { runInfo, type RunInfo } from '../util/files';
import { normStatsToJson, parseNormStats, type NormStats } from '../data/normalize';
import type { MirdModel } from '../model/mird';
import type { BaselineModel } from '../model/baselines/types';
import { readCheckpoint, restoreParams } from './checkpoint';
import { BaselineTrainer, Trainer, trainLoop, type TrainedModel, type TrainResult } from './loop';
import { METRIC_KEYS, RunDir, type EpochLog, type MetricRecord, type RunState } from './records';
import { prepareBaselineRun, prepareRun, type PreparedBaselineRun, type PreparedRun, type ResolvedBaselineRun, type ResolvedRun, type RunSpec } from './setup';
import { meanSd } from '../util/stats';

export const RUN_FORMAT = 'mird-run/1';

/** config.json of a run folder. */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  spec: RunSpec;
  resolved: ResolvedRun;
  normStats: NormStats;
  notes: string[];
  run: RunInfo;
}

/** config.json of a baseline run (mird train --model ef-lstm | tfn | lmf): the same format, the baseline's resolved run. */
export interface BaselineRunRecord {
  format: typeof RUN_FORMAT;
  spec: RunSpec;
  resolved: ResolvedBaselineRun;
  normStats: NormStats;
  notes: string[];
  run: RunInfo;
}

export type AnyRunRecord = RunRecord | BaselineRunRecord;

export function isBaselineRecord(rec: AnyRunRecord): rec is BaselineRunRecord {
  return (rec.resolved as Partial<ResolvedBaselineRun>).system !== undefined;
}

export interface RunOutcome {
  dir: string | null;
  resolved: ResolvedRun | ResolvedBaselineRun;
  result: TrainResult;
  notes: string[];
  /** true when a finished run was only read back (--resume on a finished run) */
  alreadyFinished: boolean;
}

export interface RunOptions {
  /** run folder; null trains in memory */
  out: string | null;
  /** continue the run in `out` (its config.json decides the run; `spec` must agree) */
  resume?: boolean;
  /** the command line, recorded */
  command?: string;
  onEpoch?: (e: EpochLog) => void;
  label?: string;
  /** a prepared run to reuse (notebooks), instead of preparing `spec` */
  prepared?: PreparedRun | PreparedBaselineRun;
}

/** Metadata every checkpoint of the run carries: enough to rebuild the model and its inputs. */
export function checkpointMetadata(resolved: ResolvedRun | ResolvedBaselineRun, normStats: NormStats): Record<string, string> {
  return { resolved: JSON.stringify(resolved), norm_stats: normStatsToJson(normStats) };
}

function sameSpec(a: RunSpec, b: RunSpec): string | null {
  const keys: Array<keyof RunSpec> = ['model', 'preset', 'data', 'unlabeled', 'textCheckpoint', 'seed'];
  for (const k of keys) if (JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)) return `${k}: the run has ${JSON.stringify(a[k] ?? null)}, the command asks for ${JSON.stringify(b[k] ?? null)}`;
  if (JSON.stringify(a.set ?? {}) !== JSON.stringify(b.set ?? {})) return `--set: the run has ${JSON.stringify(a.set ?? {})}, the command asks for ${JSON.stringify(b.set ?? {})}`;
  return null;
}

/** Reads a run folder's config.json (format checked): a MIRD run or a baseline run. */
export function readAnyRunRecord(dir: string): AnyRunRecord {
  const run = RunDir.open(dir);
  const rec = run.readJson<AnyRunRecord>('config.json');
  if ((rec.format as string) === 'mird-text-host-run/1') throw new Error(`${dir}: a text-host run (mird train --model text-host) has no checkpoint; eval and predict read runs of mird train --model mird | ef-lstm | tfn | lmf`);
  if (rec.format !== RUN_FORMAT) throw new Error(`${run.path('config.json')}: format is ${JSON.stringify(rec.format)}, expected ${RUN_FORMAT} (written by mird train)`);
  rec.normStats = parseNormStats(JSON.stringify(rec.normStats), run.path('config.json') + ' normStats');
  return rec;
}

/** Reads a MIRD run folder's config.json (format checked; a baseline run is an error naming its system). */
export function readRunRecord(dir: string): RunRecord {
  const rec = readAnyRunRecord(dir);
  if (isBaselineRecord(rec)) throw new Error(`${dir}: a ${rec.resolved.system} run (mird train --model ${rec.resolved.system}), not a MIRD run`);
  return rec;
}

/**
 * Trains one seed. With `out` and no `resume`, `out` must be new or empty; with `resume`, the
 * folder's record decides the run and `spec` (if it differs) is an error naming the difference.
 * Every input is checked before the folder is created.
 */
export async function runTraining(spec: RunSpec, options: RunOptions): Promise<RunOutcome> {
  let runSpec = spec;
  if (options.resume === true) {
    if (options.out === null) throw new Error('--resume needs --out <run folder>');
    if (!existsSync(options.out)) throw new Error(`--resume: ${options.out} does not exist`);
    const rec = readAnyRunRecord(options.out);
    const diff = sameSpec(rec.spec, spec);
    if (diff !== null) throw new Error(`--resume ${options.out}: the command does not match the run (${diff}); resume with the run's own settings`);
    runSpec = rec.spec;
  }
  const prepared = options.prepared ?? (runSpec.model === undefined ? await prepareRun(runSpec) : await prepareBaselineRun(runSpec));
  const { resolved, data, normStats, notes } = prepared;
  let run: RunDir | null = null;
  if (options.out !== null) {
    if (options.resume === true) {
      run = RunDir.open(options.out);
      const rec = readAnyRunRecord(options.out);
      if (JSON.stringify(rec.resolved) !== JSON.stringify(resolved)) {
        throw new Error(`--resume ${options.out}: the recorded configuration differs from what these settings resolve to now (data, text host or defaults changed); start a new run`);
      }
    } else {
      run = RunDir.create(options.out);
      const record = { format: RUN_FORMAT, spec: runSpec, resolved, normStats, notes, run: runInfo(options.command ?? 'mird train', backendInfo()) } as AnyRunRecord;
      run.writeJson('config.json', record);
    }
  }
  if (run !== null && run.has('state.json') && run.readJson<RunState>('state.json').status === 'finished' && run.has('metrics.json')) {
    return { dir: run.dir, resolved, result: finishedResult(run), notes, alreadyFinished: true };
  }
  const trainerOptions = { run, checkpointMetadata: checkpointMetadata(resolved, normStats), label: options.label ?? `${runSpec.model ?? 'train'} s${runSpec.seed}`, onEpoch: options.onEpoch };
  const built = isPreparedBaseline(prepared)
    ? { model: prepared.build(runSpec.seed), mi: null }
    : prepared.build(runSpec.seed);
  const trainer = isPreparedBaseline(prepared)
    ? new BaselineTrainer(built.model as BaselineModel, data, prepared.resolved.train, runSpec.seed, trainerOptions)
    : new Trainer(built.model as MirdModel, built.mi, data, prepared.resolved.train, runSpec.seed, trainerOptions);
  try {
    if (options.resume === true) trainer.resume();
    const result = trainer instanceof Trainer ? trainLoop(trainer) : trainLoop(trainer);
    if (result === null) throw new Error('train: stopped before the end');
    return { dir: run?.dir ?? null, resolved, result, notes, alreadyFinished: false };
  } finally {
    trainer.dispose();
    built.model.dispose();
    built.mi?.dispose();
  }
}

function isPreparedBaseline(p: PreparedRun | PreparedBaselineRun): p is PreparedBaselineRun {
  return (p.resolved as Partial<ResolvedBaselineRun>).system !== undefined;
}

/** The result of a finished run read back from its folder (no training). */
export function finishedResult(run: RunDir): TrainResult {
  const metrics = run.readJson<{ valid: MetricRecord; test: MetricRecord }>('metrics.json');
  const state = run.readJson<RunState>('state.json');
  const log = run.readLog();
  const raw = run.readJson<{ resolved?: { train?: { maxEpochs?: number } } }>('config.json');
  const maxEpochs = raw.resolved?.train?.maxEpochs;
  return {
    log, bestEpoch: state.bestEpoch ?? 0, valid: metrics.valid, test: metrics.test,
    testPredictions: null,
    stoppedEarly: maxEpochs !== undefined && state.completedEpochs < maxEpochs, seconds: log.reduce((a, e) => a + (e.seconds ?? 0), 0),
  };
}

export interface SeedRow {
  seed: number;
  split: 'valid' | 'test';
  metrics: MetricRecord;
}

export interface SummaryRow {
  split: 'valid' | 'test';
  metric: string;
  mean: number;
  sd: number;
  n: number;
}

/** Mean and sample standard deviation over seeds of every metric, per split. */
export function summarizeSeeds(rows: readonly SeedRow[]): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const split of ['valid', 'test'] as const) {
    const r = rows.filter((x) => x.split === split);
    if (r.length === 0) continue;
    for (const k of METRIC_KEYS) {
      const xs = r.map((x) => x.metrics[k]);
      out.push({ split, metric: k, ...meanSd(xs), n: xs.length });
    }
  }
  return out;
}

export interface LoadedRun {
  dir: string;
  record: RunRecord;
  /** the run's data (or `options.data`), prepared with the run's normalisation and text host */
  prepared: PreparedRun;
  /** the model with the selected checkpoint's weights; the caller disposes it */
  model: MirdModel;
  /** the checkpoint's epoch */
  epoch: number;
}

/** First field where two model configs differ, as "field: a vs b". */
function configDifference(a: Record<string, unknown>, b: Record<string, unknown>, prefix = ''): string | null {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k];
    const y = b[k];
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
      const d = configDifference(x as Record<string, unknown>, y as Record<string, unknown>, `${prefix}${k}.`);
      if (d !== null) return d;
    } else if (JSON.stringify(x) !== JSON.stringify(y)) return `${prefix}${k}: the run's model has ${JSON.stringify(x)}, this data gives ${JSON.stringify(y)}`;
  }
  return null;
}

/**
 * A trained run ready to predict: its record, its data (or another source, normalised with the
 * run's statistics), and the model with the selected checkpoint. A checkpoint or data that does
 * not fit the run's configuration, or a text host whose vocabulary changed, is an error naming it.
 */
export async function loadRun(dir: string, options: { data?: string } = {}): Promise<LoadedRun> {
  const record = readRunRecord(dir);
  const loaded = await loadTrainedRun(dir, options);
  return { ...loaded, record, prepared: loaded.prepared as PreparedRun, model: loaded.model as MirdModel };
}

export interface LoadedAnyRun {
  dir: string;
  record: AnyRunRecord;
  prepared: PreparedRun | PreparedBaselineRun;
  /** MIRD or the baseline, with the selected checkpoint's weights; the caller disposes it */
  model: TrainedModel;
  epoch: number;
}

/** loadRun for any run of mird train (MIRD or a baseline): what eval and predict read. */
export async function loadTrainedRun(dir: string, options: { data?: string } = {}): Promise<LoadedAnyRun> {
  const record = readAnyRunRecord(dir);
  const run = RunDir.open(dir);
  if (!run.has('best.safetensors')) throw new Error(`${dir}: no selected checkpoint yet (best.safetensors; the run has not completed an epoch)`);
  const spec: RunSpec = options.data === undefined ? record.spec : { ...record.spec, data: options.data, unlabeled: null };
  const prepareOptions = { normStats: record.normStats, leakGuard: options.data === undefined ? 'refuse' as const : 'warn' as const };
  const prepared = spec.model === undefined ? await prepareRun(spec, prepareOptions) : await prepareBaselineRun(spec, prepareOptions);
  if (prepared.resolved.textHost.vocab !== record.resolved.textHost.vocab) {
    throw new Error(`${dir}: the text host's vocabulary changed since the run (${record.resolved.textHost.vocab} then, ${prepared.resolved.textHost.vocab} now); its token ids would not mean the same`);
  }
  const diff = configDifference(record.resolved.model as unknown as Record<string, unknown>, prepared.resolved.model as unknown as Record<string, unknown>);
  if (diff !== null) throw new Error(`${dir}: ${diff}`);
  if (isBaselineRecord(record) && isPreparedBaseline(prepared)) {
    const d = configDifference(record.resolved.inputs, prepared.resolved.inputs);
    if (d !== null) throw new Error(`${dir}: inputs ${d}`);
  }
  const ck = readCheckpoint(run.path('best.safetensors'));
  let model: TrainedModel;
  if (isPreparedBaseline(prepared)) {
    model = prepared.build(record.spec.seed);
  } else {
    const built = prepared.build(record.spec.seed);
    built.mi?.dispose();
    model = built.model;
  }
  try {
    restoreParams(ck, 'model.', model.namedVariables());
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { dir, record, prepared, model, epoch: Number(ck.metadata.epoch) };
}
