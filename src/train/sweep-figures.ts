// The data behind the figures made from a sweep's run folders (scripts/umap-latents.ts,
// scripts/mi-per-epoch.ts, scripts/cases.ts and notebooks 05–06 call these; the vega-lite specs
// are in src/viz/):
//   - Figure 4: UMAP of z^L, z^A, z^V, z^S on the test clips, one map per cell, for one seed;
//   - Figure 5: the raw summed MI estimate per epoch, mean ± sd over seeds, for chosen cells;
//   - Figure 8: three test clips chosen by a stated rule, with truth and each cell's prediction.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSource } from '../data/sources';
import { LATENT_NAMES } from '../eval/disentanglement';
import { umap2d } from '../eval/umap';
import { meanSd } from '../util/stats';
import { latentsOfClips } from './latents';
import { RunDir } from './records';
import { loadRun } from './run';
import { finishedSweepRuns } from './sweep';

export interface LatentMapPoint {
  method: string;
  latent: string;
  clip: string;
  x: number;
  y: number;
}

/** Figure 4: per finished run of `seed`, its four latents on the test clips embedded together (UMAP seeded by `seed`). */
export async function latentMapsOfSweep(sweep: string, seed: number, log: (line: string) => void = () => {}): Promise<{ data: string; points: LatentMapPoint[] }> {
  const runs = finishedSweepRuns(sweep).filter((r) => r.seed === seed);
  if (runs.length === 0) throw new Error(`${sweep}: no finished run of seed ${seed}`);
  const points: LatentMapPoint[] = [];
  let data = '';
  for (const r of runs) {
    const run = await loadRun(r.dir);
    try {
      const ds = run.prepared.data.dataset;
      data = ds.name;
      const clips = ds.splits.test;
      const lat = latentsOfClips(run.model, clips, run.prepared.data, run.prepared.resolved.train.evalBatchSize);
      const xy = umap2d(LATENT_NAMES.flatMap((n) => lat[n]), { seed });
      LATENT_NAMES.forEach((n, k) => clips.forEach((c, i) => {
        const [x, y] = xy[k * clips.length + i] as [number, number];
        points.push({ method: r.label, latent: n, clip: c.id, x, y });
      }));
      log(`${r.label} seed ${seed}: ${4 * clips.length} latent rows mapped`);
    } finally {
      run.model.dispose();
    }
  }
  return { data, points };
}

export interface EpochPoint {
  series: string;
  epoch: number;
  /** seeds that reached this epoch */
  n: number;
  mean: number;
  /** sample sd; NaN with one seed */
  sd: number;
}

/** Figure 5: the raw Σ CLUB estimate (training mean per epoch) of chosen cells, mean ± sd over their seeds. */
export function miPerEpochOfSweep(sweep: string, cells: ReadonlyArray<readonly [cell: string, series: string]>): EpochPoint[] {
  const runs = finishedSweepRuns(sweep);
  const points: EpochPoint[] = [];
  for (const [cell, series] of cells) {
    const mine = runs.filter((r) => r.cell === cell);
    if (mine.length === 0) throw new Error(`${sweep}: no finished run of cell "${cell}" (cells: ${[...new Set(runs.map((r) => r.cell))].join(', ')})`);
    const byEpoch = new Map<number, number[]>();
    for (const r of mine) {
      for (const e of RunDir.open(r.dir).readLog()) {
        if (e.miSum === null) throw new Error(`${r.dir}: epoch ${e.epoch} has no MI estimate (constraint is not mim)`);
        byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), e.miSum]);
      }
    }
    for (const [epoch, xs] of [...byEpoch].sort((a, b) => a[0] - b[0])) {
      const { mean, sd } = meanSd(xs, NaN);
      points.push({ series, epoch, n: xs.length, mean, sd });
    }
  }
  return points;
}

export interface CaseLine {
  /** why the clip is shown */
  case: string;
  clip: string;
  text: string;
  /** 'ground truth' or a cell's label */
  source: string;
  value: number;
  /** |prediction − truth|; null for the truth */
  absError: number | null;
}

/**
 * The three clips of Figure 8, chosen by rule (not by eye) from test predictions: where `focus`
 * beats the best other method by the most (absolute error), where it loses by the most, and the
 * clip whose mean absolute error over all methods is the median (a typical clip).
 */
export function chooseCases(predictions: ReadonlyMap<string, ReadonlyMap<string, number>>, labels: ReadonlyMap<string, number>, focus: string): Array<[kind: string, clip: string]> {
  const methods = [...predictions.keys()];
  if (!methods.includes(focus)) throw new Error(`cases: no predictions of ${focus} (methods: ${methods.join(', ')})`);
  const others = methods.filter((m) => m !== focus);
  if (others.length === 0) throw new Error(`cases: ${focus} needs at least one other method to compare with`);
  const ids = [...labels.keys()].filter((id) => methods.every((m) => predictions.get(m)?.has(id)));
  if (ids.length === 0) throw new Error('cases: no clip has a prediction of every method');
  const err = (m: string, id: string): number => Math.abs((predictions.get(m)?.get(id) as number) - (labels.get(id) as number));
  const margin = (id: string): number => Math.min(...others.map((m) => err(m, id))) - err(focus, id); // > 0: focus wins
  const byMargin = [...ids].sort((a, b) => margin(b) - margin(a) || a.localeCompare(b));
  const meanErr = (id: string): number => methods.reduce((s, m) => s + err(m, id), 0) / methods.length;
  const byMean = [...ids].sort((a, b) => meanErr(a) - meanErr(b) || a.localeCompare(b));
  return [
    [`${focus} wins most`, byMargin[0] as string],
    [`${focus} loses most`, byMargin[byMargin.length - 1] as string],
    ['median clip (mean error of all methods)', byMean[Math.floor(byMean.length / 2)] as string],
  ];
}

/** Figure 8 from a sweep: the test predictions of every finished run of `seed`, the chosen clips and their transcripts. */
export function casesOfSweep(sweep: string, seed: number, focus = 'MIM'): { data: string; lines: CaseLine[] } {
  const runs = finishedSweepRuns(sweep).filter((r) => r.seed === seed);
  if (runs.length === 0) throw new Error(`${sweep}: no finished run of seed ${seed}`);
  const labels = new Map<string, number>();
  const predictions = new Map<string, Map<string, number>>();
  for (const r of runs) {
    const p = RunDir.open(r.dir).readPredictions();
    const m = new Map<string, number>();
    p.ids.forEach((id, i) => {
      m.set(id, p.predictions[i] as number);
      labels.set(id, p.labels[i] as number);
    });
    predictions.set(r.label, m);
  }
  const config = JSON.parse(readFileSync(join((runs[0] as (typeof runs)[number]).dir, 'config.json'), 'utf8')) as { resolved?: { data?: string } };
  const source = config.resolved?.data;
  if (source === undefined) throw new Error(`${runs[0]?.dir}/config.json: no resolved data source`);
  const ds = openSource(source);
  const textOf = new Map([...ds.splits.train, ...ds.splits.valid, ...ds.splits.test].map((c) => [c.id, c.text]));
  const lines: CaseLine[] = [];
  for (const [kind, clip] of chooseCases(predictions, labels, focus)) {
    const text = textOf.get(clip) ?? '';
    const truth = labels.get(clip) as number;
    lines.push({ case: kind, clip, text, source: 'ground truth', value: truth, absError: null });
    for (const [m, p] of predictions) lines.push({ case: kind, clip, text, source: m, value: p.get(clip) as number, absError: Math.abs((p.get(clip) as number) - truth) });
  }
  return { data: ds.name, lines };
}
