// The committed reference runs of the main job (results/main/): MIRD and the text host alone,
// seeds 0, 1, 2, each a `mird train --seeds` folder whose summary.json holds every seed's metrics.
// Tables for notebooks and the README, beside the reference points on the same split.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MOSI_UTTERANCE_REFERENCES } from '../eval/references';
import { repoPath } from '../paths';
import type { MetricRecord } from './records';
import { summarizeSeeds } from './run';

export interface SeedRunSummary {
  command: string;
  seeds: number[];
  runs: Array<{ seed: number; dir: string; valid: MetricRecord; test: MetricRecord; bestEpoch: number; epochs: number; seconds: number }>;
}

export function mainJobDir(): string {
  return repoPath('results', 'main');
}

/** summary.json of a committed --seeds run folder (e.g. results/main/mird). */
export function readSeedSummary(dir: string): SeedRunSummary {
  const path = join(dir, 'summary.json');
  if (!existsSync(path)) throw new Error(`${path} not found (made by mird train --seeds; see results/main/README.md)`);
  return JSON.parse(readFileSync(path, 'utf8')) as SeedRunSummary;
}

export type TableRow = Record<string, string | number>;

/** One row per seed of a summary: valid and test metrics (Acc2/F1 in %). */
export function seedRows(label: string, s: SeedRunSummary): TableRow[] {
  return s.runs.map((r) => ({
    system: label, seed: r.seed, 'best epoch': `${r.bestEpoch}/${r.epochs}`,
    'valid Acc2': (100 * r.valid.acc2_non0).toFixed(1), 'valid MAE': r.valid.mae.toFixed(3),
    'test Acc2': (100 * r.test.acc2_non0).toFixed(1), 'test F1': (100 * r.test.f1_non0).toFixed(1), 'test MAE': r.test.mae.toFixed(3), 'test Corr': r.test.corr.toFixed(3),
  }));
}

/** Mean ± sd over seeds of the test metrics of each summary, then the reference points on the same split. */
export function comparisonRows(systems: ReadonlyArray<{ label: string; summary: SeedRunSummary }>): TableRow[] {
  const rows: TableRow[] = systems.map(({ label, summary }) => {
    const stats = summarizeSeeds(summary.runs.map((r) => ({ seed: r.seed, split: 'test' as const, metrics: r.test })));
    const t = (k: keyof MetricRecord, pct: boolean): string => {
      const { mean, sd } = stats.find((x) => x.metric === k) as { mean: number; sd: number };
      return pct ? `${(100 * mean).toFixed(1)} ± ${(100 * sd).toFixed(1)}` : `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
    };
    return { system: label, seeds: summary.seeds.join(','), 'test Acc2': t('acc2_non0', true), 'test F1': t('f1_non0', true), 'test MAE': t('mae', false), 'test Corr': t('corr', false), data: 'this repository, measured' };
  });
  for (const r of MOSI_UTTERANCE_REFERENCES) {
    rows.push({
      system: r.system, seeds: '—', 'test Acc2': r.acc2_non0 === null ? '—' : (100 * r.acc2_non0).toFixed(1), 'test F1': r.f1_non0 === null ? '—' : (100 * r.f1_non0).toFixed(1),
      'test MAE': r.mae === null ? '—' : r.mae.toFixed(3), 'test Corr': r.corr === null ? '—' : r.corr.toFixed(3), data: r.note,
    });
  }
  return rows;
}
