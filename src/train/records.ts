// Run records: everything one training run leaves in runs/<id>/.
//   config.json      the resolved run: model + training config, data, text host, seed, backend,
//                    git commit, command, notes (data provenance, leak-guard warnings)
//   log.jsonl        one line per completed epoch: every loss term, every raw MI estimate (never
//                    adjusted), estimator losses, gradient norm, learning rates, seconds, valid metrics
//   state.json       where the run is: completed epochs, steps, best epoch, status — what --resume reads
//   best.safetensors the selected checkpoint (model variables + normalisation stats + configs)
//   last.safetensors the end of the last completed epoch, with optimiser and estimator state (resume)
//   metrics.json     {"valid": {...}, "test": {...}} at the selected epoch (test scored once)
//   predictions.csv  id,label,prediction on the test split
// Every file is written atomically; log.jsonl is rewritten whole (it is small), so a killed
// process never leaves a torn line.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RegressionMetrics } from '../eval/metrics';
import { columnIndex, readCsv } from '../data/csv';
import { writeFileAtomic } from '../util/files';

/** The keys of metrics.json, in order (snake case, as the results tables use). */
export const METRIC_KEYS = ['acc2_non0', 'f1_non0', 'acc2_has0', 'f1_has0', 'mae', 'corr', 'mae_non0', 'corr_non0', 'acc5', 'acc7'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type MetricRecord = Record<MetricKey, number>;

export function metricRecord(m: RegressionMetrics): MetricRecord {
  return {
    acc2_non0: m.acc2Non0, f1_non0: m.f1Non0, acc2_has0: m.acc2Has0, f1_has0: m.f1Has0,
    mae: m.mae, corr: m.corr, mae_non0: m.maeNon0, corr_non0: m.corrNon0, acc5: m.acc5, acc7: m.acc7,
  };
}

export interface EpochLog {
  epoch: number; // 1-based
  steps: number;
  seconds: number;
  /** model and host learning rates at the epoch's last step, estimator rate */
  lr: { model: number; host: number; estimator?: number };
  /** mean over the epoch's steps of each loss term (raw values before logs / α) */
  train: Record<string, number>;
  /** mean raw estimate per MI pair (never adjusted), and their sum */
  mi: Record<string, number>;
  miSum: number | null;
  /** mean estimator learning loss before the first and before the last of the T′ steps */
  estimatorLoss: { first: number; last: number } | null;
  gradNorm: number;
  valid: MetricRecord;
  /** the selection score on valid and whether this epoch became the selected one */
  score: number;
  selected: boolean;
}

export type RunStatus = 'running' | 'finished' | 'failed';

export interface RunState {
  completedEpochs: number;
  globalStep: number;
  bestEpoch: number | null;
  bestScore: number | null;
  epochsWithoutImprovement: number;
  status: RunStatus;
  error?: string;
}

export class RunDir {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A new run folder; an existing non-empty one is an error (use --resume or another --out). */
  static create(dir: string): RunDir {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new Error(`--out ${dir}: exists and is not a folder`);
      if (readdirSync(dir).length > 0) throw new Error(`--out ${dir}: the folder already holds a run; pass --resume to continue it, or choose another --out`);
    }
    mkdirSync(dir, { recursive: true });
    return new RunDir(dir);
  }

  static open(dir: string): RunDir {
    if (!existsSync(join(dir, 'config.json'))) throw new Error(`${dir}: not a run folder (no config.json)`);
    return new RunDir(dir);
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), JSON.stringify(value, null, 2) + '\n');
  }

  readJson<T>(name: string): T {
    const p = this.path(name);
    if (!existsSync(p)) throw new Error(`${p}: not found`);
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as T;
    } catch (err) {
      throw new Error(`${p}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  has(name: string): boolean {
    return existsSync(this.path(name));
  }

  /** Rewrites log.jsonl with exactly these epochs (a resumed run drops lines of unfinished epochs). */
  writeLog(epochs: readonly object[]): void {
    writeFileAtomic(this.path('log.jsonl'), epochs.map((e) => JSON.stringify(e)).join('\n') + (epochs.length > 0 ? '\n' : ''));
  }

  readLog(): EpochLog[] {
    if (!this.has('log.jsonl')) return [];
    return readFileSync(this.path('log.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => {
      try {
        return JSON.parse(l) as EpochLog;
      } catch {
        throw new Error(`${this.path('log.jsonl')} line ${i + 1}: not valid JSON`);
      }
    });
  }

  writePredictions(ids: readonly string[], labels: ArrayLike<number>, predictions: ArrayLike<number>, name = 'predictions.csv'): void {
    const lines = ['id,label,prediction', ...ids.map((id, i) => `${csvField(id)},${labels[i]},${predictions[i]}`)];
    writeFileAtomic(this.path(name), lines.join('\n') + '\n');
  }

  /** What writePredictions wrote: ids, labels and predictions in file order (a missing column is named). */
  readPredictions(name = 'predictions.csv'): { ids: string[]; labels: Float32Array; predictions: Float32Array } {
    const t = readCsv(this.path(name));
    const [ii, li, pi] = ['id', 'label', 'prediction'].map((c) => columnIndex(t, c)) as [number, number, number];
    return {
      ids: t.rows.map((r) => r[ii] as string),
      labels: Float32Array.from(t.rows, (r) => Number(r[li])),
      predictions: Float32Array.from(t.rows, (r) => Number(r[pi])),
    };
  }
}

/** Quotes a CSV field when it holds a comma, quote or newline. */
export function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
